"""`manage.py backup [--keep N]`: dump the database and write its manifest (docs/operations.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from villesolidaire.core.backups import BackupError, backup, prune


class Command(BaseCommand):
    help = (
        "Sauvegarde la base (PostgreSQL : pg_dump -Fc ; SQLite : sauvegarde en ligne) et écrit son manifeste "
        "(empreintes des clés, jamais les clés) dans VS_BACKUP_DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="Dossier des sauvegardes (par défaut VS_BACKUP_DIR).")
        parser.add_argument("--keep", type=int, help="Ne garder que les N sauvegardes les plus récentes.")

    def handle(self, *args, dir: Path | None, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep doit être un entier au moins égal à 1 (la dernière sauvegarde est gardée).")
        directory = dir or Path(settings.VS_BACKUP_DIR)
        try:
            manifest = backup(directory)
            removed = prune(directory, keep=keep) if keep else []
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Sauvegarde écrite : {manifest.with_suffix('')}.* (manifeste {manifest.name}).")
        if removed:
            self.stdout.write(f"Rétention : {len(removed)} fichier(s) ancien(s) supprimé(s) (--keep {keep}).")

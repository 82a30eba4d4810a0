"""`manage.py restore [manifest] [--target URL] [--force]`: restore a backup and prove the keys read it.

Stop the web server and the task worker before restoring into the database they use.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from villesolidaire.core.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde (vérifie son empreinte SHA-256 et les clés de VS_DATA_KEYS), puis relit "
        "une valeur chiffrée pour prouver que les clés la déchiffrent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "backup",
            nargs="?",
            type=Path,
            help="Manifeste (.json) ou fichier de sauvegarde ; par défaut le plus récent.",
        )
        parser.add_argument("--dir", type=Path, help="Dossier des sauvegardes (par défaut VS_BACKUP_DIR).")
        parser.add_argument(
            "--target",
            help="Base cible (postgres://…/nom ou sqlite:///chemin) ; par défaut DATABASE_URL. "
            "Une base PostgreSQL absente est créée.",
        )
        parser.add_argument("--force", action="store_true", help="Remplacer le contenu d'une base cible non vide.")

    def handle(self, *args, backup: Path | None, dir: Path | None, target: str | None, force: bool, **options):
        try:
            name = restore(
                backup,
                directory=dir or Path(settings.VS_BACKUP_DIR),
                target_url=target,
                force=force,
                log=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restauration terminée dans {name}."))

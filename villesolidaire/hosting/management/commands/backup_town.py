"""`manage.py backup_town <schema> [--dir PATH] [--keep N]`: one town's dump and manifest (docs/hosting.md)."""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.core.backups import BackupError
from villesolidaire.hosting.backups import backup_town, prune_town_backups, town_backup_dir
from villesolidaire.hosting.models import Tenant
from villesolidaire.hosting.services import HostingError, towns


class Command(BaseCommand):
    help = (
        "Sauvegarde une commune hébergée (pg_dump de son schéma) et écrit son manifeste : domaines, codes INSEE, "
        "clés de la commune chiffrées par la clé de l'hébergeur, empreintes, migrations, nombre de lignes."
    )

    def add_arguments(self, parser):
        parser.add_argument("schema", nargs="?", help="Schéma de la commune (ex. town_saint_malo).")
        parser.add_argument("--all", action="store_true", help="Sauvegarder chaque commune, l'une après l'autre.")
        parser.add_argument("--dir", type=Path, help="Dossier des sauvegardes (par défaut VS_BACKUP_DIR/towns).")
        parser.add_argument(
            "--keep", type=int, help="Ne garder que les N sauvegardes les plus récentes de la commune."
        )

    def handle(self, *args, schema: str | None, all: bool, dir: Path | None, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep doit être un entier au moins égal à 1 (la dernière sauvegarde est gardée).")
        if bool(schema) == all:
            raise CommandError("Indiquez le schéma d'une commune, ou --all pour toutes.")
        if not all:
            error = self._backup(self._tenant(schema), dir or town_backup_dir(), keep)
            if error:
                raise CommandError(error)
            return
        failed = []
        for tenant in towns():
            error = self._backup(tenant, dir or town_backup_dir(), keep)
            if error:  # reported, and the next towns are still backed up
                self.stderr.write(f"{tenant.schema_name} : {error}")
                failed.append(tenant.schema_name)
        if failed:
            raise CommandError(f"Sauvegarde en échec pour : {', '.join(failed)}.")

    def _tenant(self, schema: str) -> Tenant:
        try:
            return towns().get(schema_name=schema)
        except Tenant.DoesNotExist as exc:
            raise CommandError(f"Aucune commune hébergée n'a le schéma {schema!r}.") from exc

    def _backup(self, tenant: Tenant, directory: Path, keep: int | None) -> str:
        """Back up one town; returns why it failed, or an empty string."""
        try:
            manifest = backup_town(tenant, directory, actor=f"commande ({getpass.getuser()})")
            removed = prune_town_backups(tenant.schema_name, directory, keep=keep) if keep else []
        except (BackupError, HostingError) as exc:
            return str(exc)
        self.stdout.write(
            f"Sauvegarde de {tenant.name} écrite : {manifest.with_suffix('')}.* (manifeste {manifest.name})."
        )
        if removed:
            self.stdout.write(f"Rétention : {len(removed)} fichier(s) ancien(s) supprimé(s) (--keep {keep}).")
        return ""

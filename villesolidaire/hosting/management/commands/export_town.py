"""`manage.py export_town <schema> [--dir PATH]`: everything of one town, for its mayor (docs/hosting.md)."""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.core.backups import BackupError
from villesolidaire.hosting.backups import KEYS_FILE, export_dir, export_town
from villesolidaire.hosting.models import Tenant
from villesolidaire.hosting.services import HostingError, towns


class Command(BaseCommand):
    help = (
        "Export complet d'une commune pour son maire (responsable de traitement) : sauvegarde de son schéma, "
        "manifeste, clés de chiffrement EN CLAIR et README, dans un fichier zip."
    )

    def add_arguments(self, parser):
        parser.add_argument("schema", help="Schéma de la commune (ex. town_saint_malo).")
        parser.add_argument("--dir", type=Path, help="Dossier de l'export (par défaut VS_BACKUP_DIR/exports).")

    def handle(self, *args, schema: str, dir: Path | None, **options):
        try:
            tenant = towns().get(schema_name=schema)
        except Tenant.DoesNotExist as exc:
            raise CommandError(f"Aucune commune hébergée n'a le schéma {schema!r}.") from exc
        try:
            path = export_town(tenant, dir or export_dir(), actor=f"commande ({getpass.getuser()})")
        except (BackupError, HostingError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Export de {tenant.name} écrit : {path}")
        self.stderr.write(
            self.style.WARNING(
                f"ATTENTION : ce fichier contient les clés de chiffrement du registre EN CLAIR ({KEYS_FILE}). "
                "Quiconque le détient lit tout le registre de la commune. Remettez-le au maire par un moyen "
                "sûr (support chiffré, remise en main propre), jamais par e-mail non chiffré, puis supprimez-le "
                "de ce serveur."
            )
        )

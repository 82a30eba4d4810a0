"""`manage.py restore_town <manifest.json> [--schema NEW] [--domain D ...] [--force] [--keys FILE]`.

Restores one town's backup on this host (docs/hosting.md), then reads encrypted values back under
the town's keys to prove they open.
"""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.core.backups import BackupError
from villesolidaire.hosting.backups import KEYS_FILE, restore_town
from villesolidaire.hosting.services import HostingError


class Command(BaseCommand):
    help = (
        "Restaure la sauvegarde d'une commune (vérifie son empreinte SHA-256 et les clés), recrée la commune et "
        "ses domaines, puis relit des valeurs chiffrées pour prouver que ses clés les ouvrent."
    )

    def add_arguments(self, parser):
        parser.add_argument("manifest", type=Path, help="Manifeste (.json) écrit par backup_town ou export_town.")
        parser.add_argument(
            "--schema", default="", help="Restaurer sous ce nom de schéma (par défaut celui d'origine)."
        )
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            help="Domaine(s) de la commune restaurée (répétable ; le premier est principal). Par défaut ceux "
            "du manifeste.",
        )
        parser.add_argument("--force", action="store_true", help="Supprimer d'abord la commune qui a ce schéma.")
        parser.add_argument(
            "--keys", type=Path, help=f"Fichier des clés de la commune en clair ({KEYS_FILE}, dans un export)."
        )

    def handle(self, *args, manifest: Path, schema: str, domain: list[str], force: bool, keys: Path | None, **options):
        domains = [d for value in domain for d in value.split(",")]
        try:
            tenant = restore_town(
                manifest,
                schema=schema,
                domains=domains,
                force=force,
                keys_file=keys,
                actor=f"commande ({getpass.getuser()})",
                log=self.stdout.write,
            )
        except (BackupError, HostingError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restauration terminée : {tenant.name}, schéma {tenant.schema_name}, "
                f"domaine(s) {', '.join(d.domain for d in tenant.domains.order_by('-is_primary', 'domain'))}. "
                "La commune est en service : sauvegardez-la dès maintenant (backup_town)."
            )
        )

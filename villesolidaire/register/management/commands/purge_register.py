"""Delete the removed entries kept past VS_REGISTER_REMOVED_PURGE_DAYS (run daily; idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from villesolidaire.register.models import RemovalReason
from villesolidaire.register.services import purge_removed_entries


class Command(BaseCommand):
    help = (
        "Supprime les inscriptions radiées depuis plus de VS_REGISTER_REMOVED_PURGE_DAYS jours "
        "(trace de la radiation) ; les appels des campagnes restent, anonymes, pour leurs comptages."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte seulement ce qui serait supprimé, sans rien supprimer."
        )

    def handle(self, *args, **options):
        result = purge_removed_entries(dry_run=options["dry_run"])
        verb = "seraient supprimée(s)" if result.dry_run else "supprimée(s)"
        reasons = ", ".join(f"{_reason_label(code)} : {n}" for code, n in result.by_reason.items())
        self.stdout.write(
            f"{result.entries} inscription(s) radiée(s) avant le {result.cutoff:%d/%m/%Y} {verb}"
            f"{f' ({reasons})' if reasons else ''} ; conservation : {settings.VS_REGISTER_REMOVED_PURGE_DAYS} jours."
        )


def _reason_label(code: str) -> str:
    return RemovalReason(code).label if code in RemovalReason.values else "sans motif"

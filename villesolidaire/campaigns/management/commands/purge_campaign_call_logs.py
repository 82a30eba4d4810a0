"""Detach the calls of campaigns closed more than VS_CAMPAIGN_CALL_LOG_DAYS ago from the
register and empty what callers typed (run daily; idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from villesolidaire.campaigns.services.erasure import purge_call_logs


class Command(BaseCommand):
    help = (
        "Anonymise les journaux d'appels des campagnes closes depuis plus de VS_CAMPAIGN_CALL_LOG_DAYS jours : "
        "les comptages restent, le lien avec le registre et les remarques disparaissent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte seulement ce qui serait anonymisé, sans rien modifier."
        )

    def handle(self, *args, **options):
        result = purge_call_logs(dry_run=options["dry_run"])
        verb = "seraient anonymisé(s)" if result.dry_run else "anonymisé(s)"
        self.stdout.write(
            f"{result.campaigns} campagne(s) close(s) avant le {result.cutoff:%d/%m/%Y} : "
            f"{result.targets} personne(s) et {result.attempts} appel(s) {verb} ; "
            f"conservation : {settings.VS_CAMPAIGN_CALL_LOG_DAYS} jours."
        )

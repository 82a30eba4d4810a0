"""Tell the volunteers inactive for VS_VOLUNTEER_INACTIVE_MONTHS, and anonymise those told
VS_VOLUNTEER_NOTICE_DAYS ago who did not come back (run daily; docs/volunteers.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from villesolidaire.volunteers.inactivity import inactivity_run


class Command(BaseCommand):
    help = (
        "Prévient les volontaires inactif·ves depuis longtemps, puis anonymise celles et ceux qui ne se sont "
        "pas manifesté·es à la fin du préavis."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte ce qui serait fait, sans rien modifier ni envoyer."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        run = inactivity_run(dry_run=dry_run)
        prefix = "Simulation, rien n'est modifié : " if dry_run else ""
        self.stdout.write(
            f"{prefix}{run.cleared} préavis levé(s) (volontaire revenu·e), {run.anonymised} volontaire(s) "
            f"anonymisé·e(s), {run.noticed} préavis envoyé(s) "
            f"(inactivité : {settings.VS_VOLUNTEER_INACTIVE_MONTHS} mois, préavis : "
            f"{settings.VS_VOLUNTEER_NOTICE_DAYS} jours)."
        )

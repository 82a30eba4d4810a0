"""Sum the volunteers' and the requests' count deltas into one row per key (run every 5 minutes;
decisions 0015 and 0017). One job for both: the deployments' schedules already run this one."""

from django.core.management.base import BaseCommand

from villesolidaire.help_requests.services import fold_request_counts
from villesolidaire.volunteers.services import fold_volunteer_counts


class Command(BaseCommand):
    help = (
        "Regroupe les décomptes de volontaires et de demandes lus par le bilan (une ligne par mois, "
        "quartier, statut ou catégorie) : à lancer toutes les 5 minutes. Sans effet sur SQLite."
    )

    def handle(self, *args, **options):
        before, after = fold_volunteer_counts()
        self.stdout.write(f"Décomptes de volontaires : {before} ligne(s) regroupée(s) en {after}.")
        before, after = fold_request_counts()
        self.stdout.write(f"Décomptes de demandes : {before} ligne(s) regroupée(s) en {after}.")

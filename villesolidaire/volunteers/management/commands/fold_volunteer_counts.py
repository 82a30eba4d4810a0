"""Sum the volunteers' count deltas into one row per key (run every 5 minutes; decision 0015)."""

from django.core.management.base import BaseCommand

from villesolidaire.volunteers.services import fold_volunteer_counts


class Command(BaseCommand):
    help = (
        "Regroupe les décomptes de volontaires lus par le bilan (une ligne par mois, quartier, statut et "
        "catégorie) : à lancer toutes les 5 minutes. Sans effet sur SQLite."
    )

    def handle(self, *args, **options):
        before, after = fold_volunteer_counts()
        self.stdout.write(f"Décomptes de volontaires : {before} ligne(s) regroupée(s) en {after}.")

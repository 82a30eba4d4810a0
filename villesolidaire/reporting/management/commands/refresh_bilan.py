"""Compute the bilan a figures reader opens first and keep it rendered (run every 5 minutes, after
fold_volunteer_counts; decision 0019)."""

from django.core.management.base import BaseCommand
from django.utils.formats import number_format

from villesolidaire.reporting.snapshots import refresh


class Command(BaseCommand):
    help = (
        "Recalcule le bilan affiché par défaut (l'année en cours comparée à la précédente) et le garde "
        "prêt à être lu : à lancer toutes les 5 minutes, après fold_volunteer_counts."
    )

    def handle(self, *args, **options):
        snapshot = refresh()
        self.stdout.write(f"Bilan par défaut recalculé en {number_format(snapshot.seconds, 2)} s.")

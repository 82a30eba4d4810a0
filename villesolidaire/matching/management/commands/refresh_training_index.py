import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from villesolidaire.matching.index import refresh_training_masks
from villesolidaire.trainings.models import VolunteerTraining


class Command(BaseCommand):
    help = (
        "Met à jour l'index de mise en relation des volontaires dont une formation a expiré "
        "(à lancer chaque jour, peu après minuit)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jours",
            type=int,
            default=7,
            help="Formations expirées depuis ce nombre de jours au plus (7 par défaut : rattrape les nuits manquées).",
        )

    def handle(self, *args, jours: int, **options):
        if not 1 <= jours <= 3660:
            raise CommandError("--jours va de 1 à 3660.")
        today = timezone.localdate()
        # A training is valid through its expires_on day: those ending before today have expired.
        volunteer_ids = (
            VolunteerTraining.objects.expiring_between(
                today - datetime.timedelta(days=jours), today - datetime.timedelta(days=1)
            )
            .values_list("volunteer_id", flat=True)
            .distinct()
        )
        changed = refresh_training_masks(volunteer_ids, today)
        self.stdout.write(f"{changed} volontaire(s) mis à jour dans l'index de mise en relation.")

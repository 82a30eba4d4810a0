"""Register the transmitted pre-registrations whose objection delay has run out (run daily)."""

from django.core.management.base import BaseCommand

from villesolidaire.register.services import confirm_pre_registrations


class Command(BaseCommand):
    help = "Inscrit les pré-inscriptions transmises (département, CARSAT) sans opposition à la fin du délai."

    def handle(self, *args, **options):
        count = confirm_pre_registrations()
        self.stdout.write(f"{count} pré-inscription(s) inscrite(s) sans opposition.")

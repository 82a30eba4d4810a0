from django.core.management.base import BaseCommand

from villesolidaire.matching.index import rebuild_index


class Command(BaseCommand):
    help = "Reconstruit l'index de mise en relation à partir des volontaires."

    def handle(self, *args, **options):
        count = rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"{count} volontaires indexés."))

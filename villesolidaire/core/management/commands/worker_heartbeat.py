from django.core.management.base import BaseCommand

from villesolidaire.core.tasks import heartbeat


class Command(BaseCommand):
    help = "Met en file une tâche « signe de vie » : le worker qui l'exécute prouve qu'il tourne (page /sante/)."

    def handle(self, *args, **options):
        result = heartbeat.enqueue()
        if options["verbosity"] > 1:
            self.stdout.write(f"Signe de vie mis en file ({result.id}).")

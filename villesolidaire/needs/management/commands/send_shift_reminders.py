from django.core.management.base import BaseCommand

from villesolidaire.needs.services import reminders_send


class Command(BaseCommand):
    help = "Rappelle la veille aux volontaires leurs créneaux du lendemain (un seul rappel par inscription)."

    def handle(self, *args, **options):
        sent = reminders_send()
        self.stdout.write(f"{sent} rappel(s) envoyé(s).")

"""Send again the messages whose retry is due. Safe to run from cron every minute and at
the same time as the task worker: a message is claimed before each attempt."""

from django.core.management.base import BaseCommand

from villesolidaire.core.retries import OUTCOME_LABELS, attempt_due
from villesolidaire.notifications.tasks import deliver_message, due_messages


class Command(BaseCommand):
    help = "Renvoie les messages en attente de nouvel essai dont l'heure est venue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help="Nombre maximal de messages traités (500 par défaut)."
        )

    def handle(self, *args, limit: int, **options):
        labels = {**OUTCOME_LABELS, "sent": "envoyé(s)"}
        attempted, summary = attempt_due(due_messages(), deliver_message, limit=limit, labels=labels)
        self.stdout.write(f"{attempted} message(s) dû(s) : {summary or 'rien à renvoyer'}.")

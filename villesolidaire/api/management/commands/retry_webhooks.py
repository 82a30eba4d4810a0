"""Send again the webhook deliveries whose retry is due (and those whose task was lost). Safe to run
from cron every few minutes and at the same time as the task worker: each attempt is claimed."""

from django.core.management.base import BaseCommand

from villesolidaire.api.tasks import deliver, due_deliveries
from villesolidaire.core.retries import OUTCOME_LABELS, attempt_due


class Command(BaseCommand):
    help = "Renvoie les événements (webhooks) en attente de nouvel essai dont l'heure est venue."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Nombre maximal d'envois traités (500 par défaut).")

    def handle(self, *args, limit: int, **options):
        labels = {**OUTCOME_LABELS, "delivered": "reçu(s)"}
        attempted, summary = attempt_due(due_deliveries(), deliver, limit=limit, labels=labels)
        self.stdout.write(f"{attempted} envoi(s) dû(s) : {summary or 'rien à renvoyer'}.")

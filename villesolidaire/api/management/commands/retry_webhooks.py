"""Send again the webhook deliveries whose retry is due (and those whose task was lost). Safe to run
from cron every few minutes and at the same time as the task worker: each attempt is claimed."""

from django.core.management.base import BaseCommand

from villesolidaire.api.tasks import deliver, due_deliveries


class Command(BaseCommand):
    help = "Renvoie les événements (webhooks) en attente de nouvel essai dont l'heure est venue."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Nombre maximal d'envois traités (500 par défaut).")

    def handle(self, *args, limit: int, **options):
        ids = list(due_deliveries().values_list("pk", flat=True)[: max(1, limit)])
        outcomes: dict[str, int] = {}
        for delivery_id in ids:
            outcome = deliver(delivery_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        labels = {
            "delivered": "reçu(s)",
            "retrying": "à réessayer plus tard",
            "failed": "en échec",
            "skipped": "ignoré(s)",
        }
        summary = ", ".join(f"{count} {labels.get(name, name)}" for name, count in sorted(outcomes.items()))
        self.stdout.write(f"{len(ids)} envoi(s) dû(s) : {summary or 'rien à renvoyer'}.")

"""Send again the messages whose retry is due. Safe to run from cron every minute and at
the same time as the task worker: a message is claimed before each attempt."""

from django.core.management.base import BaseCommand

from villesolidaire.notifications.tasks import deliver_message, due_messages


class Command(BaseCommand):
    help = "Renvoie les messages en attente de nouvel essai dont l'heure est venue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help="Nombre maximal de messages traités (500 par défaut)."
        )

    def handle(self, *args, limit: int, **options):
        ids = list(due_messages().values_list("pk", flat=True)[: max(1, limit)])
        outcomes: dict[str, int] = {}
        for message_id in ids:
            outcome = deliver_message(message_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        labels = {
            "sent": "envoyé(s)",
            "retrying": "à réessayer plus tard",
            "failed": "en échec",
            "skipped": "ignoré(s)",
        }
        summary = ", ".join(f"{count} {labels.get(name, name)}" for name, count in sorted(outcomes.items()))
        self.stdout.write(f"{len(ids)} message(s) dû(s) : {summary or 'rien à renvoyer'}.")

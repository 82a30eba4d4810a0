from django.core.management.base import BaseCommand

from villesolidaire.matching.expiry import proposals_expire_due


class Command(BaseCommand):
    help = "Passe en « sans réponse » les propositions dont le délai est dépassé et alerte la coordination."

    def handle(self, *args, **options):
        count = proposals_expire_due()
        self.stdout.write(f"{count} proposition(s) sans réponse signalée(s) à la coordination.")

"""Print a new key for VS_DATA_KEYS (register encryption at rest)."""

from django.core.management.base import BaseCommand

from villesolidaire.core.crypto import generate_key


class Command(BaseCommand):
    help = "Affiche une nouvelle clé de chiffrement pour VS_DATA_KEYS (à conserver hors de la base)."

    def handle(self, *args, **options):
        self.stdout.write(generate_key())

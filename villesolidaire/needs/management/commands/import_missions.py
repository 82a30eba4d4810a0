from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.needs.feeds import FeedError, import_missions


class Command(BaseCommand):
    help = "Importe un flux de missions au format API Engagement (XML) : crée ou met à jour les besoins par clientId."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier XML")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        try:
            report = import_missions(path.read_bytes())
        except FeedError as exc:
            raise CommandError("\n".join(exc.errors)) from None
        self.stdout.write(f"Import terminé : {report.summary}")

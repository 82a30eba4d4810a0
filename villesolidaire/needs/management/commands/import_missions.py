from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.needs.feed_import import FeedError, import_missions


class Command(BaseCommand):
    help = (
        "Importe un flux de missions au format API Engagement (XML) : crée ou met à jour les besoins par "
        "clientId, ignore (et signale) les missions incorrectes, retire celles qui ont quitté le flux."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier XML")
        parser.add_argument(
            "--source",
            default="",
            help="Nom du flux (par défaut, l'éditeur <publisher> du fichier) : les missions d'un import "
            "précédent du même flux qui n'y figurent plus sont retirées.",
        )

    def handle(self, *args, file, source, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        try:
            report = import_missions(path.read_bytes(), source=source)
        except FeedError as exc:
            raise CommandError("\n".join(exc.errors)) from None
        self.stdout.write(f"Import du flux « {report.source} » terminé : {report.summary}")
        for line in report.skipped_shown + report.notes_shown:
            self.stdout.write(f"  {line}")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.partners import opendata

# A refused import prints this many of its errors.
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Importe des structures et services au format data·inclusion (v1). Tout ou rien : un objet invalide "
        "et rien n'est importé. Les objets de même identifiant sont mis à jour."
    )

    def add_arguments(self, parser):
        parser.add_argument("structures", help="Fichier JSON des structures.")
        parser.add_argument("services", nargs="?", help="Fichier JSON des services (facultatif).")

    def handle(self, *args, structures: str, services: str | None, **options):
        try:
            structures_raw = Path(structures).read_bytes()
            services_raw = Path(services).read_bytes() if services else None
        except OSError as error:
            raise CommandError(f"Fichier illisible : {error.filename}") from error
        try:
            report = opendata.import_files(structures_raw, services_raw)
        except opendata.ImportRefused as refused:
            raise CommandError("\n".join([refused.heading, *refused.first(ERRORS_SHOWN)])) from refused
        self.stdout.write(f"Import terminé : {report.summary}.")
        for note in report.notes:
            self.stdout.write(note)

"""Import a list transmitted by the département (APA/PCH) or the CARSAT (docs/register.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.register.imports import parse_file
from villesolidaire.register.models import Origin
from villesolidaire.register.services import import_rows


class Command(BaseCommand):
    help = "Importe une liste CSV transmise par le département ou la CARSAT comme pré-inscriptions."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--origin", required=True, choices=[Origin.DEPARTEMENT.value, Origin.CARSAT.value])

    def handle(self, *args, file: Path, origin: str, **options):
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Fichier illisible : {error}") from error
        parsed = parse_file(raw)
        if not parsed.is_valid:
            for message in parsed.errors or ["Le fichier ne contient aucune ligne à importer."]:
                self.stderr.write(message)
            raise CommandError("Rien n'a été importé.")
        result = import_rows(rows=parsed.rows, origin=origin, by=None, file_name=file.name)
        self.stdout.write(
            f"Import n° {result.batch.pk} : {len(result.created)} pré-inscription(s), "
            f"{len(result.skipped)} doublon(s) ignoré(s). Imprimez les lettres d'information depuis "
            f"/gestion/registre/import/{result.batch.pk}/."
        )

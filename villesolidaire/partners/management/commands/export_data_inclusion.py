import errno
import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format

from villesolidaire.partners import opendata

WRITE_ERRORS = {
    errno.EEXIST: "un fichier porte déjà ce nom",
    errno.ENOTDIR: "un fichier porte déjà ce nom",
    errno.EACCES: "écriture interdite",
    errno.EPERM: "écriture interdite",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOENT: "dossier introuvable",
    errno.ENOSPC: "disque plein",
}
# Services below the best score listed with what they lack (verbosity 2 and more).
LISTED_BELOW_MAXIMUM = 50


class Command(BaseCommand):
    help = (
        "Exporte l'annuaire des partenaires au format data·inclusion : structures.json et services.json, "
        "et donne le score de qualité data·inclusion des services."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=".", help="Dossier où écrire les deux fichiers.")

    def handle(self, *args, directory: str, verbosity: int = 1, **options):
        target = Path(directory)
        services = opendata.export_services()
        files = {"structures": opendata.export_structures(), "services": services}
        try:
            target.mkdir(parents=True, exist_ok=True)
            write_together(target, files)
        except OSError as error:  # a file in the way, a folder it may not write to, a full disk
            reason = WRITE_ERRORS.get(error.errno, "écriture impossible")
            raise CommandError(f"Impossible d'écrire dans le dossier « {directory} » : {reason}.") from None
        for name, rows in files.items():
            self.stdout.write(f"{target / f'{name}.json'} : {len(rows)} {name}")
        report = opendata.quality_report(services)
        self.stdout.write(report.summary())
        if verbosity >= 2:
            for service_id, criteria in list(report.missing.items())[:LISTED_BELOW_MAXIMUM]:
                score = number_format(report.scores[service_id], 2)
                self.stdout.write(f"  {service_id} : {score} — à compléter : {', '.join(criteria) or '—'}")


def write_together(target: Path, files: dict[str, list]) -> None:
    """Write `<name>.json` for each, all or none: every file goes to a temporary file in the same
    folder first, and only when all are written do they replace the old ones (`os.replace`, atomic
    on one file system). A failure while writing (disk full, a file in the way) leaves the previous
    pair as it was, never a new structures.json beside an old services.json."""
    written: list[tuple[str, Path]] = []
    try:
        for name, rows in files.items():
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=target, prefix=f".{name}-", suffix=".json.tmp", delete=False
            ) as handle:
                written.append((handle.name, target / f"{name}.json"))
                json.dump(rows, handle, ensure_ascii=False, indent=1)
            os.chmod(handle.name, 0o644)  # open data: readable by the web server (mkstemp gives 0600)
        for temporary, final in written:
            os.replace(temporary, final)
    finally:
        for temporary, _final in written:
            Path(temporary).unlink(missing_ok=True)

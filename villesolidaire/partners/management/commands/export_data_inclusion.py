import errno
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
        try:
            target.mkdir(parents=True, exist_ok=True)
            for name, rows in (("structures", opendata.export_structures()), ("services", services)):
                path = target / f"{name}.json"
                path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
                self.stdout.write(f"{path} : {len(rows)} {name}")
        except OSError as error:  # a file in the way, a folder it may not write to
            reason = WRITE_ERRORS.get(error.errno, "écriture impossible")
            raise CommandError(f"Impossible d'écrire dans le dossier « {directory} » : {reason}.") from None
        report = opendata.quality_report(services)
        self.stdout.write(report.summary())
        if verbosity >= 2:
            for service_id, criteria in list(report.missing.items())[:LISTED_BELOW_MAXIMUM]:
                score = f"{report.scores[service_id]:.2f}".replace(".", ",")
                self.stdout.write(f"  {service_id} : {score} — à compléter : {', '.join(criteria) or '—'}")

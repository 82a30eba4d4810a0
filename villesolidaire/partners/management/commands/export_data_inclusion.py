import json
from pathlib import Path

from django.core.management.base import BaseCommand

from villesolidaire.partners import opendata


class Command(BaseCommand):
    help = "Exporte l'annuaire des partenaires au format data·inclusion : structures.json et services.json."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=".", help="Dossier où écrire les deux fichiers.")

    def handle(self, *args, directory: str, **options):
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        for name, rows in (("structures", opendata.export_structures()), ("services", opendata.export_services())):
            path = target / f"{name}.json"
            path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
            self.stdout.write(f"{path} : {len(rows)} {name}")

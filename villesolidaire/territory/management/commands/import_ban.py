"""Load a BAN file (`adresses-XX.csv` or `.csv.gz`) into the offline geocoder's index.

The file is streamed and written in batches, so a département file (~500,000 rows) needs
little memory. Existing addresses (same BAN id) are updated, new ones created.
"""

import csv
import gzip
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from villesolidaire.territory.ban import (
    ADDRESS_FIELDS,
    BAN_COLUMNS,
    COLUMN_INDEX,
    INSEE,
    MalformedRow,
    open_ban_file,
    parse_row,
)
from villesolidaire.territory.models import BanAddress

BATCH_SIZE = 5000
UPDATED_FIELDS = [name for name in ADDRESS_FIELDS if name != "ban_id"]


class Command(BaseCommand):
    help = "Importe un fichier d'adresses de la Base Adresse Nationale (adresses-XX.csv ou .csv.gz)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier BAN : adresses-XX.csv ou adresses-XX.csv.gz")
        parser.add_argument(
            "--commune", default="", help="Code INSEE de la commune à garder (ex. 35238) ; par défaut tout le fichier."
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Lignes écrites par lot ({BATCH_SIZE} par défaut)."
        )

    def handle(self, *args, file: str, commune: str, batch_size: int, **options):
        commune = commune.strip().upper()
        if commune and not INSEE.match(commune):
            raise CommandError(f"Code INSEE invalide : « {commune} ». Attendu : 5 caractères, par exemple 35238.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        counts = {"read": 0, "kept": 0, "malformed": 0, "other_commune": 0}
        before = BanAddress.objects.count()
        try:
            with open_ban_file(path) as handle:
                reader = csv.reader(handle, delimiter=";")
                self._check_header(next(reader, None))
                # One transaction: a file that breaks half-way leaves the index as it was.
                with transaction.atomic():
                    batch: dict[str, BanAddress] = {}
                    for row in reader:
                        if not row:
                            continue  # blank line
                        counts["read"] += 1
                        if commune and (
                            len(row) <= COLUMN_INDEX["code_insee"]
                            or row[COLUMN_INDEX["code_insee"]].strip() != commune
                        ):
                            counts["other_commune"] += 1
                            continue
                        try:
                            address = parse_row(row)
                        except MalformedRow:
                            counts["malformed"] += 1
                            continue
                        # The same id twice in a batch would make the upsert touch a row twice.
                        batch[address.ban_id] = address
                        counts["kept"] += 1
                        if len(batch) >= batch_size:
                            self._write(batch)
                            batch = {}
                    self._write(batch)
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error, OSError) as exc:
            raise CommandError(
                f"Fichier illisible ({exc.__class__.__name__}) : aucune adresse importée. {exc}"
            ) from exc
        created = BanAddress.objects.count() - before
        self.stdout.write(
            f"{counts['read']} lignes lues, {counts['kept']} adresses importées "
            f"({created} nouvelles, {counts['kept'] - created} mises à jour), "
            f"{counts['malformed']} lignes mal formées ignorées"
            + (f", {counts['other_commune']} lignes d'autres communes ignorées" if commune else "")
            + "."
        )

    @staticmethod
    def _check_header(header: list[str] | None) -> None:
        columns = [column.strip() for column in header or []]
        if columns != BAN_COLUMNS:
            missing = [name for name in BAN_COLUMNS if name not in columns]
            detail = f"colonnes manquantes : {', '.join(missing)}" if missing else "colonnes dans un ordre inattendu"
            raise CommandError(
                "Ce fichier n'a pas l'en-tête d'un fichier BAN adresses-XX.csv (23 colonnes séparées par « ; » : "
                f"id;id_fantoir;numero;…;cad_parcelles) — {detail}. Aucune adresse importée."
            )

    @staticmethod
    def _write(batch: dict[str, BanAddress]) -> None:
        if batch:
            BanAddress.objects.bulk_create(
                batch.values(), update_conflicts=True, unique_fields=["ban_id"], update_fields=UPDATED_FIELDS
            )

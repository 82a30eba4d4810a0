"""Load a BAN file (`adresses-XX.csv` or `.csv.gz`) into the offline geocoder's index.

The file is streamed and written in batches, so a département file (~500,000 rows) needs
little memory. Existing addresses (same BAN id) are updated, new ones created.
"""

import csv
import gzip
import io
import math
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from villesolidaire.core.text import fold
from villesolidaire.territory.models import BanAddress

BAN_COLUMNS = [
    "id",
    "id_fantoir",
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "nom_commune",
    "code_insee_ancienne_commune",
    "nom_ancienne_commune",
    "x",
    "y",
    "lon",
    "lat",
    "type_position",
    "alias",
    "nom_ld",
    "libelle_acheminement",
    "nom_afnor",
    "source_position",
    "source_nom_voie",
    "certification_commune",
    "cad_parcelles",
]
BATCH_SIZE = 5000
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
POSTCODE = re.compile(r"^\d{5}$")
UPDATED_FIELDS = [
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "nom_commune",
    "longitude",
    "latitude",
    "search_text",
]
_COL = {name: index for index, name in enumerate(BAN_COLUMNS)}
_SEARCH_TEXT_MAX = BanAddress._meta.get_field("search_text").max_length


class MalformedRow(ValueError):
    pass


def parse_row(row: list[str]) -> BanAddress:
    """One BAN CSV row as an (unsaved) BanAddress; MalformedRow when it cannot be used."""
    if len(row) != len(BAN_COLUMNS):
        raise MalformedRow("nombre de colonnes")
    ban_id = row[_COL["id"]].strip()
    nom_voie = row[_COL["nom_voie"]].strip()
    code_insee = row[_COL["code_insee"]].strip()
    code_postal = row[_COL["code_postal"]].strip()
    numero = row[_COL["numero"]].strip()
    rep = row[_COL["rep"]].strip()
    nom_commune = row[_COL["nom_commune"]].strip()
    if (
        not ban_id
        or len(ban_id) > 60
        or not nom_voie
        or len(nom_voie) > 200
        or not nom_commune
        or len(nom_commune) > 120
    ):
        raise MalformedRow("identifiant, voie ou commune")
    if not INSEE.match(code_insee) or not POSTCODE.match(code_postal):
        raise MalformedRow("code INSEE ou code postal")
    if len(numero) > 10 or len(rep) > 10:
        raise MalformedRow("numéro")
    try:
        longitude, latitude = float(row[_COL["lon"]]), float(row[_COL["lat"]])
    except ValueError as exc:
        raise MalformedRow("coordonnées") from exc
    if not (
        math.isfinite(longitude) and math.isfinite(latitude) and -180 <= longitude <= 180 and -90 <= latitude <= 90
    ):
        raise MalformedRow("coordonnées")
    return BanAddress(
        ban_id=ban_id,
        numero=numero,
        rep=rep,
        nom_voie=nom_voie,
        code_postal=code_postal,
        code_insee=code_insee,
        nom_commune=nom_commune,
        longitude=longitude,
        latitude=latitude,
        search_text=fold(f"{nom_voie} {nom_commune}")[:_SEARCH_TEXT_MAX],
    )


def open_ban_file(path: Path) -> io.TextIOBase:
    # utf-8-sig: files re-saved by a spreadsheet start with a byte-order mark.
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


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
                        if commune and (len(row) <= _COL["code_insee"] or row[_COL["code_insee"]].strip() != commune):
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

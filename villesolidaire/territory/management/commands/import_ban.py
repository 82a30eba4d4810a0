"""Load a BAN file into the offline geocoder's index: `adresses-XX.csv` or
`adresses-with-ids-XX.csv`, plain or `.gz`.

Columns are found by their name in the header line, so both layouts (and the column orders the
national site has published) are read. The file is streamed and written in batches, so a
département file (~500,000 rows) needs little memory. Existing addresses (same BAN id) are
updated, new ones created.
"""

import csv
import gzip
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from villesolidaire.territory.ban import (
    ADDRESS_FIELDS,
    INSEE,
    REQUIRED_COLUMNS,
    BanLayout,
    MalformedRow,
    MissingColumns,
    commune_codes,
    open_ban_file,
    parse_row,
)
from villesolidaire.territory.models import BanAddress

BATCH_SIZE = 5000
UPDATED_FIELDS = [name for name in ADDRESS_FIELDS if name != "ban_id"]


class CommuneFilter:
    """The rows of the communes asked for: by their code, their arrondissements' (Paris, Lyon,
    Marseille) or, in a commune nouvelle, the code of the former commune the row lies in."""

    def __init__(self, codes: list[str], layout: BanLayout):
        self.codes = codes
        self.accepted = frozenset(code for asked in codes for code in commune_codes(asked))
        self.code_position = layout.positions["code_insee"]
        self.former_position = layout.positions.get("code_insee_ancienne_commune")
        self.seen: set[str] = set()

    def keeps(self, row: list[str]) -> bool:
        for position in (self.code_position, self.former_position):
            code = row[position].strip() if position is not None else ""
            if code in self.accepted:
                self.seen.add(code)
                return True
        return False

    def not_found(self) -> list[str]:
        return [code for code in self.codes if not self.seen.intersection(commune_codes(code))]


class Command(BaseCommand):
    help = (
        "Importe un fichier d'adresses de la Base Adresse Nationale "
        "(adresses-XX.csv ou adresses-with-ids-XX.csv, éventuellement .gz)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier BAN : adresses-XX.csv, adresses-with-ids-XX.csv, ou leur .gz")
        parser.add_argument(
            "--commune",
            action="append",
            default=None,
            help=(
                "Code INSEE de la commune à garder (ex. 35238) ; plusieurs : option répétée ou codes séparés "
                "par des virgules. 75056, 69123 et 13055 gardent tous les arrondissements de Paris, Lyon et "
                "Marseille. Par défaut tout le fichier."
            ),
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Lignes écrites par lot ({BATCH_SIZE} par défaut)."
        )

    def handle(self, *args, file: str, commune: list[str] | str | None, batch_size: int, **options):
        codes = asked_codes(commune)
        path = Path(file)
        if path.is_dir():
            raise CommandError(f"« {path} » est un dossier : donnez le fichier adresses-XX.csv (ou .csv.gz).")
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            with open_ban_file(path) as handle:
                reader = csv.reader(handle, delimiter=";")
                layout = header_layout(next(reader, None))
                communes = CommuneFilter(codes, layout) if codes else None
                before = BanAddress.objects.count()
                # One transaction: a file that breaks half-way leaves the index as it was.
                with transaction.atomic():
                    counts = self._import(reader, layout, communes, batch_size)
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error, OSError) as exc:
            raise CommandError(f"Fichier illisible : {unreadable_reason(exc)} Aucune adresse importée.") from exc
        self._report(counts, BanAddress.objects.count() - before, communes)

    def _import(self, reader, layout: BanLayout, communes: CommuneFilter | None, batch_size: int) -> dict[str, int]:
        counts = {"read": 0, "kept": 0, "malformed": 0, "other_commune": 0}
        batch: dict[str, BanAddress] = {}
        for row in reader:
            if not row:
                continue  # blank line
            counts["read"] += 1
            if len(row) != layout.width:
                counts["malformed"] += 1
                continue
            if communes and not communes.keeps(row):
                counts["other_commune"] += 1
                continue
            try:
                address = parse_row(row, layout)
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
        return counts

    def _report(self, counts: dict[str, int], created: int, communes: CommuneFilter | None) -> None:
        self.stdout.write(
            f"{counts['read']} lignes lues, {counts['kept']} adresses importées "
            f"({created} nouvelles, {counts['kept'] - created} mises à jour), "
            f"{counts['malformed']} lignes mal formées ignorées"
            + (f", {counts['other_commune']} lignes d'autres communes ignorées" if communes else "")
            + "."
        )
        # A mistyped code among several would otherwise go unnoticed.
        for code in communes.not_found() if communes else []:
            self.stdout.write(
                f"Aucune adresse de la commune {code} dans ce fichier : vérifiez le code INSEE et le département."
            )

    @staticmethod
    def _write(batch: dict[str, BanAddress]) -> None:
        if batch:
            BanAddress.objects.bulk_create(
                batch.values(), update_conflicts=True, unique_fields=["ban_id"], update_fields=UPDATED_FIELDS
            )


def unreadable_reason(error: Exception) -> str:
    """Why a file could not be read, for people (the exception's own text is Python's, in English)."""
    if isinstance(error, UnicodeDecodeError):
        return "il n'est pas encodé en UTF-8, comme le sont les fichiers de la BAN."
    if isinstance(error, gzip.BadGzipFile | EOFError):
        return "le fichier compressé (.gz) est abîmé ou incomplet : téléchargez-le à nouveau."
    if isinstance(error, csv.Error):
        return "ce n'est pas un CSV bien formé (séparateur point-virgule)."
    return "lecture refusée par le système (droits, disque)."


def asked_codes(values: list[str] | str | None) -> list[str]:
    """The INSEE codes of `--commune`, repeated and/or comma-separated; a string when called as
    `call_command(..., commune="35238")`."""
    if isinstance(values, str):
        values = [values]
    typed = [code.strip() for value in values or [] for code in value.split(",")]
    if values is not None and values and not any(typed):
        raise CommandError("--commune est vide : donnez un code INSEE (par exemple 35238), ou retirez l'option.")
    for code in typed:
        if code and not INSEE.match(code.upper()):  # 2a001 is Corsica's 2A001
            raise CommandError(f"Code INSEE invalide : « {code} ». Attendu : 5 caractères, par exemple 35238.")
    return list(dict.fromkeys(code.upper() for code in typed if code))


def header_layout(header: list[str] | None) -> BanLayout:
    try:
        return BanLayout.from_header(header or [])
    except MissingColumns as exc:
        # A file re-saved by a spreadsheet with the wrong separator has one column holding them all.
        comma = header and len(header) == 1 and "," in header[0]
        raise CommandError(
            "Ce fichier n'a pas l'en-tête d'un fichier BAN adresses-XX.csv ou adresses-with-ids-XX.csv "
            f"(colonnes séparées par « ; », dont {', '.join(REQUIRED_COLUMNS)}) — colonnes manquantes : "
            f"{', '.join(exc.missing)}{' (séparateur « , » au lieu de « ; » ?)' if comma else ''}. "
            "Aucune adresse importée."
        ) from exc

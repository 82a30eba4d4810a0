"""Load a BAN file into the offline geocoder's index: `adresses-XX.csv` or
`adresses-with-ids-XX.csv`, plain or `.gz`.

Columns are found by their name in the header line, so both layouts (and the column orders the
national site has published) are read. The file is streamed and written in batches, so a
département file (~500,000 rows) needs little memory. Existing addresses are updated, new ones
created: an address is found by the BAN's stable `id_ban_adresse` when the file has it (a renamed
street keeps its rows), else by its BAN id.
"""

import csv
import gzip
import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from villesolidaire.territory.ban import (
    ADDRESS_FIELDS,
    REQUIRED_COLUMNS,
    BanLayout,
    CommuneFilter,
    MalformedRow,
    MissingColumns,
    open_ban_file,
    parse_row,
)
from villesolidaire.territory.models import BanAddress, insee_code

BATCH_SIZE = 5000
UPDATED_FIELDS = [name for name in ADDRESS_FIELDS if name != "ban_id"]


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
            follow_renamed_addresses(batch.values())
            BanAddress.objects.bulk_create(
                batch.values(), update_conflicts=True, unique_fields=["ban_id"], update_fields=UPDATED_FIELDS
            )


def follow_renamed_addresses(addresses) -> None:
    """Match a row that carries the BAN's stable `id_ban_adresse` on it first, on `ban_id` only
    then. An address whose street is renamed or renumbered gets a new `ban_id` but keeps its stable
    id: its stored row takes the new `ban_id` (the upsert by `ban_id` then updates the rest) rather
    than staying behind under the old name. Stored rows that would duplicate it are removed: another
    row with the same stable id, or one already under the new `ban_id` (a file without ids read in
    between). Renames go through a temporary id, so that addresses swapping their ids in one batch
    never collide on the unique `ban_id`."""
    targets = {address.id_ban_adresse: address.ban_id for address in addresses if address.id_ban_adresse}
    if not targets:
        return
    kept: dict[uuid.UUID, tuple[int, str]] = {}
    stale: list[int] = []
    rows = BanAddress.objects.filter(id_ban_adresse__in=targets).order_by("pk")
    for pk, stable_id, ban_id in rows.values_list("pk", "id_ban_adresse", "ban_id"):
        first = kept.get(stable_id)
        if first is None:
            kept[stable_id] = (pk, ban_id)
        elif ban_id == targets[stable_id] and first[1] != ban_id:  # the copy already under the new id
            stale.append(first[0])
            kept[stable_id] = (pk, ban_id)
        else:
            stale.append(pk)
    moves = {pk: targets[stable_id] for stable_id, (pk, ban_id) in kept.items() if ban_id != targets[stable_id]}
    if stale or moves:
        BanAddress.objects.filter(Q(pk__in=stale) | Q(ban_id__in=moves.values())).exclude(pk__in=moves).delete()
    if moves:
        BanAddress.objects.bulk_update([BanAddress(pk=pk, ban_id=f"~{pk}") for pk in moves], ["ban_id"])
        BanAddress.objects.bulk_update([BanAddress(pk=pk, ban_id=ban_id) for pk, ban_id in moves.items()], ["ban_id"])


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
    if values and not any(typed):
        raise CommandError("--commune est vide : donnez un code INSEE (par exemple 35238), ou retirez l'option.")
    for code in filter(None, typed):
        try:
            insee_code(code.upper())  # 2a001 is Corsica's 2A001
        except ValidationError as error:
            raise CommandError(f"Code INSEE invalide : « {code} ». {error.messages[0]}") from None
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

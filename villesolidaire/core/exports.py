"""Spreadsheet exports: every table a person downloads (CSV or XLSX) is written here.

A view (or a service) describes what goes in the file as `Table`s; this module decides how it is
written, so that every export reads the same in a French spreadsheet and is equally safe:

    table = Table(title="Rapport quotidien", headers=["Jour", "Appels passés"], rows=[[day, 12]])
    return download("xlsx", [table], "rapport-quotidien", heading="Rapport quotidien — Canicule")

- The heading is the file's first line (CSV) or the first row of every sheet (XLSX). In XLSX it
  is prefixed with the town's name given by the caller (`Town.current_name()`): "Rennes — Rapport
  quotidien". A CSV's first line is the heading as given, without the town, as the CSV exports
  have always written it.
  Without a heading the file starts with the column headers.
- CSV: UTF-8 with a BOM, ";" between fields, CRLF line ends — what Excel and LibreOffice open
  in France without an import dialog. Numbers with a decimal comma ("7,5"), dates dd/mm/yyyy,
  date-times in local time dd/mm/yyyy hh:mm:ss. Several tables follow one another, each opened
  by a blank line and its title. A date-time that must name one unambiguous instant (the audit
  trail) is passed as text, `iso_instant(at)`: ISO 8601 with its UTC offset.
- XLSX (openpyxl): one sheet per table, named after its title, headers in bold. Numbers, dates
  and date-times are typed cells (sortable, summable); dates show as dd/mm/yyyy; numbers use the
  reader's own decimal separator (a comma in a French spreadsheet).
- Formula neutralisation (OWASP "CSV injection"): in every format, a text cell that starts with
  =, +, -, @, a tab or a carriage return gets a leading apostrophe, so that a name or a note typed
  by someone can never run as a formula on the computer of the agent who opens the file.
  Numbers and dates are written by the application, never neutralised; nor is a phone number
  ("+33612345678", "+33 6 12 34 56 78": a "+" then only digits and spaces), which no spreadsheet
  can run and which the préfecture's files must show as it is.
  tests/core/test_export_injection.py proves it on every download, in each format, with hostile
  values typed through the forms; it fails when a view writes a spreadsheet without being listed.
- `download` sends the file as an attachment with a safe (ASCII, slugified) file name and
  `Cache-Control: no-store`: exports hold personal data.

No ODS writer: no screen offers it, LibreOffice opens the XLSX files, and ODS would need either
odfpy (a dependency for one unused format) or a hand-written OpenDocument writer to maintain.
A format is one entry in `FORMATS` should it be wanted.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | Decimal | bool | datetime.date | datetime.datetime | None

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# OWASP: a spreadsheet reads a cell starting with one of these as a formula (or splits it).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# An international phone number (E.164, or grouped with spaces): no function, no reference, no DDE.
PHONE_SHAPED = re.compile(r"\+[0-9][0-9 ]*")
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M:%S"
XLSX_DATE_FORMAT = "dd/mm/yyyy"
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
XLSX_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
XLSX_MAX_COLUMN_WIDTH = 50


@dataclass(frozen=True)
class Table:
    """One table of an export. Its title names the sheet (XLSX) and, in a CSV of several tables,
    opens the table's section; a CSV of one table starts with the headers (after the heading)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def neutralise(value: str) -> str:
    """Text that a spreadsheet will show as text, never evaluate as a formula."""
    if not value.startswith(FORMULA_TRIGGERS) or PHONE_SHAPED.fullmatch(value):
        return value
    return f"'{value}"


def local_naive(value: datetime.datetime) -> datetime.datetime:
    """The time as read on a clock in the town (a spreadsheet has no time zones)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def iso_instant(value: datetime.datetime) -> str:
    """An instant as ISO 8601 text with its UTC offset, in the town's time zone
    ("2026-12-05T10:00:00+01:00"): unambiguous across a clock change, as an audit trail needs."""
    return timezone.localtime(value).isoformat(timespec="seconds")


# CSV ----------------------------------------------------------------------------------------------


def csv_text(value: Cell) -> str:
    """One cell as text, the French way."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return local_naive(value).strftime(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return str(value)


def to_csv(tables: Sequence[Table], *, heading: str = "") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    if heading:
        writer.writerow([neutralise(heading)])
    several = len(tables) > 1
    for table in tables:
        if several:
            writer.writerow([])
            writer.writerow([neutralise(table.title)])
        writer.writerow([csv_text(header) for header in table.headers])
        writer.writerows([csv_text(value) for value in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# XLSX ---------------------------------------------------------------------------------------------


def xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime.datetime):
        return local_naive(value)
    return value


def sheet_name(title: str) -> str:
    """Excel refuses some characters in a sheet's name, and more than 31 of them."""
    return XLSX_BAD_SHEET_CHARACTERS.sub("-", title)[:31] or "Feuille"


def to_xlsx(tables: Sequence[Table], *, heading: str = "") -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(title=sheet_name(table.title))
        if heading:
            sheet.append([neutralise(heading)])
        sheet.append([xlsx_value(header) for header in table.headers])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        header_row = sheet.max_row
        for row in table.rows:
            sheet.append([xlsx_value(value) for value in row])
        _format_cells(sheet, first_row=header_row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _format_cells(sheet, *, first_row: int) -> None:
    """Date formats on typed dates; each column as wide as its longest text (within reason)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
            elif isinstance(cell.value, datetime.date):
                cell.number_format = XLSX_DATE_FORMAT
            widths[cell.column] = max(widths.get(cell.column, 0), len(csv_text(cell.value)))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, XLSX_MAX_COLUMN_WIDTH)


# Writing and sending ------------------------------------------------------------------------------

FORMATS = {
    "csv": (to_csv, CSV_CONTENT_TYPE),
    "xlsx": (to_xlsx, XLSX_CONTENT_TYPE),
}


def town_heading(heading: str, town: str) -> str:
    """The heading with the town's name in front, when both are given (core knows no town:
    callers pass `territory.models.Town.current_name()`)."""
    return f"{town} — {heading}" if heading and town else heading


def write(fmt: str, tables: Sequence[Table], *, heading: str = "", town: str = "") -> bytes:
    """The tables as a file in `fmt` ("csv" or "xlsx"), under the heading (the town's, in XLSX)."""
    if fmt not in FORMATS:
        raise ValueError(f"Format d'export inconnu : {fmt}")
    writer, _content_type = FORMATS[fmt]
    return writer(tables, heading=town_heading(heading, town) if fmt == "xlsx" else heading)


def safe_filename(name: str) -> str:
    """ASCII letters, digits and dashes only: no header injection, no path, any browser."""
    stem, _dot, extension = name.rpartition(".")
    return f"{slugify(stem) or 'export'}.{slugify(extension)}"


def download(fmt: str, tables: Sequence[Table], name: str, *, heading: str = "", town: str = "") -> HttpResponse:
    """The tables as an attachment named `name`.`fmt` (the name is made safe)."""
    response = HttpResponse(write(fmt, tables, heading=heading, town=town), content_type=FORMATS[fmt][1])
    response["Content-Disposition"] = content_disposition_header(True, safe_filename(f"{name}.{fmt}"))
    response["Cache-Control"] = "no-store"
    return response

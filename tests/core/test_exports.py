import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from tests.factories import TownFactory
from villesolidaire.core.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Table,
    download,
    iso_instant,
    neutralise,
    safe_filename,
    to_csv,
    to_xlsx,
    write,
)
from villesolidaire.territory.models import Town

DANGEROUS = ['=HYPERLINK("http://evil")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
# A "+" then only digits and spaces: a phone number, which no spreadsheet can run.
PHONES = ["+33612345678", "+33 6 12 34 56 78", "+1 202 555 0143"]


def _table(rows, title="Feuille") -> Table:
    return Table(title, ["Nom", "Valeur"], rows)


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _sheet_rows(content: bytes, sheet: int = 0) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[sheet].iter_rows(values_only=True))


# Formula neutralisation ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_every_formula_trigger_with_an_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Martin", "", "Œuvre", " =pas en tête", "'déjà cité"])
def test_neutralise_leaves_ordinary_text_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", PHONES)
def test_neutralise_leaves_phone_numbers_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize(
    "value",
    ["+", "+ 33 6", "+33-6", "+33\t6", "+33 6\r", "+33;6", "+1+1", "+33 6 cmd", "+A1", "+\u0663\u0663"],
)
def test_neutralise_prefixes_a_plus_that_is_not_a_phone_number(value):
    assert neutralise(value) == "'" + value


def test_phone_numbers_are_written_as_they_are_in_both_formats():
    rows = [[phone] for phone in PHONES]
    assert [row[0] for row in _csv_rows(to_csv([Table("T", ["Téléphone"], rows)]))[1:]] == PHONES
    sheet_cells = [row[0] for row in _sheet_rows(to_xlsx([Table("T", ["Téléphone"], rows)]))[1:]]
    assert sheet_cells == PHONES


def test_csv_neutralises_every_text_cell_headings_and_headers_included():
    content = to_csv([Table("T", ["=titre"], [[value] for value in DANGEROUS])], heading="@en-tête")
    rows = _csv_rows(content)
    assert rows[0] == ["'@en-tête"]
    assert rows[1] == ["'=titre"]
    assert [row[0] for row in rows[2:]] == ["'" + value for value in DANGEROUS]


def test_xlsx_neutralises_text_so_no_cell_is_a_formula():
    content = to_xlsx([Table("T", ["=titre"], [[value] for value in DANGEROUS])], heading="=1+1")
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [row[0] for row in sheet.iter_rows()]
    assert all(cell.data_type == "s" for cell in cells)
    expected = ["'=1+1", "'=titre", *("'" + value for value in DANGEROUS)]
    # XML parsing reads a stored CR back as LF; the apostrophe in front is what matters.
    assert [cell.value for cell in cells] == [value.replace("\r", "\n") for value in expected]


def test_numbers_are_never_neutralised():
    rows = [["solde", -3], ["écart", -1.5]]
    assert _csv_rows(to_csv([_table(rows)]))[1:] == [["solde", "-3"], ["écart", "-1,5"]]
    assert _sheet_rows(to_xlsx([_table(rows)]))[1:] == [("solde", -3), ("écart", -1.5)]


# French formats and typed cells -------------------------------------------------------------------


def test_csv_is_utf8_with_bom_semicolons_crlf_and_french_numbers_and_dates():
    rows = [
        ["heures", 7.5],
        ["montant", Decimal("12.50")],
        ["personnes", 3],
        ["né·e le", datetime.date(1938, 2, 3)],
        ["vu le", datetime.datetime(2026, 7, 15, 7, 5, 9, tzinfo=datetime.UTC)],
        ["absent", None],
        ["seul·e", True],
        ['Nguyễn; Văn "An"', ""],
    ]
    content = to_csv([_table(rows)])
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.startswith("Nom;Valeur\r\n")
    assert _csv_rows(content)[1:] == [
        ["heures", "7,5"],
        ["montant", "12,50"],
        ["personnes", "3"],
        ["né·e le", "03/02/1938"],
        ["vu le", "15/07/2026 09:05:09"],  # local time (Europe/Paris, summer)
        ["absent", ""],
        ["seul·e", "oui"],
        ['Nguyễn; Văn "An"', ""],
    ]


def test_xlsx_cells_are_typed_with_french_date_formats():
    rows = [
        ["heures", 7.5],
        ["personnes", 3],
        ["montant", Decimal("12.50")],
        ["né·e le", datetime.date(1938, 2, 3)],
        ["vu le", datetime.datetime(2026, 7, 15, 7, 5, 9, tzinfo=datetime.UTC)],
        ["téléphone", "0612345678"],
    ]
    sheet = load_workbook(io.BytesIO(to_xlsx([_table(rows)]))).active
    values = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert values["heures"].value == 7.5 and values["heures"].data_type == "n"
    assert values["personnes"].value == 3 and values["personnes"].data_type == "n"
    assert values["montant"].value == 12.5 and values["montant"].data_type == "n"
    assert values["né·e le"].value.date() == datetime.date(1938, 2, 3)
    assert values["né·e le"].number_format == "dd/mm/yyyy"
    seen = values["vu le"].value  # local time (Europe/Paris, summer), without a zone: Excel has none
    assert (seen.date(), seen.time(), seen.tzinfo) == (datetime.date(2026, 7, 15), datetime.time(9, 5, 9), None)
    assert values["vu le"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert values["téléphone"].value == "0612345678" and values["téléphone"].data_type == "s"
    assert sheet["A1"].font.b and sheet["B1"].font.b


def test_several_tables_one_sheet_each_and_one_after_the_other_in_csv():
    tables = [_table([["a", 1]], title="Chiffres clés"), _table([["b", 2]], title="Par quartier: [nord]")]
    csv_rows = _csv_rows(to_csv(tables, heading="Tableau de bord"))
    assert csv_rows == [
        ["Tableau de bord"],
        [],
        ["Chiffres clés"],
        ["Nom", "Valeur"],
        ["a", "1"],
        [],
        ["Par quartier: [nord]"],
        ["Nom", "Valeur"],
        ["b", "2"],
    ]
    workbook = load_workbook(io.BytesIO(to_xlsx(tables, heading="Tableau de bord")))
    assert workbook.sheetnames == ["Chiffres clés", "Par quartier- -nord-"]
    assert list(workbook.worksheets[1].iter_rows(values_only=True)) == [
        ("Tableau de bord", None),
        ("Nom", "Valeur"),
        ("b", 2),
    ]


def test_rows_may_be_a_generator():
    rows = (["x", n] for n in range(3))
    assert len(_csv_rows(to_csv([_table(rows)]))) == 4


# The town's heading, the response -----------------------------------------------------------------


def test_write_puts_the_towns_name_in_front_of_the_xlsx_heading_only():
    TownFactory(name="Bourg-Solidaire")
    town = Town.current_name()
    assert _sheet_rows(write("xlsx", [_table([])], heading="Rapport", town=town))[0][0] == "Bourg-Solidaire — Rapport"
    # A CSV keeps the first line it always had: the heading as given.
    assert _csv_rows(write("csv", [_table([])], heading="Rapport", town=town))[0] == ["Rapport"]
    # No heading, no line: the file starts with the column headers.
    assert _csv_rows(write("csv", [_table([])]))[0] == ["Nom", "Valeur"]


def test_write_without_a_town_keeps_the_heading():
    assert Town.current_name() == ""
    assert _csv_rows(write("csv", [_table([])], heading="Rapport", town=Town.current_name()))[0] == ["Rapport"]


def test_write_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        write("ods", [_table([])])


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("csv", CSV_CONTENT_TYPE), ("xlsx", XLSX_CONTENT_TYPE)],
)
def test_download_is_an_uncached_attachment_with_the_right_type(fmt, content_type):
    response = download(fmt, [_table([["a", 1]])], "rapport-quotidien-3-20260715")
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="rapport-quotidien-3-20260715.{fmt}"'
    assert response["Cache-Control"] == "no-store"
    expected = write(fmt, [_table([["a", 1]])])
    if fmt == "xlsx":  # an XLSX file carries its creation time: compare what it holds, not its bytes
        assert _cells(response.content) == _cells(expected)
    else:
        assert response.content == expected


def _cells(xlsx: bytes) -> list[list[tuple]]:
    workbook = load_workbook(io.BytesIO(xlsx))
    return [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("journal-acces-20260715-0905.csv", "journal-acces-20260715-0905.csv"),
        ('Été "canicule"\r\nSet-Cookie: x.xlsx', "ete-canicule-set-cookie-x.xlsx"),
        ("../../etc/passwd.csv", "etcpasswd.csv"),
        (".csv", "export.csv"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_download_makes_the_file_name_safe():
    response = download("csv", [_table([])], 'Liste "été"\r\n')
    assert response["Content-Disposition"] == 'attachment; filename="liste-ete.csv"'


@override_settings(TIME_ZONE="Europe/Paris")
@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC), "2026-12-05T10:00:00+01:00"),
        (datetime.datetime(2026, 7, 15, 7, 30, 5, 999, tzinfo=datetime.UTC), "2026-07-15T09:30:05+02:00"),
        # The hour that happens twice when the clocks go back stays two distinct instants.
        (datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC), "2026-10-25T02:30:00+02:00"),
        (datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC), "2026-10-25T02:30:00+01:00"),
    ],
)
def test_iso_instant_is_local_iso_8601_with_the_offset(utc, expected):
    assert iso_instant(utc) == expected
    assert _csv_rows(to_csv([_table([["à", iso_instant(utc)]])]))[1] == ["à", expected]

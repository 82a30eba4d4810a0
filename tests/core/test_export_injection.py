"""Formula injection (OWASP "CSV injection"), proven end to end on every spreadsheet a person can download.

Every CSV/XLSX file is written by villesolidaire.core.exports. The downloads, each in every format
its screen offers (EXPORTS below; `test_every_export_view_is_covered` fails when a view that writes
one is not listed there):

- register:prefect_export, the préfet transmission (register officer, POST): CSV, XLSX;
- audit:journal?format=csv, the access log (auditor): CSV only;
- campaigns:daily_report, a campaign's daily report (register officer): CSV, XLSX;
- reporting:export_csv / reporting:export_xlsx, the dashboard (coordinator): CSV / XLSX;
- reporting:episode_report_xlsx, an episode's report (coordinator, register officer): XLSX.

Not spreadsheets, so out of scope: the partners' open data and data·inclusion files (JSON, an
interchange format whose values must stay as typed), the register dossier (JSON, R121-10), the needs
feed (XML), the PDF letters. Needs, partners, trainings and volunteers have no spreadsheet export.

Hostile values come in the way they would in real life:
- through the public forms where one reaches an exported column: the public register form (address,
  address complement, commune, home care service, third party's capacity), the volunteer sign-up
  (counted by the dashboard: no text of it is exported). Every form refuses such names
  (core.validation.clean_person_name), and strips or refuses a leading tab or carriage return;
- through staff screens: the officer's list import (address), the episode and campaign forms (titles);
- through factories for what only the Django admin or data written before the name check reach:
  register names, staff names (actor of the access log), the town's, categories' and quartiers'
  names, and every text column of the access log.

For each download: no cell may start with a formula trigger unless neutralised (a leading
apostrophe), no XLSX cell is a formula, the hostile text is there (neutralised, not dropped), and a
phone number in E.164, numbers and dates written by the application stay intact and typed.
"""

import ast
import csv
import datetime
import inspect
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import HelpCategoryFactory, QuartierFactory, TownFactory, login_staff, staff_user
from tests.factories.crises import EpisodeFactory
from tests.factories.register import RegisterEntryFactory
from tests.volunteers.conftest import signup_data
from villesolidaire.accounts.enums import Role
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.campaigns.models import Campaign, Questionnaire
from villesolidaire.core import exports
from villesolidaire.crises.models import Episode, EpisodeKind, EpisodeLevel
from villesolidaire.register.models import Origin, RegisterEntry
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer

HOSTILE = {
    "hyperlink": '=HYPERLINK("http://evil","x")',
    "plus": "+SUM(1,1)",
    "dde": "@cmd|' /C calc'!A0",
    "minus": "-2+3",
    "tab": "\t=1",
    "cr": "\r=1",
}
# What a public form accepts: its fields are stripped (no leading tab) and refuse control characters.
TYPED = {key: value for key, value in HOSTILE.items() if key not in ("tab", "cr")}
PHONE = "+33612345678"
# The test's own reading of OWASP, independent of the module under test. "\n": the XML of an XLSX
# reads a stored carriage return back as a line feed.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
PHONE_SHAPED = re.compile(r"\+[0-9][0-9 ]*")


@dataclass
class Export:
    """One download to check and what it must hold."""

    fetch: Callable[[], HttpResponse]
    # Each must open a cell, neutralised: the cell starts with "'" and the value.
    leading: list[str] = field(default_factory=list)
    # Each must be found inside a cell (a heading or a label that starts with other text).
    inside: list[str] = field(default_factory=list)
    # Text cells that must be written exactly as they are (no apostrophe): phone numbers.
    exact: list[str] = field(default_factory=list)
    # Numbers the application writes: typed numbers in XLSX, French text in CSV.
    numbers: list[int] = field(default_factory=list)
    # Dates the application writes: typed dates in XLSX, dd/mm/yyyy in CSV.
    dates: list[datetime.date] = field(default_factory=list)


@dataclass(frozen=True)
class Cell:
    value: object
    data_type: str  # openpyxl's: "s" text, "n" number, "d" date, "f" formula; "s" for every CSV cell


# Reading a download --------------------------------------------------------------------------------


def read_cells(response: HttpResponse, fmt: str) -> list[Cell]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        return [Cell(value, "s") for row in csv.reader(io.StringIO(text), delimiter=";") for value in row]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            # No formula element at all in the sheets' XML, whatever openpyxl makes of it.
            assert not re.search(rb"<(\w+:)?f[ >/]", archive.read(name)), name
    workbook = load_workbook(io.BytesIO(response.content))
    return [
        Cell(cell.value, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def as_read_back(value: str, fmt: str) -> str:
    return value.replace("\r", "\n") if fmt == "xlsx" else value


def assert_safe_and_complete(export: Export, fmt: str) -> None:
    cells = read_cells(export.fetch(), fmt)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert texts, "the file holds no text"
    for cell in cells:
        assert cell.data_type != "f", f"formula cell: {cell.value!r}"
        if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
            assert PHONE_SHAPED.fullmatch(cell.value), f"a spreadsheet would run this cell: {cell.value!r}"
    for value in export.leading:
        neutralised = "'" + as_read_back(value, fmt)
        assert any(text.startswith(neutralised) for text in texts), f"{value!r} missing or not neutralised"
    for value in export.inside:
        assert any(as_read_back(value, fmt) in text for text in texts), f"{value!r} missing"
    for value in export.exact:
        assert value in texts, f"{value!r} not written as it is"
    for number in export.numbers:
        if fmt == "xlsx":
            assert any(cell.data_type == "n" and cell.value == number for cell in cells), number
        else:
            assert str(number) in texts, number
    for day in export.dates:
        if fmt == "xlsx":
            assert any(
                cell.data_type == "d" and isinstance(cell.value, datetime.datetime) and cell.value.date() == day
                for cell in cells
            ), day
        else:
            assert day.strftime("%d/%m/%Y") in texts, day


# The downloads, with hostile data put in --------------------------------------------------------------


def _public_register_request(**overrides) -> dict:
    """The public register form as a browser posts it: a neighbour asks for someone's registration."""
    data = {
        "for_whom": Origin.THIRD_PARTY.value,
        "applicant_name": "Marc Dupré",
        "applicant_capacity": TYPED["minus"],
        "person_agrees": "on",
        "last_name": "Rousseau",
        "first_names": "Hélène",
        "birth_date": "14/07/1940",
        "ground": "age_65",
        "disability_benefit": "",
        "address": TYPED["hyperlink"],
        "address_complement": TYPED["plus"],
        "postcode": "99001",
        "city": TYPED["dde"],
        "phone": "06 12 34 56 78",
        "home_care_service": TYPED["hyperlink"],
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "website": "",
    }
    data.update(overrides)
    return data


def prefect_export(client, fmt: str) -> Export:
    TownFactory()
    # Public form (anonymous): free text fields take the hostile values...
    assert client.post(reverse("register:public_form"), _public_register_request()).status_code == 302
    # ...names do not: the form refuses them, in French, and saves nothing.
    refused = client.post(
        reverse("register:public_form"),
        _public_register_request(last_name=TYPED["hyperlink"], first_names=TYPED["plus"], phone="01 99 00 44 55"),
    )
    assert refused.status_code == 400
    assert "Utilisez uniquement des lettres" in refused.content.decode()
    assert RegisterEntry.objects.count() == 1

    officer = staff_user(Role.REGISTER_OFFICER)
    login_staff(client, officer)
    # Staff screen: a list transmitted by the département, imported by the officer.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["nom", "prénoms", "date de naissance", "qualité", "adresse", "code_postal", "commune"])
    writer.writerow(["Bérénger", "Paul", "03/02/1938", "age_65", TYPED["dde"], "99001", TYPED["minus"]])
    upload = io.BytesIO(buffer.getvalue().encode())
    upload.name = "liste.csv"
    imported = client.post(reverse("register:import"), {"origin": Origin.DEPARTEMENT, "file": upload})
    assert imported.status_code == 302
    assert RegisterEntry.objects.count() == 2

    # Factories: names, which no form takes (the Django admin, data from before the name check).
    for value in HOSTILE.values():
        RegisterEntryFactory(last_name=value, first_names=value, emergency_contact_name=value)

    episode = EpisodeFactory()
    data = {"episode": episode.pk, "requested_by": "SIDPC", "reason": "Canicule", "format": fmt}
    return Export(
        fetch=lambda: client.post(reverse("register:prefect_export"), data),
        leading=list(HOSTILE.values()),
        exact=[PHONE],
        dates=[datetime.date(1940, 7, 14), datetime.date(1938, 2, 3)],
    )


def audit_journal(client, fmt: str) -> Export:
    # A staff member's name is set in the Django admin (no name check there); their reads are logged.
    officer = staff_user(Role.REGISTER_OFFICER, first_name=HOSTILE["hyperlink"], last_name="Dupont")
    login_staff(client, officer)
    assert client.get(reverse("register:list")).status_code == 200
    assert AuditEntry.objects.filter(actor=officer).exists()
    # Every text column of the log, hostile: no screen types them today, a later `detail` might.
    for value in HOSTILE.values():
        AuditEntry.objects.create(
            actor_label=value,
            action=AuditAction.VIEW,
            object_type=value,
            object_id=value,
            fields=[value],
            detail=value,
        )
    login_staff(client, staff_user(Role.AUDITOR))
    return Export(
        fetch=lambda: client.get(reverse("audit:journal"), {"format": fmt}),
        leading=[*HOSTILE.values(), f"{HOSTILE['hyperlink']} Dupont"],
    )


def campaign_daily_report(client, fmt: str) -> Export:
    today = timezone.localdate()
    TownFactory(name=HOSTILE["dde"])  # the town is named in the Django admin; it opens the XLSX heading
    RegisterEntryFactory(phone=PHONE)  # someone to call
    officer = staff_user(Role.REGISTER_OFFICER)
    login_staff(client, officer)
    # Staff screens: the episode and campaign forms take free text titles.
    declared = client.post(
        reverse("campaigns:episode_create"),
        {
            "kind": EpisodeKind.HEATWAVE,
            "level": EpisodeLevel.ORANGE,
            "title": TYPED["plus"],
            "starts_on": today.isoformat(),
            "ends_on": "",
            "notes": TYPED["hyperlink"],
        },
    )
    assert declared.status_code == 302
    episode = Episode.objects.get()
    launched = client.post(
        reverse("campaigns:campaign_create", args=[episode.pk]),
        {
            "title": TYPED["minus"],
            "reached_recheck_hours": "48",
            "retry_minutes": "120",
            "max_failed_attempts": "4",
            "failure_window_hours": "48",
            "questionnaire": Questionnaire.default().pk,
        },
    )
    assert launched.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.targets_count == 1
    # The XLSX heading opens with the town's name; the CSV's with "Rapport quotidien".
    return Export(
        fetch=lambda: client.get(reverse("campaigns:daily_report", args=[campaign.pk, fmt])),
        leading=[HOSTILE["dde"]] if fmt == "xlsx" else [],
        inside=[TYPED["plus"], TYPED["minus"]],
        numbers=[1],  # one person to call
        dates=[today],  # the report's day
    )


def dashboard(client, fmt: str) -> Export:
    TownFactory(name=HOSTILE["cr"])  # named in the Django admin; opens the XLSX heading
    # Categories and quartiers are managed in the Django admin; their names open the breakdown rows.
    category = HelpCategoryFactory(name=HOSTILE["hyperlink"])
    quartiers = [QuartierFactory(name=HOSTILE[key]) for key in ("plus", "dde", "minus", "tab")]
    now = timezone.now()
    RecruitmentCall.objects.create(title="Appel", opens_at=now - datetime.timedelta(days=1))
    # Public form: a volunteer signs up for that category (free text hostile too; no text of a
    # volunteer is exported, the dashboard counts them).
    signed_up = client.post(
        reverse("volunteers:signup"),
        signup_data(categories=[str(category.pk)], skills_other=TYPED["plus"], address_complement=TYPED["dde"]),
    )
    assert signed_up.status_code == 302
    assert Volunteer.objects.get().skills_other == TYPED["plus"]
    login_staff(client, staff_user(Role.COORDINATOR))
    return Export(
        fetch=lambda: client.get(reverse(f"reporting:export_{fmt}")),
        leading=[category.name, *(q.name for q in quartiers), *([HOSTILE["cr"]] if fmt == "xlsx" else [])],
        numbers=[1],  # one volunteer registered
    )


def episode_report(client, fmt: str) -> Export:
    TownFactory(name=HOSTILE["minus"])  # named in the Django admin; opens every XLSX heading
    # Quartiers are managed in the Django admin; their names open the rows of the quartier sheet.
    quartiers = [QuartierFactory(name=HOSTILE[key]) for key in ("hyperlink", "plus", "dde", "tab", "cr")]
    for quartier in quartiers:
        RegisterEntryFactory(quartier=quartier, phone=PHONE)
    login_staff(client, staff_user(Role.REGISTER_OFFICER))
    today = timezone.localdate()
    # Staff screen: the episode's title is free text; it is in the file's heading.
    declared = client.post(
        reverse("campaigns:episode_create"),
        {
            "kind": EpisodeKind.HEATWAVE,
            "level": EpisodeLevel.ORANGE,
            "title": TYPED["plus"],
            "starts_on": today.isoformat(),
            "ends_on": "",
            "quartiers": [q.pk for q in quartiers],
            "notes": "",
        },
    )
    assert declared.status_code == 302
    episode = Episode.objects.get()
    launched = client.post(
        reverse("campaigns:campaign_create", args=[episode.pk]),
        {
            "title": TYPED["minus"],
            "reached_recheck_hours": "48",
            "retry_minutes": "120",
            "max_failed_attempts": "4",
            "failure_window_hours": "48",
            "questionnaire": Questionnaire.default().pk,
        },
    )
    assert launched.status_code == 302
    assert Campaign.objects.get().targets_count == len(quartiers)
    return Export(
        fetch=lambda: client.get(reverse("reporting:episode_report_xlsx", args=[episode.pk])),
        leading=[HOSTILE["minus"], *(q.name for q in quartiers)],
        inside=[TYPED["plus"]],
        numbers=[len(quartiers)],  # people to call
        dates=[today],  # the first day
    )


# Every spreadsheet download: its URL name, the scenario that fills it, the formats it offers.
EXPORTS: dict[str, tuple[Callable[..., Export], tuple[str, ...]]] = {
    "register:prefect_export": (prefect_export, ("csv", "xlsx")),
    "audit:journal": (audit_journal, ("csv",)),
    "campaigns:daily_report": (campaign_daily_report, ("csv", "xlsx")),
    "reporting:export_csv": (dashboard, ("csv",)),
    "reporting:export_xlsx": (dashboard, ("xlsx",)),
    "reporting:episode_report_xlsx": (episode_report, ("xlsx",)),
}


@pytest.mark.parametrize(
    "url_name,fmt", [(name, fmt) for name, (_scenario, formats) in EXPORTS.items() for fmt in formats]
)
def test_no_cell_of_an_export_runs_as_a_formula(client, url_name, fmt):
    scenario, _formats = EXPORTS[url_name]
    assert_safe_and_complete(scenario(client, fmt), fmt)


def test_the_check_catches_a_formula_left_as_it_is(client):
    """The checks above fail on a file that keeps a formula (or drops the hostile value)."""
    safe = Export(fetch=lambda: exports.download("csv", [exports.Table("T", ["Nom"], [["x"]])], "t"))
    unsafe = HttpResponse(b"\xef\xbb\xbfNom\r\n=1+1\r\n")
    unsafe["Content-Disposition"] = 'attachment; filename="t.csv"'
    with pytest.raises(AssertionError, match="would run"):
        assert_safe_and_complete(Export(fetch=lambda: unsafe), "csv")
    with pytest.raises(AssertionError, match="missing"):
        assert_safe_and_complete(Export(fetch=safe.fetch, leading=["=1+1"]), "csv")
    workbook = exports.to_xlsx([exports.Table("T", ["Nom"], [["x"]])])
    formula = _with_a_formula(workbook)
    response = HttpResponse(formula)
    response["Content-Disposition"] = 'attachment; filename="t.xlsx"'
    with pytest.raises(AssertionError, match="worksheets"):
        assert_safe_and_complete(Export(fetch=lambda: response), "xlsx")


def _with_a_formula(content: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    workbook.active["B2"] = "=1+1"  # openpyxl stores a text starting with "=" as a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# No download escapes the list -------------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[2] / "villesolidaire"
EXPORTS_MODULE = PACKAGE / "core" / "exports.py"
# The functions of core.exports that produce a file.
WRITERS = {"download", "write", "to_csv", "to_xlsx"}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _writer_calls(tree: ast.Module) -> Callable[[ast.AST], bool]:
    """A test telling whether a node calls a writer of core.exports, given this module's imports."""
    direct, modules = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "villesolidaire.core.exports":
            direct |= {alias.asname or alias.name for alias in node.names if alias.name in WRITERS}
        elif isinstance(node, ast.ImportFrom) and node.module == "villesolidaire.core":
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "exports"}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname for alias in node.names if alias.name == "villesolidaire.core.exports"}

    def calls_writer(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        function = node.func
        if isinstance(function, ast.Name):
            return function.id in direct
        return (
            isinstance(function, ast.Attribute)
            and function.attr in WRITERS
            and isinstance(function.value, ast.Name)
            and function.value.id in modules
        )

    return calls_writer


def _exporting_functions() -> dict[tuple[str, str], bool]:
    """(module, top-level function or class) writing a spreadsheet, directly or through a helper
    of the same module, mapped to whether it is an entry point (no function of its module calls it)."""
    found: dict[tuple[str, str], bool] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == EXPORTS_MODULE or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls_writer = _writer_calls(tree)
        definitions = {
            node.name: node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        called = {
            name: {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            for name, node in definitions.items()
        }
        exporting = {name for name, node in definitions.items() if any(calls_writer(n) for n in ast.walk(node))}
        if not exporting and any(calls_writer(n) for n in ast.walk(tree)):
            exporting.add("<module>")  # written at import or in a script body: never covered
        while True:  # helpers: whoever calls an exporting function exports too
            more = {name for name, callees in called.items() if callees & exporting} - exporting
            if not more:
                break
            exporting |= more
        module = _module_name(path)
        for name in exporting:
            callers = {other for other, callees in called.items() if name in callees and other != name}
            found[(module, name)] = not callers
    return found


def _url_views() -> dict[tuple[str, str], set[str]]:
    """(module, function or class) of every URL's view, mapped to its URL names ("app:name")."""
    views: dict[tuple[str, str], set[str]] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                callback = getattr(pattern.callback, "view_class", None) or inspect.unwrap(pattern.callback)
                key = (callback.__module__, callback.__qualname__.split(".")[0])
                views.setdefault(key, set()).add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return views


def test_every_export_view_is_covered():
    """A new view writing a CSV or XLSX fails here until it is added to EXPORTS (with its scenario)."""
    exporting = _exporting_functions()
    views = _url_views()
    served = {name for key in exporting if key in views for name in views[key]}
    assert served == set(EXPORTS), (
        "Every spreadsheet download needs its injection scenario in EXPORTS: "
        f"not covered {sorted(served - set(EXPORTS))}, no longer an export {sorted(set(EXPORTS) - served)}"
    )
    # An export reached by no URL (a command, a task, a helper in another module) is not proven here.
    unserved = sorted(key for key, entry_point in exporting.items() if entry_point and key not in views)
    assert not unserved, f"Spreadsheets written outside the covered views: {unserved}"


def test_the_coverage_check_finds_a_writer_through_a_helper_and_an_alias():
    tree = ast.parse(
        "from villesolidaire.core import exports as ex\n"
        "def _helper(rows):\n    return ex.download('csv', rows, 'x')\n"
        "def view(request):\n    return _helper([])\n"
        "def other(request):\n    return None\n"
    )
    calls_writer = _writer_calls(tree)
    assert [node.name for node in tree.body[1:] if any(calls_writer(n) for n in ast.walk(node))] == ["_helper"]


# Files allowed to hold a spreadsheet writer or a spreadsheet content type, each with its reason.
OTHER_WRITERS_ALLOWED = {
    "villesolidaire/territory/demo.py": "writes the demo's address file in the BAN import format, read by "
    "import_ban: an input file of the application, never downloaded by a person",
    "villesolidaire/register/forms/list_import.py": "the upload field's accept attribute names text/csv",
}
SPREADSHEET_LIBRARIES = ("openpyxl", "xlsxwriter", "xlwt", "odf", "pyexcel", "pandas", "tablib")


def test_no_spreadsheet_is_written_outside_core_exports():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if path == EXPORTS_MODULE or relative in OTHER_WRITERS_ALLOWED or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            imported = []
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module]
            if any(name.split(".")[0] in SPREADSHEET_LIBRARIES for name in imported):
                offenders.append(f"{relative}:{node.lineno} imports {imported}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                offenders.append(f"{relative}:{node.lineno} csv.{node.attr}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if "text/csv" in node.value or "spreadsheet" in node.value:
                    offenders.append(f"{relative}:{node.lineno} content type {node.value!r}")
    assert not offenders, "Write spreadsheets through villesolidaire.core.exports only:\n" + "\n".join(offenders)

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories.crises import EpisodeFactory
from tests.factories.register import RegisterEntryFactory, RegisterExtrasFactory
from tests.pdf import pdf_text
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.register.models import EntryStatus, Origin, PrefectTransmission, RegisterEntry, RemovalReason
from villesolidaire.register.services import confirm_pre_registrations

TODAY = timezone.localdate()
HEADER = "nom;prénoms;date de naissance;qualité;adresse;code_postal;commune;téléphone\n"


def _upload(text: str, encoding: str = "utf-8", name: str = "liste.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_import_creates_pre_registrations_and_skips_exact_duplicates(officer_client, officer):
    RegisterEntryFactory(last_name="Bérénger", first_names="Paul", birth_date=datetime.date(1938, 2, 3))
    text = HEADER + (
        "Bérénger;Paul;03/02/1938;age_65;1 rue des Lilas;99001;Bourg;01 99 00 11 11\n"
        "Åström;Lena;1950-06-01;;2 rue des Lilas;99001;Bourg;\n"
        "Nguyễn;Văn An;12/12/1945;65 ans et plus;3 rue des Lilas;99001;Bourg;0199001133\n"
        "Nguyễn;Văn An;12/12/1945;65 ans et plus;3 rue des Lilas;99001;Bourg;0199001133\n"
    )
    response = officer_client.post(reverse("register:import"), {"origin": Origin.DEPARTEMENT, "file": _upload(text)})
    assert response.status_code == 302
    created = RegisterEntry.objects.filter(origin=Origin.DEPARTEMENT).order_by("pk")
    assert [e.last_name for e in created] == ["Åström", "Nguyễn"]
    assert all(e.status == EntryStatus.RECEIVED and e.informed_at is None for e in created)
    batch = created[0].import_batch
    assert (batch.row_count, batch.skipped_count) == (2, 2)
    log = AuditEntry.objects.filter(action=AuditAction.IMPORT).get()
    assert log.actor == officer and "2 doublon" in log.detail

    letters = officer_client.get(reverse("register:import_detail", args=[batch.pk]), {"format": "pdf"})
    text = " ".join(pdf_text(letters.content).split())
    assert "ÅSTRÖM" in text and "NGUY" in text and "vous opposer" in text
    assert all(e.informed_at is not None for e in RegisterEntry.objects.filter(import_batch=batch))


def test_import_latin1_comma_and_bom(officer_client):
    text = "\ufeffnom,prenoms,date_naissance,adresse\nLefèvre,Andrée,01/01/1940,5 rue des Lilas\n"
    response = officer_client.post(
        reverse("register:import"), {"origin": Origin.CARSAT, "file": _upload(text.replace("\ufeff", ""), "latin-1")}
    )
    assert response.status_code == 302
    response = officer_client.post(
        reverse("register:import"),
        {
            "origin": Origin.CARSAT,
            "file": _upload(
                "\ufeffnom,prenoms,date_naissance,adresse\nDurand,Zoé,01/01/1941,6 rue des Lilas\n", "utf-8"
            ),
        },
    )
    assert response.status_code == 302
    assert sorted(e.first_names for e in RegisterEntry.objects.all()) == ["Andrée", "Zoé"]


def test_import_with_a_bad_row_imports_nothing_and_lists_errors(officer_client):
    text = HEADER + (
        "Martin;Jeanne;01/01/1940;age_65;1 rue des Lilas;99001;Bourg;01 99 00 11 11\n"
        "Durand;Paul;01/01/2090;age_65;2 rue des Lilas;99001;Bourg;\n"
        "<script>;Paul;01/01/1940;age_65;2 rue des Lilas;ABCDE;Bourg;12\n"
        "Petit;Léa;01/01/1990;age_65;4 rue des Lilas;99001;Bourg;\n"
    )
    response = officer_client.post(reverse("register:import"), {"origin": Origin.DEPARTEMENT, "file": _upload(text)})
    content = response.content.decode()
    assert response.status_code == 400
    assert not RegisterEntry.objects.exists()
    assert "Rien n'a été importé" in content
    assert "Ligne 3 : date de naissance" in content and "futur" in content
    assert "Ligne 4 : nom" in content and "Ligne 4 : code postal" in content and "Ligne 4 : téléphone" in content
    assert "Ligne 5 : qualité" in content and "65 ans et plus" in content


@pytest.mark.parametrize(
    "content,message",
    [
        (b"nom;prenoms\nMartin;Jeanne\n", "Colonnes obligatoires absentes"),
        (b"nom;prenoms;date_naissance;adresse\n", "aucune ligne"),
        (b"\x00\x01\x02PK\x03\x04", "Colonnes obligatoires absentes"),
    ],
)
def test_import_refuses_unusable_files(officer_client, content, message):
    upload = SimpleUploadedFile("liste.csv", content, content_type="text/csv")
    response = officer_client.post(reverse("register:import"), {"origin": Origin.DEPARTEMENT, "file": upload})
    assert response.status_code == 400
    assert message in response.content.decode() or "pas un fichier CSV" in response.content.decode()
    assert not RegisterEntry.objects.exists()


def test_import_command_and_confirmation_after_the_delay(tmp_path, town):
    path = tmp_path / "carsat.csv"
    path.write_text("nom;prenoms;date_naissance;adresse\nRoux;Marcel;01/01/1935;7 rue des Lilas\n", encoding="utf-8")
    call_command("import_register_list", str(path), "--origin", "carsat")
    entry = RegisterEntry.objects.get()
    assert entry.origin == Origin.CARSAT and entry.status == EntryStatus.RECEIVED
    bad = tmp_path / "bad.csv"
    bad.write_text("nom;prenoms;date_naissance;adresse\nRoux;;01/01/1935;\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_register_list", str(bad), "--origin", "carsat")
    assert RegisterEntry.objects.count() == 1

    # Not informed yet: nothing happens.
    assert confirm_pre_registrations(today=TODAY + datetime.timedelta(days=90)) == 0
    entry.informed_at = timezone.now() - datetime.timedelta(days=31)
    entry.save()
    objecting = RegisterEntryFactory(origin=Origin.CARSAT, received=True, informed_at=entry.informed_at)
    objecting.objection_on = TODAY
    objecting.save()
    with override_settings(VS_REGISTER_OBJECTION_DAYS=40):
        assert confirm_pre_registrations() == 0
    call_command("register_confirm_pre_registrations")
    call_command("register_confirm_pre_registrations")  # idempotent
    entry.refresh_from_db()
    objecting.refresh_from_db()
    assert entry.status == EntryStatus.REGISTERED and entry.transitions.filter(to_status="registered").count() == 1
    assert objecting.status == EntryStatus.RECEIVED


# Préfet export --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_prefect_export_holds_only_r121_4_fields(officer_client, officer, fmt):
    episode = EpisodeFactory()
    kept = RegisterEntryFactory(last_name="Gauthier", notes="NOTE-INTERNE-123", with_contacts=True)
    RegisterExtrasFactory(entry=kept, door_code="CODE-9876", health_notes="SANTE-SECRET", lives_alone=True)
    removed = RegisterEntryFactory(last_name="Radiée")
    removed.status, removed.removal_reason = EntryStatus.REMOVED, RemovalReason.REQUEST
    removed.save()
    response = officer_client.post(
        reverse("register:prefect_export"),
        {"episode": episode.pk, "requested_by": "M. Préfet, SIDPC", "reason": "Canicule rouge", "format": fmt},
    )
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    else:
        rows = [
            [c if c is not None else "" for c in row]
            for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        ]
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Nom", "Prénoms", "Date de naissance"]
    assert len(header) == 16 and "Remarques de gestion" not in header
    flat = " ".join(" ".join(map(str, row)) for row in rows)
    for secret in ("NOTE-INTERNE-123", "CODE-9876", "SANTE-SECRET", "Radiée", "vit seul"):
        assert secret not in flat
    assert len(body) == 1 and body[0][0] == "Gauthier" and "Claire Martin (fille)" in body[0]
    transmission = PrefectTransmission.objects.get()
    assert (transmission.episode, transmission.exported_by, transmission.row_count, transmission.format) == (
        episode,
        officer,
        1,
        fmt,
    )
    log = AuditEntry.objects.filter(action=AuditAction.EXPORT).get()
    assert log.actor == officer and "notes" not in log.fields
    page = officer_client.get(reverse("register:prefect_export")).content.decode()
    assert "M. Préfet, SIDPC" in page and "Canicule rouge" in page


def test_prefect_export_needs_episode_and_requester(officer_client):
    response = officer_client.post(reverse("register:prefect_export"), {"format": "csv", "reason": ""})
    content = response.content.decode()
    assert response.status_code == 400
    assert "Choisissez l&#x27;épisode" in content and "Indiquez qui a demandé" in content
    assert not PrefectTransmission.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_prefect_export_neutralises_formulas_and_keeps_dates_french(officer_client, fmt):
    entry = RegisterEntryFactory(
        last_name='=HYPERLINK("http://exemple.invalid")',
        first_names="+cmd|' /C calc'!A0",
        birth_date=datetime.date(1938, 2, 3),
    )
    response = officer_client.post(
        reverse("register:prefect_export"),
        {"episode": EpisodeFactory().pk, "requested_by": "SIDPC", "reason": "Canicule", "format": fmt},
    )
    assert response["Cache-Control"] == "no-store"
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][0] == "Nom"  # no title line: the file starts with the column headers
        row = rows[1]
        assert row[0] == '\'=HYPERLINK("http://exemple.invalid")' and row[2] == "03/02/1938"
        assert row[1] == "'+cmd|' /C calc'!A0"
        # A phone number is no formula: written as the préfecture reads it, without an apostrophe.
        assert row[9] == entry.phone and row[9].startswith("+33")
    else:
        cells = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2))[0]
        assert cells[0].data_type == "s" and cells[0].value == '\'=HYPERLINK("http://exemple.invalid")'
        assert cells[1].value == "'+cmd|' /C calc'!A0"
        assert cells[2].value.date() == datetime.date(1938, 2, 3) and cells[2].number_format == "dd/mm/yyyy"
        assert cells[9].data_type == "s" and cells[9].value == entry.phone

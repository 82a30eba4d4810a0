import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from tests.factories import login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.audit.services import record


def _entry(**kwargs) -> AuditEntry:
    return record(actor=None, action=AuditAction.VIEW, target="register.RegisterEntry", **kwargs)


def test_record_keeps_actor_object_and_sorted_fields():
    officer = staff_user(Role.REGISTER_OFFICER, first_name="Inès", last_name="Garnier")
    entry = record(actor=officer, action=AuditAction.VIEW, target=officer, fields=["phone", "last_name", "phone"])
    assert entry.actor == officer and entry.actor_label == "Inès Garnier"
    assert entry.object_type == "accounts.User" and entry.object_id == str(officer.pk)
    assert entry.fields == ["last_name", "phone"]


def test_rows_cannot_be_changed_or_deleted_through_the_orm():
    entry = _entry()
    entry.detail = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(detail="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().detail == ""


def test_the_database_refuses_updates_whatever_the_code_path():
    _entry()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET detail = 'tampered'")
    assert AuditEntry.objects.get().detail == ""


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_deleting_recent_rows():
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger exists on PostgreSQL only")
    _entry()
    with pytest.raises(Exception, match="6 months"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.count() == 1


@pytest.mark.postgres_only
def test_postgresql_refuses_truncate():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE statement")
    _entry()
    with pytest.raises(Exception, match="TRUNCATE refused"), transaction.atomic(), connection.cursor() as cursor:
        # The test connections allow TRUNCATE for the runner's flush (tests/conftest.py): not this one.
        cursor.execute("SET LOCAL villesolidaire.allow_audit_truncate = off")
        cursor.execute("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.count() == 1


def _backdate(entry: AuditEntry, days: int) -> None:
    # Only possible by re-inserting: updates are refused. Used to simulate old rows.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (at, actor_label, action, object_type, object_id, fields, detail)"
            " VALUES (%s, '', 'view', 'x', '', %s, 'old')",
            [timezone.now() - timedelta(days=days), "[]"],
        )


def test_purge_removes_only_rows_older_than_the_retention(settings):
    settings.VS_AUDIT_RETENTION_DAYS = 365
    recent = _entry()
    _backdate(recent, 400)
    _backdate(recent, 200)
    call_command("purge_audit_log", stdout=open("/dev/null", "w"))
    assert sorted(AuditEntry.objects.values_list("detail", flat=True)) == ["", "old"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN, Role.REGISTER_OFFICER, Role.OPERATOR, Role.CALLER])
def test_only_auditors_read_the_journal(client, role):
    login_staff(client, staff_user(role))
    assert client.get("/gestion/audit/journal/").status_code == 404


def test_auditor_reads_filters_and_exports_and_that_is_logged(client):
    auditor = staff_user(Role.AUDITOR)
    login_staff(client, auditor)
    record(actor=None, action=AuditAction.EXPORT, target="register.RegisterEntry", detail="transmission préfet")
    _entry(detail="lecture fiche")
    response = client.get("/gestion/audit/journal/", {"action": "export"})
    assert response.status_code == 200
    assert "transmission préfet" in response.content.decode() and "lecture fiche" not in response.content.decode()
    csv_response = client.get("/gestion/audit/journal/", {"format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "transmission préfet" in csv_response.content.decode("utf-8-sig")
    logged = AuditEntry.objects.filter(actor=auditor, object_type="audit.AuditEntry")
    assert set(logged.values_list("action", flat=True)) == {AuditAction.LIST, AuditAction.EXPORT}


def test_journal_bad_filters_get_a_french_message(client):
    login_staff(client, staff_user(Role.AUDITOR))
    response = client.get("/gestion/audit/journal/", {"since": "2026-05-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "La date de début doit précéder la date de fin." in response.content.decode()
    assert client.get("/gestion/audit/journal/", {"since": "pas une date", "page": "abc"}).status_code == 200


def test_journal_query_count_does_not_grow(client, django_assert_max_num_queries):
    login_staff(client, staff_user(Role.AUDITOR))
    for _ in range(3):
        _entry()
    with django_assert_max_num_queries(12) as few:
        client.get("/gestion/audit/journal/")
    for _ in range(60):
        _entry()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/gestion/audit/journal/")


def test_journal_filters_by_object_author_and_dates(client):
    login_staff(client, staff_user(Role.AUDITOR))
    officer = staff_user(Role.REGISTER_OFFICER, first_name="Inès", last_name="Garnier")
    mine = record(actor=officer, action=AuditAction.VIEW, target=officer, detail="fiche A")
    _entry(detail="fiche B")

    def shown(**params) -> set[str]:
        entries = client.get("/gestion/audit/journal/", params).context["entries"]
        return {entry.detail for entry in entries}

    assert shown(object_type="registerentry") == {"fiche B"}
    assert shown(actor="garnier") == {"fiche A"}
    assert shown(object_id=mine.object_id) == {"fiche A"}
    today = timezone.localdate()
    assert shown(object_type="registerentry", since=today.isoformat(), until=today.isoformat()) == {"fiche B"}
    assert shown(object_type="registerentry", since=(today + timedelta(days=1)).isoformat()) == set()
    assert shown(object_type="registerentry", until=(today - timedelta(days=1)).isoformat()) == set()


def test_journal_export_writes_iso_instants_with_offset_and_neutralises_formulas(client):
    login_staff(client, staff_user(Role.AUDITOR))
    entry = _entry(detail="=cmd|'/c calc'!A1")
    response = client.get("/gestion/audit/journal/", {"format": "csv"})
    assert response["Content-Disposition"].startswith('attachment; filename="journal-acces-')
    lines = response.content.decode("utf-8-sig").splitlines()
    # The file starts with the column headers: no title line.
    assert lines[0] == "date;auteur;action;type;identifiant;champs;détail;adresse IP"
    line = next(line for line in lines if "calc" in line)
    # An audit trail names one instant: ISO 8601 with the offset, as the export always wrote it.
    at = timezone.localtime(entry.at)
    assert line.startswith(at.isoformat(timespec="seconds") + ";")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d;", line)
    assert ";'=cmd|'/c calc'!A1;" in line


def test_journal_export_date_of_a_known_instant(client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    login_staff(client, staff_user(Role.AUDITOR))
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 12, 5, 9, 0, tzinfo=UTC)):
        _entry(detail="instant figé")
    lines = client.get("/gestion/audit/journal/", {"format": "csv"}).content.decode("utf-8-sig").splitlines()
    assert next(line for line in lines if "instant figé" in line).startswith("2026-12-05T10:00:00+01:00;")


def test_journal_pages_hold_100_entries(client):
    login_staff(client, staff_user(Role.AUDITOR))
    for _ in range(101):
        _entry()
    page = client.get("/gestion/audit/journal/").context["page_obj"]
    assert page.paginator.per_page == 100 and len(page.object_list) == 100

"""The status logs joined TransitionLog by renames: no row and no text is lost either way."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import VolunteerFactory, staff_user
from villesolidaire.volunteers.enums import WORKFLOW, Status
from villesolidaire.volunteers.models import VolunteerStatusChange

BEFORE = ("volunteers", "0003_volunteer_email_index")
AFTER = ("volunteers", "0004_status_log_is_a_transitionlog")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _column(table: str, column: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")  # noqa: S608 — fixed names
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_reason_column_becomes_note_with_every_row_and_its_text():
    volunteer = VolunteerFactory()
    coordinator = staff_user()
    WORKFLOW.log_creation(volunteer, by=None, note="Inscription en ligne")
    WORKFLOW.apply(volunteer, Status.ACTIVE, by=coordinator, note="Entretien téléphonique fait")
    table = VolunteerStatusChange._meta.db_table
    try:
        _migrate(BEFORE)
        assert _column(table, "reason") == ["Inscription en ligne", "Entretien téléphonique fait"]
        _migrate(AFTER)
        assert _column(table, "note") == ["Inscription en ligne", "Entretien téléphonique fait"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    steps = list(VolunteerStatusChange.objects.values_list("from_status", "to_status", "by", "note"))
    assert steps == [
        ("", Status.REGISTERED, None, "Inscription en ligne"),
        (Status.REGISTERED, Status.ACTIVE, coordinator.pk, "Entretien téléphonique fait"),
    ]

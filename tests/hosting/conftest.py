"""Two towns on one deployment, with the same people, phone numbers and ids (decision 0014).

These tests run only with `VS_MULTI_TOWN=true` on PostgreSQL (`make test` runs them as their own
pass: scripts/test.sh). The towns are created once per test session with `create_town`, as a host
would; every test then works inside a town with `schema_context`, and whatever a test writes is
rolled back with its transaction.
"""

from dataclasses import dataclass, field

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.factories import HelpRequestFactory, ResidentFactory, VolunteerFactory, staff_user
from tests.factories.register import RegisterEntryFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.hosting.services import create_town

ROLES = (Role.ADMIN, Role.COORDINATOR, Role.OPERATOR, Role.REGISTER_OFFICER, Role.CALLER, Role.AUDITOR, Role.OFFICIAL)


@dataclass
class SeededTown:
    schema: str
    domain: str
    name: str
    # Words only this town's private data holds: they must never appear in the other town's answers.
    marker: str
    ids: dict[str, int] = field(default_factory=dict)
    admin_password: str = ""


def _seed(town: SeededTown) -> None:
    """The same people, phones and objects, created in the same order: the ids come out the same."""
    with schema_context(town.schema):
        for role in ROLES:
            user = staff_user(role, email=f"{role}@mairie.test", first_name="Agent", last_name=role)
            town.ids[f"user_{role}"] = user.pk
        resident = ResidentFactory(first_name=town.marker, last_name="Habitant", phone="+33299001122")
        request = HelpRequestFactory(
            resident=resident, category=HelpCategory.objects.get(slug="courses"), description=f"Courses {town.marker}"
        )
        volunteer = VolunteerFactory(
            active=True,
            first_name=town.marker,
            last_name="Volontaire",
            phone="+33612345678",
            user__email="v@mairie.test",
        )
        entry = RegisterEntryFactory(first_names=town.marker, last_name="Inscrit", phone="+33299001133")
        town.ids.update(resident=resident.pk, request=request.pk, volunteer=volunteer.pk, entry=entry.pk)


@pytest.fixture(scope="session")
def towns(django_db_setup, django_db_blocker) -> tuple[SeededTown, SeededTown]:
    a = SeededTown(schema="town_alpha", domain="alpha.villes.test", name="Alpha-sur-Mer", marker="Alphonsine")
    b = SeededTown(schema="town_bravo", domain="bravo.villes.test", name="Bravo-les-Bains", marker="Bravissima")
    with django_db_blocker.unblock():
        for town, insee in ((a, "35001"), (b, "35002")):
            new = create_town(
                name=town.name,
                insee_codes=[insee],
                domains=[town.domain],
                admin_email="maire@mairie.test",
                schema_name=town.schema,
                actor="tests",
            )
            town.admin_password = new.admin_password
            _seed(town)
        connection.set_schema_to_public()
    return a, b


@pytest.fixture(autouse=True)
def _back_to_public():
    """Each test starts, and leaves the connection, outside any town."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()

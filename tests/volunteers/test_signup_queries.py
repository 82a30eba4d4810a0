"""The public sign-up's budget (issue 14): its statements counted, one commit, nothing half-saved.

Measured as in production: the database task queue (its row is written in the sign-up's
transaction) and a process that already remembers its reference data (core.caches), so a first
sign-up warms up and the next one is counted.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import HelpCategoryFactory, QuartierFactory, SkillFactory, VolunteerFactory
from tests.volunteers.conftest import lilas_address, signup_data
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.notifications.models import Message
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer, VolunteerStatusChange

URL = reverse("volunteers:signup")
DATABASE_TASKS = {"default": {"BACKEND": "villesolidaire.core.tenancy.TownDatabaseBackend", "QUEUES": ["default"]}}
# One row in each table a sign-up writes, in this order; the address's one BAN lookup before them.
WRITTEN = [
    "accounts_user",
    "accounts_rolegrant",
    "volunteers_volunteer",
    "volunteers_volunteer_skills",
    "volunteers_volunteer_categories",
    "volunteers_volunteerstatuschange",
    "matching_volunteermatchprofile",
    "notifications_message",
    "django_tasks_database_dbtaskresult",
]


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def a_known_address() -> None:
    """The sign-up's address in the BAN, inside a quartier: the path of a real sign-up."""
    lilas_address()
    QuartierFactory(name="Centre", centre_latitude=48.11, centre_longitude=-1.68)


def inserted_tables(queries) -> list[str]:
    return [
        re.match(r'INSERT (?:OR IGNORE )?INTO "(\w+)"', q["sql"]).group(1) for q in queries if "INSERT" in q["sql"]
    ]


def test_a_new_sign_up_costs_one_lookup_and_one_insert_per_row(client, open_call, database_tasks):
    a_known_address()
    assert client.post(URL, signup_data(email="premiere@example.org", phone="06 11 11 11 11")).status_code == 302

    data = signup_data(email="seconde@example.org", phone="")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, data)

    assert response.status_code == 302
    statements = [q["sql"] for q in queries.captured_queries]
    # The address's lookup, then the transaction (a savepoint inside the test's own): no check
    # that a constraint makes, no query for the empty mobile, no reference data read again.
    assert len(statements) == 12, "\n".join(statements)
    assert statements[0].startswith('SELECT "territory_banaddress"')
    assert statements[1].startswith("SAVEPOINT") and statements[-1].startswith("RELEASE SAVEPOINT")
    assert inserted_tables(queries.captured_queries) == WRITTEN
    volunteer = Volunteer.objects.get(email="seconde@example.org")
    assert volunteer.is_located and volunteer.quartier.name == "Centre"
    assert DBTaskResult.objects.count() == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_new_sign_up_is_one_commit(client, database_tasks, monkeypatch):
    """Real transactions: every row and the welcome task are committed together, once."""
    if connection.vendor != "postgresql":
        pytest.skip("counts PostgreSQL commits")
    RecruitmentCall.objects.create(title="Appel")
    category, skill = HelpCategoryFactory(), SkillFactory()
    data = signup_data(categories=[str(category.pk)], skills=[str(skill.pk)], phone="")
    client.post(URL, {**data, "email": "premiere@example.org"})
    commits, autocommitted = [], []
    real_commit = connection.commit

    def counted_commit():
        commits.append(1)
        real_commit()

    def watch(execute, sql, params, many, context):
        if not connection.in_atomic_block and not sql.lstrip().upper().startswith("SELECT"):
            autocommitted.append(sql)  # a write outside any transaction commits on its own
        return execute(sql, params, many, context)

    monkeypatch.setattr(connection, "commit", counted_commit)
    with connection.execute_wrapper(watch):
        response = client.post(URL, {**data, "email": "seconde@example.org"})

    assert response.status_code == 302
    assert (len(commits), autocommitted) == (1, [])
    volunteer = Volunteer.objects.get(email="seconde@example.org")
    message = Message.objects.get(recipient="seconde@example.org")
    assert DBTaskResult.objects.filter(args_kwargs__args=[message.pk]).count() == 1
    assert VolunteerMatchProfile.objects.filter(volunteer=volunteer).exists()


def everything() -> tuple:
    return tuple(
        model.objects.count()
        for model in (
            User,
            RoleGrant,
            Volunteer,
            Volunteer.skills.through,
            Volunteer.categories.through,
            VolunteerStatusChange,
            VolunteerMatchProfile,
        )
    )


@pytest.mark.parametrize("typed", [{"phone": ""}, {"email": "autre@example.org"}])
def test_a_known_contact_refused_by_the_constraint_leaves_nothing_but_the_notice(
    client, open_call, database_tasks, typed
):
    """The database refuses the e-mail (unique on User) or the mobile (unique on Volunteer): the
    account's rows, its welcome message and that message's task are all rolled back."""
    VolunteerFactory(
        email="camille.ndiaye@example.org", user__email="camille.ndiaye@example.org", phone="+33612345678"
    )
    before = everything()

    response = client.post(URL, signup_data(**typed))

    assert response.status_code == 302 and response.url == reverse("volunteers:signup_thanks")
    assert everything() == before
    assert list(Message.objects.values_list("kind", flat=True)) == ["volunteer_signup_attempt"]
    assert DBTaskResult.objects.count() == 1  # the notice's task, not the welcome's

"""The coordinators' volunteer list reads its page off an index in its order (PostgreSQL; issue 14)."""

import pytest

from tests.factories import QuartierFactory, login_staff, staff_user
from tests.plans import analyse, assert_read_in_index_order, page_plan, postgres_only
from villesolidaire.accounts.models import User
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer

pytestmark = postgres_only

ROWS = 3000
# One volunteer in ten registered, the others active: a filter on the rarer status is worth its index.
STATUSES = [Status.REGISTERED] + [Status.ACTIVE] * 9


@pytest.fixture
def many_volunteers() -> list:
    quartiers = [QuartierFactory(name=f"Quartier {n}") for n in range(10)]
    users = User.objects.bulk_create(
        User(email=f"plan-{n}@example.org", first_name="Plan", last_name=str(n), password="!") for n in range(ROWS)
    )
    Volunteer.objects.bulk_create(
        Volunteer(
            user=user,
            first_name=f"Prénom {n % 97}",
            last_name=f"Nom {n:05d}",
            email=user.email,
            status=STATUSES[n % len(STATUSES)],
            quartier=quartiers[n % len(quartiers)],
        )
        for n, user in enumerate(users)
    )
    analyse(Volunteer)
    return quartiers


@pytest.fixture
def coordinator_client(client):
    login_staff(client, staff_user())
    return client


def test_the_whole_list_is_read_in_its_order(many_volunteers, coordinator_client):
    plan = page_plan(coordinator_client, "/gestion/volontaires/?page=3", "volunteers_volunteer")
    assert_read_in_index_order(plan, "volunteer_list_order")


def test_a_status_is_read_off_its_own_index(many_volunteers, coordinator_client):
    plan = page_plan(coordinator_client, f"/gestion/volontaires/?status={Status.REGISTERED}", "volunteers_volunteer")
    assert_read_in_index_order(plan, "volunteer_list_by_status")


def test_a_quartier_is_read_off_its_own_index(many_volunteers, coordinator_client):
    quartier = many_volunteers[3]
    plan = page_plan(coordinator_client, f"/gestion/volontaires/?quartier={quartier.pk}", "volunteers_volunteer")
    assert_read_in_index_order(plan, "volunteer_list_by_quartier")

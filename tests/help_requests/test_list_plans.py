"""The request list reads its default page (open requests, most urgent then newest) off an index in
that order (PostgreSQL; issue 14)."""

import datetime
import random

import pytest
from django.utils import timezone

from tests.factories import login_staff, staff_user
from tests.plans import analyse, assert_read_in_index_order, page_plan, postgres_only
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.enums import ClosureReason, Status, Urgency
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.residents.models import Resident

pytestmark = postgres_only

ROWS = 3000
# Most requests of a town that has run for a while are closed.
STATUSES = [Status.CLOSED] * 6 + [Status.NEW, Status.SEARCHING, Status.SUPPORTED, Status.QUALIFIED]


@pytest.fixture
def many_requests() -> None:
    rng = random.Random(3)
    category = HelpCategory.objects.first()
    residents = Resident.objects.bulk_create(
        Resident(first_name="Plan", last_name=f"Habitant {n}", phone=f"+3314{n:07d}") for n in range(ROWS // 2)
    )
    now = timezone.now()
    statuses = [rng.choice(STATUSES) for _ in range(ROWS)]
    HelpRequest.objects.bulk_create(
        HelpRequest(
            resident=rng.choice(residents),
            category=category,
            description="Plan",
            urgency=rng.choices(Urgency.values, [5, 20, 75])[0],
            status=status,
            closure_reason=ClosureReason.DONE if status == Status.CLOSED else "",
            created_at=now - datetime.timedelta(minutes=rng.uniform(0, 60 * 24 * 300)),
        )
        for status in statuses
    )
    analyse(Resident, HelpRequest)


def test_the_open_requests_are_read_in_priority_order(many_requests, client):
    login_staff(client, staff_user(Role.OPERATOR))
    plan = page_plan(client, "/gestion/demandes/?page=2", "help_requests_helprequest")
    assert_read_in_index_order(plan, "request_open_priority")

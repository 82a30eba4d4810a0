"""The coordinators' support list reads its page off an index in its order (PostgreSQL; issue 14)."""

import datetime
import random

import pytest
from django.utils import timezone

from tests.factories import VolunteerFactory, login_staff, staff_user
from tests.plans import analyse, assert_read_in_index_order, page_plan, postgres_only
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.missions.models import Support
from villesolidaire.residents.models import Resident

pytestmark = postgres_only

ROWS = 3000


@pytest.fixture
def many_supports() -> None:
    rng = random.Random(5)
    volunteers = [VolunteerFactory(active=True) for _ in range(3)]
    category = HelpCategory.objects.first()
    residents = Resident.objects.bulk_create(
        Resident(first_name="Plan", last_name=f"Habitant {n}", phone=f"+3314{n:07d}") for n in range(ROWS)
    )
    requests = HelpRequest.objects.bulk_create(
        HelpRequest(resident=resident, category=category, description="Plan") for resident in residents
    )
    now = timezone.now()
    Support.objects.bulk_create(
        Support(
            help_request=request,
            resident_id=request.resident_id,
            volunteer=rng.choice(volunteers),
            started_at=now - datetime.timedelta(minutes=rng.uniform(0, 60 * 24 * 300)),
        )
        for request in requests
    )
    analyse(Resident, HelpRequest, Support)


def test_the_supports_are_read_newest_first(many_supports, client):
    login_staff(client, staff_user())
    plan = page_plan(client, "/gestion/soutiens/?page=2", "missions_support")
    assert_read_in_index_order(plan, "support_list_order")

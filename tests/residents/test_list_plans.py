"""The residents' list reads its page off an index in its order (PostgreSQL; issue 14)."""

import pytest

from tests.factories import login_staff, staff_user
from tests.plans import analyse, assert_read_in_index_order, page_plan, postgres_only
from villesolidaire.accounts.enums import Role
from villesolidaire.residents.models import Resident

pytestmark = postgres_only

ROWS = 3000


@pytest.fixture
def many_residents() -> None:
    Resident.objects.bulk_create(
        Resident(first_name=f"Prénom {n % 89}", last_name=f"Habitant {n:05d}", phone=f"+3314{n:07d}")
        for n in range(ROWS)
    )
    analyse(Resident)


def test_the_files_are_read_in_name_order(many_residents, client):
    login_staff(client, staff_user(Role.OPERATOR))
    plan = page_plan(client, "/gestion/habitants/?page=4", "residents_resident")
    assert_read_in_index_order(plan, "resident_list_order")

import pytest

from tests.factories import TownFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role


@pytest.fixture
def town():
    return TownFactory(service_name="CCAS de Bourg", hotline_phone="01 99 00 00 00")


@pytest.fixture
def officer():
    return staff_user(Role.REGISTER_OFFICER, first_name="Agathe", last_name="Registre")


@pytest.fixture
def officer_client(client, officer, town):
    login_staff(client, officer)
    return client

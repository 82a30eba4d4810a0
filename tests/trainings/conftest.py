import pytest

from tests.factories import login_staff, staff_user


@pytest.fixture
def coordinator():
    """Not signed in here: `staff_client` signs them in."""
    return staff_user()


@pytest.fixture
def staff_client(client, coordinator):
    login_staff(client, coordinator)
    return client

import pytest

from tests.factories import HelpCategoryFactory, SkillFactory, login_staff, staff_user


@pytest.fixture(autouse=True)
def _bits_clear_of_reference_data():
    """Migrations load reference categories and skills on bits 0–9: factory bits start above."""
    HelpCategoryFactory.reset_sequence(20)
    SkillFactory.reset_sequence(20)


@pytest.fixture
def coordinator():
    return staff_user()


@pytest.fixture
def staff_client(client, coordinator):
    login_staff(client, coordinator)
    return client

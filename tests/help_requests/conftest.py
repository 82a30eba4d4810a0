import pytest

from tests.factories import TownFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpCategory


@pytest.fixture
def town():
    return TownFactory()


@pytest.fixture
def category():
    """A reference category from the data migration (factories would clash on its bit)."""
    return HelpCategory.objects.get(slug="courses")


@pytest.fixture
def operator(client):
    user = staff_user(Role.OPERATOR)
    login_staff(client, user)
    return user

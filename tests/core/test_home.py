import pytest
from django.urls import reverse

from tests.factories import login_staff, staff_user
from villesolidaire.accounts.enums import Role


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.OPERATOR, "operations:today"),
        (Role.COORDINATOR, "operations:today"),
        (Role.REGISTER_OFFICER, "operations:today"),
        (Role.CALLER, "campaigns:caller_home"),
        (Role.PARTNER, "partners:partner_home"),
        (Role.AUDITOR, "audit:journal"),
    ],
)
def test_the_home_page_sends_each_signed_in_role_to_its_first_page(client, role, landing):
    login_staff(client, staff_user(role))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse(landing)


def test_visitors_see_the_public_home_with_the_map_and_open_data(client):
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("partners:map") in html and reverse("partners:open_data") in html
    assert reverse("needs:public_list") in html

import pytest
from django.contrib.staticfiles import finders
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


def test_every_page_names_the_local_favicon_and_favicon_ico_is_no_404(client):
    html = client.get(reverse("core:home")).content.decode()
    assert 'rel="icon" href="/static/vs/img/favicon.ico"' in html and "http" not in html.split('rel="icon"')[1][:30]
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/vs/img/favicon.ico"
    for name in ("vs/img/favicon.ico", "vs/img/favicon.svg", "vs/img/apple-touch-icon.png"):
        assert finders.find(name), name
    with open(finders.find("vs/img/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file

"""Who reads the figures: coordinators, administrators and officials (accounts.perms.figures_reader_required)."""

import pytest
from django.urls import reverse

from tests.factories import TownFactory, UserFactory, login_staff, staff_user
from villesolidaire.accounts.enums import STAFF_ROLES, Role
from villesolidaire.accounts.models import RoleGrant, User

FIGURE_PAGES = ["reporting:dashboard", "reporting:export_csv", "reporting:export_xlsx"]


@pytest.mark.parametrize("name", FIGURE_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OFFICIAL, 200),
        (Role.COORDINATOR, 200),
        (Role.ADMIN, 200),
        (Role.OPERATOR, 404),
        (Role.REGISTER_OFFICER, 404),
        (Role.AUDITOR, 404),
        (Role.PARTNER, 404),
        (Role.CALLER, 404),
    ],
)
def test_the_figures_open_to_their_readers_only(client, town, name, role, status):
    login_staff(client, staff_user(role))
    assert client.get(reverse(name)).status_code == status


def test_an_official_needs_the_second_factor_like_every_desk_account(client, town):
    assert Role.OFFICIAL in STAFF_ROLES
    official = staff_user(Role.OFFICIAL)
    client.force_login(official)  # password only
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))


def test_an_official_lands_on_the_dashboard_and_the_navigation_shows_only_it(client, town):
    login_staff(client, staff_user(Role.OFFICIAL))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("reporting:dashboard")
    html = client.get(reverse("reporting:dashboard")).content.decode()
    nav = html.split('<nav aria-label="Navigation principale"', 1)[1].split("</nav>", 1)[0]
    links = [link for link in nav.split('href="')[1:]]
    assert [link.split('"', 1)[0] for link in links] == [
        reverse("reporting:dashboard"),
        reverse("accounts:password_change"),  # their own password, as every staff member
    ]
    assert "Se déconnecter" in nav
    # The operations view is not theirs.
    assert client.get(reverse("operations:today")).status_code == 404


def test_the_coordinator_still_has_the_dashboard_in_the_navigation(client, town, coordinator):
    html = client.get(reverse("operations:today")).content.decode()
    assert f'href="{reverse("reporting:dashboard")}"' in html


def test_an_administrator_grants_the_official_role_in_the_admin_and_the_grant_records_who(client):
    TownFactory()
    admin = staff_user(Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    target = UserFactory(first_name="Élue", last_name="Adjointe")
    login_staff(client, admin)
    page = client.get(reverse("admin:accounts_user_change", args=[target.pk])).content.decode()
    assert 'value="official"' in page and "Élu·e / direction (lecture seule)" in page
    management = {
        f"{prefix}-{name}": value
        for prefix in ("role_grants", "role_grants-2")
        for name, value in (
            ("TOTAL_FORMS", "0"),
            ("INITIAL_FORMS", "0"),
            ("MIN_NUM_FORMS", "0"),
            ("MAX_NUM_FORMS", "1000"),
        )
    }
    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        {
            "email": target.email,
            "first_name": target.first_name,
            "last_name": target.last_name,
            "is_active": "on",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "10:00:00",
            **management,
            "role_grants-TOTAL_FORMS": "1",
            "role_grants-0-role": Role.OFFICIAL,
            "role_grants-0-user": str(target.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = RoleGrant.objects.get(user=target)
    assert grant.role == Role.OFFICIAL and grant.granted_by == admin
    assert User.objects.get(pk=target.pk).is_staff_member

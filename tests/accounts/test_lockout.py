"""Staff password login lock-out (django-axes, decision 0010)."""

import html

from django.urls import reverse

from tests.factories import login_staff, staff_user
from villesolidaire.accounts.enums import Role

URL = reverse("accounts:login")
PASSWORD = "motdepasse-de-test"


def test_lock_out_after_n_failures_with_a_french_429_keeping_the_email(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    staff_user(Role.OPERATOR, email="op@example.org")
    for _ in range(2):
        response = client.post(URL, {"username": "op@example.org", "password": "faux"})
        assert response.status_code == 200
    response = client.post(URL, {"username": "op@example.org", "password": "faux"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    text = html.unescape(response.content.decode())
    assert "Trop d'envois" in text and 'value="op@example.org"' in text and "faux" not in text
    # Even the right password is refused while locked out.
    response = client.post(URL, {"username": "op@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_out_is_per_email_and_address_and_a_success_resets_the_count(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    staff_user(Role.OPERATOR, email="op@example.org")
    staff_user(Role.OPERATOR, email="autre@example.org")
    client.post(URL, {"username": "op@example.org", "password": "faux"})
    assert client.post(URL, {"username": "op@example.org", "password": PASSWORD}).status_code == 302
    client.logout()
    client.post(URL, {"username": "op@example.org", "password": "faux"})
    assert client.post(URL, {"username": "op@example.org", "password": "faux"}).status_code == 429
    # A colleague at the same address, and the same e-mail from elsewhere, may still sign in.
    assert client.post(URL, {"username": "autre@example.org", "password": PASSWORD}).status_code == 302
    client.logout()
    response = client.post(URL, {"username": "op@example.org", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302


def test_a_spoofed_forwarded_address_does_not_escape_the_lock_out(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    staff_user(Role.OPERATOR, email="op@example.org")
    for n in range(2):
        client.post(URL, {"username": "op@example.org", "password": "faux"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = client.post(URL, {"username": "op@example.org", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert response.status_code == 429


def test_axes_admin_is_available(client):
    admin = staff_user(Role.ADMIN, email="admin@example.org", is_superuser=True, is_staff=True)
    login_staff(client, admin)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200

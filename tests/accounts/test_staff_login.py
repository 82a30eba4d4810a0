from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory, VolunteerFactory, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import role_required


def test_staff_login_then_backup_code_verifies_the_session(client):
    user = staff_user(Role.COORDINATOR, email="coord@example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "coord@example.org", "password": "motdepasse-de-test"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/verification/")

    response = client.post(reverse("accounts:otp"), {"otp_token": "00000000", "next": "/"})
    assert response.status_code == 200
    assert "Code invalide" in response.content.decode()

    # A failure throttles the device for a moment (brute-force protection): wait it out.
    response = client.post(reverse("accounts:otp"), {"otp_token": "12345678", "next": "/gestion/"})
    assert "essais infructueux" in response.content.decode()
    user.staticdevice_set.get().throttle_reset()
    response = client.post(reverse("accounts:otp"), {"otp_token": "12345678", "next": "/gestion/"})
    assert response.status_code == 302
    assert response["Location"] == "/gestion/"
    assert client.session.get("otp_device_id")
    # A backup code is single-use.
    assert not user.staticdevice_set.get().token_set.exists()


def test_wrong_password_gets_a_french_message(client):
    staff_user(Role.OPERATOR, email="op@example.org")
    response = client.post(reverse("accounts:login"), {"username": "op@example.org", "password": "faux"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_staff_without_device_must_enrol_a_totp_app(client):
    user = UserFactory(roles=[Role.OPERATOR])
    client.force_login(user)
    response = client.get(reverse("accounts:otp"))
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/verification/activer/")

    response = client.get(reverse("accounts:otp_enrol"))
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    response = client.post(reverse("accounts:otp_enrol"), {"token": "000000", "next": "/"})
    assert "Code incorrect" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post(reverse("accounts:otp_enrol"), {"token": str(totp.token()).zfill(6), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com"])
def test_second_factor_never_redirects_off_site(client, next_url):
    staff_user(Role.COORDINATOR, email="c2@example.org")
    client.post(reverse("accounts:login"), {"username": "c2@example.org", "password": "motdepasse-de-test"})
    response = client.post(reverse("accounts:otp"), {"otp_token": "12345678", "next": next_url})
    assert response["Location"] == "/"


def test_role_required_enforces_login_second_factor_then_role(rf):
    @role_required(Role.COORDINATOR)
    def view(request):
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    request = rf.get("/gestion/x/")
    request.user = AnonymousUser()
    assert view(request).status_code == 302

    operator = staff_user(Role.OPERATOR)
    request.user = operator
    request.user.is_verified = lambda: True
    with pytest.raises(Http404):
        view(request)

    coordinator = staff_user(Role.COORDINATOR)
    request.user = coordinator
    request.user.is_verified = lambda: False
    response = view(request)
    assert response.status_code == 302 and "/comptes/verification/" in response["Location"]

    request.user.is_verified = lambda: True
    assert view(request).content == b"ok"


def test_admin_requires_second_factor(client):
    admin = UserFactory(roles=[Role.ADMIN], is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_each_sign_in_step_carries_next_to_the_step_after(client):
    """Password, second factor and pairing share one form (accounts/_sign_in_form.html)."""
    response = client.get(reverse("accounts:login") + "?next=/gestion/")
    page = response.content.decode()
    assert '<input type="hidden" name="next" value="/gestion/">' in page
    assert 'name="username"' in page and 'name="password"' in page
    assert '<button type="submit">Continuer</button>' in page

    user = staff_user(Role.COORDINATOR, email="c3@example.org")
    client.force_login(user)
    page = client.get(reverse("accounts:otp") + "?next=/gestion/").content.decode()
    assert '<input type="hidden" name="next" value="/gestion/">' in page
    assert 'name="otp_token"' in page and '<button type="submit">Valider</button>' in page

    client.force_login(UserFactory(roles=[Role.OPERATOR]))
    page = client.post(reverse("accounts:otp_enrol"), {"token": "000000", "next": "/gestion/"}).content.decode()
    assert '<input type="hidden" name="next" value="/gestion/">' in page
    assert 'id="erreurs"' in page and 'name="token"' in page and '<button type="submit">Activer</button>' in page


def test_a_next_address_with_several_parameters_survives_the_sign_in_steps(client):
    staff_user(Role.COORDINATOR, email="c4@example.org")
    target = "/gestion/volontaires/?status=active&page=2"
    response = client.post(
        reverse("accounts:login") + "?" + urlencode({"next": target}),
        {"username": "c4@example.org", "password": "motdepasse-de-test", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp") + "?" + urlencode({"next": target})
    client.force_login(UserFactory(roles=[Role.OPERATOR]))  # no device yet: the pairing step keeps it too
    enrol = client.get(response["Location"])
    assert enrol["Location"] == reverse("accounts:otp_enrol") + "?" + urlencode({"next": target})


@pytest.mark.parametrize("name", ["accounts:otp_enrol", "accounts:otp"])
def test_only_staff_reach_the_second_factor_pages(client, name):
    """A volunteer signed in by magic link, or an account with no role, gets a 404, and no TOTP
    device is created for them; an anonymous visitor is sent to the login page."""
    assert client.get(reverse(name))["Location"].startswith(reverse("accounts:login"))
    for user in (VolunteerFactory().user, UserFactory()):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 404
        assert client.post(reverse(name), {"token": "000000", "otp_token": "000000"}).status_code == 404
        assert not TOTPDevice.objects.filter(user=user).exists()

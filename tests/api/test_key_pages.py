"""« Clés d'API »: administrators only; a token shown once; bad input refused in French."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from tests.api.conftest import make_key
from tests.factories import login_staff, staff_user
from tests.factories.partners import OrganisationFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.api.models import ApiKey
from villesolidaire.api.services import api_key_for_token

LIST = "/gestion/cles-api/"
CREATE = "/gestion/cles-api/nouvelle/"


@pytest.fixture
def admin_client(client):
    login_staff(client, staff_user(Role.ADMIN))
    return client


def valid_form(**changes) -> dict:
    expires = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    return {
        "name": "Logiciel du CCAS",
        "role": Role.OPERATOR,
        "scopes": ["help_requests:write", "residents:read"],
        "expires_on": expires,
        "rate_per_minute": "120",
        **changes,
    }


def test_an_administrator_creates_a_key_and_sees_its_token_once(admin_client):
    response = admin_client.post(CREATE, valid_form())
    assert response.status_code == 200
    page = response.content.decode()
    token = page.split('id="token" type="text" readonly value="')[1].split('"')[0]
    key = ApiKey.objects.get()
    assert api_key_for_token(token) == key and key.scopes == ["help_requests:write", "residents:read"]
    assert "ne sera plus jamais affichée" in page and response["Cache-Control"].startswith("max-age=0")
    detail = admin_client.get(f"{LIST}{key.pk}/").content.decode()
    assert token not in detail and f"vs_{key.prefix}_…" in detail
    listing = admin_client.get(LIST).content.decode()
    assert "Logiciel du CCAS" in listing
    # Valid through the day chosen, shown as that day (it expires at the start of the next one).
    chosen = timezone.localdate() + datetime.timedelta(days=90)
    assert date_format(chosen, "j F Y") in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "obligatoire"),
        ({"scopes": []}, "Cochez au moins un droit"),
        ({"scopes": ["register:read"]}, "choix valide"),
        ({"role": Role.ADMIN}, "choix valide"),
        ({"role": Role.REGISTER_OFFICER}, "choix valide"),
        ({"role": Role.PARTNER}, "choisissez-la"),
        ({"expires_on": "2020-01-01"}, "dans le futur"),
        ({"expires_on": "2099-01-01"}, "trois ans au plus"),
        ({"expires_on": "demain"}, "date"),
        ({"rate_per_minute": "0"}, "Au moins 1"),
        ({"rate_per_minute": "beaucoup"}, "nombre"),
        ({"role": Role.OFFICIAL, "scopes": ["help_requests:write"]}, "ne peut pas écrire"),
        ({"scopes": ["volunteers:write"]}, "« Volontaires — lecture et écriture »"),  # an operator's key
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_created(admin_client, changes, message):
    response = admin_client.post(CREATE, valid_form(**changes))
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert not ApiKey.objects.exists()


def test_two_keys_cannot_share_a_name(admin_client):
    make_key(name="Logiciel du CCAS")
    response = admin_client.post(CREATE, valid_form(name="logiciel  du ccas"))
    assert response.status_code == 400 and "déjà ce nom" in response.content.decode()


def test_a_partner_key_is_bound_to_its_organisation(admin_client):
    organisation = OrganisationFactory()
    response = admin_client.post(
        CREATE, valid_form(role=Role.PARTNER, organisation=str(organisation.pk), scopes=["needs:read"])
    )
    assert response.status_code == 200
    assert ApiKey.objects.get().organisation == organisation


def test_renewing_shows_the_new_token_and_keeps_the_old_one_for_the_chosen_time(admin_client):
    issued = make_key()
    response = admin_client.post(f"{LIST}{issued.key.pk}/renouveler/", {"grace_hours": "24"})
    page = response.content.decode()
    token = page.split('id="token" type="text" readonly value="')[1].split('"')[0]
    assert token != issued.token and api_key_for_token(token) and api_key_for_token(issued.token)
    assert "reste acceptée jusqu'au" in page
    refused = admin_client.post(f"{LIST}{issued.key.pk}/renouveler/", {"grace_hours": "9999"})
    assert refused.status_code == 302  # back to the key, with the message; nothing renewed
    assert api_key_for_token(token)


def test_revoking_refuses_the_key_at_once(admin_client):
    issued = make_key()
    unconfirmed = admin_client.post(f"{LIST}{issued.key.pk}/revoquer/")
    assert unconfirmed.status_code == 400 and "Cochez la case pour confirmer" in unconfirmed.content.decode()
    assert api_key_for_token(issued.token) is not None
    response = admin_client.post(f"{LIST}{issued.key.pk}/revoquer/", {"confirm": "on"}, follow=True)
    assert "est révoquée" in response.content.decode()
    assert api_key_for_token(issued.token) is None
    # A revoked key can no longer be changed or renewed.
    assert (
        admin_client.post(f"{LIST}{issued.key.pk}/renouveler/", {"grace_hours": "0"}, follow=True).status_code == 200
    )
    assert ApiKey.objects.get().rotated_at is None


def test_changing_scopes_and_expiry(admin_client):
    issued = make_key(scopes=["help_requests:read"])
    expires = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    form = {"scopes": ["needs:read"], "expires_on": expires, "rate_per_minute": "30"}
    response = admin_client.post(f"{LIST}{issued.key.pk}/", form)
    assert response.status_code == 302
    key = ApiKey.objects.get()
    assert key.scopes == ["needs:read"] and key.rate_per_minute == 30
    assert timezone.localtime(key.expires_at).date() == timezone.localdate() + datetime.timedelta(days=11)
    assert admin_client.get(f"{LIST}{key.pk}/").content.decode().count(f'value="{expires}"') == 1


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.REGISTER_OFFICER, Role.AUDITOR, Role.OPERATOR])
def test_other_roles_get_a_404(client, role):
    issued = make_key()
    login_staff(client, staff_user(role))
    for path in (LIST, CREATE, f"{LIST}{issued.key.pk}/"):
        assert client.get(path).status_code == 404
    assert client.post(f"{LIST}{issued.key.pk}/revoquer/").status_code == 404
    assert api_key_for_token(issued.token) is not None


def test_the_navigation_offers_the_keys_to_administrators_only(client):
    login_staff(client, staff_user(Role.COORDINATOR))
    assert f'href="{LIST}"' not in client.get("/gestion/demandes/").content.decode()
    login_staff(client, staff_user(Role.ADMIN))
    assert f'href="{LIST}"' in client.get("/gestion/demandes/").content.decode()


def test_a_form_sent_twice_issues_one_token(admin_client):
    """A page reloaded after « Créer la clé » or « Renouveler » sends the form again: nothing more."""
    form = valid_form(submission="numero-de-formulaire-1")
    assert admin_client.post(CREATE, form).status_code == 200
    again = admin_client.post(CREATE, form, follow=True)
    assert ApiKey.objects.count() == 1 and "avait déjà été envoyé" in again.content.decode()

    key = ApiKey.objects.get()
    renew = {"grace_hours": "0", "submission": "numero-de-formulaire-2"}
    first = admin_client.post(f"{LIST}{key.pk}/renouveler/", renew).content.decode()
    token = first.split('id="token" type="text" readonly value="')[1].split('"')[0]
    second = admin_client.post(f"{LIST}{key.pk}/renouveler/", renew, follow=True).content.decode()
    assert "n&#x27;a été renouvelée qu&#x27;une fois" in second and api_key_for_token(token) == key


def test_write_scopes_follow_the_keys_role_on_its_page(admin_client):
    issued = make_key(role=Role.OFFICIAL, scopes=["help_requests:read"])
    expires = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    form = {"scopes": ["help_requests:write"], "expires_on": expires, "rate_per_minute": "30"}
    response = admin_client.post(f"{LIST}{issued.key.pk}/", form)
    assert response.status_code == 400 and "ne peut pas écrire" in response.content.decode()
    assert ApiKey.objects.get().scopes == ["help_requests:read"]


def test_the_secret_pages_offer_a_copy_button_for_scripts_only(admin_client):
    page = admin_client.post(CREATE, valid_form()).content.decode()
    assert 'data-vs-copy="token" hidden>Copier</button>' in page


def test_a_reloaded_form_is_told_once_as_a_message_not_as_a_name_taken(admin_client):
    form = valid_form(submission="numero-de-formulaire-1")
    admin_client.post(CREATE, form)
    again = admin_client.post(CREATE, form)
    assert again.status_code == 302 and again["Location"] == LIST
    page = admin_client.get(LIST).content.decode()
    assert page.count("avait déjà été envoyé") == 1 and "porte déjà ce nom" not in page


def _settings_form_address(page: str) -> str:
    """Where the « Enregistrer » form of a key's page sends its values."""
    found = re.search(r'<form method="post" action="([^"]*)"[^>]*>(?:(?!</form>).)*>Enregistrer</button>', page, re.S)
    assert found, "no « Enregistrer » form"
    return found.group(1)


def test_the_settings_form_goes_to_the_keys_page_when_another_form_answered(admin_client):
    """A refused revocation or address is answered by the key's page at the other form's address:
    the settings form sent from there must still reach the key's page, not that other form."""
    key = make_key(scopes=["help_requests:read"]).key
    detail = f"{LIST}{key.pk}/"
    unconfirmed = admin_client.post(f"{detail}revoquer/")
    bad_address = admin_client.post(f"{detail}evenements/", {"url": "ftp://exemple.fr/", "events": ["mission.done"]})
    for refused in (unconfirmed, bad_address):
        assert refused.status_code == 400 and _settings_form_address(refused.content.decode()) == detail
    expires = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    form = {"scopes": ["residents:read"], "expires_on": expires, "rate_per_minute": "30"}
    assert admin_client.post(detail, form).status_code == 302
    key.refresh_from_db()
    assert key.scopes == ["residents:read"] and key.rate_per_minute == 30 and not key.is_revoked

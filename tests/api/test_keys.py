"""API keys: tokens stored as digests, rotation with a grace period, revocation, expiry, last use."""

import datetime

import pytest
from django.utils import timezone

from tests.api.conftest import make_key
from tests.factories import staff_user
from tests.factories.partners import OrganisationFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.api import keys
from villesolidaire.api.models import ApiKey
from villesolidaire.api.services import (
    ApiKeyError,
    FormSentTwice,
    api_key_create,
    api_key_for_token,
    api_key_revoke,
    api_key_rotate,
)
from villesolidaire.audit.models import AuditEntry

CATEGORIES = "/api/v1/help-categories/"
REQUESTS = "/api/v1/help-requests/"


def test_a_token_is_shown_once_and_only_its_digest_is_stored():
    issued = make_key()
    key = ApiKey.objects.get()
    assert keys.TOKEN_PATTERN.match(issued.token)
    assert issued.token.startswith(f"vs_{key.prefix}_")
    assert key.secret_digest == keys.digest(issued.token) and issued.token not in key.secret_digest
    # Nowhere in the audit line either.
    assert all(issued.token not in entry.detail for entry in AuditEntry.objects.all())


def test_the_key_acts_as_its_own_account_which_cannot_sign_in_and_gets_no_alerts():
    issued = make_key(role=Role.COORDINATOR)
    account = issued.key.account
    assert account.is_api_account and not account.has_usable_password()
    assert account.roles == frozenset({Role.COORDINATOR})
    assert account.email not in User.objects.coordinator_emails()
    assert not account.check_password("")


def test_creation_is_journaled_with_role_and_scopes():
    issued = make_key(role=Role.OPERATOR, scopes=["help_requests:write"])
    entry = AuditEntry.objects.get(object_type="api.ApiKey")
    assert entry.object_id == str(issued.key.pk) and "Opérateur" in entry.detail
    assert "help_requests:write" in entry.detail


def test_a_partner_key_needs_its_organisation():
    with pytest.raises(ApiKeyError):
        make_key(role=Role.PARTNER)
    organisation = OrganisationFactory()
    issued = make_key(role=Role.PARTNER, organisation=organisation)
    assert issued.key.account.partner_memberships.get().organisation == organisation


def test_unknown_scopes_are_dropped():
    issued = make_key(scopes=["help_requests:read", "register:read", "residents:write"])
    assert issued.key.scopes == ["help_requests:read", "residents:write"]


@pytest.mark.parametrize(
    "token",
    ["", "vs_", "Bearer", "vs_abcdefghij_short", "vs_ABCDEFGHIJ_" + "a" * 43, "x" * 500, "vs_abcdefghij_" + "é" * 43],
)
def test_malformed_or_unknown_tokens_are_refused(api, token):
    make_key()
    assert api_key_for_token(token) is None
    response = api(token=None).get(REQUESTS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_call_without_a_key_is_told_to_bring_one(api):
    response = api(token=None).get(REQUESTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"detail": "Informations d'authentification non fournies.", "errors": []}


def test_a_token_of_the_right_shape_but_wrong_secret_is_refused():
    issued = make_key()
    forged = f"vs_{issued.key.prefix}_{'A' * 43}"
    assert api_key_for_token(forged) is None


def test_rotation_keeps_the_old_token_for_the_grace_period_only():
    issued = make_key()
    admin = staff_user(Role.ADMIN)
    renewed = api_key_rotate(key=issued.key, by=admin, grace=datetime.timedelta(hours=24))
    assert api_key_for_token(renewed.token).pk == issued.key.pk
    assert api_key_for_token(issued.token).pk == issued.key.pk  # during the grace period
    later = timezone.now() + datetime.timedelta(hours=25)
    assert api_key_for_token(issued.token, now=later) is None
    assert api_key_for_token(renewed.token, now=later).pk == issued.key.pk


def test_rotation_without_grace_refuses_the_old_token_at_once():
    issued = make_key()
    renewed = api_key_rotate(key=issued.key, by=staff_user(Role.ADMIN), grace=datetime.timedelta(0))
    assert api_key_for_token(issued.token) is None
    assert api_key_for_token(renewed.token) is not None


def test_revocation_refuses_both_tokens_and_deactivates_the_account(api):
    issued = make_key()
    renewed = api_key_rotate(key=issued.key, by=staff_user(Role.ADMIN))
    api_key_revoke(key=issued.key, by=staff_user(Role.ADMIN))
    assert api_key_for_token(issued.token) is None and api_key_for_token(renewed.token) is None
    assert not User.objects.get(pk=issued.key.account_id).is_active
    with pytest.raises(ApiKeyError):
        api_key_rotate(key=issued.key, by=staff_user(Role.ADMIN))


def test_an_expired_key_is_refused():
    issued = make_key(expires_at=timezone.now() + datetime.timedelta(minutes=1))
    assert api_key_for_token(issued.token, now=timezone.now() + datetime.timedelta(minutes=2)) is None


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    issued = make_key()
    assert issued.key.last_used_at is None
    first = api_key_for_token(issued.token)
    assert first.last_used_at is not None
    with django_assert_num_queries(1):  # the lookup only: no UPDATE within the minute
        api_key_for_token(issued.token)
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert api_key_for_token(issued.token, now=later).last_used_at == later
    assert ApiKey.objects.get().last_used_at == later


def test_names_are_unique():
    make_key(name="Logiciel du CCAS")
    with pytest.raises(Exception):  # noqa: B017, PT011 (IntegrityError, wrapped by the transaction)
        api_key_create(
            name="Logiciel du CCAS",
            role=Role.OPERATOR,
            scopes=["help_requests:read"],
            expires_at=timezone.now() + datetime.timedelta(days=1),
            by=staff_user(Role.ADMIN),
        )


def test_a_form_sent_twice_and_a_name_taken_are_told_apart():
    admin = staff_user(Role.ADMIN)

    def create(name: str, submission: str):
        return api_key_create(
            name=name,
            role=Role.OPERATOR,
            scopes=["help_requests:read"],
            expires_at=timezone.now() + datetime.timedelta(days=1),
            by=admin,
            submission=submission,
        )

    create("Logiciel du CCAS", "formulaire-1")
    for name in ("Logiciel du CCAS", "Autre logiciel"):  # the same form again (reloaded, or changed)
        with pytest.raises(FormSentTwice, match="créée une seule fois"):
            create(name, "formulaire-1")
    for name in ("Logiciel du CCAS", "logiciel du ccas"):  # another form, a name taken
        with pytest.raises(ApiKeyError, match="Une clé porte déjà ce nom") as refused:
            create(name, "formulaire-2")
        assert not isinstance(refused.value, FormSentTwice)
    assert ApiKey.objects.count() == 1 and User.objects.filter(is_api_account=True).count() == 1


def test_a_renewal_sent_twice_renews_once():
    issued = make_key()
    admin = staff_user(Role.ADMIN)
    renewed = api_key_rotate(key=issued.key, by=admin, grace=datetime.timedelta(0), submission="renouvellement-1")
    with pytest.raises(FormSentTwice, match="renouvelée qu'une fois"):
        api_key_rotate(key=issued.key, by=admin, grace=datetime.timedelta(0), submission="renouvellement-1")
    assert api_key_for_token(renewed.token) == issued.key

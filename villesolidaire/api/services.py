"""Writes on API keys: create, rotate, revoke, and recognise a token at each call."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.api import keys
from villesolidaire.api.models import ApiKey, WebhookDelivery, WebhookEvent, WebhookSubscription
from villesolidaire.api.scopes import clean_scopes
from villesolidaire.api.signing import new_secret
from villesolidaire.api.webhooks import replay
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.partners.models import Organisation, OrganisationMember

# How long the previous token still works after a rotation, unless the administrator says otherwise.
DEFAULT_GRACE = timedelta(hours=24)
# `last_used_at` is written at most this often per key: not one UPDATE per call.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class ApiKeyError(Exception):
    """A request on keys that makes no sense (a partner key without organisation…). French message."""


@dataclass(frozen=True)
class IssuedKey:
    """A key and its token, which is shown once and stored nowhere."""

    key: ApiKey
    token: str


class FormSentTwice(ApiKeyError):
    """The form that asks for a token already had one: a page reloaded after sending. Its message
    says what was done the first time; nothing is done this time."""


CREATED_ONCE = (
    "Ce formulaire avait déjà été envoyé : la clé a été créée une seule fois, et elle ne peut plus être "
    "affichée. Si elle n'a pas été copiée, renouvelez-la depuis sa page."
)
RENEWED_ONCE = (
    "Ce formulaire avait déjà été envoyé : la clé n'a été renouvelée qu'une fois, et la nouvelle ne peut "
    "plus être affichée. Si elle n'a pas été copiée, renouvelez-la encore."
)
NAME_TAKEN = "Une clé porte déjà ce nom : choisissez-en un autre."


@transaction.atomic
def api_key_create(
    *,
    name: str,
    role: str,
    scopes: list[str],
    expires_at: datetime,
    by: User,
    organisation: Organisation | None = None,
    rate_per_minute: int = 120,
    submission: str = "",
    request=None,
) -> IssuedKey:
    """A key with its own account holding `role` (and, for a partner, its organisation). `submission`:
    the number of the form that asks (FormSentTwice if a key came from it already: the unique
    constraint on `issued_by_form` decides, so two sendings at the same moment issue one key)."""
    if role == Role.PARTNER and organisation is None:
        raise ApiKeyError("Une clé de partenaire agit pour une organisation : choisissez-la.")
    if role != Role.PARTNER:
        organisation = None
    # The same name but for its capitals; the key this very form issued is told below (FormSentTwice).
    taken = ApiKey.objects.filter(name__iexact=name).exclude(issued_by_form=submission or None)
    if taken.exists():
        raise ApiKeyError(NAME_TAKEN)
    prefix = keys.new_prefix()
    account = User.objects.create_user(
        email=f"cle-api-{prefix}@api.invalid", first_name="Clé d'API", last_name=name[:150], is_api_account=True
    )
    RoleGrant.objects.create(user=account, role=role, granted_by=by)
    if organisation is not None:
        OrganisationMember.objects.create(organisation=organisation, user=account)
    token = keys.new_token(prefix)
    try:
        with transaction.atomic():
            key = ApiKey.objects.create(
                name=name,
                account=account,
                role=role,
                organisation=organisation,
                scopes=clean_scopes(scopes),
                rate_per_minute=rate_per_minute,
                prefix=prefix,
                secret_digest=keys.digest(token),
                expires_at=expires_at,
                created_by=by,
                issued_by_form=submission,
            )
    except IntegrityError:  # this form issued a key already, or another key has this very name
        if submission and ApiKey.objects.filter(issued_by_form=submission).exists():
            raise FormSentTwice(CREATED_ONCE) from None
        raise ApiKeyError(NAME_TAKEN) from None
    record(
        actor=by,
        action=AuditAction.CREATE,
        target=key,
        fields=["role", "scopes"],
        detail=f"{key.actor_label} créée : rôle {key.get_role_display()}, droits {', '.join(key.scopes) or 'aucun'}",
        request=request,
    )
    return IssuedKey(key=key, token=token)


@transaction.atomic
def api_key_update(
    *, key: ApiKey, scopes: list[str], expires_at: datetime, rate_per_minute: int, by: User, request=None
) -> ApiKey:
    """Change what a key may do, until when and how fast (its role stays: make another key)."""
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    if locked.is_revoked:
        raise ApiKeyError("Cette clé est révoquée : elle ne peut plus être modifiée.")
    locked.scopes = clean_scopes(scopes)
    locked.expires_at = expires_at
    locked.rate_per_minute = rate_per_minute
    locked.save(update_fields=["scopes", "expires_at", "rate_per_minute"])
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=locked,
        fields=["scopes", "expires_at", "rate_per_minute"],
        detail=f"{locked.actor_label} : droits {', '.join(locked.scopes) or 'aucun'}",
        request=request,
    )
    return locked


@transaction.atomic
def api_key_rotate(
    *, key: ApiKey, by: User, grace: timedelta = DEFAULT_GRACE, submission: str = "", request=None
) -> IssuedKey:
    """A new token; the previous one keeps working for `grace` (zero: at once refused). `submission`:
    the number of the form that asks (FormSentTwice if it renewed this key already, checked under
    the row lock)."""
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    if locked.is_revoked:
        raise ApiKeyError("Cette clé est révoquée : elle ne peut plus être renouvelée.")
    if submission and locked.issued_by_form == submission:
        raise FormSentTwice(RENEWED_ONCE)
    now = timezone.now()
    token = keys.new_token(locked.prefix)
    locked.previous_digest = locked.secret_digest if grace > timedelta(0) else ""
    locked.previous_valid_until = now + grace if grace > timedelta(0) else None
    locked.secret_digest = keys.digest(token)
    locked.rotated_at = now
    locked.issued_by_form = submission
    locked.save(
        update_fields=["previous_digest", "previous_valid_until", "secret_digest", "rotated_at", "issued_by_form"]
    )
    hours = int(grace.total_seconds() // 3600)
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=locked,
        fields=["secret"],
        detail=f"{locked.actor_label} renouvelée ; l'ancienne reste valable {hours} h",
        request=request,
    )
    return IssuedKey(key=locked, token=token)


@transaction.atomic
def api_key_revoke(*, key: ApiKey, by: User, request=None) -> ApiKey:
    """Refused from now on, both tokens; its account is deactivated. Kept for the journal."""
    locked = ApiKey.objects.select_for_update().select_related("account").get(pk=key.pk)
    if locked.is_revoked:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.previous_digest = ""
    locked.save(update_fields=["revoked_at", "revoked_by", "previous_digest"])
    User.objects.filter(pk=locked.account_id).update(is_active=False)
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=locked,
        fields=["revoked_at"],
        detail=f"{locked.actor_label} révoquée",
        request=request,
    )
    return locked


def api_key_for_token(token: str, now: datetime | None = None) -> ApiKey | None:
    """The usable key this token proves, with its account; None for anything else (malformed,
    unknown, revoked, expired, a previous token past its grace, a deactivated account)."""
    prefix = keys.prefix_of(token)
    if prefix is None:
        return None
    now = now or timezone.now()
    key = ApiKey.objects.usable(now).select_related("account").filter(prefix=prefix).first()
    if key is None or not key.account.is_active:
        return None
    in_grace = key.previous_valid_until is not None and key.previous_valid_until > now
    if not (keys.matches(token, key.secret_digest) or (in_grace and keys.matches(token, key.previous_digest))):
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


# Webhooks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedSubscription:
    """A subscription and its signing secret, which is shown once."""

    subscription: WebhookSubscription
    secret: str


@transaction.atomic
def webhook_subscribe(*, key: ApiKey, url: str, events: list[str], by: User, request=None) -> IssuedSubscription:
    if key.is_revoked:
        raise ApiKeyError("Cette clé est révoquée : elle ne reçoit plus d'événements.")
    known = {value for value, _label in WebhookEvent.choices}
    secret = new_secret()
    subscription = WebhookSubscription.objects.create(
        key=key, url=url, events=sorted(set(events) & known), secret=secret, created_by=by
    )
    record(
        actor=by,
        action=AuditAction.CREATE,
        target=subscription,
        fields=["url", "events"],
        detail=f"{key.actor_label} : événements {', '.join(subscription.events)} envoyés à {url}"[:300],
        request=request,
    )
    return IssuedSubscription(subscription=subscription, secret=secret)


@transaction.atomic
def webhook_unsubscribe(*, subscription: WebhookSubscription, by: User, request=None) -> WebhookSubscription:
    """No more deliveries to this address; those already logged stay in the log."""
    subscription.is_active = False
    subscription.save(update_fields=["is_active"])
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=subscription,
        fields=["is_active"],
        detail=f"{subscription.key.actor_label} : plus d'événements envoyés à {subscription.url}"[:300],
        request=request,
    )
    return subscription


def webhook_replay(*, delivery: WebhookDelivery, by: User, request=None) -> WebhookDelivery:
    """« Renvoyer »: the same event again, now (a new delivery; the first stays in the log)."""
    if not delivery.subscription.is_active or delivery.subscription.key.is_revoked:
        raise ApiKeyError("Cet abonnement n'est plus actif : l'événement ne peut pas être renvoyé.")
    again = replay(delivery)
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=delivery,
        fields=["replay"],
        detail=f"{delivery.subscription.key.actor_label} : envoi n° {delivery.pk} renvoyé (n° {again.pk})",
        request=request,
    )
    return again

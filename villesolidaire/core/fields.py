"""Model fields that many models declare alike: one definition each, so they cannot drift apart.

Each factory returns a plain Django field, built with the same arguments the models used to
spell out, so the migration state is exactly what it was.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


def optional_reference(
    to: str | type[models.Model], verbose_name: str | None = None, *, related_name: str = "+", blank: bool = True
) -> models.ForeignKey:
    """A link the record can do without: it may stay empty, and the record outlives its target
    (deleting the target only empties the link, SET_NULL). No reverse accessor unless
    `related_name` names one."""
    return models.ForeignKey(
        to,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name=related_name,
        verbose_name=verbose_name,
    )


def user_reference(verbose_name: str | None = None, *, blank: bool = True) -> models.ForeignKey:
    """The account that did something (« créée par », « traitée par »…).

    No reverse accessor (nobody lists records from the account's side), and the record outlives
    the account: deleting it only empties the link (SET_NULL)."""
    return optional_reference(settings.AUTH_USER_MODEL, verbose_name, blank=blank)


def new_token() -> str:
    """A fresh random key for a link that needs no login (the old migrations name it, keep it here)."""
    return secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    """What the database keeps of a link's key: its SHA-256, so a backup or a read of the table
    opens no page. The key is long and random, so an unsalted hash cannot be reversed."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token_digest() -> str:
    """Default of `token_field`: the digest of a key nobody holds, until `link_token` issues one."""
    return token_digest(new_token())


def token_field() -> models.CharField:
    """The digest of the key that opens a page without login (offers, invitations, sign-ups):
    unique; the clear key exists only in the message that carries the link."""
    return models.CharField(max_length=64, unique=True, default=new_token_digest, editable=False)


def digest_stored_tokens(model: type[models.Model], using: str) -> None:
    """Data migration step: replace each clear key still stored in `token_hash` by its digest."""
    rows = model.objects.using(using)
    for pk, token in rows.values_list("pk", "token_hash").iterator():
        rows.filter(pk=pk).update(token_hash=token_digest(token))


def link_token(obj: models.Model) -> str:
    """The clear key of `obj`'s link, for the message being written: the first call issues a
    fresh key and stores its digest in `token_hash` (a link sent earlier stops working), later
    calls on the same instance give the same key (one message may carry it twice)."""
    token = getattr(obj, "token", None)
    if token:
        return token
    token = new_token()
    obj.token_hash = token_digest(token)
    if obj.pk is not None:
        type(obj).objects.filter(pk=obj.pk).update(token_hash=obj.token_hash)
    obj.token = token
    return token


def link_expired(since: datetime | None, *, hours: float | None = None, now: datetime | None = None) -> bool:
    """Whether a no-login link whose use ended at `since` is past its grace
    (`VS_LINK_GRACE_HOURS` unless `hours` is given)."""
    if since is None:
        return False
    grace = timedelta(hours=settings.VS_LINK_GRACE_HOURS if hours is None else hours)
    return (now or timezone.now()) > since + grace


def amount_field(verbose_name: str) -> models.DecimalField:
    """An optional sum of money in euros, up to the 5 000 € a volunteer may be asked to advance."""
    return models.DecimalField(
        verbose_name,
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(5000)],
    )


def birth_year_field() -> models.PositiveSmallIntegerField:
    """An optional year of birth (the forms check it against the current year)."""
    return models.PositiveSmallIntegerField(
        "année de naissance", null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )


# The matching index (matching.VolunteerMatchProfile) keeps categories, skills and training
# modules as bits 0–62 of signed 64-bit masks.
MAX_INDEX_BIT = 62


def index_bit_field(*, help_text: str = "", editable: bool = True) -> models.PositiveSmallIntegerField:
    """The bit a category, skill or training module owns in the matching index's masks."""
    return models.PositiveSmallIntegerField(
        "position dans l'index",
        unique=True,
        editable=editable,
        validators=[MaxValueValidator(MAX_INDEX_BIT)],
        help_text=help_text,
    )

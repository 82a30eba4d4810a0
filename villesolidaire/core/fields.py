"""Model fields that many models declare alike: one definition each, so they cannot drift apart.

Each factory returns a plain Django field, built with the same arguments the models used to
spell out, so the migration state is exactly what it was.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


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
    """Default of `token_field`: a fresh random key (the migrations name it, keep it here)."""
    return secrets.token_urlsafe(24)


def token_field() -> models.CharField:
    """The key that opens a page without login (offers, invitations, sign-ups): random, unique."""
    return models.CharField(max_length=64, unique=True, default=new_token)


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

"""Model fields that many models declare alike: one definition each, so they cannot drift apart.

Each factory returns a plain Django field, built with the same arguments the models used to
spell out, so the migration state is exactly what it was.
"""

from django.conf import settings
from django.db import models


def user_reference(verbose_name: str | None = None, *, blank: bool = True) -> models.ForeignKey:
    """The account that did something (« créée par », « traitée par »…).

    No reverse accessor (nobody lists records from the account's side), and the record outlives
    the account: deleting it only empties the link (SET NULL)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
        verbose_name=verbose_name,
    )

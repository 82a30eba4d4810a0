"""Limiting a person's staff roles to some quartiers (issue 13, `QuartierScope`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from villesolidaire.accounts.enums import Role
from villesolidaire.core.hooks import Hook
from villesolidaire.territory.models import Quartier, QuartierScope

quartier_scope_changed = Hook(
    "A person's quartier limit was set, changed or removed: run(user=, quartiers=[names] or None, by=). "
    "The audit journal records it."
)


class ScopeError(Exception):
    """A quartier limit refused; the message is in French."""


@transaction.atomic
def set_quartier_scope(user, quartiers: Iterable[Quartier], *, by) -> QuartierScope:
    """Limits every staff role of `user` to `quartiers` (no quartier: nothing at all)."""
    if user.has_role(Role.ADMIN):
        raise ScopeError("Un·e administrateur·rice agit sur toute la commune : retirez d'abord ce rôle.")
    quartiers = list(quartiers)
    scope, _ = QuartierScope.objects.get_or_create(user=user)
    scope.quartiers.set(quartiers)
    scope.save(update_fields=["updated_at"])
    type(user).objects.filter(pk=user.pk).update(is_quartier_limited=True)
    user.is_quartier_limited = True
    user.__dict__.pop("quartier_ids", None)
    quartier_scope_changed.run(user=user, quartiers=sorted(q.name for q in quartiers), by=by)
    return scope


@transaction.atomic
def remove_quartier_scope(user, *, by) -> None:
    """Back to the whole town."""
    QuartierScope.objects.filter(user=user).delete()
    type(user).objects.filter(pk=user.pk).update(is_quartier_limited=False)
    user.is_quartier_limited = False
    user.__dict__.pop("quartier_ids", None)
    quartier_scope_changed.run(user=user, quartiers=None, by=by)

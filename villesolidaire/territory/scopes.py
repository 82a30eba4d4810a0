"""Limiting a person's staff roles to some quartiers (issue 13, `QuartierScope`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from villesolidaire.accounts.enums import Role
from villesolidaire.core.hooks import Hook
from villesolidaire.territory.models import Commune, Quartier, QuartierScope

quartier_scope_changed = Hook(
    "A person's quartier limit was set, changed or removed: run(user=, quartiers=[names] or None, by=). "
    "The audit journal records it."
)


class ScopeError(Exception):
    """A quartier limit refused; the message is in French."""


@transaction.atomic
def set_quartier_scope(user, quartiers: Iterable[Quartier], *, communes: Iterable[Commune] = (), by) -> QuartierScope:
    """Limits every staff role of `user` to `quartiers` and the quartiers of `communes` (none: nothing at all)."""
    if user.has_role(Role.ADMIN):
        raise ScopeError("Un·e administrateur·rice agit sur toute la commune : retirez d'abord ce rôle.")
    quartiers, communes = list(quartiers), list(communes)
    scope, _ = QuartierScope.objects.get_or_create(user=user)
    scope.quartiers.set(quartiers)
    scope.communes.set(communes)
    scope.save(update_fields=["updated_at"])
    type(user).objects.filter(pk=user.pk).update(is_quartier_limited=True)
    user.is_quartier_limited = True
    user.__dict__.pop("quartier_ids", None)
    places = [f"commune {c.name}" for c in communes] + sorted(q.name for q in quartiers)
    quartier_scope_changed.run(user=user, quartiers=places, by=by)
    return scope


@transaction.atomic
def remove_quartier_scope(user, *, by) -> None:
    """Back to the whole town."""
    QuartierScope.objects.filter(user=user).delete()
    type(user).objects.filter(pk=user.pk).update(is_quartier_limited=False)
    user.is_quartier_limited = False
    user.__dict__.pop("quartier_ids", None)
    quartier_scope_changed.run(user=user, quartiers=None, by=by)

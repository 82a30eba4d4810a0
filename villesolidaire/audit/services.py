"""Writing to the audit log. Views and services call `record` in the same transaction as
the read or write they log, so a logged write and its log row commit or roll back together."""

from collections.abc import Iterable

from django.db import models
from django.http import HttpRequest

from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.core.http import client_ip
from villesolidaire.crises.models import Episode


def object_type_of(target: models.Model | type[models.Model] | str) -> str:
    if isinstance(target, str):
        return target
    return target._meta.label


def record(
    *,
    actor,
    action: AuditAction | str,
    target: models.Model | type[models.Model] | str,
    fields: Iterable[str] = (),
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one row: `target` is an instance (its pk is logged) or a model/label for lists."""
    object_id = ""
    if isinstance(target, models.Model):
        object_id = str(target.pk or "")
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=(user.get_full_name() or user.email) if user else "anonyme (formulaire public ou système)",
        action=action,
        object_type=object_type_of(target),
        object_id=object_id,
        fields=sorted(set(fields)),
        detail=detail[:300],
        ip_address=_client_ip(request),
    )


def _client_ip(request: HttpRequest | None) -> str | None:
    # The person's address, read through the trusted proxies (VS_TRUSTED_PROXIES), not the proxy's.
    return client_ip(request) if request is not None else None


CREDENTIAL_CHANGES = {
    "password": "mot de passe",
    "second_factor": "second facteur",
    "email": "adresse e-mail",
    "deleted": "compte",
}


def record_credentials_change(*, user, by, what: str, request: HttpRequest | None = None) -> AuditEntry:
    """An administrator chose or changed someone's password or e-mail, removed their second factor
    or deleted their account (the Django admin, accounts.protections): the account could have
    been taken over, so it is journaled, and register.designations shows it to the officer."""
    if what == "deleted":
        detail = f"compte n° {user.pk} ({user.email}) supprimé dans l'administration"
        return record(actor=by, action=AuditAction.DELETE, target=user, detail=detail, request=request)
    return record(
        actor=by,
        action=AuditAction.UPDATE,
        target=user,
        fields=[what],
        detail=f"{CREDENTIAL_CHANGES[what]} du compte n° {user.pk} choisi ou changé dans l'administration",
        request=request,
    )


def record_own_password_change(*, user, request: HttpRequest | None = None) -> AuditEntry:
    """A person replaced their own password (accounts.services.password_change_by_owner): after an
    administrator chose it, only its owner knows it from now on."""
    return record(
        actor=user,
        action=AuditAction.UPDATE,
        target=user,
        fields=["password"],
        detail=f"mot de passe du compte n° {user.pk} changé par son titulaire",
        request=request,
    )


def record_quartier_scope_change(*, user, quartiers: list[str] | None, by) -> AuditEntry:
    """A person's roles were limited to some quartiers, or given back the whole town (territory.scopes)."""
    detail = (
        f"rôles du compte n° {user.pk} limités aux quartiers : {', '.join(quartiers) or 'aucun'}"
        if quartiers is not None
        else f"rôles du compte n° {user.pk} rendus à toute la commune"
    )
    return record(actor=by, action=AuditAction.UPDATE, target=user, fields=["quartiers"], detail=detail)


def record_episode_change(
    *, target: models.Model, old: Episode | None, new: Episode | None, by, request: HttpRequest | None = None
) -> AuditEntry:
    """A request or a need was linked to another crisis episode (`new`), or to none."""
    return record(
        actor=by,
        action=AuditAction.UPDATE,
        target=target,
        fields=["episode"],
        detail=f"Épisode de crise : {old or 'aucun'} → {new or 'aucun'}",
        request=request,
    )

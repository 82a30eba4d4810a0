"""Granting and removing the register roles (officer, caller): two people and the mayor's act.

R121-7 CASF: only people named by the mayor touch the register. A designation records that act
(who decided, when, which decision), is proposed by one staff member and approved by another. A
grant or a removal is approved by a register officer, who checks the mayor's act: an administrator can make
accounts and administrators at will, so two administrators are not two people (a new-user
walkthrough had two accounts an admin made designate a third he controlled). The town's first
officer is designated on the server (`manage.py designate_first_register_officer`), once;
neither may be the person concerned, nor, for a grant, anyone who holds their power to designate
from the person concerned (directly or down a chain of grants: an administrator who creates two
accounts and makes them administrators cannot have them designate him). The role
(accounts.RoleGrant) changes only on approval, in the same transaction as the workflow move and
the audit rows. Nobody, an administrator included, reaches the register by their own action; the
Django admin cannot grant these roles, nor change the password or e-mail of someone who holds
one, nor set up anyone's second factor (accounts/admin.py).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from villesolidaire.accounts.enums import REGISTER_ROLES, Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.audit import services as audit
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.core.service_errors import duplicate_refused
from villesolidaire.register.models import (
    DESIGNATION_WORKFLOW,
    DesignationKind,
    DesignationStatus,
    RoleDesignation,
)
from villesolidaire.territory.models import Town


class DesignationError(Exception):
    """A designation the rules refuse; the message is French."""


def may_designate(user) -> bool:
    """Who may propose, approve or refuse a designation: administrators and register officers."""
    return user.is_authenticated and user.has_role(Role.ADMIN, Role.REGISTER_OFFICER)


DESIGNATING_ROLES = (Role.ADMIN, Role.REGISTER_OFFICER)
# Longer chains of grants than this are not followed (a town has a handful of administrators).
GRANT_CHAIN_LIMIT = 50


def _check_actor(by: User, designation_user: User, doing: str, *, granting: bool = False) -> None:
    if not may_designate(by):
        raise DesignationError("Seul·es les administrateur·rices et les agent·es habilité·es au registre le peuvent.")
    if by.pk == designation_user.pk:
        raise DesignationError(f"Vous ne pouvez pas {doing} une désignation qui vous concerne.")
    if granting and power_comes_from(by, designation_user):
        raise DesignationError(
            f"Vos droits vous ont été donnés, directement ou non, par la personne concernée : "
            f"une autre personne doit {doing} cette désignation."
        )


def power_comes_from(actor: User, source: User) -> bool:
    """Whether `source` granted `actor` a role that designates, or granted it to whoever granted
    it to them, and so on up the chain (RoleGrant.granted_by)."""
    seen: set[int] = set()
    frontier = {actor.pk}
    while frontier and len(seen) < GRANT_CHAIN_LIMIT:
        seen |= frontier
        granters = set(
            RoleGrant.objects.filter(
                user_id__in=frontier, role__in=DESIGNATING_ROLES, granted_by__isnull=False
            ).values_list("granted_by_id", flat=True)
        )
        if source.pk in granters:
            return True
        frontier = granters - seen
    return False


def _detail(designation: RoleDesignation, what: str) -> str:
    return (
        f"{what} : {designation.get_kind_display().lower()} « {designation.get_role_display()} » "
        f"pour le compte n° {designation.user_id} ; {designation.decision_reference} du "
        f"{designation.decision_date:%d/%m/%Y}, {designation.designated_by}"
    )


@transaction.atomic
def designation_propose(
    *,
    user: User,
    role: str,
    kind: str,
    designated_by: str,
    decision_reference: str,
    decision_date: datetime.date,
    by: User,
    request: HttpRequest | None = None,
) -> RoleDesignation:
    """One staff member proposes; nothing changes until another approves."""
    _check_actor(by, user, "proposer", granting=kind == DesignationKind.GRANT)
    if role not in REGISTER_ROLES:
        raise DesignationError("Seuls les rôles du registre (agent·e habilité·e, appelant·e) se désignent ici.")
    if kind not in DesignationKind.values:
        raise DesignationError("Demande inconnue.")
    holds = RoleGrant.objects.filter(user=user, role=role).exists()
    if kind == DesignationKind.GRANT and holds:
        raise DesignationError("Cette personne a déjà ce rôle.")
    if kind == DesignationKind.REVOKE and not holds:
        raise DesignationError("Cette personne n'a pas ce rôle.")
    if kind == DesignationKind.GRANT and not user.is_active:
        raise DesignationError("Ce compte est désactivé.")
    already_waiting = DesignationError("Une demande pour ce rôle et cette personne attend déjà son approbation.")
    with duplicate_refused(already_waiting):
        designation = RoleDesignation.objects.create(
            user=user,
            role=role,
            kind=kind,
            designated_by=designated_by,
            decision_reference=decision_reference,
            decision_date=decision_date,
            proposed_by=by,
        )
    DESIGNATION_WORKFLOW.log_creation(designation, by=by, note="proposée")
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        target=designation,
        fields=["user", "role", "kind", "designated_by", "decision_reference", "decision_date"],
        detail=_detail(designation, "proposée"),
        request=request,
    )
    return designation


def has_pending_designation(user: User) -> bool:
    """An account a designation waits on: administrators may not change its password, e-mail or
    activity until it is decided (accounts.protections)."""
    return RoleDesignation.objects.filter(user=user, status=DesignationStatus.PROPOSED).exists()


def credential_changes_by_admins(user_ids, *, days: int = 90) -> dict[int, datetime.datetime]:
    """For each account, the last time an administrator chose or changed its password, removed its
    second factor or changed its e-mail in the admin, within `days` (audit journal): shown to the
    officer who approves."""
    since = timezone.now() - datetime.timedelta(days=days)
    rows = AuditEntry.objects.filter(
        object_type="accounts.User",
        object_id__in=[str(pk) for pk in user_ids],
        action=AuditAction.UPDATE,
        at__gte=since,
    )
    latest: dict[int, datetime.datetime] = {}
    for object_id, at, fields in rows.values_list("object_id", "at", "fields"):
        if {"password", "second_factor", "email"} & set(fields):  # JSON containment differs on SQLite
            latest[int(object_id)] = max(at, latest.get(int(object_id), at))
    return latest


@transaction.atomic
def designate_first_register_officer(
    *, user: User, designated_by: str, decision_reference: str, decision_date: datetime.date
) -> RoleDesignation:
    """The town's first register officer, from the server (whoever runs it holds the keys anyway):
    refused once the town has one, recorded and audited like any designation, with no account
    as proposer or approver."""
    # Two runs at once take turns on the town's row (one per installation): locking the officers'
    # grants would lock nothing when there are none, the very case this command is for.
    Town.objects.select_for_update().first()
    if RoleGrant.objects.filter(role=Role.REGISTER_OFFICER).exists():
        raise DesignationError(
            "La commune a déjà un·e agent·e habilité·e au registre : les suivant·es sont désigné·es "
            "sur la page « Habilitations au registre »."
        )
    if not user.is_active:
        raise DesignationError("Ce compte est désactivé.")
    now = timezone.now()
    designation = RoleDesignation.objects.create(
        user=user,
        role=Role.REGISTER_OFFICER,
        kind=DesignationKind.GRANT,
        designated_by=designated_by,
        decision_reference=decision_reference,
        decision_date=decision_date,
        status=DesignationStatus.APPROVED,
        decided_at=now,
    )
    DESIGNATION_WORKFLOW.log_creation(designation, by=None, note="première désignation, depuis le serveur")
    grant = RoleGrant.objects.create(user=user, role=Role.REGISTER_OFFICER, granted_by=None)
    audit.record(actor=None, action=AuditAction.CREATE, target=grant, fields=["role"])
    audit.record(
        actor=None,
        action=AuditAction.CREATE,
        target=designation,
        fields=["user", "role", "kind", "designated_by", "decision_reference", "decision_date", "status"],
        detail=_detail(designation, "première désignation (depuis le serveur)"),
    )
    return designation


def _locked_pending(designation: RoleDesignation) -> RoleDesignation:
    designation = RoleDesignation.objects.select_for_update().select_related("user").get(pk=designation.pk)
    if designation.status != DesignationStatus.PROPOSED:
        raise DesignationError("Cette demande a déjà été traitée.")
    return designation


@transaction.atomic
def designation_approve(
    *, designation: RoleDesignation, by: User, request: HttpRequest | None = None
) -> RoleDesignation:
    """A second person approves: the role is granted or removed now."""
    designation = _locked_pending(designation)
    _check_actor(by, designation.user, "approuver", granting=designation.kind == DesignationKind.GRANT)
    if by.pk == designation.proposed_by_id:
        raise DesignationError("Une autre personne que celle qui l'a proposée doit approuver la demande.")
    # A removal too: one administrator with accounts he made could otherwise strip the town of
    # its officers in the middle of a heat wave (second walkthrough).
    if not by.has_role(Role.REGISTER_OFFICER):
        raise DesignationError(
            "Une demande est approuvée par un·e agent·e habilité·e au registre, qui vérifie la décision du maire."
        )
    DESIGNATION_WORKFLOW.apply(
        designation, DesignationStatus.APPROVED, by=by, lock=False, decided_by=by, decided_at=timezone.now()
    )
    if designation.kind == DesignationKind.GRANT:
        grant, _ = RoleGrant.objects.get_or_create(
            user=designation.user, role=designation.role, defaults={"granted_by": by}
        )
        audit.record(actor=by, action=AuditAction.CREATE, target=grant, fields=["role"], request=request)
    else:
        for grant in RoleGrant.objects.filter(user=designation.user, role=designation.role):
            audit.record(actor=by, action=AuditAction.DELETE, target=grant, fields=["role"], request=request)
            grant.delete()
    audit.record(
        actor=by,
        action=AuditAction.TRANSITION,
        target=designation,
        fields=["status", "decided_by", "decided_at"],
        detail=_detail(designation, "approuvée"),
        request=request,
    )
    return designation


@transaction.atomic
def designation_refuse(
    *, designation: RoleDesignation, by: User, request: HttpRequest | None = None
) -> RoleDesignation:
    """Refused by a second person, or withdrawn by the person who proposed it: nothing changes."""
    designation = _locked_pending(designation)
    _check_actor(by, designation.user, "refuser")
    DESIGNATION_WORKFLOW.apply(
        designation, DesignationStatus.REFUSED, by=by, lock=False, decided_by=by, decided_at=timezone.now()
    )
    audit.record(
        actor=by,
        action=AuditAction.TRANSITION,
        target=designation,
        fields=["status", "decided_by", "decided_at"],
        detail=_detail(designation, "refusée"),
        request=request,
    )
    return designation

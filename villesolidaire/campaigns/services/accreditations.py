"""Who may call: register officers, and callers trained and bound to confidentiality.

An accreditation records the training and the undertaking; the caller role itself is granted
and removed by two people with the mayor's decision (register.designations). Revoking an
accreditation stops the calls at once: calling needs both.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.models import CallerAccreditation, CallTarget
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.core.service_errors import duplicate_refused


def is_accredited(user: User) -> bool:
    """Register officers may always call; others need an active accreditation and the role."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.REGISTER_OFFICER):
        return True
    return user.has_role(Role.CALLER) and CallerAccreditation.objects.active().filter(user=user).exists()


def ensure_may_call(user: User) -> None:
    if not is_accredited(user):
        raise CampaignError(
            "Vous n'êtes pas habilité·e à passer les appels (formation et engagement de confidentialité requis)."
        )


@transaction.atomic
def accreditation_grant(
    *, user: User, training_on: date, undertaking_signed_on: date, by: User, volunteer=None, request=None
) -> CallerAccreditation:
    if CallerAccreditation.objects.active().filter(user=user).exists():
        raise CampaignError("Cette personne est déjà habilitée.")
    if volunteer is None:
        volunteer = getattr(user, "volunteer", None)
    with duplicate_refused(CampaignError("Cette personne est déjà habilitée.")):
        accreditation = CallerAccreditation.objects.create(
            user=user,
            volunteer=volunteer,
            training_on=training_on,
            undertaking_signed_on=undertaking_signed_on,
            granted_by=by,
        )
    record(
        actor=by,
        action=AuditAction.CREATE,
        target=accreditation,
        request=request,
        fields=["user", "training_on", "undertaking_signed_on"],
    )
    return accreditation


@transaction.atomic
def accreditation_revoke(
    *, accreditation: CallerAccreditation, by: User, now: datetime | None = None, request=None
) -> None:
    now = now or timezone.now()
    updated = CallerAccreditation.objects.filter(pk=accreditation.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by
    )
    if not updated:
        raise CampaignError("Cette habilitation est déjà retirée.")
    # Calls they held go back to the queue at once.
    CallTarget.objects.filter(locked_by_id=accreditation.user_id).update(
        locked_by=None, locked_at=None, locked_until=None, sheet=None
    )
    record(actor=by, action=AuditAction.UPDATE, target=accreditation, fields=["revoked_at"], request=request)

"""Escalating a person nobody could reach: emergency contact, home care, home visit, 15."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.enums import EscalationKind, EscalationResult, TargetStatus
from villesolidaire.campaigns.models import CallTarget, Campaign, EscalationStep
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.call_queue import lease_free
from villesolidaire.campaigns.services.episodes import episode_end_at
from villesolidaire.campaigns.services.target_status import set_target_status
from villesolidaire.register.models import RegisterEntry


def open_next_step(*, target: CallTarget, by: User | None, now: datetime) -> EscalationStep | None:
    entry = RegisterEntry.objects.only("emergency_contact_name", "emergency_contact_phone", "home_care_service").get(
        pk=target.entry_id
    )
    done = list(target.escalation_steps.values_list("kind", flat=True))
    kind = rules.next_step(
        done,
        has_emergency_contact=bool(entry.emergency_contact_phone.strip() or entry.emergency_contact_name.strip()),
        has_home_care=bool(entry.home_care_service.strip()),
    )
    if kind is None:
        return None
    return EscalationStep.objects.create(target=target, kind=kind, opened_at=now, opened_by=by)


@transaction.atomic
def escalation_record(
    *,
    step: EscalationStep,
    by: User,
    result: str,
    notes: str = "",
    assigned_volunteer=None,
    assigned_agent: User | None = None,
    now: datetime | None = None,
    request=None,
) -> EscalationStep | None:
    """Record the outcome of an escalation step; returns the next step opened, if any."""
    now = now or timezone.now()
    if result not in EscalationResult.values:
        raise CampaignError("Choisissez le résultat de cette étape.")
    step = EscalationStep.objects.select_for_update().select_related("target__campaign__episode").get(pk=step.pk)
    if step.done_at is not None:
        raise CampaignError("Cette étape a déjà été enregistrée.")
    if step.kind == EscalationKind.HOME_VISIT and not (
        assigned_volunteer or assigned_agent or step.assigned_volunteer_id or step.assigned_agent_id
    ):
        raise CampaignError("Indiquez qui a fait la visite (volontaire ou agent·e).")
    target = CallTarget.objects.select_for_update().get(pk=step.target_id)
    target.campaign = step.target.campaign
    step.result = result
    step.result_notes = notes
    step.done_at = now
    step.done_by = by
    if assigned_volunteer is not None:
        step.assigned_volunteer = assigned_volunteer
    if assigned_agent is not None:
        step.assigned_agent = assigned_agent
    step.save()
    new_status = rules.after_escalation_step(result)
    set_target_status(
        target, new_status, by=by, at=now, note=f"{step.get_kind_display()} : {step.get_result_display()}"
    )
    next_step = None
    if new_status == TargetStatus.REACHED:
        recheck = now + timedelta(hours=target.campaign.reached_recheck_hours)
        end = episode_end_at(target.campaign.episode)
        target.next_call_at = recheck if end is None or recheck < end else None
        target.reached_at = now
        target.failed_attempts = 0
        target.series_started_at = None
    elif new_status == TargetStatus.CLOSED:
        target.next_call_at = None
    else:
        next_step = open_next_step(target=target, by=by, now=now)
    target.save()
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=step,
        fields=["result", "result_notes"],
        detail=result,
        request=request,
    )
    return next_step


@transaction.atomic
def escalation_assign(
    *, step: EscalationStep, by: User, volunteer=None, agent: User | None = None, request=None
) -> None:
    if step.kind != EscalationKind.HOME_VISIT:
        raise CampaignError("Seule une visite à domicile s'attribue à une personne.")
    if (volunteer is None) == (agent is None):
        raise CampaignError("Choisissez soit un·e volontaire, soit un·e agent·e.")
    updated = EscalationStep.objects.filter(pk=step.pk, done_at__isnull=True).update(
        assigned_volunteer=volunteer, assigned_agent=agent
    )
    if not updated:
        raise CampaignError("Cette étape a déjà été enregistrée.")
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=step,
        fields=["assigned_volunteer", "assigned_agent"],
        request=request,
    )


@transaction.atomic
def escalate_overdue(*, campaign: Campaign, now: datetime | None = None, by: User | None = None) -> int:
    """Escalate people whose series of failed attempts outlasted the window (run by cron)."""
    now = now or timezone.now()
    limit = now - timedelta(hours=campaign.failure_window_hours)
    rows = list(
        CallTarget.objects.select_for_update()
        .filter(campaign=campaign, status=TargetStatus.PENDING, failed_attempts__gt=0, series_started_at__lte=limit)
        .filter(lease_free(now))
    )
    for target in rows:
        target.campaign = campaign
        set_target_status(target, TargetStatus.ESCALATED, by=by, at=now, note="Délai sans réponse dépassé")
        target.escalated_at = now
        target.next_call_at = None
        target.save()
        open_next_step(target=target, by=by, now=now)
    if rows:
        record(
            actor=by,
            action=AuditAction.TRANSITION,
            target=campaign,
            fields=["targets.status"],
            detail=f"{len(rows)} escaladées (délai dépassé)",
        )
    return len(rows)

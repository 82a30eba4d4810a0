"""Replies to the SMS wave: "1" means reached and fine, anything else asks for a call back."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.enums import AttemptChannel, CampaignStatus, EscalationResult, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget
from villesolidaire.campaigns.services.call_queue import CALLABLE_STATUSES
from villesolidaire.campaigns.services.calls import apply_outcome
from villesolidaire.campaigns.services.target_status import set_target_status
from villesolidaire.core.crypto import blind_index
from villesolidaire.core.validation import phone_e164
from villesolidaire.register.models import RegisterEntry


@transaction.atomic
def sms_inbound_record(*, sender: str, text: str, now: datetime | None = None) -> bool:
    """An SMS reply: "1" → reached, fine; anything else → call back soon. Returns whether it matched."""
    now = now or timezone.now()
    e164 = phone_e164(sender)
    if not e164:
        return False
    entries = RegisterEntry.objects.current().matching_phone(e164).filter(phone_index=blind_index(e164))
    target = (
        CallTarget.objects.select_for_update()
        .select_related("campaign__episode")
        .filter(entry__in=entries, sms_sent_at__isnull=False, campaign__status=CampaignStatus.ACTIVE)
        .order_by("-sms_sent_at", "-pk")
        .first()
    )
    if target is None:
        return False
    ok = rules.is_sms_ok_reply(text)
    outcome = Outcome.REACHED_FINE if ok else Outcome.SMS_OTHER_REPLY
    CallAttempt.objects.create(
        target=target,
        caller=None,
        channel=AttemptChannel.SMS,
        started_at=now,
        ended_at=now,
        outcome=outcome,
        notes=(text or "")[:500],
    )
    if target.status == TargetStatus.ESCALATED:
        if ok:
            open_step = target.escalation_steps.filter(done_at__isnull=True).first()
            if open_step is not None:
                open_step.result = EscalationResult.RESOLVED
                open_step.result_notes = "Réponse « 1 » au SMS"
                open_step.done_at = now
                open_step.save()
            set_target_status(target, TargetStatus.REACHED, by=None, at=now, note="Réponse « 1 » au SMS")
            target.reached_at = now
            target.failed_attempts = 0
            target.series_started_at = None
            target.last_outcome = outcome
            target.last_attempt_at = now
            target.attempts_count += 1
    elif target.status in CALLABLE_STATUSES:
        apply_outcome(target=target, outcome=outcome, by=None, now=now)
        target.callback_requested = not ok
    target.save()
    record(actor=None, action=AuditAction.CALL, target=target, fields=["outcome"], detail=f"Réponse SMS : {outcome}")
    return True

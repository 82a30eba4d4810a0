"""Forgetting people in the campaigns: a register entry removed (R121-11), a call log expired.

What a caller typed or learnt about the person goes (notes, questionnaire answers, advice and
actions, SMS reply texts, escalation reports, the link to the help request created from a call,
the flags); what the reports count stays (the targets with their status and dates, the outcome
and time of each attempt, the state changes, the kind and result of each escalation step), so
the dashboard, the daily report and the callers' tallies give the same totals afterwards.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.enums import CampaignStatus, TargetStatus
from villesolidaire.campaigns.models import (
    TARGET_WORKFLOW,
    CallAttempt,
    CallTarget,
    Campaign,
    CampaignTransition,
    EscalationStep,
)
from villesolidaire.notifications.models import REGISTER_MESSAGE_KIND_PREFIX
from villesolidaire.notifications.services import messages_forget_recipient

logger = logging.getLogger(__name__)

REMOVAL_NOTE = "Radiation du registre"


# How the audit entries of its two callers name what `anonymise_calls` empties.
ANONYMISED_FIELDS = ["attempts.notes", "attempts.answers", "escalation_steps.result_notes"]


def anonymise_calls(targets: QuerySet[CallTarget], *, now: datetime) -> int:
    """Empty what is personal in these targets' calls and escalations; keep what is counted.
    Idempotent. Returns the number of attempts touched."""
    attempts = CallAttempt.objects.filter(target__in=targets).update(
        notes="", answers={}, advice=[], actions=[], help_request=None
    )
    EscalationStep.objects.filter(target__in=targets, done_at__isnull=True).update(done_at=now)
    EscalationStep.objects.filter(target__in=targets).update(result_notes="")
    targets.update(birth_year=None, is_isolated=False, callback_requested=False)
    return attempts


def forget_register_entry(*, entry, by: User | None = None, request=None, now: datetime | None = None) -> None:
    """`register.services.entry_erased` step: the entry is being removed.

    The person leaves the queue of the campaigns still running (closed, logged "Radiation du
    registre"); their calls are anonymised; the campaign SMS sent to their number forget it
    (an SMS not yet sent is cancelled). The targets keep their link to the erased entry, which
    holds nothing personal any more, until register.purge_removed_entries deletes its trace."""
    now = now or timezone.now()
    targets = CallTarget.objects.filter(entry=entry)
    TARGET_WORKFLOW.apply_many(
        targets.exclude(status=TargetStatus.CLOSED).exclude(campaign__status=CampaignStatus.CLOSED),
        TargetStatus.CLOSED,
        by=by,
        note=REMOVAL_NOTE,
        at=now,
        next_call_at=None,
        locked_by=None,
        locked_at=None,
        locked_until=None,
        sheet=None,
    )
    attempts = anonymise_calls(targets, now=now)
    messages = messages_forget_recipient(recipient=entry.phone, kind_prefix=REGISTER_MESSAGE_KIND_PREFIX)
    campaigns = targets.values("campaign").distinct().count()
    if campaigns or messages:
        record(
            actor=by,
            action=AuditAction.UPDATE,
            target=entry,
            fields=["call_targets", *ANONYMISED_FIELDS],
            detail=f"radiation : appels anonymisés ({campaigns} campagne(s), {attempts} appel(s), {messages} SMS)",
            request=request,
        )


# Call logs kept only for a short, documented period (docs/campaigns.md) -----------------------


@dataclass(frozen=True)
class CallLogPurge:
    campaigns: int
    targets: int
    attempts: int
    cutoff: date
    dry_run: bool


def campaigns_past_call_log_delay(today: date) -> QuerySet[Campaign]:
    """Closed campaigns whose closing is older than VS_CAMPAIGN_CALL_LOG_DAYS and whose calls
    still point at register entries."""
    cutoff = _start_of(today - timedelta(days=settings.VS_CAMPAIGN_CALL_LOG_DAYS))
    closed_long_ago = (
        CampaignTransition.objects.filter(to_status=CampaignStatus.CLOSED)
        .values("campaign")
        .annotate(last=Max("at"))
        .filter(last__lt=cutoff)
        .values("campaign")
    )
    linked = CallTarget.objects.filter(campaign=OuterRef("pk"), entry__isnull=False)
    return Campaign.objects.filter(status=CampaignStatus.CLOSED, pk__in=closed_long_ago).filter(Exists(linked))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def purge_call_logs(*, today: date | None = None, dry_run: bool = False, now: datetime | None = None) -> CallLogPurge:
    """Detach the calls of long-closed campaigns from the register and anonymise them (run
    daily). Idempotent: a purged campaign has no target left pointing at an entry."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.VS_CAMPAIGN_CALL_LOG_DAYS)
    campaigns = targets = attempts = 0
    for pk in campaigns_past_call_log_delay(today).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().get(pk=pk)
            linked = CallTarget.objects.filter(campaign=campaign, entry__isnull=False)
            campaigns += 1
            if dry_run:
                targets += linked.count()
                attempts += CallAttempt.objects.filter(target__campaign=campaign).count()
                continue
            attempts += anonymise_calls(CallTarget.objects.filter(campaign=campaign), now=now)
            count = linked.update(entry=None)
            targets += count
            record(
                actor=None,
                action=AuditAction.DELETE,
                target=campaign,
                fields=["targets.entry", *ANONYMISED_FIELDS],
                detail=f"journal d'appels expiré : {count} personne(s) détachée(s) du registre",
            )
    result = CallLogPurge(campaigns=campaigns, targets=targets, attempts=attempts, cutoff=cutoff, dry_run=dry_run)
    logger.info(
        "Campaign call-log purge%s: %s campaigns closed before %s, %s targets detached, %s attempts anonymised",
        " (dry run)" if dry_run else "",
        campaigns,
        cutoff.isoformat(),
        targets,
        attempts,
        extra={
            "job": "purge_campaign_call_logs",
            "dry_run": dry_run,
            "campaigns": campaigns,
            "targets": targets,
            "attempts": attempts,
            "cutoff": cutoff.isoformat(),
        },
    )
    return result

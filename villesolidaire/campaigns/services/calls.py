"""A call recorded by its caller: what comes next for the person, and a help request if one is needed."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.enums import (
    REACHED_OUTCOMES,
    UNREACHABLE_OUTCOMES,
    Action,
    AttemptChannel,
    EscalationKind,
    Outcome,
    TargetStatus,
)
from villesolidaire.campaigns.models import CallAttempt, CallTarget, EscalationStep
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.accreditations import ensure_may_call
from villesolidaire.campaigns.services.episodes import episode_end_at
from villesolidaire.campaigns.services.escalation import escalation_record, open_next_step
from villesolidaire.campaigns.services.target_status import set_target_status
from villesolidaire.core.validation import parse_phone
from villesolidaire.help_requests.enums import Channel
from villesolidaire.help_requests.services import help_request_create
from villesolidaire.register.models import RegisterEntry
from villesolidaire.register.services import save_resident_link
from villesolidaire.residents.services import resident_find_or_create


@dataclass(frozen=True)
class HelpRequestDraft:
    """A need found on the phone, to become a help request (with the person's agreement)."""

    category: object
    description: str
    urgency: str = "normal"
    link_resident: bool = False
    category_other: str = ""


@transaction.atomic
def record_attempt(
    *,
    target: CallTarget,
    caller: User,
    outcome: str,
    answers: dict | None = None,
    advice: Sequence[str] = (),
    actions: Sequence[str] = (),
    notes: str = "",
    help_request: HelpRequestDraft | None = None,
    now: datetime | None = None,
    request=None,
) -> CallAttempt:
    """Record a call by the caller who holds the person's lease, and schedule what comes next."""
    now = now or timezone.now()
    ensure_may_call(caller)
    if outcome not in Outcome.values or outcome == Outcome.SMS_OTHER_REPLY:
        raise CampaignError("Choisissez le résultat de l'appel.")
    target = CallTarget.objects.select_for_update().select_related("campaign__episode").get(pk=target.pk)
    if target.locked_by_id != caller.pk:
        raise CampaignError(
            "Cet appel ne vous est plus attribué (délai dépassé et repris par quelqu'un d'autre, ou déjà enregistré)."
        )
    if help_request is not None and outcome not in REACHED_OUTCOMES:
        raise CampaignError("Une demande d'aide ne peut être créée que si la personne a été jointe.")
    attempt = CallAttempt(
        target=target,
        caller=caller,
        channel=AttemptChannel.PHONE,
        started_at=target.locked_at or now,
        ended_at=now,
        outcome=outcome,
        answers=answers or {},
        advice=list(advice),
        actions=sorted(set(actions)),
        notes=notes,
    )
    if help_request is not None:
        attempt.help_request = _help_request_from_call(
            target=target, draft=help_request, caller=caller, request=request
        )
        attempt.help_request_agreed = True
        attempt.resident_link_agreed = help_request.link_resident
        attempt.actions = sorted({*attempt.actions, Action.HELP_REQUEST})
    attempt.save()
    apply_outcome(target=target, outcome=outcome, by=caller, now=now)
    target.locked_by = None
    target.sheet = None
    target.locked_at = None
    target.locked_until = None
    target.callback_requested = False
    target.save()
    record(
        actor=caller,
        action=AuditAction.CALL,
        target=target,
        fields=["outcome", "answers", "advice", "actions"],
        detail=outcome,
        request=request,
    )
    return attempt


@transaction.atomic
def record_unreachable_with_emergency_contact(
    *,
    target: CallTarget,
    caller: User,
    outcome: str,
    result: str,
    notes: str = "",
    now: datetime | None = None,
    request=None,
) -> EscalationStep | None:
    """The person does not answer; the caller calls the person to notify shown on the screen.

    Records the failed call, escalates the person now (without waiting for the retry series, the
    caller has someone to try) and records the emergency contact's call as the first escalation
    step. Returns the next step opened (home care, home visit, 15) when there is no news.
    """
    now = now or timezone.now()
    if outcome not in UNREACHABLE_OUTCOMES:
        raise CampaignError(
            "Choisissez ce qui s'est passé à l'appel de la personne : pas de réponse, messagerie ou faux numéro."
        )
    entry = RegisterEntry.objects.only("emergency_contact_phone").get(pk=target.entry_id)
    if not entry.emergency_contact_phone.strip():
        raise CampaignError("Aucune personne à prévenir n'est connue : l'escalade suit son cours habituel.")
    record_attempt(target=target, caller=caller, outcome=outcome, now=now, request=request)
    target = CallTarget.objects.select_for_update().select_related("campaign").get(pk=target.pk)
    if target.status != TargetStatus.ESCALATED:
        set_target_status(
            target, TargetStatus.ESCALATED, by=caller, at=now, note="Personne à prévenir appelée par l'appelant·e"
        )
        target.escalated_at = now
        target.next_call_at = None
        target.save()
        open_next_step(target=target, by=caller, now=now)
    step = target.escalation_steps.filter(done_at__isnull=True).first()
    if step is None or step.kind != EscalationKind.EMERGENCY_CONTACT:
        raise CampaignError(
            "La personne à prévenir a déjà été appelée : l'escalade est suivie par l'agent·e du registre."
        )
    return escalation_record(step=step, by=caller, result=result, notes=notes, now=now, request=request)


def apply_outcome(*, target: CallTarget, outcome: str, by: User | None, now: datetime) -> None:
    decision = rules.after_attempt(
        outcome=outcome,
        now=now,
        failed_attempts=target.failed_attempts,
        series_started_at=target.series_started_at,
        episode_ends_at=episode_end_at(target.campaign.episode),
        rules=target.campaign.rules,
    )
    set_target_status(target, decision.status, by=by, at=now, note=Outcome(outcome).label)
    target.next_call_at = decision.next_call_at
    target.failed_attempts = decision.failed_attempts
    target.series_started_at = decision.series_started_at
    target.attempts_count += 1
    target.last_outcome = outcome
    target.last_attempt_at = now
    if outcome in REACHED_OUTCOMES:
        target.reached_at = now
    if decision.escalate:
        target.escalated_at = now
        open_next_step(target=target, by=by, now=now)


# Help requests from a call ---------------------------------------------------------------------


def _help_request_from_call(*, target: CallTarget, draft: HelpRequestDraft, caller: User, request=None):
    entry = RegisterEntry.objects.select_for_update().get(pk=target.entry_id)
    resident = _resident_for_entry(entry=entry, caller=caller)
    if (
        draft.link_resident
        and entry.resident_id is None
        and not RegisterEntry.objects.filter(resident=resident).exists()
    ):
        save_resident_link(
            entry=entry,
            resident=resident,
            consent_on=timezone.localdate(),
            by=caller,
            detail="Lien avec la fiche habitant·e, accord donné pendant l'appel de veille",
            request=request,
        )
    description = f"Besoin repéré lors de l'appel de veille « {target.campaign.title} » : {draft.description}".strip()
    return help_request_create(
        resident=resident,
        data={
            "category": draft.category,
            "category_other": draft.category_other[:120],
            "description": description[:2000],
            "urgency": draft.urgency,
        },
        channel=Channel.OUTREACH,
        by=caller,
    )


def _resident_for_entry(*, entry: RegisterEntry, caller: User):
    if entry.resident_id:
        resident = entry.resident
        while resident.merged_into_id:
            resident = resident.merged_into
        return resident
    data = {
        "first_name": (entry.first_names or "")[:80],
        "last_name": (entry.last_name or "")[:80],
        "birth_year": entry.birth_year,
        "address": (entry.address or "")[:255],
        "address_complement": (entry.address_complement or "")[:255],
        "postcode": entry.postcode,
        "city": entry.city,
    }
    number = parse_phone(entry.phone)
    if number is not None:
        data["any_phone"] = number
    resident, _created = resident_find_or_create(data=data, by=caller)
    return resident

"""The shared queue, attempts, re-calls, escalation and help requests from a call (simulated time)."""

import datetime

import pytest

from tests.factories import HelpCategoryFactory, ResidentFactory, VolunteerFactory, staff_user
from tests.factories.campaigns import NOW, accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory, isolated
from villesolidaire.accounts.enums import Role
from villesolidaire.audit.models import AuditEntry
from villesolidaire.campaigns.enums import Action, EscalationKind, EscalationResult, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, CallTargetTransition, EscalationStep
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.accreditations import accreditation_revoke, is_accredited
from villesolidaire.campaigns.services.call_queue import LEASE, release_call, take_next_call
from villesolidaire.campaigns.services.calls import HelpRequestDraft, record_attempt
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_transition
from villesolidaire.campaigns.services.escalation import escalate_overdue, escalation_assign, escalation_record
from villesolidaire.help_requests.enums import Channel
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.notifications.models import CallTask

M = datetime.timedelta(minutes=1)
H = datetime.timedelta(hours=1)


@pytest.fixture
def campaign():
    isolated(RegisterEntryFactory(birth_date=datetime.date(1950, 1, 1)))
    RegisterEntryFactory(birth_date=datetime.date(1930, 1, 1), with_contacts=True)
    RegisterEntryFactory(birth_date=datetime.date(1945, 1, 1))
    return campaign_for(episode_with())


def call(target, caller, outcome, now, **kwargs):
    return record_attempt(target=target, caller=caller, outcome=outcome, now=now, **kwargs)


def test_callers_get_different_people_in_priority_order(campaign):
    first, second, third = accredited_caller(), accredited_caller(), accredited_caller()
    a = take_next_call(campaign, first, now=NOW)
    b = take_next_call(campaign, second, now=NOW)
    c = take_next_call(campaign, third, now=NOW)
    assert len({a.pk, b.pk, c.pk}) == 3
    assert a.is_isolated and a.priority == 0
    assert b.birth_year == 1930 and c.birth_year == 1945
    assert take_next_call(campaign, officer(), now=NOW) is None


def test_a_caller_holding_a_lease_gets_the_same_person_back(campaign):
    caller = accredited_caller()
    first = take_next_call(campaign, caller, now=NOW)
    again = take_next_call(campaign, caller, now=NOW + 5 * M)
    assert again.pk == first.pk
    assert again.locked_until == NOW + 5 * M + LEASE


def test_an_expired_lease_returns_to_the_queue_and_the_first_caller_cannot_record(campaign):
    slow, quick = accredited_caller(), accredited_caller()
    target = take_next_call(campaign, slow, now=NOW)
    later = NOW + LEASE + M
    assert take_next_call(campaign, quick, now=later).pk == target.pk
    with pytest.raises(CampaignError, match="plus attribué"):
        call(target, slow, Outcome.REACHED_FINE, later)
    call(target, quick, Outcome.REACHED_FINE, later + M)
    assert CallAttempt.objects.filter(target=target).count() == 1


def test_released_call_goes_back_to_the_queue(campaign):
    caller, other = accredited_caller(), accredited_caller()
    target = take_next_call(campaign, caller, now=NOW)
    assert release_call(target=target, caller=caller)
    assert take_next_call(campaign, other, now=NOW).pk == target.pk


def test_unaccredited_callers_cannot_take_calls(campaign):
    bare_caller = staff_user(Role.CALLER)  # role without accreditation
    with pytest.raises(CampaignError, match="habilité"):
        take_next_call(campaign, bare_caller, now=NOW)
    coordinator = staff_user(Role.COORDINATOR)
    with pytest.raises(CampaignError):
        take_next_call(campaign, coordinator, now=NOW)


def test_revoked_accreditation_stops_calls_and_frees_leases(campaign):
    caller = accredited_caller()
    target = take_next_call(campaign, caller, now=NOW)
    accreditation_revoke(accreditation=caller.caller_accreditations.get(), by=officer())
    caller = type(caller).objects.get(pk=caller.pk)  # roles are cached on the instance
    # The role goes only with a second person's approval; the calls stop at once.
    assert caller.has_role(Role.CALLER) and not is_accredited(caller)
    target.refresh_from_db()
    assert target.locked_by is None
    with pytest.raises(CampaignError):
        take_next_call(campaign, caller, now=NOW)


def test_paused_campaign_gives_no_call(campaign):
    campaign_transition(campaign=campaign, target="paused", by=officer())
    with pytest.raises(CampaignError, match="pas en cours"):
        take_next_call(campaign, officer(), now=NOW)


def test_reached_person_comes_back_48_hours_later(campaign):
    caller = accredited_caller()
    target = take_next_call(campaign, caller, now=NOW)
    attempt = call(
        target,
        caller,
        Outcome.REACHED_FINE,
        NOW + 4 * M,
        answers={"drinks_enough": True},
        advice=["drink"],
        actions=[Action.FAN],
    )
    target.refresh_from_db()
    assert target.status == TargetStatus.REACHED
    assert target.next_call_at == NOW + 4 * M + 48 * H
    assert target.locked_by is None
    assert attempt.started_at == NOW and attempt.ended_at == NOW + 4 * M
    assert attempt.actions == [Action.FAN]
    assert CallTargetTransition.objects.get(target=target).to_status == TargetStatus.REACHED
    assert AuditEntry.objects.filter(action="call", object_id=str(target.pk)).exists()
    # Not due before 48 h; due after.
    others = [take_next_call(campaign, accredited_caller(), now=NOW + 5 * M) for _ in range(2)]
    assert target.pk not in {t.pk for t in others}
    for other in others:
        call(other, other.locked_by, Outcome.REACHED_FINE, NOW + 6 * M)
    assert take_next_call(campaign, caller, now=NOW + 47 * H) is None
    assert take_next_call(campaign, caller, now=NOW + 49 * H).pk == target.pk


def test_four_failures_escalate_and_the_ladder_skips_missing_contacts(campaign):
    caller = accredited_caller()
    target = CallTarget.objects.get(campaign=campaign, birth_year=1945)  # no emergency contact nor home care
    CallTarget.objects.filter(campaign=campaign).exclude(pk=target.pk).update(status=TargetStatus.CLOSED)
    now = NOW
    for _ in range(3):
        taken = take_next_call(campaign, caller, now=now)
        assert taken.pk == target.pk
        call(taken, caller, Outcome.NO_ANSWER, now + M)
        assert take_next_call(campaign, caller, now=now + H) is None  # retry only after 2 h
        now += 2 * H + M
    taken = take_next_call(campaign, caller, now=now)
    call(taken, caller, Outcome.VOICEMAIL, now + M)
    target.refresh_from_db()
    assert target.status == TargetStatus.ESCALATED
    assert target.attempts_count == 4 and target.failed_attempts == 4
    step = EscalationStep.objects.get(target=target)
    assert step.kind == EscalationKind.HOME_VISIT  # no emergency contact, no home-care service
    assert take_next_call(campaign, caller, now=now + 10 * H) is None

    manager = officer()
    volunteer = VolunteerFactory(active=True)
    with pytest.raises(CampaignError, match="visite"):
        escalation_record(step=step, by=manager, result=EscalationResult.NO_NEWS, now=now + 2 * H)
    escalation_assign(step=step, by=manager, volunteer=volunteer)
    next_step = escalation_record(
        step=step, by=manager, result=EscalationResult.NO_NEWS, notes="Personne ne répond à la porte", now=now + 3 * H
    )
    assert next_step.kind == EscalationKind.SAMU
    escalation_record(step=next_step, by=manager, result=EscalationResult.RESOLVED, now=now + 4 * H)
    target.refresh_from_db()
    assert target.status == TargetStatus.REACHED
    steps = list(EscalationStep.objects.filter(target=target).values_list("kind", "result", "done_by"))
    assert steps == [
        (EscalationKind.HOME_VISIT, EscalationResult.NO_NEWS, manager.pk),
        (EscalationKind.SAMU, EscalationResult.RESOLVED, manager.pk),
    ]


def test_wrong_number_starts_the_ladder_with_the_emergency_contact(campaign):
    caller = accredited_caller()
    target = CallTarget.objects.get(campaign=campaign, birth_year=1930)
    CallTarget.objects.filter(campaign=campaign).exclude(pk=target.pk).update(status=TargetStatus.CLOSED)
    taken = take_next_call(campaign, caller, now=NOW)
    call(taken, caller, Outcome.WRONG_NUMBER, NOW + M)
    step = EscalationStep.objects.get(target=target)
    assert step.kind == EscalationKind.EMERGENCY_CONTACT
    second = escalation_record(step=step, by=officer(), result=EscalationResult.NO_NEWS, now=NOW + H)
    assert second.kind == EscalationKind.HOME_CARE
    escalation_record(step=second, by=officer(), result=EscalationResult.TAKEN_IN_CHARGE, now=NOW + 2 * H)
    target.refresh_from_db()
    assert target.status == TargetStatus.CLOSED


def test_overdue_series_are_escalated_by_the_sweep(campaign):
    caller = accredited_caller()
    taken = take_next_call(campaign, caller, now=NOW)
    call(taken, caller, Outcome.NO_ANSWER, NOW + M)
    assert escalate_overdue(campaign=campaign, now=NOW + 47 * H) == 0
    assert escalate_overdue(campaign=campaign, now=NOW + 49 * H) == 1
    taken.refresh_from_db()
    assert taken.status == TargetStatus.ESCALATED


def test_a_need_found_on_the_phone_becomes_a_help_request_for_coordinators(campaign):
    caller = accredited_caller()
    category = HelpCategoryFactory(bit=40)
    target = take_next_call(campaign, caller, now=NOW)
    draft = HelpRequestDraft(category=category, description="Courses d'eau et de fruits", link_resident=True)
    attempt = call(target, caller, Outcome.REACHED_NEEDS_HELP, NOW + M, help_request=draft)
    help_request = HelpRequest.objects.get()
    assert attempt.help_request == help_request
    assert help_request.channel == Channel.OUTREACH
    assert "Courses d'eau" in help_request.description
    assert Action.HELP_REQUEST in attempt.actions
    entry = target.entry
    entry.refresh_from_db()
    assert entry.resident == help_request.resident
    assert entry.resident_link_consent_on is not None
    assert help_request.resident.last_name == entry.last_name
    assert help_request.resident.quartier_id == entry.quartier_id or help_request.resident.quartier_id is None
    # The person agreed on the line (landline: no SMS): nobody is asked to call back just to say so.
    assert not CallTask.objects.filter(help_request=help_request).exists()


def test_help_request_without_link_consent_leaves_the_register_untouched(campaign):
    caller = accredited_caller()
    resident = ResidentFactory()
    target = take_next_call(campaign, caller, now=NOW)
    entry = target.entry
    entry.resident = resident
    entry.resident_link_consent_on = datetime.date(2026, 1, 1)
    entry.save()
    draft = HelpRequestDraft(category=HelpCategoryFactory(bit=41), description="Un ventilateur")
    call(target, caller, Outcome.REACHED_NEEDS_HELP, NOW + M, help_request=draft)
    assert HelpRequest.objects.get().resident == resident  # the already linked file is reused


def test_help_request_needs_the_person_reached(campaign):
    caller = accredited_caller()
    target = take_next_call(campaign, caller, now=NOW)
    draft = HelpRequestDraft(category=HelpCategoryFactory(bit=42), description="x")
    with pytest.raises(CampaignError, match="jointe"):
        call(target, caller, Outcome.NO_ANSWER, NOW + M, help_request=draft)
    assert not HelpRequest.objects.exists()
    assert not CallAttempt.objects.exists()


def test_refusal_closes_the_person(campaign):
    caller = accredited_caller()
    target = take_next_call(campaign, caller, now=NOW)
    call(target, caller, Outcome.REFUSED, NOW + M)
    target.refresh_from_db()
    assert target.status == TargetStatus.CLOSED and target.next_call_at is None


def test_escalate_overdue_command(campaign):
    from io import StringIO

    from django.core.management import call_command

    caller = accredited_caller()
    CallTarget.objects.filter(campaign=campaign).update(next_call_at=NOW - 50 * H)
    taken = take_next_call(campaign, caller, now=NOW - 50 * H)
    call(taken, caller, Outcome.NO_ANSWER, NOW - 50 * H + M)
    out = StringIO()
    call_command("escalate_overdue_calls", stdout=out)
    assert "1 personne(s)" in out.getvalue()
    taken.refresh_from_db()
    assert taken.status == TargetStatus.ESCALATED

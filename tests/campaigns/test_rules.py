"""Re-call and escalation rules with simulated time (no database)."""

import datetime

import pytest

from villesolidaire.campaigns import rules
from villesolidaire.campaigns.enums import EscalationKind, EscalationResult, Outcome, TargetStatus

T0 = datetime.datetime(2026, 7, 15, 9, 0, tzinfo=datetime.UTC)
H = datetime.timedelta(hours=1)


def fail(failed=0, started=None, now=T0, outcome=Outcome.NO_ANSWER, **kw):
    return rules.after_attempt(
        outcome=outcome, now=now, failed_attempts=failed, series_started_at=started, episode_ends_at=None, **kw
    )


def test_reached_person_is_checked_again_48_hours_later():
    decision = rules.after_attempt(
        outcome=Outcome.REACHED_FINE, now=T0, failed_attempts=2, series_started_at=T0 - 3 * H, episode_ends_at=None
    )
    assert decision == rules.Decision(TargetStatus.REACHED, T0 + 48 * H, 0, None)


def test_no_recheck_after_the_episode_ends():
    decision = rules.after_attempt(
        outcome=Outcome.REACHED_NEEDS_HELP,
        now=T0,
        failed_attempts=0,
        series_started_at=None,
        episode_ends_at=T0 + 24 * H,
    )
    assert decision.status == TargetStatus.REACHED
    assert decision.next_call_at is None


def test_not_reached_is_retried_after_two_hours_then_escalated_at_the_fourth_failure():
    now, failed, started = T0, 0, None
    for expected_failed in (1, 2, 3):
        decision = fail(failed, started, now, outcome=Outcome.VOICEMAIL if expected_failed == 2 else Outcome.NO_ANSWER)
        assert decision.status == TargetStatus.PENDING
        assert decision.failed_attempts == expected_failed
        assert decision.next_call_at == now + 2 * H
        assert decision.series_started_at == T0
        now, failed, started = decision.next_call_at, decision.failed_attempts, decision.series_started_at
    fourth = fail(failed, started, now)
    assert fourth.status == TargetStatus.ESCALATED and fourth.escalate
    assert fourth.next_call_at is None
    assert fourth.failed_attempts == 4


def test_a_series_longer_than_the_window_escalates_even_with_fewer_failures():
    decision = fail(1, T0, T0 + 48 * H)
    assert decision.escalate
    assert not fail(1, T0, T0 + 47 * H).escalate


def test_custom_rules_are_applied():
    custom = rules.RecallRules(retry_minutes=30, max_failed_attempts=2, reached_recheck_hours=24)
    first = fail(0, None, T0, rules=custom)
    assert first.next_call_at == T0 + datetime.timedelta(minutes=30)
    assert fail(1, T0, T0 + H, rules=custom).escalate
    reached = rules.after_attempt(
        outcome=Outcome.REACHED_FINE,
        now=T0,
        failed_attempts=0,
        series_started_at=None,
        episode_ends_at=None,
        rules=custom,
    )
    assert reached.next_call_at == T0 + 24 * H


@pytest.mark.parametrize("outcome", [Outcome.HOSPITALISED, Outcome.ABSENT, Outcome.REFUSED])
def test_hospitalised_absent_or_refusal_closes_the_person_for_this_campaign(outcome):
    decision = fail(2, T0, T0 + H, outcome=outcome)
    assert decision == rules.Decision(TargetStatus.CLOSED, None, 0, None)


def test_wrong_number_escalates_at_once():
    decision = fail(0, None, T0, outcome=Outcome.WRONG_NUMBER)
    assert decision.status == TargetStatus.ESCALATED and decision.escalate


def test_an_sms_answer_other_than_1_asks_for_a_call_now_without_counting_a_failure():
    decision = fail(1, T0, T0 + H, outcome=Outcome.SMS_OTHER_REPLY)
    assert decision.status == TargetStatus.PENDING
    assert decision.next_call_at == T0 + H
    assert decision.failed_attempts == 1


def test_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        fail(outcome="n'importe quoi")


def test_ladder_skips_steps_without_data():
    assert rules.available_steps(has_emergency_contact=True, has_home_care=True) == rules.LADDER
    assert rules.available_steps(has_emergency_contact=False, has_home_care=False) == (
        EscalationKind.HOME_VISIT,
        EscalationKind.SAMU,
    )
    assert rules.next_step([], has_emergency_contact=False, has_home_care=True) == EscalationKind.HOME_CARE
    assert rules.next_step([EscalationKind.EMERGENCY_CONTACT], has_emergency_contact=True, has_home_care=False) == (
        EscalationKind.HOME_VISIT
    )
    assert rules.next_step(list(rules.LADDER), has_emergency_contact=True, has_home_care=True) is None


def test_escalation_results():
    assert rules.after_escalation_step(EscalationResult.RESOLVED) == TargetStatus.REACHED
    assert rules.after_escalation_step(EscalationResult.TAKEN_IN_CHARGE) == TargetStatus.CLOSED
    assert rules.after_escalation_step(EscalationResult.NO_NEWS) == TargetStatus.ESCALATED


def test_overdue():
    assert rules.is_overdue(next_call_at=T0, now=T0 + 2 * H)
    assert not rules.is_overdue(next_call_at=T0, now=T0 + datetime.timedelta(minutes=30))
    assert not rules.is_overdue(next_call_at=None, now=T0)


@pytest.mark.parametrize(
    "text,ok",
    [("1", True), (" 1. ", True), ("1 merci", True), ("10", False), ("Non", False), ("", False), ("2", False)],
)
def test_sms_reply_reading(text, ok):
    assert rules.is_sms_ok_reply(text) is ok


def test_birth_year_limit():
    assert rules.birth_year_limit(min_age=75, year=2026) == 1951

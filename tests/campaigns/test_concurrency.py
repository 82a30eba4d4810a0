"""10 callers empty the same queue in parallel: nobody is called by two callers at once, nobody is lost."""

from collections import Counter
from itertools import pairwise

import pytest
from django.utils import timezone

from tests.factories.campaigns import accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.enums import Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget
from villesolidaire.campaigns.services.call_queue import take_next_call
from villesolidaire.campaigns.services.calls import record_attempt

CALLERS = 10
PEOPLE = 60


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_ten_callers_empty_the_queue_without_double_calls_or_losses(run_concurrently):
    for _ in range(PEOPLE):
        RegisterEntryFactory()
    now = timezone.now()
    campaign = campaign_for(episode_with(), by=officer(), now=now)
    callers = [accredited_caller() for _ in range(CALLERS)]
    taken: list[tuple[int, int]] = []

    def work(caller):
        while True:
            target = take_next_call(campaign, caller)
            if target is None:
                return
            taken.append((target.pk, caller.pk))
            record_attempt(target=target, caller=caller, outcome=Outcome.REACHED_FINE)

    _results, errors = run_concurrently(work, callers, timeout=120)

    assert errors == []
    per_target = Counter(pk for pk, _caller in taken)
    # Everyone taken exactly once (reached people only come back 48 h later), nobody lost.
    assert set(per_target) == set(CallTarget.objects.filter(campaign=campaign).values_list("pk", flat=True))
    assert set(per_target.values()) == {1}
    assert CallAttempt.objects.filter(target__campaign=campaign).count() == PEOPLE
    assert not CallTarget.objects.filter(campaign=campaign).exclude(status=TargetStatus.REACHED).exists()
    assert not CallTarget.objects.filter(campaign=campaign, locked_by__isnull=False).exists()
    # No two attempts on the same person overlap in time.
    by_target: dict[int, list] = {}
    for attempt in CallAttempt.objects.filter(target__campaign=campaign).order_by("started_at"):
        by_target.setdefault(attempt.target_id, []).append((attempt.started_at, attempt.ended_at))
    for spans in by_target.values():
        for (_s1, e1), (s2, _e2) in pairwise(spans):
            assert e1 <= s2
    assert len({caller for _pk, caller in taken}) > 1  # the work was really shared


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_callers_with_failures_never_hold_the_same_person(run_concurrently):
    """Failed calls come back (retry after 0 minutes here): leases still never overlap."""
    for _ in range(20):
        RegisterEntryFactory()
    campaign = campaign_for(
        episode_with(),
        by=officer(),
        now=timezone.now(),
        recall=rules.RecallRules(retry_minutes=0, max_failed_attempts=3),
    )
    callers = [accredited_caller() for _ in range(CALLERS)]

    def work(caller):
        while True:
            target = take_next_call(campaign, caller)
            if target is None:
                return
            record_attempt(target=target, caller=caller, outcome=Outcome.NO_ANSWER)

    _results, errors = run_concurrently(work, callers, timeout=120)

    assert errors == []
    assert set(CallTarget.objects.filter(campaign=campaign).values_list("status", flat=True)) == {
        TargetStatus.ESCALATED
    }
    assert set(CallTarget.objects.filter(campaign=campaign).values_list("attempts_count", flat=True)) == {3}
    for target in CallTarget.objects.filter(campaign=campaign):
        spans = list(target.attempts.order_by("started_at").values_list("started_at", "ended_at"))
        assert len(spans) == 3
        for (_s1, e1), (s2, _e2) in pairwise(spans):
            assert e1 <= s2

"""Re-call and escalation rules: plain Python, no database, time passed in.

The defaults follow what cities do (reference/domain.md §2): a person reached is checked
again 48 h later while the episode lasts; a person not reached is called again 2 h later, up
to 4 attempts within 48 h, then the case is escalated (Paris's "NRP4" cell): emergency contact
→ home-care service → home visit → 15 (SAMU).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from villesolidaire.campaigns.enums import (
    CLOSING_OUTCOMES,
    FAILED_OUTCOMES,
    REACHED_OUTCOMES,
    EscalationKind,
    EscalationResult,
    Outcome,
    TargetStatus,
)
from villesolidaire.core.text import fold

LADDER = (EscalationKind.EMERGENCY_CONTACT, EscalationKind.HOME_CARE, EscalationKind.HOME_VISIT, EscalationKind.SAMU)


@dataclass(frozen=True)
class RecallRules:
    reached_recheck_hours: int = 48
    retry_minutes: int = 120
    max_failed_attempts: int = 4
    failure_window_hours: int = 48
    # An SMS answer other than "1": call the person back soon.
    sms_callback_minutes: int = 0


@dataclass(frozen=True)
class Decision:
    """What happens to a person after an attempt."""

    status: str
    next_call_at: datetime | None
    # Failed attempts in the current series (since the person was last reached), this one included.
    failed_attempts: int
    series_started_at: datetime | None
    escalate: bool = False


def after_attempt(
    *,
    outcome: str,
    now: datetime,
    failed_attempts: int,
    series_started_at: datetime | None,
    episode_ends_at: datetime | None,
    rules: RecallRules = RecallRules(),
) -> Decision:
    """Apply one attempt's outcome to a person's state.

    `failed_attempts` and `series_started_at` describe the current run of failed attempts
    before this one (0 and None when the person was reached last time or never called).
    """
    if outcome in REACHED_OUTCOMES:
        recheck = now + timedelta(hours=rules.reached_recheck_hours)
        next_call_at = recheck if episode_ends_at is None or recheck < episode_ends_at else None
        return Decision(TargetStatus.REACHED, next_call_at, 0, None)
    if outcome in CLOSING_OUTCOMES:
        return Decision(TargetStatus.CLOSED, None, 0, None)
    if outcome == Outcome.SMS_OTHER_REPLY:
        # Someone answered, but not "1": a caller must check soon. Not a failed attempt.
        return Decision(
            TargetStatus.PENDING,
            now + timedelta(minutes=rules.sms_callback_minutes),
            failed_attempts,
            series_started_at,
        )
    if outcome == Outcome.WRONG_NUMBER:
        # The phone cannot reach the person: go straight to the ladder.
        return Decision(TargetStatus.ESCALATED, None, failed_attempts + 1, series_started_at or now, escalate=True)
    if outcome in FAILED_OUTCOMES:
        failed = failed_attempts + 1
        started = series_started_at or now
        if should_escalate(failed_attempts=failed, series_started_at=started, now=now, rules=rules):
            return Decision(TargetStatus.ESCALATED, None, failed, started, escalate=True)
        return Decision(TargetStatus.PENDING, now + timedelta(minutes=rules.retry_minutes), failed, started)
    raise ValueError(f"Unknown outcome: {outcome!r}")


def should_escalate(
    *, failed_attempts: int, series_started_at: datetime | None, now: datetime, rules: RecallRules
) -> bool:
    """Escalate after `max_failed_attempts` failures, or when the series outlasts the window."""
    if failed_attempts >= rules.max_failed_attempts:
        return True
    if series_started_at is not None and failed_attempts > 0:
        return now - series_started_at >= timedelta(hours=rules.failure_window_hours)
    return False


def is_overdue(*, next_call_at: datetime | None, now: datetime, grace: timedelta = timedelta(hours=1)) -> bool:
    """A due call nobody has made for more than `grace`."""
    return next_call_at is not None and next_call_at + grace < now


def available_steps(*, has_emergency_contact: bool, has_home_care: bool) -> tuple[str, ...]:
    """The ladder for one person: steps without data are skipped."""
    skip = set()
    if not has_emergency_contact:
        skip.add(EscalationKind.EMERGENCY_CONTACT)
    if not has_home_care:
        skip.add(EscalationKind.HOME_CARE)
    return tuple(step for step in LADDER if step not in skip)


def next_step(done: Sequence[str], *, has_emergency_contact: bool, has_home_care: bool) -> str | None:
    """The first step of the ladder not done yet, or None when the ladder is exhausted."""
    for step in available_steps(has_emergency_contact=has_emergency_contact, has_home_care=has_home_care):
        if step not in done:
            return step
    return None


def after_escalation_step(result: str) -> str:
    """Target status after a step: resolved → reached; taken in charge → closed; else still escalated."""
    if result == EscalationResult.RESOLVED:
        return TargetStatus.REACHED
    if result == EscalationResult.TAKEN_IN_CHARGE:
        return TargetStatus.CLOSED
    if result == EscalationResult.NO_NEWS:
        return TargetStatus.ESCALATED
    raise ValueError(f"Unknown escalation result: {result!r}")


def birth_year_limit(*, min_age: int, year: int) -> int:
    """Latest birth year of a person at least `min_age` this year (by year of birth)."""
    return year - min_age


def is_sms_ok_reply(text: str) -> bool:
    """ "1" (with spaces, a dot, or "1 merci") means "tout va bien"."""
    cleaned = (text or "").strip().strip(".!").strip()
    return cleaned == "1" or cleaned.split(" ")[0] == "1"


YES_WORDS = {"1", "oui", "o", "ok", "yes", "dispo", "disponible"}
NO_WORDS = {"2", "non", "n", "no", "indisponible"}


def yes_no_reply(text: str) -> str | None:
    """A briefing's SMS answer, read as the wave's « 1 » is (first word, spaces and dots
    forgiven): "yes" for « 1 »/« oui », "no" for « 2 »/« non », None for anything else."""
    cleaned = fold(text or "").strip().strip(".!").strip()
    first = cleaned.split(" ")[0] if cleaned else ""
    if first in YES_WORDS:
        return "yes"
    if first in NO_WORDS:
        return "no"
    return None

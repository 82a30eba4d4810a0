"""Sending with retries, for the rows an app sends in the background and tries again after a failure
(the messages of `notifications`, the webhook deliveries of `api`). Such a row has `status`,
`attempts`, `next_attempt_at` and `created_at`; each app keeps its own statuses, delays, lease and
sending, and shares here:

- `claim_attempt`: the claim that makes one runner send each attempt, even when the task worker and
  the retry command fire together;
- `retry_delay`: the wait before the next attempt, the last delay repeating;
- `due`: which rows a retry run sends now;
- `attempt_due`: the retry command's run and the French line that sums it up.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import F, Manager, Q, QuerySet

# What an attempt answers when there is nothing to do: already done, not yet due, or being sent by
# another runner.
SKIPPED = "skipped"

# The retry command's words for the outcomes every kind of row shares; each adds its own success.
OUTCOME_LABELS = {
    "retrying": "à réessayer plus tard",
    "failed": "en échec",
    SKIPPED: "ignoré(s)",
}


def claim_attempt(
    rows: Manager | QuerySet, pk: int, *, waiting: Iterable[str], lease: timedelta, now: datetime
) -> bool:
    """Count one attempt of row `pk` if it is waiting (`waiting` statuses) and due, and push its
    `next_attempt_at` `lease` ahead, so that no other runner sends it too (if the runner dies
    mid-send, the row is due again after the lease). A conditional UPDATE rather than a row lock:
    no transaction stays open (and on SQLite no write lock is held) while the receiver answers."""
    return bool(
        rows.filter(pk=pk, status__in=waiting)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=F("attempts") + 1, next_attempt_at=now + lease)
    )


def retry_delay(delays: Sequence[timedelta], attempts: int) -> timedelta:
    """The wait after attempt number `attempts` failed: the delays in turn, then the last again."""
    return delays[max(0, min(attempts - 1, len(delays) - 1))]


def due(*, queued: str, retrying: str, stale_after: timedelta, now: datetime) -> Q:
    """The rows a retry run sends now: due retries; rows still at the status they were `queued` with
    whose task was lost (untouched `stale_after` after they were written, the process having stopped between
    the commit and the enqueue); and those whose runner died during an attempt (the lease ran out)."""
    return (
        Q(status=retrying, next_attempt_at__lte=now)
        | Q(status=queued, next_attempt_at__isnull=True, created_at__lte=now - stale_after)
        | Q(status=queued, next_attempt_at__lte=now)
    )


def attempt_due(
    rows: QuerySet, attempt: Callable[[int], str], *, limit: int, labels: dict[str, str]
) -> tuple[int, str]:
    """One attempt for each of the first `limit` rows (at least one) of `rows`, in turn. Returns how
    many were attempted and what became of them, in French (« 2 reçu(s), 1 en échec »; empty when
    none were due), each outcome named by `labels`."""
    ids = list(rows.values_list("pk", flat=True)[: max(1, limit)])
    outcomes = Counter(attempt(pk) for pk in ids)
    summary = ", ".join(f"{count} {labels.get(name, name)}" for name, count in sorted(outcomes.items()))
    return len(ids), summary

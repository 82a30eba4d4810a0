"""The shared call queue: one person per caller at a time, held by a lease."""

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.campaigns.enums import CampaignStatus, TargetStatus
from villesolidaire.campaigns.models import CallTarget, Campaign
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.accreditations import ensure_may_call

LEASE = timedelta(minutes=15)
# Statuses a caller may be given from the queue (a reached person comes back for the re-check).
CALLABLE_STATUSES = (TargetStatus.PENDING, TargetStatus.REACHED)


CLAIM_CANDIDATES = 8
CLAIM_ROUNDS = 6


def lease_free(now: datetime) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lt=now)


def due_targets(campaign: Campaign, now: datetime):
    """People waiting for a call now, in queue order."""
    return (
        CallTarget.objects.filter(campaign=campaign, status__in=CALLABLE_STATUSES, next_call_at__lte=now)
        .filter(lease_free(now))
        .order_by("priority", "next_call_at", "rank", "pk")
    )


def held_target(campaign: Campaign, caller: User, now: datetime) -> CallTarget | None:
    return (
        CallTarget.objects.filter(
            campaign=campaign,
            locked_by=caller,
            locked_until__gte=now,
            status__in=CALLABLE_STATUSES,
            sheet__isnull=True,  # people on a paper sheet are called from the paper
        )
        .order_by("locked_at", "pk")
        .first()
    )


def take_next_call(campaign: Campaign, caller: User, *, now: datetime | None = None) -> CallTarget | None:
    """Claim the next person to call, or return the one this caller already holds.

    Two callers never get the same person: PostgreSQL claims with SELECT … FOR UPDATE SKIP
    LOCKED; other databases with a conditional UPDATE whose row count says who won.
    """
    now = now or timezone.now()
    ensure_may_call(caller)
    campaign = Campaign.objects.only("pk", "status").get(pk=campaign.pk)
    if campaign.status != CampaignStatus.ACTIVE:
        raise CampaignError("Cette campagne n'est pas en cours : aucun appel à passer.")
    current = held_target(campaign, caller, now)
    if current is not None:
        CallTarget.objects.filter(pk=current.pk, locked_by=caller).update(locked_until=now + LEASE)
        current.locked_until = now + LEASE
        return current
    if connection.vendor == "postgresql":
        return _claim_skip_locked(campaign, caller, now)
    return _claim_conditional(campaign, caller, now)


def _claim_skip_locked(campaign: Campaign, caller: User, now: datetime) -> CallTarget | None:
    """One statement, one round trip: pick the head of the queue that nobody holds (rows
    locked by a concurrent claim are skipped, not waited for) and lease it to this caller."""
    table = CallTarget._meta.db_table
    sql = f"""
        UPDATE {table} SET locked_by_id = %s, locked_at = %s, locked_until = %s, sheet_id = NULL
        WHERE id = (
            SELECT id FROM {table}
            WHERE campaign_id = %s AND status = ANY(%s) AND next_call_at <= %s
              AND (locked_until IS NULL OR locked_until < %s)
            ORDER BY priority, next_call_at, rank, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [caller.pk, now, now + LEASE, campaign.pk, list(CALLABLE_STATUSES), now, now])
        row = cursor.fetchone()
    return CallTarget.objects.get(pk=row[0]) if row else None


def _claim_conditional(campaign: Campaign, caller: User, now: datetime) -> CallTarget | None:
    for _round in range(CLAIM_ROUNDS):
        candidates = list(due_targets(campaign, now).values_list("pk", flat=True)[:CLAIM_CANDIDATES])
        if not candidates:
            return None
        for pk in candidates:
            claimed = (
                CallTarget.objects.filter(pk=pk, status__in=CALLABLE_STATUSES, next_call_at__lte=now)
                .filter(lease_free(now))
                .update(locked_by=caller, locked_at=now, locked_until=now + LEASE, sheet=None)
            )
            if claimed:
                return CallTarget.objects.get(pk=pk)
    return None


def release_call(*, target: CallTarget, caller: User) -> bool:
    """Give a person back to the queue without calling (e.g. the caller must stop)."""
    return bool(
        CallTarget.objects.filter(pk=target.pk, locked_by=caller).update(
            locked_by=None, locked_at=None, locked_until=None, sheet=None
        )
    )

"""Reads for needs: which volunteers to tell about a need, places left, hours done.

`select_volunteers` is one ordered, limited statement over the matching index (one narrow
row per volunteer: bit masks and coordinates only, no join but EXISTS probes on indexed
tables) with the counts as window aggregates (bench/needs_selection.py: at a million).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from villesolidaire.core.choices import ENGAGEMENT_DOMAINS, PERIODS
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.needs.models import (
    Need,
    NeedInvitation,
    Shift,
    ShiftSignup,
    SignupStatus,
)
from villesolidaire.territory.geometry import KM_PER_DEGREE_LAT, km_per_degree_lon
from villesolidaire.trainings.models import VolunteerTraining
from villesolidaire.volunteers.models import Volunteer

DEFAULT_NOTIFY_MAX = 200
FIRST_HOUR = PERIODS[0][2]
LAST_HOUR = PERIODS[-1][3]


def notify_max() -> int:
    """At most this many volunteers are told per press of « Prévenir » (the nearest first);
    pressing again tells the next ones, never the same."""
    return getattr(settings, "NEEDS_NOTIFY_MAX", DEFAULT_NOTIFY_MAX)


def _slots_of_range(start: datetime.datetime, end: datetime.datetime) -> int:
    """Availability bits (core.choices.AVAILABILITY) touched by a local time range.

    Hours before the first period count as the morning, after the last as the evening: an
    early sorting session at 7 h still asks for people free in the morning.
    """
    mask = 0
    first_day, last_day = start.date(), end.date()
    # Counted in days rather than stepped to the day after the last: no overflow on 31/12/9999.
    for offset in range((last_day - first_day).days + 1):
        day = first_day + datetime.timedelta(days=offset)
        day_start = start if day == first_day else datetime.datetime.combine(day, datetime.time.min, start.tzinfo)
        day_end = end if day == last_day else datetime.datetime.combine(day, datetime.time.max, start.tzinfo)
        first = day_start.hour + day_start.minute / 60
        last = day_end.hour + day_end.minute / 60
        first, last = min(max(first, FIRST_HOUR), LAST_HOUR - 0.01), max(min(last, LAST_HOUR), FIRST_HOUR + 0.01)
        for index, (_code, _label, period_start, period_end) in enumerate(PERIODS):
            if first < period_end and last > period_start:
                mask |= 1 << (day.weekday() * 3 + index)
    return mask


def availability_mask_of(shifts) -> int:
    """Weekly slots covered by these shifts (a volunteer free in any of them may come)."""
    mask = 0
    for shift in shifts:
        mask |= _slots_of_range(timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at))
    return mask


def training_day(shifts, today: datetime.date | None = None) -> datetime.date:
    """Required trainings must still be valid on the first shift's day."""
    today = today or timezone.localdate()
    days = [timezone.localtime(shift.starts_at).date() for shift in shifts]
    return max([today, min(days)]) if days else today


@dataclass
class Selection:
    volunteer_ids: list[int] = field(default_factory=list)
    matching: int = 0  # relevant volunteers, trainings aside, not yet told
    lacking_training: int = 0  # of whom left out for want of a valid required training
    beyond_limit: int = 0  # qualified but kept for a next round (nearest first)

    @property
    def qualified(self) -> int:
        return self.matching - self.lacking_training


def candidate_queryset(need: Need, shifts: list[Shift]):
    """Relevant volunteers not told yet and not already signed up, trainings aside, and the
    condition "holds every required training", over the matching index (one narrow row per
    volunteer: matching.VolunteerMatchProfile). Relevant: active, domain or category accepted,
    free on one of the slots. When the need is located, `distance_sq` is the squared distance
    in km² (the equirectangular formula matching uses) and volunteers farther than their own
    maximum distance are left out; unlocated volunteers stay in."""
    domain_bit = ENGAGEMENT_DOMAINS.bit_of(need.domain) if need.domain in ENGAGEMENT_DOMAINS.by_code else 0
    category_bit = need.category.mask if need.category_id else 0
    queryset = VolunteerMatchProfile.objects.alias(
        accepts_domain=F("domains_mask").bitand(domain_bit),
        accepts_category=F("categories_mask").bitand(category_bit),
        free_on_slots=F("availability_mask").bitand(availability_mask_of(shifts)),
    ).filter(Q(accepts_domain__gt=0) | Q(accepts_category__gt=0), is_eligible=True, free_on_slots__gt=0)
    queryset = queryset.filter(
        ~Exists(NeedInvitation.objects.filter(need_id=need.pk, volunteer_id=OuterRef("volunteer_id"))),
        ~Exists(
            ShiftSignup.objects.filter(shift__need_id=need.pk, volunteer_id=OuterRef("volunteer_id")).exclude(
                status=SignupStatus.CANCELLED
            )
        ),
    )
    if need.is_located and need.latitude is not None and need.longitude is not None:
        dx = (F("longitude") - need.longitude) * km_per_degree_lon(need.latitude)
        dy = (F("latitude") - need.latitude) * KM_PER_DEGREE_LAT
        queryset = queryset.annotate(distance_sq=dx * dx + dy * dy).filter(
            Q(latitude__isnull=True)
            | Q(longitude__isnull=True)
            | Q(distance_sq__lte=F("max_distance_km") * F("max_distance_km"))
        )
    day = training_day(shifts)
    modules = list(need.trainings.values_list("pk", "bit"))
    if not modules:
        return queryset, Q()
    # The index's mask first (cheap, and false for most volunteers), then the trainings valid
    # on the day (a mask may hold a training expired since it was written).
    required = sum(1 << bit for _pk, bit in modules)
    trained = Q(held_bits=required)
    for module_id, _bit in modules:
        trained &= Q(
            Exists(
                VolunteerTraining.objects.valid_on(day).filter(
                    volunteer_id=OuterRef("volunteer_id"), module_id=module_id
                )
            )
        )
    return queryset.alias(held_bits=F("trainings_mask").bitand(required)), trained


def select_volunteers(need: Need, *, limit: int | None = None) -> Selection:
    """Who to tell about this need now: relevant, within reach, free, trained, not told yet.

    One statement over the matching index: the counts (relevant, and relevant holding every
    required training) as window aggregates, and the nearest qualified volunteers first, at
    most `limit` (settings.NEEDS_NOTIFY_MAX).
    """
    limit = notify_max() if limit is None else limit
    shifts = list(need.shifts.filter(starts_at__gt=timezone.now()))
    if not shifts:  # nothing left to sign up for: nobody to tell
        return Selection()
    queryset, trained = candidate_queryset(need, shifts)
    located = "distance_sq" in queryset.query.annotations
    inner = queryset.annotate(
        is_trained=ExpressionWrapper(trained, output_field=BooleanField()) if trained else Value(True),
        **({} if located else {"distance_sq": Value(None, output_field=FloatField())}),
    ).values("volunteer_id", "is_trained", "distance_sq")
    # The candidates in a derived table, so that whether each holds the trainings is worked out
    # once per row (the counts and the order read it: written inline, PostgreSQL hashed every
    # valid training of the module twice, 30 ms each at a million volunteers).
    inner_sql, params = inner.query.sql_with_params()
    if connection.vendor == "postgresql":
        inner_sql += " OFFSET 0"  # or PostgreSQL flattens the derived table and writes it inline again
    sql = (
        "SELECT volunteer_id, is_trained, COUNT(*) OVER (), "
        "COUNT(*) FILTER (WHERE is_trained) OVER () "
        f"FROM ({inner_sql}) AS candidates "
        "ORDER BY is_trained DESC, distance_sq ASC NULLS LAST, volunteer_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, max(limit, 1)))
        rows = cursor.fetchall()
    if not rows:
        return Selection()
    _id, _trained, matching, qualified = rows[0]
    selection = Selection(matching=matching, lacking_training=matching - qualified)
    selection.volunteer_ids = [volunteer_id for volunteer_id, held, _m, _q in rows[:limit] if held]
    selection.beyond_limit = max(0, qualified - len(selection.volunteer_ids))
    return selection


def shifts_with_places(need: Need):
    """The need's shifts with `taken` (pending + confirmed; also `places_held`, for `is_full`) and
    `waiting` counts."""
    return (
        need.shifts.with_places_held()
        .annotate(taken=F("places_held"), waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITING)))
        .order_by("starts_at", "pk")
    )


def volunteer_upcoming_signups(volunteer: Volunteer, now=None):
    now = now or timezone.now()
    return (
        ShiftSignup.objects.filter(volunteer=volunteer, shift__ends_at__gt=now)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("shift__need__organisation")
        .order_by("shift__starts_at", "pk")
    )


def volunteer_hours(volunteer: Volunteer) -> tuple[Decimal, int]:
    """Hours done on shifts (attendance recorded present) and the number of those shifts."""
    figures = ShiftSignup.objects.filter(volunteer=volunteer, attended=True).aggregate(
        hours=Coalesce(Sum("hours"), Decimal("0")), shifts=Count("pk")
    )
    return Decimal(figures["hours"]), figures["shifts"]


def volunteer_activity(*, since: datetime.datetime, sources: list) -> None:
    """Volunteers acting on shifts at or after `since` (volunteers.services.volunteer_activity): a
    sign-up made, confirmed or cancelled then, or a shift then or to come."""
    acted = Q(created_at__gte=since) | Q(confirmed_at__gte=since) | Q(cancelled_at__gte=since)
    sources.append(ShiftSignup.objects.filter(acted | Q(shift__starts_at__gte=since)).values("volunteer_id"))

"""Monthly and weekly time series of the bilan's figures, for its line charts and their tables.

Months come from the dashboard's month breakdown (no extra query); weeks are four GROUP BY
queries (sign-ups, requests, missions done, supports started), weeks starting on Monday.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, Value
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.formats import date_format

from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import Mission, Support
from villesolidaire.reporting.selectors import (
    FIGURE_LABELS,
    MISSIONS_DONE,
    MOBILISED,
    REGISTERED,
    REQUESTS,
    SUPPORTS,
    Period,
    Row,
)
from villesolidaire.volunteers.models import Volunteer

# The usual French abbreviations (Django's "M" gives « Jui » for both June and July).
SHORT_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
MONTHLY_FIGURES = [REGISTERED, MOBILISED, REQUESTS, SUPPORTS, MISSIONS_DONE]
WEEKLY_FIGURES = [REGISTERED, REQUESTS, SUPPORTS, MISSIONS_DONE]


@dataclass(frozen=True)
class Series:
    """Rows of a time series: one label per step, one list of values per figure."""

    step: str  # "mois" or "semaine"
    labels: list[str]
    axis_labels: list[str]  # short labels for the chart's x axis (the table keeps the long ones)
    figures: list[str]
    values: dict[str, list[int | float]]

    @property
    def table(self) -> list[tuple[str, list[int | float]]]:
        return [
            (label, [self.values[figure][index] for figure in self.figures]) for index, label in enumerate(self.labels)
        ]

    @property
    def headers(self) -> list[str]:
        return [FIGURE_LABELS[figure] for figure in self.figures]

    def lines(self) -> list[tuple[str, list[int | float]]]:
        return [(FIGURE_LABELS[figure], self.values[figure]) for figure in self.figures]


def monthly_series(by_month: list[Row]) -> Series:
    several_years = len({row.key.year for row in by_month}) > 1
    return Series(
        step="mois",
        labels=[row.label for row in by_month],
        axis_labels=[date_format(row.key, "M") + (f" {row.key:%y}" if several_years else "") for row in by_month],
        figures=MONTHLY_FIGURES,
        values={figure: [row.get(figure) for row in by_month] for figure in MONTHLY_FIGURES},
    )


def _week_key(value) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value - datetime.timedelta(days=value.weekday())


def weekly_series(period: Period, *, today: datetime.date | None = None) -> Series:
    """Events per week (Monday to Sunday) over the period, every week shown, gaps as zeros."""
    sources = {
        REGISTERED: (Volunteer.objects.all(), "created_at", "quartier"),
        REQUESTS: (HelpRequest.objects.all(), "created_at", "resident__quartier"),
        SUPPORTS: (Support.objects.all(), "started_at", "resident__quartier"),
        MISSIONS_DONE: (
            Mission.objects.filter(status=MissionStatus.DONE),
            "scheduled_at",
            "support__resident__quartier",
        ),
    }
    today = today or timezone.localdate()
    # A period with both ends has its weeks known beforehand (the data cannot widen them).
    weeks = _week_range(period, [], today) if period.start and period.end else None
    counts: dict = defaultdict(dict)
    for figure, (queryset, field_name, place) in sources.items():
        rows = queryset.filter(period.q(field_name, place=place)).order_by()
        for week, count in _counted_by_week(rows, field_name, weeks):
            counts[week][figure] = counts[week].get(figure, 0) + count
    if weeks is None:
        weeks = _week_range(period, [key for key in counts if key], today)
    return Series(
        step="semaine",
        labels=[f"Semaine du {date_format(week, 'j M Y')}" for week in weeks],
        axis_labels=[f"{week:%d/%m}" for week in weeks],
        figures=WEEKLY_FIGURES,
        values={figure: [counts.get(week, {}).get(figure, 0) for week in weeks] for figure in WEEKLY_FIGURES},
    )


def _counted_by_week(rows, field_name: str, weeks: list[datetime.date] | None):
    """(week's Monday, rows) for each week with rows. With the weeks known, on PostgreSQL, each
    row's week is found among their local midnights (`width_bucket`, a binary search on the
    instant), instead of converting every row's instant to local time; rows outside them (after
    today) are not shown either way."""
    if weeks is None or connection.vendor != "postgresql":
        for week, count in rows.values_list(TruncWeek(field_name)).annotate(n=Count("pk")):
            yield _week_key(week), count
        return
    if not weeks:
        return
    midnights = [
        timezone.make_aware(datetime.datetime.combine(week, datetime.time.min))
        for week in [*weeks, weeks[-1] + datetime.timedelta(days=7)]
    ]
    bucket = Func(F(field_name), Value(midnights), function="width_bucket", output_field=IntegerField())
    for index, count in rows.values_list(bucket).annotate(n=Count("*")):
        if 1 <= index <= len(weeks):  # 0: before the first Monday; len + 1: after the last week
            yield weeks[index - 1], count


def _week_range(period: Period, known: list[datetime.date], today: datetime.date) -> list[datetime.date]:
    first = _week_key(period.start) if period.start else min(known, default=None)
    last = _week_key(min(period.end, today)) if period.end else max(known, default=None)
    if first is None or last is None or last < first:
        return []
    weeks, current = [], first
    while current <= last:
        weeks.append(current)
        current += datetime.timedelta(days=7)
    return weeks

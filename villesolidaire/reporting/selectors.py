"""The bilan's figures, computed from the data with a fixed number of aggregate queries.

Nothing here is typed in: every figure is a COUNT over volunteers, requests, missions, supports
and shifts, and a figure of a past period reads the histories (status logs) as they stood at
the end of that period, so a closed period's bilan never changes afterwards. The number of
queries does not depend on the amount of data.

Definitions (the same words in the page, the PDF and the exports: DEFINITIONS):
- registered: volunteers who signed up in the period, withdrawn and anonymised ones included;
- active: among them, those whose status at the end of the period was « actif·ve » (status log);
- mobilised: distinct volunteers with a mission done or a shift attended in the period
  (partner shifts, « volet 2 », included);
- missions done: missions « réalisée » dated in the period;
- residents helped: distinct residents who asked for help in the period (« ont fait appel au
  dispositif »), whatever became of the request;
- supports: supports started in the period, whatever their status;
- requests: help requests made in the period;
- mission hours: recorded durations of the missions done; shift hours: hours recorded for
  volunteers present on shifts; participations: shift sign-ups recorded present.

Breakdowns: category of the help request (for volunteers: the categories they accept; for
shifts: the need's category); quartier of the resident for requests, missions, supports and
residents, of the volunteer for volunteer figures, of the need for shifts; month of sign-up,
request, mission, support start or shift (a person counts in every month they helped or were
helped, so months do not add up for distinct people).

Each source of figures is one `count_*` function adding its counts to a `Tally` (listed in
FIGURE_COUNTS); each breakdown is one `*_breakdown` function turning a tally's table into rows;
`dashboard` composes them.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, Count, DateField, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format

from villesolidaire.help_requests.models import HelpCategory, HelpRequest, RequestCount
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import Mission, Support
from villesolidaire.needs.models import ShiftSignup
from villesolidaire.partners.models import Handover, Referral
from villesolidaire.territory.models import Quartier
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer, VolunteerCount, VolunteerStatusChange

REGISTERED = "registered"
ACTIVE = "active"
MOBILISED = "mobilised"
MISSIONS_DONE = "missions_done"
RESIDENTS_HELPED = "residents_helped"
SUPPORTS = "supports"
REQUESTS = "requests"
MISSION_HOURS = "mission_hours"
SHIFT_HOURS = "shift_hours"
PARTICIPATIONS = "participations"

# The six headline figures of the seeds' bilans (Rennes 2020-21), in their order.
HEADLINE = [REGISTERED, ACTIVE, MOBILISED, MISSIONS_DONE, RESIDENTS_HELPED, SUPPORTS]

# Order and French labels of every figure (column headers of tables and exports).
FIGURES: list[tuple[str, str]] = [
    (REGISTERED, "Volontaires inscrit·es"),
    (ACTIVE, "Volontaires actif·ves"),
    (MOBILISED, "Volontaires mobilisé·es"),
    (MISSIONS_DONE, "Missions réalisées"),
    (RESIDENTS_HELPED, "Habitant·es aidé·es"),
    (SUPPORTS, "Soutiens mis en place"),
    (REQUESTS, "Demandes d'aide"),
    (MISSION_HOURS, "Heures de missions"),
    (SHIFT_HOURS, "Heures de bénévolat sur les créneaux"),
    (PARTICIPATIONS, "Participations aux créneaux"),
]
FIGURE_LABELS = dict(FIGURES)

DEFINITIONS: dict[str, str] = {
    REGISTERED: "Volontaires inscrit·es pendant la période, y compris celles et ceux qui se sont désisté·es "
    "depuis ou dont les données ont été anonymisées.",
    ACTIVE: "Parmi les inscrit·es de la période, celles et ceux dont le statut était « actif·ve » à la fin de "
    "la période, d'après l'historique des statuts (après désistements, pauses et mises en réserve).",
    MOBILISED: "Volontaires distinct·es ayant réalisé au moins une mission ou été présent·es sur au moins un "
    "créneau d'un besoin (y compris ceux des partenaires) pendant la période.",
    MISSIONS_DONE: "Missions au statut « réalisée » dont la date tombe dans la période.",
    RESIDENTS_HELPED: "Habitant·es distinct·es ayant fait appel au dispositif (au moins une demande d'aide "
    "enregistrée) pendant la période, quelle que soit la suite donnée.",
    SUPPORTS: "Soutiens (binômes volontaire – habitant·e) mis en place pendant la période, en cours ou terminés.",
    REQUESTS: "Demandes d'aide enregistrées pendant la période, quel que soit le canal et la suite donnée.",
    MISSION_HOURS: "Somme des durées notées pour les missions réalisées pendant la période.",
    SHIFT_HOURS: "Heures notées pour les volontaires présent·es sur les créneaux des besoins ponctuels.",
    PARTICIPATIONS: "Inscriptions à un créneau où le ou la volontaire a été noté·e présent·e.",
}

NO_QUARTIER = "Quartier non renseigné"


@dataclass(frozen=True)
class Period:
    """An inclusive date range; either end may be open. With `quartiers`, only what is placed in
    those quartiers counts (the bilan of one commune of an intercommunal service, issue 13)."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    quartiers: frozenset[int] | None = None

    @property
    def is_set(self) -> bool:
        return bool(self.start or self.end)

    @property
    def end_moment(self) -> datetime.datetime | None:
        """The first instant after the period (the next local midnight); None when it runs to today."""
        return _local_midnight(self.end + datetime.timedelta(days=1)) if self.end else None

    def year_earlier(self, today: datetime.date | None = None) -> "Period":
        """The same days one year earlier (29 February becomes the 28th). A period running to today
        ends one year before today: left open, it would hold the period itself."""
        end = self.end or (today or timezone.localdate())
        return Period(_year_earlier(self.start), _year_earlier(end), self.quartiers)

    def within(self, quartiers: frozenset[int] | None) -> "Period":
        return Period(self.start, self.end, quartiers)

    def placed(self, place: str | None) -> Q:
        """Rows whose quartier (reached through `place`) is one of the period's, if it has some."""
        if self.quartiers is None or place is None:
            return Q()
        return Q(**{f"{place}__in": self.quartiers})

    def q(self, field_name: str, *, place: str | None) -> Q:
        """Filter on a datetime field, by local calendar days, and on `place` (the path to the row's
        quartier) when the period is limited to some quartiers. `place=None`: the row has no place
        and counts for the whole service (say so where it is shown)."""
        condition = self.placed(place)
        if self.start:
            condition &= Q(**{f"{field_name}__gte": _local_midnight(self.start)})
        if self.end:
            condition &= Q(**{f"{field_name}__lt": _local_midnight(self.end + datetime.timedelta(days=1))})
        return condition

    @property
    def label(self) -> str:
        if self.start and self.end:
            return f"du {french_date(self.start)} au {french_date(self.end)}"
        if self.start:
            return f"depuis le {french_date(self.start)}"
        if self.end:
            return f"jusqu'au {french_date(self.end)}"
        return "depuis le début"

    def is_over(self, today: datetime.date) -> bool:
        """Whether the period has ended (its figures can no longer grow)."""
        return self.end is not None and self.end < today


@dataclass
class Row:
    """One line of a breakdown: a category, a quartier or a month, and its figures."""

    key: object
    label: str
    values: dict[str, int] = field(default_factory=dict)

    def get(self, figure: str) -> int | float:
        return self.values.get(figure, 0)

    def ordered_values(self) -> list[int]:
        return [self.get(code) for code, _label in FIGURES]


@dataclass
class Dashboard:
    period: Period
    totals: dict[str, int]
    by_category: list[Row]
    by_quartier: list[Row]
    by_month: list[Row]
    relays: list["Relay"] = field(default_factory=list)
    active_changes: list["ActiveChange"] = field(default_factory=list)

    def total(self, figure: str) -> int:
        return self.totals.get(figure, 0)

    @property
    def headline(self) -> list[tuple[str, str, int, str]]:
        return [(code, label, self.total(code), DEFINITIONS[code]) for code, label in FIGURES]

    @property
    def breakdowns(self) -> list[tuple[str, str, list[Row]]]:
        return [
            ("category", "Catégorie", self.by_category),
            ("quartier", "Quartier", self.by_quartier),
            ("month", "Mois", self.by_month),
        ]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def french_date(day: datetime.date) -> str:
    """« 1er janvier 2025 », « 2 janvier 2025 »: the first of the month is an ordinal in French."""
    return f"{'1er' if day.day == 1 else day.day} {date_format(day, 'F Y')}"


def _year_earlier(day: datetime.date | None) -> datetime.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def local_month(field_name: str) -> TruncMonth:
    """The local month of a date-time field as a date (its first day), for GROUP BYs: the database
    converts to local time and Python receives plain dates (no time zone work per row: a year's
    requests or changed volunteers are thousands of rows)."""
    return TruncMonth(field_name, output_field=DateField())


def _month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return months


def _add(table: dict, key, figure: str, count: int) -> None:
    table[key][figure] = table[key].get(figure, 0) + count


def hours_value(hours) -> int | float:
    """Hours as a plain number: whole hours as int, else two decimals at most."""
    if hours is None:
        return 0
    value = round(float(hours), 2)
    return int(value) if value.is_integer() else value


def nearest_rank(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it
    (`share` 0.9: the 9th decile). None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def figure_text(value) -> str:
    """A figure written the French way (decimal comma), for exports and chart descriptions."""
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


@dataclass
class Tally:
    """Figures being counted: overall totals and one table per breakdown (key → figure → value)."""

    totals: dict = field(default_factory=lambda: defaultdict(int))
    by_category: dict = field(default_factory=lambda: defaultdict(dict))
    # Volunteers' figures per Volunteer.categories_mask, spread over categories by category_breakdown.
    by_categories_mask: dict = field(default_factory=lambda: defaultdict(dict))
    by_quartier: dict = field(default_factory=lambda: defaultdict(dict))
    by_month: dict = field(default_factory=lambda: defaultdict(dict))
    active_changes: list = field(default_factory=list)


class ActiveChange(NamedTuple):
    """Volunteers signed up in the period who share a quartier, a month of sign-up, engagement
    domains, a recruitment call and accepted categories, and the correction that turns today's
    « actif·ve » count of them into the period's end's: `delta` more were active then than now.
    A tuple: a past year has thousands of them."""

    quartier: int | None
    month: datetime.date | None
    domains: int
    call: int | None
    categories: int  # Volunteer.categories_mask
    delta: int


def active_changes(period: Period) -> list[ActiveChange]:
    """The corrections that turn today's « actif·ve » into the period's end's (one query, none for
    a period running to today).

    Today's status is right for every volunteer whose status has not changed since the period's
    end, so the figures count today's statuses with plain GROUP BYs and add these corrections.
    They are read from the status changes logged since the end alone: over a volunteer's changes
    since then, each change leaving « actif·ve » adds one and each change entering it takes one
    away, which adds up to (active then) − (active now), whatever happened in between. So the
    database sums them per group of volunteers, and the cost grows with the changes since the
    period, not with the volunteers (a volunteer's own status history: core.workflow.status_as_of)."""
    moves = _active_moves(period)
    if moves is None:
        return []
    rows = (
        moves.values_list(
            "volunteer__quartier_id",
            local_month("volunteer__created_at"),
            "volunteer__domains",
            "volunteer__recruitment_call_id",
            "volunteer__categories_mask",
        )
        .annotate(delta=_ACTIVE_DELTA)
        .order_by()
    )
    return [ActiveChange(*row) for row in rows if row[-1]]


def active_delta(period: Period) -> int:
    """The sum of `active_changes` alone (a comparison's total: no group to tell apart)."""
    moves = _active_moves(period)
    return (moves.aggregate(delta=_ACTIVE_DELTA)["delta"] or 0) if moves is not None else 0


# Per change: +1 leaving « actif·ve », -1 entering it.
_ACTIVE_DELTA = Count("pk", filter=Q(from_status=VolunteerStatus.ACTIVE)) - Count(
    "pk", filter=Q(to_status=VolunteerStatus.ACTIVE)
)


def _active_moves(period: Period):
    """The status changes into or out of « actif·ve » since the end of the period, of volunteers
    signed up in it (None: the period runs to today). A change with no previous status records a
    creation, not a change of status: left out."""
    end = period.end_moment
    if end is None or end > timezone.now():
        return None
    active = VolunteerStatus.ACTIVE
    return VolunteerStatusChange.objects.filter(
        period.q("volunteer__created_at", place="volunteer__quartier"),
        Q(from_status=active) | Q(to_status=active),
        at__gte=end,
    ).exclude(from_status="")


def month_split(period: Period) -> tuple[Q | None, Q | None]:
    """The period's sign-ups as whole local months, a filter on VolunteerCount (None: not one whole
    month), and the days before the first and after the last whole month, a filter on the
    volunteers (None: no such days). A year, a month or everything: no edge days at all."""
    start, end = period.start, period.end
    first = start if start is None or start.day == 1 else _first_of_next_month(start)
    day_after = end + datetime.timedelta(days=1) if end else None
    after = day_after if day_after is None or day_after.day == 1 else end.replace(day=1)
    if first and after and first >= after:
        return None, period.q("created_at", place="quartier")
    counted = Q(quartier__in=period.quartiers) if period.quartiers is not None else Q()
    counted &= (Q(month__gte=first) if first else Q()) & (Q(month__lt=after) if after else Q())
    edges = [
        Period(start, first - datetime.timedelta(days=1), period.quartiers) if start and start != first else None,
        Period(after, end, period.quartiers) if end and after != day_after else None,
    ]
    condition = None
    for edge in filter(None, edges):
        days = edge.q("created_at", place="quartier")
        condition = days if condition is None else condition | days
    return counted, condition


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def counts_kept() -> bool:
    """Whether VolunteerCount and RequestCount hold the volunteers' and the requests' counts
    (PostgreSQL's triggers; decisions 0015 and 0017)."""
    return connection.vendor == "postgresql"


def _volunteer_rows(period: Period, *, from_volunteers, from_counts, union_part=None):
    """The period's sign-up rows in one query: whole months from VolunteerCount where it is kept
    (`from_counts(condition)`), the edge days (or everything, on SQLite) from the volunteers
    themselves (`from_volunteers(condition)`; `union_part(condition)` instead where those rows join
    VolunteerCount's in a UNION, when it must convert a column in SQL)."""
    if not counts_kept():
        return from_volunteers(period.q("created_at", place="quartier"))
    counted, edges = month_split(period)
    if counted is None:
        return from_volunteers(edges)
    summary = from_counts(counted)
    return summary if edges is None else summary.union((union_part or from_volunteers)(edges), all=True)


def signup_rows(period: Period):
    """(quartier, status, local month, volunteers) of the period's sign-ups (`_volunteer_rows`)."""

    def counted_from_volunteers(condition: Q, month=None):
        return (
            Volunteer.objects.filter(condition)
            .values_list("quartier_id", "status", month or local_month("created_at"))
            .annotate(n=Count("pk"))
            .order_by()
        )

    def counted_from_volunteers_in_union(condition: Q):
        # Cast in SQL: a UNION's rows get the first query's Python conversions only, and
        # TruncMonth gives PostgreSQL's date_trunc timestamp, made a date in Python.
        return counted_from_volunteers(condition, Cast(local_month("created_at"), DateField()))

    def counted_from_counts(condition: Q):
        return (
            VolunteerCount.objects.filter(condition, category_bit__isnull=True)
            .values_list("quartier_id", "status", "month")
            .annotate(n=Sum("n"))
            .exclude(n=0)  # keys whose volunteers all moved: not a row of the direct count either
            .order_by()
        )

    return _volunteer_rows(
        period,
        from_volunteers=counted_from_volunteers,
        from_counts=counted_from_counts,
        union_part=counted_from_volunteers_in_union,
    )


def category_rows(period: Period):
    """(categories mask, registered, active) of the period's sign-ups (`_volunteer_rows`):
    VolunteerCount keeps one row per accepted category, read as a one-bit mask."""

    def counted_from_volunteers(condition: Q):
        return (
            Volunteer.objects.filter(condition)
            .values_list("categories_mask")
            .annotate(registered=Count("pk"), active=Count("pk", filter=Q(status=VolunteerStatus.ACTIVE)))
            .order_by()
        )

    def counted_from_counts(condition: Q):
        return (
            VolunteerCount.objects.filter(condition, category_bit__isnull=False)
            .values_list(Cast(Value(1), BigIntegerField()).bitleftshift(F("category_bit")))
            .annotate(registered=Sum("n"), active=Coalesce(Sum("n", filter=Q(status=VolunteerStatus.ACTIVE)), 0))
            .exclude(registered=0)
            .order_by()
        )

    return _volunteer_rows(period, from_volunteers=counted_from_volunteers, from_counts=counted_from_counts)


def count_volunteer_signups(tally: Tally, period: Period) -> None:
    """Volunteers by quartier × month: registered, and active at the end of the period (one query,
    plus the corrections of `active_changes`)."""
    for quartier, status, month, count in signup_rows(period):
        figures = [REGISTERED] + ([ACTIVE] if status == VolunteerStatus.ACTIVE else [])
        for figure in figures:
            tally.totals[figure] += count
            _add(tally.by_quartier, quartier, figure, count)
            _add(tally.by_month, month, figure, count)
    for change in tally.active_changes:
        tally.totals[ACTIVE] += change.delta
        _add(tally.by_quartier, change.quartier, ACTIVE, change.delta)
        _add(tally.by_month, change.month, ACTIVE, change.delta)


def count_volunteer_categories(tally: Tally, period: Period) -> None:
    """Volunteers by the mask of the categories they accept (Volunteer.categories_mask), with the
    corrections of `active_changes`, which carry each volunteer's mask (one query).

    A few hundred distinct masks whatever the number of volunteers: `category_breakdown` spreads
    them over the categories, so one volunteer counts in each category they accept."""
    for mask, registered, active in category_rows(period):
        _add(tally.by_categories_mask, mask, REGISTERED, registered)
        _add(tally.by_categories_mask, mask, ACTIVE, active)
    for change in tally.active_changes:
        _add(tally.by_categories_mask, change.categories, ACTIVE, change.delta)


def count_missions_done(tally: Tally, period: Period) -> None:
    """Missions done and their recorded hours by category × quartier (resident) × month (one query)."""
    rows = (
        Mission.objects.filter(
            period.q("scheduled_at", place="support__resident__quartier"), status=MissionStatus.DONE
        )
        .values(
            category=F("support__help_request__category_id"),
            quartier=F("support__resident__quartier_id"),
            month=local_month("scheduled_at"),
        )
        .annotate(n=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by()
    )
    minutes: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        keys = {"category": row["category"], "quartier": row["quartier"], "month": row["month"]}
        tally.totals[MISSIONS_DONE] += row["n"]
        minutes["total"][None] += row["minutes"] or 0
        for name, key in keys.items():
            _add(getattr(tally, f"by_{name}"), key, MISSIONS_DONE, row["n"])
            minutes[name][key] += row["minutes"] or 0
    tally.totals[MISSION_HOURS] = hours_value(minutes["total"].get(None, 0) / 60)
    for name in ("category", "quartier", "month"):
        for key, total in minutes[name].items():
            getattr(tally, f"by_{name}")[key][MISSION_HOURS] = hours_value(total / 60)


def count_mobilised(tally: Tally, period: Period) -> None:
    """Distinct volunteers who did a mission or attended a shift, overall and per breakdown (two queries).

    Each source gives distinct (volunteer, category, volunteer's quartier, month) rows; the union
    of both is counted here, so someone who did both counts once."""
    missions = (
        Mission.objects.filter(
            period.q("scheduled_at", place="support__volunteer__quartier"), status=MissionStatus.DONE
        )
        .values_list(
            "support__volunteer_id",
            "support__help_request__category_id",
            "support__volunteer__quartier_id",
            local_month("scheduled_at"),
        )
        .distinct()
        .order_by()
    )
    shifts = (
        ShiftSignup.objects.attended()
        .filter(period.q("shift__starts_at", place="volunteer__quartier"))
        .values_list(
            "volunteer_id", "shift__need__category_id", "volunteer__quartier_id", local_month("shift__starts_at")
        )
        .distinct()
        .order_by()
    )
    people: dict = defaultdict(lambda: defaultdict(set))
    for volunteer, category, quartier, month in [*missions, *shifts]:
        people["total"][None].add(volunteer)
        people["category"][category].add(volunteer)
        people["quartier"][quartier].add(volunteer)
        people["month"][month].add(volunteer)
    tally.totals[MOBILISED] = len(people["total"][None])
    for name in ("category", "quartier", "month"):
        for key, volunteers in people[name].items():
            _add(getattr(tally, f"by_{name}"), key, MOBILISED, len(volunteers))


def count_requests(tally: Tally, period: Period) -> None:
    """Requests, and distinct residents who asked for help, overall and per breakdown (one query).

    A period of whole months (a year, a month, everything) is read from RequestCount where it is
    kept (decision 0017); other periods, and SQLite, count the requests themselves: the database
    counts the distinct residents of each grouping (four GROUP BYs in one UNION ALL), a few hundred
    rows come back whatever the number of requests."""
    counted, edges = month_split(period)
    if counts_kept() and counted is not None and edges is None:
        rows = request_count_rows(counted, period.start)
    else:
        rows = requests_counted(period)
    for name, number, month, count, people in rows:
        if name == "total":
            tally.totals[REQUESTS] += count
            tally.totals[RESIDENTS_HELPED] = people
            continue
        table = getattr(tally, f"by_{name}")
        _add(table, month if name == "month" else number, REQUESTS, count)
        _add(table, month if name == "month" else number, RESIDENTS_HELPED, people)


NO_NUMBER, NO_MONTH = Cast(Value(None), IntegerField()), Cast(Value(None), DateField())


def requests_counted(period: Period):
    """(grouping, number, month, requests, distinct residents) of the period, from the requests."""
    requests = HelpRequest.objects.filter(period.q("created_at", place="resident__quartier")).order_by()
    groupings = {
        "total": (NO_NUMBER, NO_MONTH),
        "category": (Cast(F("category_id"), IntegerField()), NO_MONTH),
        "quartier": (Cast(F("resident__quartier_id"), IntegerField()), NO_MONTH),
        # Cast in SQL: a UNION's rows get the first query's Python conversions only.
        "month": (NO_NUMBER, Cast(local_month("created_at"), DateField())),
    }
    queries = [
        requests.values_list(Value(name), number, month).annotate(
            n=Count("pk"), people=Count("resident_id", distinct=True)
        )
        for name, (number, month) in groupings.items()
    ]
    return queries[0].union(*queries[1:], all=True)


def request_count_rows(counted: Q, first: datetime.date | None):
    """The same rows as `requests_counted`, from RequestCount's whole months (`counted`, from
    `month_split`; `first`: the first of them, None for everything). A resident counts once in a
    grouping: in the row of their first month of the period, the one whose previous month (`since`)
    is before it."""
    rows = RequestCount.objects.filter(counted).order_by()
    first_time = Q(since__isnull=True) | Q(since__lt=first) if first else Q(since__isnull=True)
    new_residents = Coalesce(Sum("residents", filter=first_time), 0)
    every_category, per_category = rows.filter(category__isnull=True), rows.filter(category__isnull=False)
    queries = [
        every_category.values_list(Value("total"), NO_NUMBER, NO_MONTH).annotate(
            n=Sum("requests"), people=new_residents
        ),
        per_category.values_list(Value("category"), Cast(F("category_id"), IntegerField()), NO_MONTH).annotate(
            n=Sum("requests"), people=new_residents
        ),
        every_category.values_list(Value("quartier"), Cast(F("quartier_id"), IntegerField()), NO_MONTH).annotate(
            n=Sum("requests"), people=new_residents
        ),
        # Within one month every resident of the month is new to it: all its rows.
        every_category.values_list(Value("month"), NO_NUMBER, Cast(F("month"), DateField())).annotate(
            n=Sum("requests"), people=Sum("residents")
        ),
    ]
    # Keys whose requests all moved away (another category, date or quartier): no row, as counted
    # from the requests.
    queries = [query.exclude(n=0) for query in queries]
    return queries[0].union(*queries[1:], all=True)


def count_supports(tally: Tally, period: Period) -> None:
    """Supports by category × quartier (resident) × start month (one query)."""
    rows = (
        Support.objects.filter(period.q("started_at", place="resident__quartier"))
        .values(
            category=F("help_request__category_id"),
            quartier=F("resident__quartier_id"),
            month=local_month("started_at"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        tally.totals[SUPPORTS] += row["n"]
        _add(tally.by_category, row["category"], SUPPORTS, row["n"])
        _add(tally.by_quartier, row["quartier"], SUPPORTS, row["n"])
        _add(tally.by_month, row["month"], SUPPORTS, row["n"])


def count_shift_hours(tally: Tally, period: Period) -> None:
    """Shift hours and participations by need category × need quartier × shift month (one query)."""
    rows = (
        ShiftSignup.objects.attended()
        .filter(period.q("shift__starts_at", place="shift__need__quartier"))
        .values(
            category=F("shift__need__category_id"),
            quartier=F("shift__need__quartier_id"),
            month=local_month("shift__starts_at"),
        )
        .annotate(hours=Sum("hours"), n=Count("pk"))
        .order_by()
    )
    shift_hours: dict = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        keys = {
            "total": None,
            "category": row["category"],
            "quartier": row["quartier"],
            "month": row["month"],
        }
        for table, key in keys.items():
            shift_hours[table][key] += row["hours"] or 0
        tally.totals[PARTICIPATIONS] += row["n"]
        _add(tally.by_category, row["category"], PARTICIPATIONS, row["n"])
        _add(tally.by_quartier, row["quartier"], PARTICIPATIONS, row["n"])
        _add(tally.by_month, row["month"], PARTICIPATIONS, row["n"])
    tally.totals[SHIFT_HOURS] = hours_value(shift_hours["total"].get(None))
    for table, name in ((tally.by_category, "category"), (tally.by_quartier, "quartier"), (tally.by_month, "month")):
        for key, hours in shift_hours[name].items():
            table[key][SHIFT_HOURS] = hours_value(hours)


def category_breakdown(by_category: dict, by_categories_mask: dict | None = None) -> list[Row]:
    """One row per help category, in the categories' order, even with zero everywhere; figures
    counted per mask of categories (volunteers) go to every category whose bit the mask holds
    (one query)."""
    rows = []
    for pk, name, bit in HelpCategory.objects.order_by("order", "name").values_list("pk", "name", "bit"):
        values = dict(by_category.get(pk, {}))
        for mask, figures in (by_categories_mask or {}).items():
            if mask & (1 << bit):
                for figure, count in figures.items():
                    values[figure] = values.get(figure, 0) + count
        rows.append(Row(pk, name, values))
    return rows


def quartier_breakdown(by_quartier: dict, quartiers: frozenset[int] | None = None) -> list[Row]:
    """One row per quartier (of `quartiers` when the period is limited to some), even with zero
    everywhere, then figures with no quartier (one query)."""
    known = Quartier.objects.order_by("name")
    if quartiers is not None:
        known = known.filter(pk__in=quartiers)
    rows = [Row(pk, name, by_quartier.get(pk, {})) for pk, name in known.values_list("pk", "name")]
    if by_quartier.get(None):
        rows.append(Row(None, NO_QUARTIER, by_quartier[None]))
    return rows


def month_breakdown(by_month: dict, period: Period | None = None, today: datetime.date | None = None) -> list[Row]:
    """Every month of the period (up to this month), else from the first to the last month with data,
    gaps included (no query)."""
    known_months = [month for month in by_month if month is not None]
    period = period or Period()
    first = period.start.replace(day=1) if period.start else min(known_months, default=None)
    last = min(period.end, today or timezone.localdate()) if period.end else max(known_months, default=None)
    if first is None or last is None:
        return []
    return [
        Row(month, date_format(month, "F Y").capitalize(), by_month.get(month, {}))
        for month in _month_range(first, last.replace(day=1))
    ]


@dataclass(frozen=True)
class Relay:
    """Requests referred to and supports handed over to one partner organisation."""

    organisation: str
    referred: int = 0
    handed_over: int = 0


def partner_relays(period: Period) -> list[Relay]:
    """Per organisation, requests referred (closed « Orientée vers un partenaire » naming it) and
    supports handed over, inside the period (two queries)."""
    referred = dict(
        Referral.objects.filter(period.q("referred_at", place="help_request__resident__quartier"))
        .values_list("organisation__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    handed_over = dict(
        Handover.objects.filter(period.q("handed_over_at", place="support__resident__quartier"))
        .values_list("organisation__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        Relay(name, referred.get(name, 0), handed_over.get(name, 0))
        for name in sorted(set(referred) | set(handed_over), key=str.casefold)
    ]


# Every figure's source, each adding its counts to the tally; their queries make the dashboard's.
FIGURE_COUNTS = (
    count_volunteer_signups,
    count_volunteer_categories,
    count_missions_done,
    count_mobilised,
    count_requests,
    count_supports,
    count_shift_hours,
)


def dashboard(period: Period | None = None, *, breakdowns: bool = True) -> Dashboard:
    """All dashboard figures for a period: twelve queries with breakdowns (one more for a period
    ended before today: `active_changes`), whatever the size of the data. Without `breakdowns`
    (the year-earlier column of a comparison), the totals only: the categories, the lists of
    quartiers and categories and the partner relays are not read, and the active volunteers'
    corrections are summed in the database (`active_delta`)."""
    period = period or Period()
    tally = Tally(active_changes=active_changes(period) if breakdowns else [])
    for count in FIGURE_COUNTS:
        if breakdowns or count is not count_volunteer_categories:
            count(tally, period)
    if not breakdowns:
        tally.totals[ACTIVE] += active_delta(period)
    return Dashboard(
        period=period,
        totals={code: tally.totals.get(code, 0) for code, _label in FIGURES},
        by_category=category_breakdown(tally.by_category, tally.by_categories_mask) if breakdowns else [],
        by_quartier=quartier_breakdown(tally.by_quartier, period.quartiers) if breakdowns else [],
        by_month=month_breakdown(tally.by_month, period),
        relays=partner_relays(period) if breakdowns else [],
        active_changes=tally.active_changes,
    )


def table_rows(rows: Iterable[Row]) -> list[list]:
    """Rows as plain lists (label, then every figure), for exports."""
    return [[row.label, *row.ordered_values()] for row in rows]

"""The bilan: every figure of a period, the same period one year earlier beside it, time series,
and the breakdowns the seeds' reports give (category, quartier, month, partner, engagement domain,
recruitment call, evaluation). The page, the PDF and the XLSX all read one `Bilan`.

Periods are chosen from presets (a year, a month, a crisis episode, a recruitment call,
everything) or typed dates; each has a stable key under which the CCAS's introduction is kept.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from villesolidaire.crises.models import Episode
from villesolidaire.reporting.activity import (
    NeighbourFigures,
    PartnerRow,
    RequestFigures,
    TrainingRow,
    VolunteerGroupRow,
    neighbour_activity,
    partner_activity,
    request_figures,
    training_activity,
    volunteer_groups,
)
from villesolidaire.reporting.models import BilanIntroduction
from villesolidaire.reporting.selectors import (
    DEFINITIONS,
    FIGURE_LABELS,
    FIGURES,
    HEADLINE,
    REQUESTS,
    RESIDENTS_HELPED,
    Dashboard,
    Period,
    dashboard,
)
from villesolidaire.reporting.series import Series, monthly_series, weekly_series
from villesolidaire.surveys.selectors import EvaluationSynthesis, evaluation_synthesis
from villesolidaire.territory.models import Commune
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer

MONTHS_OFFERED = 13
ALL_TIME = "tout"
# « Depuis le début » has no first day: evaluations are read from this one.
EARLIEST = datetime.date(2000, 1, 1)
CUSTOM = "dates"


@dataclass(frozen=True)
class ChosenPeriod:
    """A period with its key (for the introduction and the URL) and its title."""

    key: str
    title: str
    period: Period
    place: str = ""  # the commune of an intercommunal service, when the bilan is one commune's

    @property
    def file_stem(self) -> str:
        """`bilan-annee-2026` or `bilan-annee-2026-cancale`: a name per period and commune."""
        return f"bilan-{self.key}" + (f"-{slugify(self.place)}" if self.place else "")

    @property
    def episode_pk(self) -> int | None:
        """The crisis episode this period is, if any (its report is linked from the bilan)."""
        kind, _sep, pk = self.key.partition("-")
        return int(pk) if kind == "episode" and pk.isdigit() else None


def year_period(year: int) -> ChosenPeriod:
    return ChosenPeriod(
        f"annee-{year}", f"Année {year}", Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    )


def month_period(first: datetime.date) -> ChosenPeriod:
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return ChosenPeriod(
        f"mois-{first:%Y-%m}",
        date_format(first, "F Y").capitalize(),
        Period(first, following - datetime.timedelta(days=1)),
    )


def episode_period(episode: Episode, today: datetime.date) -> ChosenPeriod:
    return ChosenPeriod(
        f"episode-{episode.pk}", f"Épisode : {episode}", Period(episode.starts_on, episode.ends_on or today)
    )


def call_period(call: RecruitmentCall, today: datetime.date) -> ChosenPeriod:
    opens = timezone.localtime(call.opens_at).date()
    closes = timezone.localtime(call.closes_at).date() if call.closes_at else today
    return ChosenPeriod(f"appel-{call.pk}", f"Appel à volontaires : {call.title}", Period(opens, max(opens, closes)))


def within_commune(chosen: ChosenPeriod, commune: Commune | None) -> ChosenPeriod:
    """The chosen period limited to one commune of an intercommunal service: what is placed in its
    quartiers counts; rows without a quartier count only in the whole (one query)."""
    if commune is None:
        return chosen
    quartiers = frozenset(commune.quartiers.values_list("pk", flat=True))
    return ChosenPeriod(chosen.key, f"{chosen.title} — {commune.name}", chosen.period.within(quartiers), commune.name)


def custom_period(start: datetime.date | None, end: datetime.date | None) -> ChosenPeriod:
    period = Period(start, end)
    if not period.is_set:
        return ChosenPeriod(ALL_TIME, "Depuis le début", period)
    key = f"{CUSTOM}-{start.isoformat() if start else ''}-{end.isoformat() if end else ''}"
    return ChosenPeriod(key, period.label.capitalize(), period)


def first_year(today: datetime.date) -> int:
    """The year of the first sign-up (at most last year, so that a comparison is always offered)."""
    first = Volunteer.objects.aggregate(first=Min("created_at"))["first"]
    return min(timezone.localtime(first).year if first else today.year, today.year - 1)


def preset_periods(today: datetime.date) -> list[tuple[str, list[ChosenPeriod]]]:
    """The periods offered in the chooser, grouped (three queries: first sign-up, episodes, calls)."""
    months, first = [], today.replace(day=1)
    for _ in range(MONTHS_OFFERED):
        months.append(month_period(first))
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return [
        ("Années", [year_period(year) for year in range(today.year, first_year(today) - 1, -1)]),
        ("Mois", months),
        ("Épisodes de crise", [episode_period(e, today) for e in Episode.objects.order_by("-starts_on", "-pk")]),
        ("Appels à volontaires", [call_period(c, today) for c in RecruitmentCall.objects.order_by("-opens_at")]),
        ("Toute la période", [ChosenPeriod(ALL_TIME, "Depuis le début", Period())]),
    ]


@dataclass(frozen=True)
class Comparison:
    """One figure of the period beside the same period one year earlier."""

    code: str
    label: str
    value: int | float
    previous: int | float | None
    definition: str

    @property
    def difference(self) -> int | float | None:
        if self.previous is None:
            return None
        difference = self.value - self.previous
        return round(difference, 2) if isinstance(difference, float) else difference

    @property
    def trend(self) -> str:
        """In words, so that it does not rely on a colour or an arrow."""
        if self.previous is None:
            return ""
        if self.value == self.previous:
            return "stable"
        if not self.previous:
            return "en hausse : aucun l'an passé"
        change = round(100 * (self.value - self.previous) / self.previous)
        return f"en hausse de {change} %" if change > 0 else f"en baisse de {-change} %" if change < 0 else "stable"


@dataclass
class Bilan:
    chosen: ChosenPeriod
    board: Dashboard
    previous: Dashboard | None
    requests: RequestFigures
    partners: list[PartnerRow]
    domains: list[VolunteerGroupRow]
    calls: list[VolunteerGroupRow]
    trainings: list[TrainingRow]
    neighbours: NeighbourFigures
    evaluation: EvaluationSynthesis
    monthly: Series
    weekly: Series
    introduction: BilanIntroduction | None = None
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def period(self) -> Period:
        return self.chosen.period

    @property
    def previous_period(self) -> Period | None:
        return self.previous.period if self.previous else None

    @property
    def headline(self) -> list[Comparison]:
        return [self._compare(code) for code in HEADLINE]

    @property
    def comparisons(self) -> list[Comparison]:
        return [self._compare(code) for code, _label in FIGURES]

    def _compare(self, code: str) -> Comparison:
        previous = self.previous.total(code) if self.previous else None
        return Comparison(code, FIGURE_LABELS[code], self.board.total(code), previous, DEFINITIONS[code])


def build_bilan(chosen: ChosenPeriod, *, compare: bool = True, today: datetime.date | None = None) -> Bilan:
    """Every figure of the chosen period; with `compare`, the same days one year earlier too
    (not for « depuis le début », which has no earlier twin)."""
    today = today or timezone.localdate()
    period = chosen.period
    previous = dashboard(period.year_earlier(today), breakdowns=False) if compare and period.start else None
    board = dashboard(period)
    domains, calls = volunteer_groups(period, board.active_changes)
    return Bilan(
        chosen=chosen,
        board=board,
        previous=previous,
        # The dashboard counted the same requests and residents: passed on, not counted again.
        requests=request_figures(period, counted=(board.total(REQUESTS), board.total(RESIDENTS_HELPED))),
        partners=partner_activity(period),
        domains=domains,
        calls=calls,
        trainings=training_activity(period),
        neighbours=neighbour_activity(period),
        evaluation=evaluation_synthesis(period.start or EARLIEST, period.end or today),
        monthly=monthly_series(board.by_month),
        weekly=weekly_series(period, today=today),
        introduction=BilanIntroduction.objects.filter(period_key=chosen.key).first(),
    )

"""The episode report: what a CCAS sends the préfet and the ARS after (or during) a crisis episode.

A pure read, `episode_report(episode)`, in a fixed number of queries (EPISODE_REPORT_QUERIES),
whatever the number of campaigns, people, calls or missions. Aggregates only: no name, no
address, no phone number is read, so none can reach the page, the PDF or the XLSX.

Each figure's definition is written next to it in DEFINITIONS, shown the same in the page, the PDF
and the XLSX. The reference instant of a person on a call list is the moment they entered it
(`CallTarget.created_at`): the campaign's start for its first list, the refresh for people added
later.

Help requests, missions and volunteer hours are read by `_episode_activity` through the links:
requests, missions and needs carry the crisis episode they were raised in.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format

from villesolidaire.campaigns.enums import REACHED_OUTCOMES, EscalationKind, EscalationResult, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, EscalationStep
from villesolidaire.crises.models import Episode
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.missions.models import Mission
from villesolidaire.needs.models import ShiftSignup
from villesolidaire.register.models import EntryStatus, RegisterEntry
from villesolidaire.reporting.selectors import NO_QUARTIER, Period, Row, hours_value, nearest_rank
from villesolidaire.territory.models import Quartier

# Queries run by `episode_report`, whatever the size of the data (asserted by the tests).
EPISODE_REPORT_QUERIES = 8
# At most this many days in the daily table (an episode left open for a year).
MAX_DAYS = 400

REGISTER = "register"
TARGETED = "targeted"
REACHED_24H = "reached_24h"
REACHED_48H = "reached_48h"
REACHED = "reached"
NEVER_REACHED = "never_reached"
NO_NEWS = "no_news"
ESCALATED = "escalated"
CONTACT_MEDIAN = "contact_median"
CONTACT_P90 = "contact_p90"
HELP_REQUESTS = "help_requests"
MISSIONS_DONE = "missions_done"
VOLUNTEER_HOURS = "volunteer_hours"
# Daily figures only.
ADDED = "added"
FIRST_CONTACTS = "first_contacts"
STEPS_OPENED = "steps_opened"

FIGURE_LABELS: dict[str, str] = {
    REGISTER: "Personnes inscrites au registre",
    TARGETED: "Personnes à appeler",
    REACHED_24H: "Jointes en 24 h",
    REACHED_48H: "Jointes en 48 h",
    REACHED: "Jointes pendant l'épisode",
    NEVER_REACHED: "Jamais jointes",
    NO_NEWS: "Sans nouvelles",
    ESCALATED: "Personnes en escalade",
    CONTACT_MEDIAN: "Délai du premier contact, médiane (heures)",
    CONTACT_P90: "Délai du premier contact, 90e centile (heures)",
    HELP_REQUESTS: "Demandes d'aide",
    MISSIONS_DONE: "Missions réalisées",
    VOLUNTEER_HOURS: "Heures de bénévolat",
    ADDED: "Personnes ajoutées à la liste d'appels",
    FIRST_CONTACTS: "Premiers contacts réussis",
    STEPS_OPENED: "Étapes d'escalade ouvertes",
}

# The headline, in this order; the quartier table has the same columns; the day table its own.
HEADLINE = [
    REGISTER,
    TARGETED,
    REACHED_24H,
    REACHED_48H,
    REACHED,
    NEVER_REACHED,
    NO_NEWS,
    ESCALATED,
    CONTACT_MEDIAN,
    CONTACT_P90,
    HELP_REQUESTS,
    MISSIONS_DONE,
    VOLUNTEER_HOURS,
]
QUARTIER_FIGURES = HEADLINE
DAY_FIGURES = [ADDED, FIRST_CONTACTS, STEPS_OPENED, HELP_REQUESTS, MISSIONS_DONE, VOLUNTEER_HOURS]

DEFINITIONS: dict[str, str] = {
    REGISTER: (
        "Inscriptions au registre (demandes reçues ou inscriptions confirmées) dont la demande date au plus "
        "tard du premier jour de l'épisode (date de la demande, même saisie plus tard, par exemple à la reprise "
        "d'un registre papier) et non radiées avant ce jour, dans les quartiers de l'épisode (toute la commune "
        "s'il n'en nomme aucun)."
    ),
    TARGETED: (
        "Personnes sur les listes d'appels des campagnes de l'épisode. Une personne appelée par deux "
        "campagnes compte deux fois."
    ),
    REACHED_24H: (
        "Personnes à appeler dont le premier contact réussi (appel « jointe » ou réponse « 1 » au SMS) a eu "
        "lieu moins de 24 heures après leur entrée sur la liste d'appels (le lancement de la campagne, ou "
        "leur ajout à la liste)."
    ),
    REACHED_48H: "Comme « jointes en 24 h », dans les 48 heures (les jointes en 24 h y sont comprises).",
    REACHED: "Personnes à appeler ayant eu au moins un contact réussi (appel « jointe » ou réponse « 1 » au SMS).",
    NEVER_REACHED: (
        "Personnes à appeler sans aucun contact réussi, quelle que soit la suite (escalade, hospitalisation, "
        "absence, refus)."
    ),
    NO_NEWS: (
        "Parmi les jamais jointes, celles dont la situation reste inconnue : encore à appeler ou en escalade "
        "(ni nouvelles rassurantes par l'escalade, ni clôture : hospitalisation, absence, refus, prise en charge)."
    ),
    ESCALATED: (
        "Personnes à appeler pour qui au moins une étape d'escalade a été ouverte (personne à prévenir, "
        "service à domicile, visite, 15)."
    ),
    CONTACT_MEDIAN: (
        "Pour les personnes jointes : temps entre l'entrée sur la liste d'appels et le premier contact réussi ; "
        "médiane (la moitié des personnes jointes l'ont été plus vite), en heures arrondies au dixième."
    ),
    CONTACT_P90: (
        "Même temps : 90e centile (rang le plus proche : 9 personnes jointes sur 10 l'ont été dans ce délai "
        "ou plus vite), en heures arrondies au dixième."
    ),
    HELP_REQUESTS: (
        "Demandes d'aide saisies pendant l'épisode (du premier au dernier jour, jusqu'à aujourd'hui s'il dure), "
        "pour des habitant·es des quartiers de l'épisode."
    ),
    MISSIONS_DONE: (
        "Missions au statut « réalisée » prévues pendant l'épisode, pour des habitant·es des quartiers de l'épisode."
    ),
    VOLUNTEER_HOURS: (
        "Durée notée des missions réalisées ci-dessus (une mission sans durée notée compte 0), plus les heures "
        "notées pour les volontaires présent·es sur les créneaux des besoins ponctuels commençant pendant "
        "l'épisode dans ses quartiers."
    ),
    ADDED: "Personnes entrées ce jour-là sur une liste d'appels de l'épisode.",
    FIRST_CONTACTS: "Personnes dont le premier contact réussi a eu lieu ce jour-là.",
    STEPS_OPENED: "Étapes d'escalade ouvertes ce jour-là.",
}
BREAKDOWN_NOTES = (
    "Par quartier : quartier de la personne sur la liste d'appels (fixé à la création de la liste) pour les "
    "appels, de l'inscription pour le registre, de l'habitant·e pour les demandes et les missions, du lieu du "
    "besoin pour les heures sur les créneaux. Les délais par quartier sont ceux des personnes jointes du "
    "quartier. Par jour : jours du calendrier local, du premier jour de l'épisode à son dernier "
    "(aujourd'hui s'il dure)."
)

# Short headers for the results of a step (EscalationResult's labels are the call screen's sentences).
STEP_RESULT_LABELS = {
    EscalationResult.RESOLVED: "Nouvelles rassurantes",
    EscalationResult.TAKEN_IN_CHARGE: "Prise en charge",
    EscalationResult.NO_NEWS: "Pas de nouvelles",
}
STEP_COLUMNS = ["Étape", "Ouvertes", *[STEP_RESULT_LABELS[code] for code in EscalationResult.values], "En cours"]


@dataclass(frozen=True)
class StepRow:
    """One rung of the escalation ladder: steps opened, by result, and still open."""

    kind: str
    label: str
    opened: int
    results: dict[str, int]
    still_open: int

    def cells(self) -> list:
        return [
            self.label,
            self.opened,
            *[self.results.get(code, 0) for code in EscalationResult.values],
            self.still_open,
        ]


@dataclass
class EpisodeReport:
    episode: Episode
    first_day: datetime.date
    last_day: datetime.date
    totals: dict[str, int | float | None]
    by_quartier: list[Row]
    by_day: list[Row]
    steps: list[StepRow]
    # The episode's quartiers by name; empty: the whole town.
    quartier_names: list[str] = field(default_factory=list)
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    def total(self, figure: str):
        return self.totals.get(figure)

    @property
    def headline(self) -> list[tuple[str, str, object, str]]:
        return [(code, FIGURE_LABELS[code], self.totals.get(code), DEFINITIONS[code]) for code in HEADLINE]

    @property
    def quartier_cells(self) -> list[tuple[str, list[tuple[str, object]]]]:
        """The quartier table's rows: label, then (figure, value) in QUARTIER_FIGURES order."""
        return [(row.label, [(code, row.values.get(code)) for code in QUARTIER_FIGURES]) for row in self.by_quartier]

    @property
    def day_cells(self) -> list[tuple[str, list[tuple[str, object]]]]:
        """The day table's rows: label, then (figure, value) in DAY_FIGURES order."""
        return [(row.label, [(code, row.values.get(code)) for code in DAY_FIGURES]) for row in self.by_day]

    @property
    def territory_label(self) -> str:
        return ", ".join(self.quartier_names) or "toute la commune"

    @property
    def period_label(self) -> str:
        start = date_format(self.first_day, "j F Y")
        if self.episode.ends_on:
            return f"du {start} au {date_format(self.episode.ends_on, 'j F Y')}"
        return f"depuis le {start} (en cours, chiffres au {date_format(self.last_day, 'j F Y')})"


# Reading --------------------------------------------------------------------------------------


def _local_day(value) -> datetime.date | None:
    """A local calendar day from TruncDate (a date) or an aware datetime."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def episode_window(episode: Episode, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day the report covers: the episode's days, up to today while it lasts."""
    last = episode.ends_on or max(today, episode.starts_on)
    last = min(last, episode.starts_on + datetime.timedelta(days=MAX_DAYS - 1))
    return episode.starts_on, last


def _in_quartiers(field_name: str, quartier_ids: list[int]) -> Q:
    """The episode's quartiers; no condition when it covers the whole town."""
    return Q(**{f"{field_name}__in": quartier_ids}) if quartier_ids else Q()


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


def contact_delays(delays_seconds: list[float]) -> dict[str, float | None]:
    """Median and 90th percentile of delays in seconds, as hours to the tenth; None without data."""
    if not delays_seconds:
        return {CONTACT_MEDIAN: None, CONTACT_P90: None}
    return {
        CONTACT_MEDIAN: _hours(statistics.median(delays_seconds)),
        CONTACT_P90: _hours(nearest_rank(delays_seconds, 0.9)),
    }


def _count_targets(episode: Episode, tally: "_Tally") -> None:
    """Every person on the episode's call lists with their first successful contact (one query)."""
    first_ok = (
        CallAttempt.objects.filter(target=OuterRef("pk"), outcome__in=REACHED_OUTCOMES)
        .order_by("ended_at")
        .values("ended_at")[:1]
    )
    rows = (
        CallTarget.objects.filter(campaign__episode=episode)
        .annotate(
            first_ok=Subquery(first_ok),
            has_step=Exists(EscalationStep.objects.filter(target=OuterRef("pk"))),
        )
        .values_list("quartier_id", "created_at", "status", "first_ok", "has_step")
        .order_by()
    )
    for quartier, created_at, status, first_ok_at, has_step in rows.iterator(chunk_size=5000):
        figures = [TARGETED]
        tally.add_day(_local_day(created_at), ADDED, 1)
        if first_ok_at is not None:
            delay = (first_ok_at - created_at).total_seconds()
            figures.append(REACHED)
            if delay < 24 * 3600:
                figures.append(REACHED_24H)
            if delay < 48 * 3600:
                figures.append(REACHED_48H)
            tally.delays[None].append(delay)
            tally.delays[quartier].append(delay)
            tally.add_day(_local_day(first_ok_at), FIRST_CONTACTS, 1)
        else:
            figures.append(NEVER_REACHED)
            if status in (TargetStatus.PENDING, TargetStatus.ESCALATED):
                figures.append(NO_NEWS)
        if has_step:
            figures.append(ESCALATED)
        for figure in figures:
            tally.add(quartier, figure, 1)


def _count_steps(episode: Episode, tally: "_Tally") -> list[StepRow]:
    """Escalation steps by rung, result and opening day (one query)."""
    rows = (
        EscalationStep.objects.filter(target__campaign__episode=episode)
        .values("kind", "result", day=TruncDate("opened_at", tzinfo=timezone.get_current_timezone()))
        .annotate(n=Count("pk"), still_open=Count("pk", filter=Q(done_at__isnull=True)))
        .order_by()
    )
    opened: dict = defaultdict(int)
    results: dict = defaultdict(lambda: defaultdict(int))
    still_open: dict = defaultdict(int)
    for row in rows:
        opened[row["kind"]] += row["n"]
        still_open[row["kind"]] += row["still_open"]
        if row["result"]:
            results[row["kind"]][row["result"]] += row["n"] - row["still_open"]
        tally.add_day(_local_day(row["day"]), STEPS_OPENED, row["n"])
    return [
        StepRow(kind, label, opened[kind], dict(results[kind]), still_open[kind])
        for kind, label in EscalationKind.choices
    ]


def _count_register(episode: Episode, quartier_ids: list[int], tally: "_Tally") -> None:
    """Register entries at the episode's start, by quartier (one query)."""
    rows = (
        RegisterEntry.objects.filter(
            _in_quartiers("quartier_id", quartier_ids),
            request_date__lte=episode.starts_on,
        )
        .filter(~Q(status=EntryStatus.REMOVED) | Q(removed_on__gte=episode.starts_on))
        .values("quartier_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        tally.add(row["quartier_id"], REGISTER, row["n"])


def _episode_activity(episode: Episode, tally: "_Tally", window: Period) -> None:
    """Help requests, missions done and volunteer hours of the episode, by quartier and day (three queries).

    Read through the links: requests, missions and needs carry the episode they were raised in
    (set by their creating services from the day and the quartier, editable by a coordinator).
    Shift hours are those of the episode's needs' shifts. Only what is dated inside the report's
    days counts (a follow-up mission after the episode does not), so that the headline, the
    quartiers and the days add up, and match the bilan of the episode's period."""
    tz = timezone.get_current_timezone()
    requests = (
        HelpRequest.objects.filter(window.q("created_at", place="resident__quartier"), episode=episode)
        .values(quartier=F("resident__quartier_id"), day=TruncDate("created_at", tzinfo=tz))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in requests:
        tally.add(row["quartier"], HELP_REQUESTS, row["n"])
        tally.add_day(_local_day(row["day"]), HELP_REQUESTS, row["n"])
    missions = (
        Mission.objects.done()
        .filter(window.q("scheduled_at", place="support__resident__quartier"), episode=episode)
        .values(quartier=F("support__resident__quartier_id"), day=TruncDate("scheduled_at", tzinfo=tz))
        .annotate(n=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by()
    )
    for row in missions:
        hours = Decimal(row["minutes"] or 0) / 60
        tally.add(row["quartier"], MISSIONS_DONE, row["n"])
        tally.add_day(_local_day(row["day"]), MISSIONS_DONE, row["n"])
        tally.add_hours(row["quartier"], _local_day(row["day"]), hours)
    shifts = (
        ShiftSignup.objects.attended()
        .filter(window.q("shift__starts_at", place="shift__need__quartier"), shift__need__episode=episode)
        .values(quartier=F("shift__need__quartier_id"), day=TruncDate("shift__starts_at", tzinfo=tz))
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    for row in shifts:
        tally.add_hours(row["quartier"], _local_day(row["day"]), row["hours"] or Decimal(0))


@dataclass
class _Tally:
    """Figures being counted: per quartier (None: not known) and per day; key None of by_quartier sums them."""

    by_quartier: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    by_day: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    totals: dict = field(default_factory=lambda: defaultdict(int))
    delays: dict = field(default_factory=lambda: defaultdict(list))
    hours_total: Decimal = Decimal(0)
    hours_by_quartier: dict = field(default_factory=lambda: defaultdict(Decimal))
    hours_by_day: dict = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, quartier, figure: str, n: int) -> None:
        self.totals[figure] += n
        self.by_quartier[quartier][figure] += n

    def add_day(self, day, figure: str, n: int) -> None:
        self.by_day[day][figure] += n

    def add_hours(self, quartier, day, hours: Decimal) -> None:
        self.hours_total += hours
        self.hours_by_quartier[quartier] += hours
        self.hours_by_day[day] += hours


def episode_report(episode: Episode, *, today: datetime.date | None = None) -> EpisodeReport:
    """The episode's figures, overall, by quartier and by day (EPISODE_REPORT_QUERIES queries)."""
    today = today or timezone.localdate()
    first, last = episode_window(episode, today)
    quartier_ids = list(episode.quartiers.values_list("pk", flat=True))
    tally = _Tally()
    _count_register(episode, quartier_ids, tally)
    _count_targets(episode, tally)
    steps = _count_steps(episode, tally)
    _episode_activity(episode, tally, Period(first, last))

    totals: dict = {code: tally.totals.get(code, 0) for code in HEADLINE}
    totals.update(contact_delays(tally.delays[None]))
    totals[VOLUNTEER_HOURS] = hours_value(tally.hours_total)

    names = dict(Quartier.objects.values_list("pk", "name"))
    shown = set(quartier_ids) if quartier_ids else set(names)
    shown |= {key for key in tally.by_quartier if key is not None} | {
        key for key in tally.hours_by_quartier if key is not None
    }
    keys = sorted(shown, key=lambda pk: names.get(pk, "").casefold())
    if None in tally.by_quartier or None in tally.hours_by_quartier:
        keys.append(None)
    by_quartier = []
    for key in keys:
        values = {code: tally.by_quartier[key].get(code, 0) for code in QUARTIER_FIGURES}
        values.update(contact_delays(tally.delays[key]))
        values[VOLUNTEER_HOURS] = hours_value(tally.hours_by_quartier[key])
        by_quartier.append(Row(key, names.get(key, NO_QUARTIER) if key is not None else NO_QUARTIER, values))

    by_day = []
    day = first
    while day <= last:
        values = {code: tally.by_day[day].get(code, 0) for code in DAY_FIGURES}
        values[VOLUNTEER_HOURS] = hours_value(tally.hours_by_day[day])
        by_day.append(Row(day, date_format(day, "D j F").capitalize(), values))
        day += datetime.timedelta(days=1)

    return EpisodeReport(
        episode=episode,
        first_day=first,
        last_day=last,
        totals=totals,
        by_quartier=by_quartier,
        by_day=by_day,
        steps=steps,
        quartier_names=sorted((names.get(pk, "") for pk in quartier_ids), key=str.casefold),
    )


def figure_cell(value):
    """A figure for a table: « — » where there is nothing to measure (no delay without a contact)."""
    return "—" if value is None else value

"""The bilan's figures beyond the headline: requests in detail, partners, engagement domains and
recruitment calls. Like `selectors`, each is a fixed number of aggregate queries over a period and
reads statuses as they stood at the period's end (core.workflow.status_as_of).

Definitions are in DEFINITIONS, printed next to each table in the page, the PDF and the exports.
"""

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum

from villesolidaire.core.choices import ENGAGEMENT_DOMAINS
from villesolidaire.core.workflow import status_as_of
from villesolidaire.help_requests.enums import Channel, ClosureReason
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpRequest, HelpRequestTransition
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import Mission
from villesolidaire.needs.models import ShiftSignup
from villesolidaire.neighbours.enums import NetworkStatus
from villesolidaire.neighbours.models import Alert, Neighbour, Network, NetworkStatusChange
from villesolidaire.reporting.selectors import ActiveChange, Period, hours_value, partner_relays
from villesolidaire.trainings.enums import RegistrationStatus, SessionStatus
from villesolidaire.trainings.models import SessionRegistration, TrainingSession, VolunteerTraining
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer

DEFINITIONS = {
    "channels": "Demandes d'aide enregistrées pendant la période, selon la façon dont elles sont arrivées.",
    "outcomes": "Ce qu'étaient devenues les demandes de la période à la fin de celle-ci, d'après leur historique.",
    "first_contact": "Délai entre l'enregistrement d'une demande et son premier traitement (qualification ou "
    "clôture) noté dans l'historique, pour les demandes traitées avant la fin de la période. La médiane partage "
    "les demandes en deux moitiés ; 9 demandes sur 10 ont été traitées en moins que le 9e décile.",
    "partners": "Par organisation partenaire : participations (présences notées) aux créneaux de ses besoins, "
    "volontaires distinct·es venu·es, heures notées ; demandes orientées vers elle et soutiens qui lui ont été "
    "transmis pendant la période.",
    "domains": "Volontaires inscrit·es pendant la période selon les domaines d'engagement choisis (une personne "
    "compte dans chaque domaine choisi), actif·ves à la fin de la période, et volontaires mobilisé·es pendant la "
    "période quelle que soit leur date d'inscription.",
    "trainings": "Par module : sessions tenues pendant la période, présences notées à ces sessions, et "
    "volontaires distinct·es dont la formation a été enregistrée comme suivie pendant la période.",
    "neighbours": "Réseaux de voisinage actifs à la fin de la période, voisin·es dont l'accord était valable à "
    "cette date, alertes signalées pendant la période et, parmi elles, celles qui ont été traitées.",
    "calls": "Volontaires inscrit·es en réponse à chaque appel à volontaires pendant la période, actif·ves à la fin "
    "de la période, et mobilisé·es pendant la période.",
}

NO_CALL = "Sans appel (inscription spontanée)"
NO_DOMAIN = "Aucun domaine choisi"
NOT_HANDLED = "Pas encore traitée à la fin de la période"


@dataclass(frozen=True)
class LabelledCount:
    """A labelled count, for the small two-column tables."""

    label: str
    value: int


@dataclass
class RequestFigures:
    count: int = 0
    residents: int = 0
    by_channel: list[LabelledCount] = field(default_factory=list)
    by_outcome: list[LabelledCount] = field(default_factory=list)
    handled: int = 0
    first_contact_median_hours: float | None = None
    first_contact_p90_hours: float | None = None


@dataclass(frozen=True)
class PartnerRow:
    organisation: str
    participations: int = 0
    volunteers: int = 0
    hours: int | float = 0
    referred: int = 0
    handed_over: int = 0


@dataclass
class VolunteerGroupRow:
    """Volunteers of one engagement domain or one recruitment call."""

    label: str
    registered: int = 0
    active: int = 0
    mobilised: int = 0


def _round_hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def request_figures(period: Period, *, counted: tuple[int, int] | None = None) -> RequestFigures:
    """Requests of the period: count, residents, channels, outcomes at the period's end and time to
    first contact (three queries at most, whatever the number of requests: the database counts, and
    ranks the delays to first contact, of which the median's one or two and the 9th decile's are read).

    `counted`: the period's (requests, distinct residents) when the caller has them already (the
    bilan's dashboard counts the same requests: the same figures, one scan fewer)."""
    requests = HelpRequest.objects.filter(period.q("created_at", place="resident__quartier"))
    end = period.end_moment
    # Channels and outcomes in one GROUP BY: one read of the period's requests for both.
    rows = (
        requests.annotate(status_then=status_as_of(HelpRequestTransition, "help_request", end))
        .values_list("channel", "status_then", "closure_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    channel_counts: dict[str, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    for channel, status, reason, count in rows:
        channel_counts[channel] += count
        outcomes[_outcome_label(status, reason)] += count
    if counted is None:
        totals = requests.aggregate(count=Count("pk"), residents=Count("resident_id", distinct=True))
        counted = (totals["count"], totals["residents"])
    handled, ranked = _ranked_delays(period)
    # Nearest ranks in the sorted delays, as statistics.median and nearest_rank pick them.
    middle = [_hours(ranked[rank]) for rank in range((handled - 1) // 2, handled // 2 + 1)] if handled else []
    ninth_decile = _hours(ranked[max(math.ceil(0.9 * handled) - 1, 0)]) if handled else None
    return RequestFigures(
        count=counted[0],
        residents=counted[1],
        by_channel=[
            LabelledCount(label, channel_counts[code]) for code, label in Channel.choices if channel_counts.get(code)
        ],
        by_outcome=[LabelledCount(label, outcomes[label]) for label in _outcome_order() if outcomes.get(label)],
        handled=handled,
        first_contact_median_hours=_round_hours(statistics.median(middle) if middle else None),
        first_contact_p90_hours=_round_hours(ninth_decile),
    )


def _first_contact_delays(period: Period):
    """Each handled request's time from its creation to its first step out of « nouvelle » (before
    the period's end), read from those steps: the requests never handled are not read at all (a
    join from every request of the period, grouped, read them all to keep the handled ones)."""
    first_steps = HelpRequestTransition.objects.filter(
        period.q("help_request__created_at", place="help_request__resident__quartier"),
        from_status=RequestStatus.NEW,
    )
    if period.end_moment:
        first_steps = first_steps.filter(at__lt=period.end_moment)
    return (
        first_steps.values("help_request_id", "help_request__created_at")
        .annotate(first=Min("at"))
        .annotate(delay=ExpressionWrapper(F("first") - F("help_request__created_at"), output_field=DurationField()))
    )


def _ranked_delays(period: Period) -> tuple[int, dict[int, datetime.timedelta]]:
    """How many requests were handled, and the delays at the ranks the median and the 9th decile
    read (0-based, shortest first, ties by id), in one query: the database numbers the sorted
    delays and returns the few rows around those ranks, with the count beside each."""
    delays = _first_contact_delays(period).values_list("delay", "help_request_id").order_by()
    inner, params = delays.query.sql_with_params()
    # Window functions over the ORM's own query (numbering needs its rows, which Django would put
    # the window into the GROUP BY of). 1-based ranks: the median's one or two, and
    # ceil(0.9 × handled) give or take one (Python's float may round it differently).
    sql = f"""
        SELECT n, handled, delay FROM (
            SELECT delay, ROW_NUMBER() OVER (ORDER BY delay, help_request_id) AS n, COUNT(*) OVER () AS handled
            FROM ({inner}) AS delays
        ) AS ranked
        WHERE n IN ((handled - 1) / 2 + 1, handled / 2 + 1)
           OR n BETWEEN (handled * 9 + 9) / 10 - 1 AND (handled * 9 + 9) / 10 + 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return 0, {}
    return rows[0][1], {n - 1: _duration(delay) for n, _handled, delay in rows}


def _duration(value) -> datetime.timedelta:
    """PostgreSQL gives an interval; SQLite, as Django stores durations there, microseconds."""
    return value if isinstance(value, datetime.timedelta) else datetime.timedelta(microseconds=value)


def _hours(delay: datetime.timedelta) -> float:
    return delay.total_seconds() / 3600


def _outcome_label(status: str, closure_reason: str) -> str:
    if status == RequestStatus.NEW:
        return NOT_HANDLED
    if status == RequestStatus.CLOSED:
        return f"Clôturée : {ClosureReason(closure_reason).label.lower()}" if closure_reason else "Clôturée"
    return str(RequestStatus(status).label)


def _outcome_order() -> list[str]:
    return [
        NOT_HANDLED,
        *[str(RequestStatus(code).label) for code in (RequestStatus.QUALIFIED, RequestStatus.SEARCHING)],
        str(RequestStatus.SUPPORTED.label),
        *[f"Clôturée : {label.lower()}" for _code, label in ClosureReason.choices],
        "Clôturée",
    ]


def partner_activity(period: Period) -> list[PartnerRow]:
    """Per organisation: shift participations, distinct volunteers and hours on its needs, and the
    requests referred and supports handed over to it (three queries)."""
    rows = (
        ShiftSignup.objects.attended()
        .filter(period.q("shift__starts_at", place="shift__need__quartier"), shift__need__organisation__isnull=False)
        .values_list("shift__need__organisation__name")
        .annotate(n=Count("pk"), volunteers=Count("volunteer_id", distinct=True), hours=Sum("hours"))
        .order_by()
    )
    shifts = {name: (n, volunteers, hours) for name, n, volunteers, hours in rows}
    relays = {relay.organisation: relay for relay in partner_relays(period)}
    result = []
    for name in sorted(set(shifts) | set(relays), key=str.casefold):
        n, volunteers, hours = shifts.get(name, (0, 0, 0))
        relay = relays.get(name)
        result.append(
            PartnerRow(
                organisation=name,
                participations=n,
                volunteers=volunteers,
                hours=hours_value(hours),
                referred=relay.referred if relay else 0,
                handed_over=relay.handed_over if relay else 0,
            )
        )
    return result


def mobilised_volunteers(period: Period):
    """Volunteers who did a mission or attended a shift in the period (a queryset, for subqueries).

    One IN over the UNION of both: the database looks the few mobilised volunteers up by their id,
    where two INs joined by OR made it test every volunteer against both lists."""
    missions = Mission.objects.filter(
        period.q("scheduled_at", place="support__volunteer__quartier"), status=MissionStatus.DONE
    ).values("support__volunteer_id")
    shifts = ShiftSignup.objects.attended().filter(period.q("shift__starts_at", place="volunteer__quartier"))
    shifts = shifts.values("volunteer_id")
    return Volunteer.objects.filter(pk__in=missions.order_by().union(shifts.order_by()))


def volunteer_groups(
    period: Period, changes: list[ActiveChange]
) -> tuple[list[VolunteerGroupRow], list[VolunteerGroupRow]]:
    """Volunteers per engagement domain and per recruitment call (three queries); `changes` are the
    period's corrections to today's « actif·ve » (selectors.active_changes)."""
    signups = (
        Volunteer.objects.filter(period.q("created_at", place="quartier"))
        .values_list("domains", "recruitment_call_id")
        .annotate(registered=Count("pk"), active=Count("pk", filter=Q(status=VolunteerStatus.ACTIVE)))
        .order_by()
    )
    mobilised = (
        mobilised_volunteers(period).values_list("domains", "recruitment_call_id").annotate(n=Count("pk")).order_by()
    )
    domains = {flag.code: VolunteerGroupRow(flag.label) for flag in ENGAGEMENT_DOMAINS.flags}
    domains[None] = VolunteerGroupRow(NO_DOMAIN)
    calls: dict = defaultdict(lambda: VolunteerGroupRow(""))
    for mask, call, registered, active in signups:
        for row in _domain_rows(domains, mask):
            row.registered += registered
            row.active += active
        calls[call].registered += registered
        calls[call].active += active
    for change in changes:
        for row in _domain_rows(domains, change.domains):
            row.active += change.delta
        calls[change.call].active += change.delta
    for mask, call, count in mobilised:
        for row in _domain_rows(domains, mask):
            row.mobilised += count
        calls[call].mobilised += count
    titles = dict(RecruitmentCall.objects.order_by().values_list("pk", "title"))
    call_rows = []
    for pk in sorted(calls, key=lambda key: (key is None, titles.get(key, ""))):
        calls[pk].label = titles.get(pk, NO_CALL) if pk else NO_CALL
        call_rows.append(calls[pk])
    domain_rows = [row for key, row in domains.items() if key is not None or row.registered or row.mobilised]
    return domain_rows, call_rows


def _domain_rows(domains: dict, mask: int) -> list[VolunteerGroupRow]:
    return [domains[code] for code in ENGAGEMENT_DOMAINS.to_codes(mask or 0)] or [domains[None]]


@dataclass(frozen=True)
class TrainingRow:
    module: str
    sessions_held: int = 0
    attendances: int = 0
    volunteers_trained: int = 0


def training_activity(period: Period) -> list[TrainingRow]:
    """Per training module: sessions held, attendances recorded at them, and distinct volunteers whose
    training was recorded as completed in the period (three queries)."""
    # Sessions have no place: held for the whole service. Attendances and completions count the
    # volunteers of the period's quartiers when it has some.
    sessions = TrainingSession.objects.filter(period.q("starts_at", place=None), status=SessionStatus.HELD)
    held = dict(sessions.values_list("module__title").annotate(n=Count("pk")).order_by())
    attended = dict(
        SessionRegistration.objects.filter(
            period.placed("volunteer__quartier"), session__in=sessions, status=RegistrationStatus.ATTENDED
        )
        .values_list("session__module__title")
        .annotate(n=Count("pk"))
        .order_by()
    )
    completed = VolunteerTraining.objects.filter(period.placed("volunteer__quartier"))
    if period.start:
        completed = completed.filter(completed_on__gte=period.start)
    if period.end:
        completed = completed.filter(completed_on__lte=period.end)
    trained = dict(completed.values_list("module__title").annotate(n=Count("volunteer_id", distinct=True)).order_by())
    return [
        TrainingRow(name, held.get(name, 0), attended.get(name, 0), trained.get(name, 0))
        for name in sorted(set(held) | set(attended) | set(trained), key=str.casefold)
    ]


@dataclass(frozen=True)
class NeighbourFigures:
    networks_active: int = 0
    neighbours_consenting: int = 0
    alerts_raised: int = 0
    alerts_handled: int = 0


def neighbour_activity(period: Period) -> NeighbourFigures:
    """Neighbour networks active at the period's end, neighbours whose consent was current then, and
    alerts raised in the period (three queries). Only counts: no neighbour is ever named."""
    end = period.end_moment
    networks = Network.objects.filter(period.placed("quartier"))
    if end is not None:
        networks = networks.filter(created_at__lt=end)
    active = (
        networks.annotate(status_then=status_as_of(NetworkStatusChange, "network", end))
        .filter(status_then=NetworkStatus.ACTIVE)
        .count()
    )
    neighbours = Neighbour.objects.filter(period.placed("network__quartier"), consent_given_at__isnull=False)
    if end is not None:
        neighbours = neighbours.filter(consent_given_at__lt=end).filter(
            Q(consent_withdrawn_at__isnull=True) | Q(consent_withdrawn_at__gte=end)
        )
    else:
        neighbours = neighbours.filter(consent_withdrawn_at__isnull=True)
    alerts = Alert.objects.filter(period.q("raised_at", place="network__quartier")).aggregate(
        raised=Count("pk"), handled=Count("pk", filter=Q(handled_at__isnull=False))
    )
    return NeighbourFigures(active, neighbours.count(), alerts["raised"], alerts["handled"])

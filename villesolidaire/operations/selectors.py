"""What needs action now (« Veille du jour »): one count per kind of work, scoped to the role.

Each count is one SQL statement (some kinds add a few rows to show), so the page costs the same
number of queries with ten items or ten thousand. Nothing here is cached: a coordinator who just
validated a volunteer must see the count go down.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from villesolidaire.accounts.enums import Role
from villesolidaire.campaigns import selectors as campaign_selectors
from villesolidaire.help_requests.filters import URGENT_TODO
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.matching.models import Proposal, ProposalStatus
from villesolidaire.missions.enums import MissionStatus, RescheduleStatus
from villesolidaire.missions.models import Mission, RescheduleRequest
from villesolidaire.needs.models import NeedNotification, NeedStatus, Shift
from villesolidaire.neighbours.models import Alert
from villesolidaire.notifications.models import CallTask, CallTaskStatus, Message, MessageStatus
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer

# Shifts worth filling now: those starting within the week.
SHIFT_HORIZON = timedelta(days=7)
ROWS_SHOWN = 5

DESK_ROLES = (Role.OPERATOR, Role.COORDINATOR, Role.ADMIN)
COORDINATION_ROLES = (Role.COORDINATOR, Role.ADMIN)
# The desk and the register; not callers, partners or auditors alone (they have their own home pages).
WATCH_ROLES = (*DESK_ROLES, Role.REGISTER_OFFICER)


@dataclass(frozen=True)
class Row:
    """One thing to act on, shown under its count: a label and where to act."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class WatchItem:
    key: str
    label: str
    count: int
    url: str
    action: str
    rows: list[Row] = field(default_factory=list)
    # The rows are the whole list (one per campaign, say): no « Voir les N » link after them.
    rows_complete: bool = False

    @property
    def is_clear(self) -> bool:
        return self.count == 0


def may_watch(user) -> bool:
    return user.has_role(*WATCH_ROLES)


def watch_items(user, now: datetime, *, limit: int = ROWS_SHOWN) -> list[WatchItem]:
    """The kinds of work this user may see, most pressing first, each with up to `limit` rows
    (for the kinds that list them; 0: counts only)."""
    items: list[WatchItem] = []
    if user.has_role(*DESK_ROLES):
        items += [urgent_requests(), call_tasks()]
    if user.has_role(*COORDINATION_ROLES):
        items += [
            expired_proposals(now, limit=limit),
            reschedule_requests(limit=limit),
            volunteers_to_validate(),
            need_notifications_to_approve(),
            neighbour_alerts(),
            failed_messages(),
            shifts_not_full(now, limit=limit),
        ]
    if user.has_role(Role.REGISTER_OFFICER):
        items.append(calls_late_or_escalated(now, limit=limit))
    return items


# The navigation link each kind of work is counted beside (base.html: id="nav-count-<slot>").
NAV_SLOTS = {
    "urgent_requests": "requests",
    "call_tasks": "call_tasks",
    "reschedule_requests": "supports",
    "volunteers_to_validate": "volunteers",
    "need_notifications_to_approve": "needs",
    "neighbour_alerts": "neighbours",
    "failed_messages": "failures",
    "calls_late_or_escalated": "campaigns",
}


def nav_counts(user, now: datetime) -> tuple[int, dict[str, int]]:
    """The total the « Veille du jour » link shows (the same sum as the page) and the count beside
    each navigation link; the same items, without their rows."""
    items = watch_items(user, now, limit=0)
    slots: dict[str, int] = {}
    for item in items:
        if item.key in NAV_SLOTS:
            slots[NAV_SLOTS[item.key]] = slots.get(NAV_SLOTS[item.key], 0) + item.count
    return sum(item.count for item in items), slots


# Kinds of work whose rows the page lists in full (the count's link on the operations view).
LISTED_KINDS = ("expired_proposals", "reschedule_requests", "shifts_not_full")
ROWS_LISTED = 200


def listed_item(user, key: str, now: datetime) -> WatchItem | None:
    """One kind of work with up to ROWS_LISTED rows, or None when the user may not see it."""
    if key not in LISTED_KINDS:
        return None
    return next((item for item in watch_items(user, now, limit=ROWS_LISTED) if item.key == key), None)


def episodes_progress(user, now: datetime):
    """Ongoing episodes' progress (counts only) for every role that may open the view."""
    return campaign_selectors.ongoing_episodes_progress(now) if may_watch(user) else []


# One function per kind of work ---------------------------------------------------------------


def _first(values, limit: int) -> list[dict]:
    """The first `limit` rows of a values() queryset; no query at all when no row is wanted."""
    return list(values[:limit]) if limit else []


def _listed(key: str) -> str:
    return reverse("operations:listed", args=[key])


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _urgent_requests():
    return HelpRequest.objects.urgent_not_handled()


def urgent_requests() -> WatchItem:
    return WatchItem(
        key="urgent_requests",
        label="Demandes urgentes sans volontaire",
        count=_urgent_requests().count(),
        url=_url("help_requests:list", todo=URGENT_TODO),
        action="Trouver un·e volontaire ou orienter la demande",
    )


def _open_call_tasks():
    return CallTask.objects.filter(status=CallTaskStatus.OPEN)


def call_tasks() -> WatchItem:
    return WatchItem(
        key="call_tasks",
        label="Habitant·es à rappeler",
        count=_open_call_tasks().count(),
        url=_url("notifications:call_tasks"),
        action="Appeler les personnes sans mobile pour les informer",
    )


def expired_proposals(now: datetime, *, limit: int = ROWS_SHOWN) -> WatchItem:
    overdue = Proposal.objects.filter(status=ProposalStatus.OPEN, expires_at__lt=now)
    first = _first(
        overdue.order_by("expires_at", "pk").values("help_request_id", "help_request__category__name", "expires_at"),
        limit,
    )
    rows = [
        Row(
            label=f"Demande n° {p['help_request_id']} — {p['help_request__category__name']}",
            url=reverse("matching:request_matching", args=[p["help_request_id"]]),
            detail=f"réponse attendue avant le {timezone.localtime(p['expires_at']):%d/%m à %H:%M}",
        )
        for p in first
    ]
    count = overdue.count()
    return WatchItem(
        key="expired_proposals",
        label="Propositions sans réponse après le délai",
        count=count,
        url=_listed("expired_proposals"),
        action="Relancer ou proposer à d'autres volontaires",
        rows=rows,
    )


def reschedule_requests(*, limit: int = ROWS_SHOWN) -> WatchItem:
    pending = RescheduleRequest.objects.filter(status=RescheduleStatus.PENDING, mission__status=MissionStatus.PLANNED)
    first = _first(
        pending.order_by("requested_at", "pk").values(
            "mission__support_id", "mission__scheduled_at", "wished_at", "mission__support__help_request_id"
        ),
        limit,
    )
    rows = [
        Row(
            label=f"Demande n° {r['mission__support__help_request_id']}",
            url=reverse("missions:support_detail", args=[r["mission__support_id"]]),
            detail=f"du {timezone.localtime(r['mission__scheduled_at']):%d/%m à %H:%M} "
            f"au {timezone.localtime(r['wished_at']):%d/%m à %H:%M}",
        )
        for r in first
    ]
    return WatchItem(
        key="reschedule_requests",
        label="Missions à déplacer à la demande des volontaires",
        count=Mission.objects.reschedule_requested().count(),
        url=_listed("reschedule_requests"),
        action="Accepter la nouvelle date ou la refuser",
        rows=rows,
    )


def need_notifications_to_approve() -> WatchItem:
    return WatchItem(
        key="need_notifications_to_approve",
        label="Envois de partenaires à approuver",
        count=NeedNotification.objects.awaiting_approval().count(),
        url=_url("needs:notification_list"),
        action="Approuver ou refuser l'envoi aux volontaires",
    )


def _volunteers_to_validate():
    return Volunteer.objects.filter(status=VolunteerStatus.REGISTERED)


def volunteers_to_validate() -> WatchItem:
    return WatchItem(
        key="volunteers_to_validate",
        label="Volontaires à valider",
        count=_volunteers_to_validate().count(),
        url=_url("volunteers:list", status=VolunteerStatus.REGISTERED),
        action="Vérifier les inscriptions et les valider",
    )


def neighbour_alerts() -> WatchItem:
    return WatchItem(
        key="neighbour_alerts",
        label="Alertes des réseaux de voisinage",
        count=Alert.objects.to_handle().count(),
        url=_url("neighbours:alerts"),
        action="Traiter l'alerte ou en faire une demande d'aide",
    )


def _failed_messages():
    return Message.objects.filter(status__in=(MessageStatus.FAILED, MessageStatus.RETRYING))


def failed_messages() -> WatchItem:
    return WatchItem(
        key="failed_messages",
        label="Messages en échec",
        count=_failed_messages().count(),
        url=_url("notifications:failures"),
        action="Renvoyer ou prévenir la personne autrement",
    )


def shifts_not_full(now: datetime, *, limit: int = ROWS_SHOWN) -> WatchItem:
    shifts = (
        Shift.objects.upcoming(now)
        .filter(need__status=NeedStatus.PUBLISHED, starts_at__lte=now + SHIFT_HORIZON)
        .with_places_held()
        .filter(places_held__lt=F("places"))
    )
    first = _first(
        shifts.order_by("starts_at", "pk").values("need_id", "need__title", "starts_at", "places", "places_held"),
        limit,
    )
    rows = [
        Row(
            label=s["need__title"],
            url=reverse("needs:staff_detail", args=[s["need_id"]]),
            detail=f"{timezone.localtime(s['starts_at']):%d/%m à %H:%M} — {_filled(s['places_held'], s['places'])}",
        )
        for s in first
    ]
    count = shifts.count()
    return WatchItem(
        key="shifts_not_full",
        label="Créneaux incomplets dans les 7 jours",
        count=count,
        url=_listed("shifts_not_full"),
        action="Prévenir des volontaires disponibles",
        rows=rows,
    )


def calls_late_or_escalated(now: datetime, *, limit: int = ROWS_SHOWN) -> WatchItem:
    campaigns = campaign_selectors.campaigns_needing_callers(now)
    rows = [
        Row(
            label=campaign.title,
            url=reverse("campaigns:unreached", args=[campaign.pk]),
            detail=f"{campaign.overdue} en retard, {campaign.escalated} en escalade",
        )
        for campaign in campaigns[:limit]
    ]
    return WatchItem(
        key="calls_late_or_escalated",
        label="Appels de veille en retard ou en escalade",
        count=sum(c.overdue + c.escalated for c in campaigns),
        url=(
            reverse("campaigns:unreached", args=[campaigns[0].pk])
            if len(campaigns) == 1
            else _url("campaigns:episode_list")
        ),
        action="Mobiliser des appelant·es, suivre les escalades",
        rows=rows,
        rows_complete=len(rows) == len(campaigns),
    )


def _filled(held: int, places: int) -> str:
    return f"{held} inscrit·e{'s' if held > 1 else ''} sur {places} place{'s' if places > 1 else ''}"

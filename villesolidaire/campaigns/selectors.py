"""Reads for the campaign pages: counts, breakdowns, the unreached list and the daily report.

Aggregates are computed in SQL over CallTarget and CallAttempt, which hold no identity.
"""

import datetime
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Case, Count, Max, Prefetch, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from villesolidaire.campaigns.enums import REACHED_OUTCOMES, AttemptChannel, CampaignStatus, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, CallTargetTransition, Campaign, EscalationStep
from villesolidaire.crises.models import Episode, EpisodeStatus

OVERDUE_GRACE = timedelta(hours=1)

# What the call screen and the paper call sheets show of the register entry (written to the audit log on each opening).
CALL_SCREEN_FIELDS = [
    "first_names",
    "last_name",
    "birth_date",
    "address",
    "address_complement",
    "postcode",
    "city",
    "quartier",
    "phone",
    "emergency_contact_name",
    "emergency_contact_phone",
    "home_care_service",
]


def _count_filters(now):
    overdue_before = now - OVERDUE_GRACE
    return {
        "total": Q(),
        "reached": Q(status=TargetStatus.REACHED),
        "pending": Q(status=TargetStatus.PENDING, failed_attempts=0),
        "unreached": Q(status=TargetStatus.PENDING, failed_attempts__gt=0),
        "escalated": Q(status=TargetStatus.ESCALATED),
        "closed": Q(status=TargetStatus.CLOSED),
        "in_call": Q(locked_until__gte=now),
        "overdue": Q(status__in=(TargetStatus.PENDING, TargetStatus.REACHED), next_call_at__lt=overdue_before)
        & (Q(locked_until__isnull=True) | Q(locked_until__lt=now)),
    }


COUNT_LABELS = {
    "total": "Personnes",
    "reached": "Jointes",
    "pending": "À appeler",
    "unreached": "Non jointes (nouvel essai prévu)",
    "escalated": "En escalade",
    "closed": "Closes (hospitalisées, absentes, refus)",
    "in_call": "En cours d'appel",
    "overdue": "En retard",
}


def campaign_counts(campaign: Campaign, now: datetime.datetime) -> dict[str, int]:
    return campaign.targets.aggregate(**{name: Count("pk", filter=q) for name, q in _count_filters(now).items()})


def count_cards(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(code, label, counts.get(code, 0)) for code, label in COUNT_LABELS.items()]


def unreached_count(campaign: Campaign, now: datetime.datetime) -> int:
    return unreached_targets(campaign, now).count()


@dataclass
class Row:
    label: str
    values: dict = field(default_factory=dict)


def by_quartier(campaign: Campaign, now: datetime.datetime) -> list[Row]:
    filters = _count_filters(now)
    names = ("total", "reached", "pending", "unreached", "escalated", "closed")
    rows = (
        campaign.targets.values("quartier__name")
        .annotate(**{name: Count("pk", filter=filters[name]) for name in names})
        .order_by("quartier__name")
    )
    return [Row(r["quartier__name"] or "Sans quartier", {n: r[n] for n in names}) for r in rows]


def by_caller(campaign: Campaign) -> list[Row]:
    rows = (
        CallAttempt.objects.filter(target__campaign=campaign, channel=AttemptChannel.PHONE)
        .values("caller_id", "caller__first_name", "caller__last_name", "caller__email")
        .annotate(calls=Count("pk"), reached=Count("pk", filter=Q(outcome__in=REACHED_OUTCOMES)), last=Max("ended_at"))
        .order_by("-calls", "caller__last_name")
    )
    result = []
    for r in rows:
        name = f"{r['caller__first_name']} {r['caller__last_name']}".strip() or r["caller__email"] or "Compte supprimé"
        result.append(Row(name, {"calls": r["calls"], "reached": r["reached"], "last": r["last"]}))
    return result


def previous_campaign_attempts(entry, campaign: Campaign) -> dict | None:
    """The person's calls in the last other campaign that called them (what was said last time)."""
    earlier = (
        CallTarget.objects.filter(entry=entry)
        .exclude(campaign=campaign)
        .select_related("campaign")
        .order_by("-created_at", "-pk")
        .first()
    )
    if earlier is None:
        return None
    attempts = list(earlier.attempts.order_by("-ended_at", "-pk")[:10])
    return {"campaign": earlier.campaign, "attempts": attempts}


def unreached_targets(campaign: Campaign, now: datetime.datetime):
    """Escalated people, people not reached at their last attempt, and calls overdue."""
    overdue_before = now - OVERDUE_GRACE
    return (
        campaign.targets.filter(
            Q(status=TargetStatus.ESCALATED)
            | Q(status=TargetStatus.PENDING, failed_attempts__gt=0)
            | Q(status__in=(TargetStatus.PENDING, TargetStatus.REACHED), next_call_at__lt=overdue_before)
        )
        .select_related("entry", "quartier")
        .prefetch_related(
            Prefetch(
                "escalation_steps", queryset=EscalationStep.objects.filter(done_at__isnull=True), to_attr="open_steps"
            )
        )
        # Escalations first, then people not reached, then calls overdue (status codes do not sort so).
        .alias(
            urgency=Case(
                When(status=TargetStatus.ESCALATED, then=Value(0)),
                When(status=TargetStatus.PENDING, failed_attempts__gt=0, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("urgency", "priority", "next_call_at", "rank", "pk")
    )


# Daily report for the préfet and the ARS: aggregates only, no names.

REPORT_HEADERS = [
    "Jour",
    "Personnes à appeler",
    "Appels passés",
    "Réponses SMS",
    "Personnes jointes",
    "Personnes non jointes",
    "Escalades",
    "Demandes d'aide créées",
]


def daily_report(campaign: Campaign, today: datetime.date | None = None) -> list[list]:
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    attempts = CallAttempt.objects.filter(target__campaign=campaign).annotate(day=TruncDate("ended_at", tzinfo=tz))
    per_day = {
        r["day"]: r
        for r in attempts.values("day").annotate(
            calls=Count("pk", filter=Q(channel=AttemptChannel.PHONE)),
            sms=Count("pk", filter=Q(channel=AttemptChannel.SMS)),
            reached=Count("target", filter=Q(outcome__in=REACHED_OUTCOMES), distinct=True),
            # The flag, not the link: a removal cuts the link to the help request (services.erasure).
            help_requests=Count("pk", filter=Q(help_request_agreed=True)),
        )
    }
    # Not reached that day: attempted, and no attempt reached them that same day.
    unreached: dict = {}
    pairs = (
        attempts.values("day", "target")
        .annotate(ok=Count("pk", filter=Q(outcome__in=REACHED_OUTCOMES)))
        .filter(ok=0)
        .order_by()
        .values_list("day", flat=True)
    )
    for day in pairs.iterator(chunk_size=5000):
        unreached[day] = unreached.get(day, 0) + 1
    escalations = {
        r["day"]: r["n"]
        for r in CallTargetTransition.objects.filter(target__campaign=campaign, to_status=TargetStatus.ESCALATED)
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    }
    created = {
        r["day"]: r["n"]
        for r in campaign.targets.annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    }
    first = timezone.localtime(campaign.created_at).date()
    last = max([today, *per_day.keys(), *escalations.keys()]) if per_day or escalations else today
    rows, running = [], 0
    day = first
    while day <= last and len(rows) < 400:
        running += created.get(day, 0)
        stats = per_day.get(day, {})
        rows.append(
            [
                day,  # a date: typed in XLSX (sortable), dd/mm/yyyy in CSV (core.exports)
                running,
                stats.get("calls", 0),
                stats.get("sms", 0),
                stats.get("reached", 0),
                unreached.get(day, 0),
                escalations.get(day, 0),
                stats.get("help_requests", 0),
            ]
        )
        day += timedelta(days=1)
    return rows


# The operations view (« Veille du jour »): anonymous progress of the episodes under way.


@dataclass
class EpisodeProgress:
    episode: Episode
    counts: dict[str, int]

    @property
    def reached_label(self) -> str:
        """« 0 % » only when nobody was reached: 2 people of 292 is « moins de 1 % »."""
        share = self.reached_share
        return "moins de 1 %" if share == 0 and self.counts.get("reached") else f"{share} %"

    @property
    def reached_share(self) -> int:
        """Per cent of the people targeted who were reached (rounded down, 0 when nobody is targeted)."""
        total = self.counts.get("total", 0)
        return self.counts.get("reached", 0) * 100 // total if total else 0


PROGRESS_COUNTS = ("total", "reached", "pending", "unreached", "escalated", "overdue")


def ongoing_episodes_progress(now: datetime.datetime) -> list[EpisodeProgress]:
    """Each ongoing episode with its campaigns' counts added up: two queries, whatever the number of
    campaigns. Counts only, no identity: shown to every desk role that runs the crisis day."""
    episodes = list(Episode.objects.filter(status=EpisodeStatus.ONGOING).order_by("-starts_on", "-pk"))
    if not episodes:
        return []
    filters = _count_filters(now)
    rows = (
        CallTarget.objects.filter(campaign__episode__in=episodes)
        .exclude(campaign__status=CampaignStatus.CLOSED)
        .values("campaign__episode")
        .annotate(**{name: Count("pk", filter=filters[name]) for name in PROGRESS_COUNTS})
        .order_by()
    )
    per_episode = {row["campaign__episode"]: {n: row[n] for n in PROGRESS_COUNTS} for row in rows}
    empty = dict.fromkeys(PROGRESS_COUNTS, 0)
    return [EpisodeProgress(episode, per_episode.get(episode.pk, empty)) for episode in episodes]


def campaigns_progress(campaign_ids: list[int], now: datetime.datetime) -> dict[int, dict[str, int]]:
    """Each campaign's progress counts (PROGRESS_COUNTS), in one grouped query: counts only, no
    identity (the API's campaign figures)."""
    filters = _count_filters(now)
    rows = (
        CallTarget.objects.filter(campaign__in=campaign_ids)
        .values("campaign")
        .annotate(**{name: Count("pk", filter=filters[name]) for name in PROGRESS_COUNTS})
        .order_by()
    )
    found = {row["campaign"]: {name: row[name] for name in PROGRESS_COUNTS} for row in rows}
    return {pk: found.get(pk, dict.fromkeys(PROGRESS_COUNTS, 0)) for pk in campaign_ids}


def campaigns_needing_callers(now: datetime.datetime) -> list[Campaign]:
    """Active campaigns with people overdue or escalated (register officers' part of the operations view)."""
    filters = _count_filters(now)
    return list(
        Campaign.objects.filter(status=CampaignStatus.ACTIVE)
        .annotate(overdue=Count("targets", filter=_prefixed(filters["overdue"])))
        .annotate(escalated=Count("targets", filter=Q(targets__status=TargetStatus.ESCALATED)))
        .filter(Q(overdue__gt=0) | Q(escalated__gt=0))
        .order_by("-created_at", "-pk")
    )


def _prefixed(q: Q) -> Q:
    """The same condition read from Campaign through its `targets`."""
    children = [
        _prefixed(child) if isinstance(child, Q) else (f"targets__{child[0]}", child[1]) for child in q.children
    ]
    prefixed = Q(*children, _connector=q.connector, _negated=q.negated)
    return prefixed

"""Reads for matching: the ranked volunteers of a request, and requests still waiting for one.

Ranking is exact and fast: one SQL query over the narrow VolunteerMatchProfile table applies
the hard filters and orders by the base score (scoring.score_expression), LIMIT n. The load
penalty (≤ MAX_LOAD_PENALTY) and the continuity bonus are then applied in Python to those n
rows plus this resident's former volunteers (always fetched). Unseen rows can score at most
the n-th row's base score, so once the limit-th final score beats that bound the answer is
exact; otherwise n doubles.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.matching import scoring
from villesolidaire.matching.models import OfferStatus, ProposalOffer, ProposalStatus, VolunteerMatchProfile
from villesolidaire.missions.models import Mission, Support

PROFILE_FIELDS = (
    "volunteer_id", "is_eligible", "latitude", "longitude", "max_distance_km",
    "categories_mask", "skills_mask", "languages_mask", "availability_mask",
)
OVERFETCH = 5


@dataclass
class Candidate:
    volunteer_id: int
    score: float
    distance_km: float | None
    explanation: list[tuple[str, float]] = field(default_factory=list)
    base_score: float = 0.0
    recent_missions: int = 0
    continuity: bool = False


class _Row:
    """A VolunteerMatchProfile-like view of a `.values()` row, for scoring.score_profile."""

    __slots__ = PROFILE_FIELDS

    def __init__(self, values: dict):
        for name in PROFILE_FIELDS:
            setattr(self, name, values[name])


def resident_volunteer_ids(resident_id: int) -> frozenset[int]:
    return frozenset(Support.objects.filter(resident_id=resident_id).values_list("volunteer_id", flat=True).distinct())


def recent_loads(volunteer_ids, now=None) -> dict[int, int]:
    """Missions done or planned in the last 7 days, per volunteer (one aggregate query)."""
    if not volunteer_ids:
        return {}
    since = (now or timezone.now()) - scoring.LOAD_WINDOW
    rows = (
        Mission.objects.recent_load(since).filter(support__volunteer_id__in=list(volunteer_ids))
        .values("support__volunteer_id").annotate(n=Count("id")).order_by()
    )
    return {row["support__volunteer_id"]: row["n"] for row in rows}


def candidates_queryset(context: scoring.MatchContext):
    return (
        VolunteerMatchProfile.objects.alias(**scoring.sql_aliases(context))
        .filter(scoring.hard_filter_q(context))
        .annotate(base_score=scoring.score_expression(context))
        .values(*PROFILE_FIELDS, "base_score")
    )


def rank_volunteers(help_request, *, limit: int = 20, widen: bool = False, now=None) -> list[Candidate]:
    """The `limit` best volunteers for a help request, best first, each with its explanation."""
    context = scoring.context_for(
        help_request, widen=widen, resident_volunteer_ids=resident_volunteer_ids(help_request.resident_id)
    )
    return rank_for_context(context, limit=limit, now=now)


def rank_for_context(context: scoring.MatchContext, *, limit: int = 20, now=None) -> list[Candidate]:
    if limit <= 0:
        return []
    queryset = candidates_queryset(context)
    seen: dict[int, dict] = {}
    if context.resident_volunteer_ids:
        # Continuity can lift a volunteer above the SQL top n: fetch them whatever their base score.
        for row in queryset.filter(volunteer_id__in=list(context.resident_volunteer_ids)):
            seen[row["volunteer_id"]] = row
    loads: dict[int, int] = {}
    fetch = limit * OVERFETCH
    while True:
        rows = list(queryset.order_by("-base_score", "volunteer_id")[:fetch])
        for row in rows:
            seen[row["volunteer_id"]] = row
        missing = [volunteer_id for volunteer_id in seen if volunteer_id not in loads]
        loads.update(dict.fromkeys(missing, 0) | recent_loads(missing, now))
        ranked = sorted(
            (_final(row, loads[volunteer_id], context) for volunteer_id, row in seen.items()),
            key=lambda candidate: (-candidate.score, candidate.volunteer_id),
        )
        if len(rows) < fetch or not rows:
            break
        last = rows[-1]
        if len(ranked) >= limit:
            cutoff = ranked[limit - 1]
            # Unseen rows rank after (-last base score, last id); the limit-th must rank before.
            if (-cutoff.score, cutoff.volunteer_id) <= (-last["base_score"], last["volunteer_id"]):
                break
        fetch *= 2
    top = ranked[:limit]
    for candidate in top:
        _explain(candidate, seen[candidate.volunteer_id], context)
    return top


def _final(row: dict, recent_missions: int, context: scoring.MatchContext) -> Candidate:
    continuity = row["volunteer_id"] in context.resident_volunteer_ids
    score = row["base_score"] - scoring.load_penalty(recent_missions) + (scoring.W_CONTINUITY if continuity else 0.0)
    return Candidate(
        volunteer_id=row["volunteer_id"], score=score, distance_km=None, base_score=row["base_score"],
        recent_missions=recent_missions, continuity=continuity,
    )


def _explain(candidate: Candidate, row: dict, context: scoring.MatchContext) -> None:
    """Explanation and distance from the Python formula (the same as the SQL one)."""
    base, distance, explanation = scoring.score_profile(_Row(row), context)
    _score, candidate.explanation = scoring.final_score(
        base, explanation, recent_missions=candidate.recent_missions, continuity=candidate.continuity
    )
    candidate.distance_km = distance


def requests_awaiting_volunteer():
    """Requests searching a volunteer with nobody left to answer: the proposal expired, every
    volunteer asked declined, or the request went back to searching. Oldest first."""
    open_offer = ProposalOffer.objects.filter(
        proposal__help_request=OuterRef("pk"), proposal__status=ProposalStatus.OPEN, status=OfferStatus.PENDING
    )
    open_proposal = ProposalOffer.objects.filter(
        proposal__help_request=OuterRef("pk"), proposal__status=ProposalStatus.OPEN
    )
    return (
        HelpRequest.objects.filter(status=RequestStatus.SEARCHING)
        .filter(~Exists(open_offer))
        .annotate(
            has_open_proposal=Exists(open_proposal),
            last_proposal_at=Max("proposals__created_at"),
            last_expired_at=Max("proposals__expires_at", filter=Q(proposals__status=ProposalStatus.EXPIRED)),
        )
        .select_related("resident", "resident__quartier", "category")
        .order_by("last_proposal_at", "pk")
    )

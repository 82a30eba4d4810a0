"""Reads for matching: the ranked volunteers of a request, and requests still waiting for one.

Ranking is exact and fast: one SQL statement over the narrow VolunteerMatchProfile table
applies the hard filters and orders by the base score (scoring.ranking_sql, cached SQL text
run through a plain cursor), LIMIT n; the same statement also returns this resident's former
volunteers whatever their score. The load penalty (≤ MAX_LOAD_PENALTY) and the continuity
bonus are then applied in Python to those rows. Unseen rows can score at most the n-th row's
base score, so once the limit-th final score beats that bound the answer is exact; otherwise
n doubles.

Required trainings: the SQL keeps volunteers whose index row holds every required module (a
bit mask, written when a training is recorded). A training may have expired since the row
was written (the daily `refresh_training_index` clears those bits): for a category with
requirements, the returned rows are checked against today's valid trainings (one query on
those few ids) and any stale one is dropped, which keeps the exactness argument intact.
Categories without requirements run exactly the former statement and queries.
"""

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.matching import nearby, scoring
from villesolidaire.matching.models import OfferStatus, ProposalOffer, ProposalStatus, VolunteerMatchProfile
from villesolidaire.missions.models import Mission, Support
from villesolidaire.trainings.models import TrainingModule, VolunteerTraining

PROFILE_FIELDS = scoring.PROFILE_COLUMNS
OVERFETCH = 5


@dataclass
class Candidate:
    volunteer_id: int
    score: float
    distance_km: float | None
    explanation: list[tuple[str, float | None]] = field(default_factory=list)
    base_score: float = 0.0
    recent_missions: int = 0
    continuity: bool = False


class _Row:
    """A VolunteerMatchProfile-like view of a `candidate_rows` row, for scoring.score_profile."""

    __slots__ = PROFILE_FIELDS

    def __init__(self, values: dict):
        for name in PROFILE_FIELDS:
            # trainings_mask is only selected when the category requires trainings.
            setattr(self, name, values.get(name, 0))


def resident_volunteer_ids(resident_id: int) -> frozenset[int]:
    return frozenset(Support.objects.filter(resident_id=resident_id).values_list("volunteer_id", flat=True).distinct())


def recent_loads(volunteer_ids, now=None) -> dict[int, int]:
    """Missions done or planned in the last 7 days, per volunteer (one aggregate query)."""
    if not volunteer_ids:
        return {}
    since = (now or timezone.now()) - scoring.LOAD_WINDOW
    # Selecting the supports in a subquery (rather than filtering on support__volunteer_id)
    # lets PostgreSQL reach these volunteers' missions through the support index instead of
    # hashing every recent mission of the town: 5 ms → 2 ms with 28,000 recent missions.
    supports = Support.objects.filter(volunteer_id__in=list(volunteer_ids)).values("pk")
    rows = (
        Mission.objects.recent_load(since)
        .filter(support__in=supports)
        .values("support__volunteer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["support__volunteer_id"]: row["n"] for row in rows}


def _table() -> str:
    return connection.ops.quote_name(VolunteerMatchProfile._meta.db_table)


def candidate_sql(
    context: scoring.MatchContext,
    *,
    limit: int | None = None,
    pinned=(),
    trainings: str = scoring.TRAININGS_HELD,
    missing_bit: int | None = None,
) -> tuple[str, dict]:
    """SQL text (cached per query shape) and named parameters of `candidate_rows`."""
    pinned = sorted(pinned)
    sql = scoring.ranking_sql(
        scoring.sql_shape(context), _table(), ordered=limit is not None, pinned=len(pinned), trainings=trainings
    )
    params = scoring.sql_params(context)
    if missing_bit is not None:
        params["missing_bit"] = 1 << missing_bit
    if limit is not None:
        params["limit"] = limit
    params |= {f"pinned_{index}": volunteer_id for index, volunteer_id in enumerate(pinned)}
    return sql, params


def candidate_rows(context: scoring.MatchContext, *, limit: int | None = None, pinned=(), **trainings) -> list[dict]:
    """Rows (profile columns, base_score, pinned) of the volunteers passing the hard filters:
    the best `limit` by base score (every one when limit is None), plus the `pinned`
    volunteer ids that pass the filters, flagged pinned = True. `trainings`: see candidate_sql."""
    sql, params = candidate_sql(context, limit=limit, pinned=pinned, **trainings)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        # PostgreSQL sums the bonus constants as numeric when no distance term comes first.
        row["base_score"] = float(row["base_score"])
        row["pinned"] = bool(row["pinned"])
    return rows


@lru_cache(maxsize=1)
def _required_trainings_sql() -> str:
    through = TrainingModule.required_for_categories.through._meta
    quote = connection.ops.quote_name
    module, link = quote(TrainingModule._meta.db_table), quote(through.db_table)
    module_id, category_id = (quote(through.get_field(name).column) for name in ("trainingmodule", "helpcategory"))
    return (
        f"SELECT m.bit, m.title FROM {module} m INNER JOIN {link} r ON r.{module_id} = m.id "
        f"WHERE r.{category_id} = %s AND m.is_active ORDER BY m.bit"
    )


def required_trainings(category_id: int) -> tuple[tuple[int, str], ...]:
    """(bit, title) of the active modules a help category requires. Plain SQL on a cached
    text: through the ORM this lookup cost ~1 ms of a ranking that targets 20 ms."""
    with connection.cursor() as cursor:
        cursor.execute(_required_trainings_sql(), [category_id])
        return tuple(cursor.fetchall())


def match_context(help_request, *, widen: bool = False) -> scoring.MatchContext:
    """The request's context; the resident's former volunteers are read by the ranking itself
    (in its own statement on PostgreSQL, `with_former_volunteers` otherwise)."""
    return scoring.context_for(
        help_request, widen=widen, required_trainings=required_trainings(help_request.category_id)
    )


def with_former_volunteers(context: scoring.MatchContext) -> scoring.MatchContext:
    """The context with the ids of the volunteers who help or helped its resident."""
    if context.resident_volunteer_ids or context.resident_id is None:
        return context
    return dataclasses.replace(context, resident_volunteer_ids=resident_volunteer_ids(context.resident_id))


def rank_volunteers(help_request, *, limit: int = 20, widen: bool = False, now=None) -> list[Candidate]:
    """The `limit` best volunteers for a help request, best first, each with its explanation."""
    return rank_for_context(match_context(help_request, widen=widen), limit=limit, now=now)


def lacking_valid_trainings(volunteer_ids, context: scoring.MatchContext, day) -> set[int]:
    """Those of `volunteer_ids` without a training valid on `day` for every required module."""
    if not volunteer_ids or not context.required_trainings:
        return set()
    bits = [bit for bit, _title in context.required_trainings]
    held: dict[int, set[int]] = {}
    rows = (
        VolunteerTraining.objects.valid_on(day)
        .filter(volunteer_id__in=list(volunteer_ids), module__bit__in=bits)
        .values_list("volunteer_id", "module__bit")
    )
    for volunteer_id, bit in rows:
        held.setdefault(volunteer_id, set()).add(bit)
    return {volunteer_id for volunteer_id in volunteer_ids if held.get(volunteer_id, set()) != set(bits)}


def rank_for_context(context: scoring.MatchContext, *, limit: int = 20, now=None) -> list[Candidate]:
    """The best `limit` candidates: on PostgreSQL, for a located request in a town of many
    volunteers, through the ranking that stops early (nearby.py); otherwise by the full ranking
    (`rank_by_scan`)."""
    if limit <= 0:
        return []
    if connection.vendor != "postgresql" or not context.has_position or not nearby.worth_stopping_early():
        return rank_by_scan(context, limit=limit, now=now)
    now = now or timezone.now()
    rows = nearby.rank_rows(context, limit=limit, since=now - scoring.LOAD_WINDOW, day=timezone.localdate(now))
    top = [
        Candidate(
            volunteer_id=row["volunteer_id"],
            score=row["final_score"],
            distance_km=None,
            base_score=row["base_score"],
            recent_missions=row["recent_missions"],
            continuity=row["pinned"],
        )
        for row in rows
    ]
    for candidate, row in zip(top, rows, strict=True):
        _explain(candidate, row, context)
    return top


def rank_by_scan(context: scoring.MatchContext, *, limit: int = 20, now=None) -> list[Candidate]:
    """The full ranking: every candidate's base score in one statement, the best 5 × `limit`
    re-scored in Python (load, continuity), more fetched until the answer is proven exact.
    SQLite and unlocated requests use it; on PostgreSQL it is the reference nearby.py is
    tested against."""
    if limit <= 0:
        return []
    context = with_former_volunteers(context)
    seen: dict[int, dict] = {}
    dropped: set[int] = set()  # rows whose required training expired since they were indexed
    loads: dict[int, int] = {}
    fetch = limit * OVERFETCH
    # Continuity can lift a volunteer above the SQL top n: the first statement also fetches
    # the resident's volunteers whatever their base score.
    pinned = context.resident_volunteer_ids
    day = timezone.localdate(now) if now else timezone.localdate()
    while True:
        rows, fetched = [], {}
        for row in candidate_rows(context, limit=fetch, pinned=pinned):
            if row["volunteer_id"] not in seen and row["volunteer_id"] not in dropped:
                fetched[row["volunteer_id"]] = row
            if not row["pinned"]:
                rows.append(row)
        # Rows whose trainings expired since they were indexed leave now (never counted as seen).
        for volunteer_id in lacking_valid_trainings(fetched, context, day):
            del fetched[volunteer_id]
            dropped.add(volunteer_id)
        seen.update(fetched)
        pinned = ()
        # UNION ALL promises no order: put the ranked branch back in ORDER BY order.
        rows.sort(key=lambda row: (-row["base_score"], row["volunteer_id"]))
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
        volunteer_id=row["volunteer_id"],
        score=score,
        distance_km=None,
        base_score=row["base_score"],
        recent_missions=recent_missions,
        continuity=continuity,
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


@dataclass
class TrainingExclusion:
    """Volunteers passing every other filter of a request but lacking a required module."""

    bit: int
    title: str
    count: int


@dataclass
class TrainingExclusions:
    total: int = 0  # volunteers lacking at least one required module
    modules: list[TrainingExclusion] = field(default_factory=list)


def training_exclusions(context: scoring.MatchContext) -> TrainingExclusions:
    """How many volunteers the trainings filter leaves out, in all and per missing module
    (one counting statement over the index; none when the category requires nothing)."""
    if not context.required_trainings:
        return TrainingExclusions()
    sql = scoring.exclusion_count_sql(scoring.sql_shape(context), _table())
    with connection.cursor() as cursor:
        cursor.execute(sql, scoring.sql_params(context))
        total, *counts = cursor.fetchone()
    return TrainingExclusions(
        total=int(total),
        modules=[
            TrainingExclusion(bit=bit, title=title, count=int(count))
            for (bit, title), count in zip(context.required_trainings, counts, strict=True)
        ],
    )


def volunteers_lacking_training(context: scoring.MatchContext, bit: int, *, limit: int = 50) -> list[int]:
    """Ids of the best `limit` volunteers (by base score) who pass every other filter of the
    request but lack the module of this bit: the ones worth inviting to its next session."""
    rows = candidate_rows(context, limit=limit, trainings=scoring.TRAINING_MISSING, missing_bit=bit)
    return [row["volunteer_id"] for row in rows]


def volunteer_activity(*, since, sources: list) -> None:
    """Volunteers who answered an offer at or after `since` (volunteers.services.volunteer_activity)."""
    sources.append(ProposalOffer.objects.filter(responded_at__gte=since).values("volunteer_id"))

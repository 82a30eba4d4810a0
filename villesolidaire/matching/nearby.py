"""Ranking that stops early (PostgreSQL): the top n volunteers of a located request without
reading every volunteer of the town.

A volunteer's base score is 40·(1 − d/r) + B, r being their own distance and B the sum of the
request's bonuses they hold (skills, wished time, language: scoring.py). So a volunteer holding
bonuses worth B cannot reach a score L unless d ≤ r·(1 − (L − B)/40) ≤ r_max·(1 − (L − B)/40).
Two statements:

0. A town of fewer than SCAN_BELOW volunteers is ranked by reading them all (selectors).
1. The probe reads the M nearest eligible volunteers through the GiST index on their
   positions (`point(longitude, latitude)`, table clustered on it) and scores those passing
   the filters, with their final scores (load of the last 7 days, continuity). The n-th best
   of them is a score L that n real candidates reach. The resident's former volunteers come
   in the same statement whatever their distance.
2. The ranking reads every volunteer able to reach L. It is a union of branches, one per
   "tier" of the request's bonuses (the bonuses held, exactly): a tier worth B is searched
   within r_max·(1 − (L − B)/40) only, and tiers that cannot reach L are left out. Each branch
   goes through the index that reads fewer rows by our own estimate: the position box (GiST),
   or the GIN index of the volunteers' features (categories, skills, languages, weekly slots,
   trainings: `vs_match_features`), whose element frequencies PostgreSQL's statistics give.
   A rare tier (three bonuses together, a rare language, a required training) is thus read
   through its features wherever its members are, and the common tiers within a short
   radius. Volunteers without a position (no distance points) are a branch of their own.
   The same statement counts each row's recent missions, checks required trainings still
   valid today and orders by the final score: no re-scoring in Python, no overfetch.

Exact by construction: every volunteer able to reach L is in a branch, and n of them reach it.
tests/matching/test_nearby.py compares the result with the full ranking
(selectors.rank_by_scan) on generated towns. Unlocated requests and SQLite use the full ranking.
"""

import dataclasses
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from django.db import connection

from villesolidaire.core.tenancy import current_schema
from villesolidaire.matching import scoring
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import Mission, Support
from villesolidaire.trainings.models import TrainingModule, VolunteerTraining

# Volunteers the probe reads around the request: a share of the town's, within bounds (measured
# on the bench's towns: about 300 did best at 100,000 volunteers, 1,500 at a million); the
# position box of the second statement reads about BOX_FACTOR times as many.
PROBE_SHARE = 1 / 300
PROBE_MIN, PROBE_MAX = 300, 1500
BOX_FACTOR = 10
# Below this many volunteers, reading them all (selectors.rank_by_scan) is faster than three
# statements (measured: 3.6 ms against 11 ms at 20,000).
SCAN_BELOW = 30_000
POSITION = "point(longitude, latitude)"
# The GIN index's expression (migration 0007): categories are features 0–62, skills 100+,
# languages 200+, weekly slots 300+, trainings 400+.
FEATURES = "vs_match_features(categories_mask, skills_mask, languages_mask, availability_mask, trainings_mask)"
SKILL_FEATURE, LANGUAGE_FEATURE, SLOT_FEATURE, TRAINING_FEATURE = 100, 200, 300, 400
# The index match_reach: each volunteer's position shifted 1000° east per class of their own
# distance (upper limits in km below; the last class has no limit).
REACH_POINT = "vs_match_reach_point(longitude, latitude, max_distance_km)"
RADIUS_CLASSES = (1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, math.inf)
CLASS_SHIFT = 1000.0
# Condition of the partial position index of the volunteers holding a training (the probe of a
# category that requires one reads only those).
TRAINED = "trainings_mask <> 0"
# Floating-point slack: radii a hair wider and the score bound a hair lower than exact, so a
# volunteer exactly on a boundary is never left out (more rows read, never fewer).
RADIUS_SLACK_KM = 1e-6
SCORE_SLACK = 1e-6
STATISTICS_TTL = 600.0  # seconds a process keeps a town's feature frequencies


@dataclass(frozen=True)
class Plan:
    """How the ranking reads the volunteers able to reach the bound: through the position box
    (`box`), and through the GIN index for each feature set (its length in `feature_sets`)."""

    box: bool
    feature_sets: tuple[int, ...]


def bonus_conditions(shape: scoring.SqlShape) -> list[str]:
    """SQL conditions of the request's bonuses (language, skills, wished time)."""
    found = ["(languages_mask & %(language_bit)s) > 0"] if shape.has_language else []
    found += [f"(skills_mask & %(skill_{index})s) > 0" for index in range(shape.skill_count)]
    if shape.has_wished_time:
        found.append("(availability_mask & %(wished_mask)s) > 0")
    return found


def bonus_points(context: scoring.MatchContext) -> list[float]:
    """Points of the bonuses of `bonus_conditions`, in the same order."""
    points = [scoring.W_LANGUAGE] if context.language_bit is not None else []
    if context.skills:
        points += [scoring.W_SKILLS / len(context.skills)] * len(context.skills)
    if context.wished_mask is not None:
        points.append(scoring.W_AVAILABILITY)
    return points


def _bits(mask: int) -> list[int]:
    return [bit for bit in range(mask.bit_length()) if mask >> bit & 1]


def bonus_features(context: scoring.MatchContext) -> list[list[int]]:
    """For each bonus of `bonus_conditions`, the features of which a volunteer holds at least one."""
    found = []
    if context.language_bit is not None:
        found.append([LANGUAGE_FEATURE + bit for bit in _bits(context.language_bit)])
    found += [[SKILL_FEATURE + bit] for bit, _name in context.skills]
    if context.wished_mask is not None:
        found.append([SLOT_FEATURE + bit for bit in _bits(context.wished_mask)])
    return found


def required_features(context: scoring.MatchContext) -> list[int]:
    """Features every candidate holds: the category and the required trainings."""
    return [bit for bit in _bits(context.category_bit)] + [
        TRAINING_FEATURE + bit for bit, _title in context.required_trainings
    ]


def _table() -> str:
    return connection.ops.quote_name(VolunteerMatchProfile._meta.db_table)


def _box(name: str) -> str:
    """`point(longitude, latitude)` inside the box of parameters %(<name>_…)s (GiST)."""
    return (
        f"{POSITION} <@ box(point(%({name}_lon_min)s, %({name}_lat_min)s), "
        f"point(%({name}_lon_max)s, %({name}_lat_max)s))"
    )


def _reach_boxes(name: str) -> str:
    """Volunteers of each distance class c within the box %(<name>_<c>_…)s (GiST match_reach)."""
    boxes = " OR ".join(
        f"{REACH_POINT} <@ box(point(%({name}_{c}_lon_min)s, %({name}_{c}_lat_min)s), "
        f"point(%({name}_{c}_lon_max)s, %({name}_{c}_lat_max)s))"
        for c in range(len(RADIUS_CLASSES))
    )
    return f"({boxes})"


def _reach_box_params(
    name: str, context: scoring.MatchContext, reach: float, cap: float, bound: float, points: float
) -> dict:
    """Per distance class, the box of the volunteers of that class who may reach `bound` with
    bonuses worth `points` (at most `cap` km away; an empty box for a class that cannot), and
    the box of them all (%(<name>_…)s)."""
    params = _box_params(name, context, max(0.0, min(cap, _radius(bound, points, reach))))
    for c, limit in enumerate(RADIUS_CLASSES):
        radius = min(cap, _radius(bound, points, min(limit * context.distance_factor, reach)))
        shifted = dataclasses.replace(context, longitude=context.longitude + c * CLASS_SHIFT)
        box = _box_params(f"{name}_{c}", shifted, max(radius, 0.0))
        if radius < 0.0:  # nobody of this class: a box where no point can be
            box |= {f"{name}_{c}_lon_min": -1e9, f"{name}_{c}_lon_max": -1e9}
        params |= box
    return params


def _plain_box(name: str) -> str:
    """The same box on the columns: a filter the position index does not serve."""
    return (
        f"latitude BETWEEN %({name}_lat_min)s AND %({name}_lat_max)s "
        f"AND longitude BETWEEN %({name}_lon_min)s AND %({name}_lon_max)s"
    )


def _box_params(name: str, context: scoring.MatchContext, radius_km: float) -> dict:
    """The box holding every point within radius_km of the request, in the score's metric
    (equirectangular at the request's latitude: scoring._DX, _DY)."""
    radius_km += RADIUS_SLACK_KM
    dlat = radius_km / scoring.KM_PER_DEGREE_LAT
    dlon = radius_km / max(scoring.km_per_degree_lon(context.latitude), 1e-9)
    return {
        f"{name}_lat_min": context.latitude - dlat,
        f"{name}_lat_max": context.latitude + dlat,
        f"{name}_lon_min": context.longitude - dlon,
        f"{name}_lon_max": context.longitude + dlon,
    }


@lru_cache(maxsize=1)
def _load_sql() -> str:
    """Missions done or planned since %(since)s of one candidate (a lateral subquery: through
    the supports' volunteer index, a few lookups per candidate whatever the town's activity)."""
    quote = connection.ops.quote_name
    mission, support = quote(Mission._meta.db_table), quote(Support._meta.db_table)
    return (
        f"SELECT COUNT(*) AS recent FROM {mission} m INNER JOIN {support} s ON m.support_id = s.id "
        "WHERE s.volunteer_id = candidates.volunteer_id "
        "AND m.status IN (%(load_done)s, %(load_planned)s) AND m.scheduled_at >= %(since)s"
    )


@lru_cache(maxsize=1)
def _trainings_held_sql() -> str:
    """Condition on a candidate: a training valid on %(day)s for each required module (the
    index's mask may still hold one that expired since it was written)."""
    quote = connection.ops.quote_name
    held, module = quote(VolunteerTraining._meta.db_table), quote(TrainingModule._meta.db_table)
    return (
        f"(SELECT COUNT(DISTINCT mo.bit) FROM {held} vt INNER JOIN {module} mo ON vt.module_id = mo.id "
        "WHERE vt.volunteer_id = candidates.volunteer_id AND (vt.expires_on IS NULL OR vt.expires_on >= %(day)s) "
        "AND mo.bit = ANY(%(required_bits)s)) = %(required_count)s"
    )


def _scored_columns(shape: scoring.SqlShape, pinned: int) -> str:
    columns = ", ".join(scoring.PROFILE_COLUMNS)
    return f"{columns}, {scoring.score_sql(shape)} AS base_score, {pinned} AS pinned"


def _with_final(candidates: str, shape: scoring.SqlShape, extra: str = "") -> str:
    """Final scores of the candidate rows (load, continuity, trainings valid today), the best
    %(limit)s first."""
    trainings = f" WHERE {_trainings_held_sql()}" if shape.requirement_count else ""
    final = (
        "base_score - LEAST(%(max_load_penalty)s, %(load_per_mission)s * loads.recent)"
        " + CASE WHEN pinned = 1 THEN %(w_continuity)s ELSE %(zero)s END"
    )
    return (
        f"WITH candidates AS ({candidates}) "
        f"SELECT candidates.*, loads.recent AS recent_missions, {final} AS final_score{extra} "
        f"FROM candidates CROSS JOIN LATERAL ({_load_sql()}) AS loads{trainings} "
        "ORDER BY final_score DESC, candidates.volunteer_id LIMIT %(limit)s"
    )


# `pinned` in the SQL builders: the number of %(pinned_<i>)s ids given, or RESIDENT_SUPPORTS for
# the volunteers who help or helped %(resident_id)s, read in the same statement.
RESIDENT_SUPPORTS = -1


def _pinned_ids(pinned: int) -> str:
    if pinned == RESIDENT_SUPPORTS:
        support = connection.ops.quote_name(Support._meta.db_table)
        return f"SELECT volunteer_id FROM {support} WHERE resident_id = %(resident_id)s"
    return ", ".join(f"%(pinned_{index})s" for index in range(pinned))


def _not_pinned(pinned: int) -> str:
    return f" AND volunteer_id NOT IN ({_pinned_ids(pinned)})" if pinned else ""


def _pinned_branch(shape: scoring.SqlShape, table: str, pinned: int, extra: str = "") -> str:
    return (
        f"SELECT {_scored_columns(shape, 1)}{extra} FROM {table} "
        f"WHERE {scoring.filter_sql(shape)} AND volunteer_id IN ({_pinned_ids(pinned)})"
    )


@lru_cache(maxsize=512)
def probe_sql(shape: scoring.SqlShape, table: str, pinned: int) -> str:
    """The candidates among the %(probe_rows)s eligible volunteers nearest the request, and the
    pinned volunteers, with their final scores; `probe_reach` is the position distance
    (degrees) of the farthest row read, for the density estimate, and `widest_km` the widest
    distance an eligible volunteer accepts."""
    trained = f" AND {TRAINED}" if shape.requirement_count else ""
    # The widest distance an eligible volunteer accepts comes along (index match_eligible_radius).
    widest = f"(SELECT MAX(max_distance_km) FROM {table} WHERE is_eligible) AS widest_km"
    nearest = (
        f"SELECT *, {POSITION} <-> point(%(longitude)s, %(latitude)s) AS knn, {widest} FROM {table} "
        f"WHERE is_eligible{trained} ORDER BY knn LIMIT %(probe_rows)s"
    )
    near = f"SELECT *, MAX(knn) OVER () AS probe_reach, COUNT(*) OVER () AS probe_read FROM ({nearest}) AS nearest"
    branches = [
        f"SELECT {_scored_columns(shape, 0)}, probe_reach, probe_read, widest_km FROM ({near}) AS near "
        f"WHERE {scoring.filter_sql(shape)}{_not_pinned(pinned)}"
    ]
    if pinned:
        branches.append(
            _pinned_branch(shape, table, pinned, f", NULL::float AS probe_reach, NULL::bigint AS probe_read, {widest}")
        )
    return _with_final(" UNION ALL ".join(branches), shape)


@lru_cache(maxsize=512)
def ranking_sql(shape: scoring.SqlShape, table: str, plan: Plan, unlocated: bool, pinned: int) -> str:
    """Every candidate scoring at least %(bound)s: those in the box %(box_…)s (GiST), those
    holding the features %(features_<i>)s within %(features_<i>_…)s (GIN), those without a
    position when `unlocated`, and the pinned. UNION: a volunteer found twice comes once."""
    at_least = f"{scoring.filter_sql(shape)} AND {scoring.score_sql(shape)} >= %(bound)s{_not_pinned(pinned)}"
    select = f"SELECT {_scored_columns(shape, 0)} FROM {table} WHERE {at_least}"
    parts = []
    if plan.box and shape.requirement_count:
        # Only volunteers holding a training qualify: few, read through their own position index.
        parts.append(f"{select} AND {_box('box')} AND {TRAINED}")
    elif plan.box:
        parts.append(f"{select} AND {_reach_boxes('box')}")
    parts += [
        f"{select} AND {FEATURES} @> %(features_{index})s::int[] AND {_plain_box(f'features_{index}')}"
        for index in range(len(plan.feature_sets))
    ]
    if unlocated:
        parts.append(f"{select} AND ({scoring.COORDINATES_UNKNOWN})")
    if pinned:
        parts.append(_pinned_branch(shape, table, pinned))
    return _with_final(" UNION ".join(parts), shape)


_statistics: dict[str, tuple[float, float, dict[int, float]]] = {}


def forget_statistics() -> None:
    """Read the towns' feature statistics afresh on next use (after bulk writes: tests, bench)."""
    _statistics.clear()


def feature_statistics() -> tuple[float, dict[int, float]]:
    """(eligible volunteers, share of them holding each feature), from PostgreSQL's statistics
    of the GIN index (ANALYZE, autovacuum); kept STATISTICS_TTL seconds per town and process."""
    schema = current_schema() or ""
    cached = _statistics.get(schema)
    if cached and time.monotonic() - cached[0] < STATISTICS_TTL:
        return cached[1], cached[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::int[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.schemaname = current_schema() "
            "WHERE c.relname = 'match_features' AND c.relnamespace = current_schema()::regnamespace"
        )
        row = cursor.fetchone()
    elements, frequencies, rows = row if row else (None, None, 0.0)
    shares = dict(zip(elements or [], frequencies or [], strict=False))
    _statistics[schema] = (time.monotonic(), max(float(rows or 0.0), 0.0), shares)
    return _statistics[schema][1], shares


# Relative costs, from EXPLAIN ANALYZE at a million volunteers: a row of the position box (the
# table is clustered by position: neighbours share pages), a row found through the features
# (scattered: about one page each) and an entry of a GIN posting list.
BOX_ROW_COST = 1.0
SCATTERED_ROW_COST = 30.0
POSTING_COST = 0.08
# A feature held by more than this share of volunteers costs more to read than it saves.
RARE_SHARE = 0.2


@dataclass(frozen=True)
class Tier:
    points: float  # the bonuses held, added
    features: tuple[int, ...]  # rare features every holder of these bonuses has


def tiers(context: scoring.MatchContext, shares: dict[int, float]) -> list[Tier]:
    """Every combination of the request's bonuses (held or not), most points first."""
    points, features = bonus_points(context), bonus_features(context)
    required = [feature for feature in required_features(context) if shares.get(feature, 0.0) <= RARE_SHARE]
    found = []
    for held in product((True, False), repeat=len(points)):
        rare = [
            group[0]
            for group, holds in zip(features, held, strict=True)
            if holds and len(group) == 1 and shares.get(group[0], 0.0) <= RARE_SHARE
        ]
        total = sum(value for value, holds in zip(points, held, strict=True) if holds)
        found.append(Tier(points=total, features=tuple(sorted(set(required + rare)))))
    return sorted(found, key=lambda tier: -tier.points)


def _radius(bound: float, points: float, reach: float) -> float:
    """How far a volunteer holding bonuses worth `points` may be and still reach `bound`
    (negative: nowhere)."""
    if bound == -math.inf:
        return reach
    return min(reach, reach * (1.0 - (bound - points) / scoring.W_DISTANCE))


def plan_beyond(
    context: scoring.MatchContext, bound: float, reach: float, density: float, covered: float
) -> tuple[Plan, dict]:
    """How to read, beyond the box of radius `covered` already read, every volunteer able to
    reach `bound`: tiers by decreasing points (so decreasing radius), each rare tier through
    its features while that costs less than the position box at its radius; the box, once
    cheaper, covers every tier after it."""
    eligible, shares = feature_statistics()
    params: dict = {}
    feature_sets: dict[tuple[int, ...], float] = {}  # features → widest radius asked
    box_radius, box_points = None, 0.0
    for tier in tiers(context, shares):
        radius = _radius(bound, tier.points, reach)
        if radius <= covered:
            break  # fewer points, smaller radius: the box already read holds the later tiers
        box_rows = density * (2 * radius) ** 2
        holders = eligible * math.prod(shares.get(feature, 0.0) for feature in tier.features)
        postings = eligible * sum(shares.get(feature, 0.0) for feature in tier.features)
        by_features = SCATTERED_ROW_COST * holders + POSTING_COST * postings
        if not tier.features or not shares or box_rows * BOX_ROW_COST <= by_features:
            box_radius, box_points = radius, tier.points
            break
        feature_sets[tier.features] = max(radius, feature_sets.get(tier.features, 0.0))
    if box_radius is not None:
        params |= _reach_box_params("box", context, reach, box_radius, bound, box_points)
    for index, (features, radius) in enumerate(feature_sets.items()):
        params[f"features_{index}"] = list(features)
        params |= _box_params(f"features_{index}", context, radius)
    return Plan(box=box_radius is not None, feature_sets=tuple(len(f) for f in feature_sets)), params


def _fetch(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for name in ("base_score", "final_score"):
            row[name] = float(row[name])
        row["pinned"] = bool(row["pinned"])
    return rows


def _widest_km() -> float | None:
    """The widest distance an eligible volunteer accepts (index-only: match_eligible_radius)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(max_distance_km) FROM {_table()} WHERE is_eligible")
        return cursor.fetchone()[0]


def worth_stopping_early() -> bool:
    """Whether the town has enough volunteers for the early stop to beat reading them all."""
    volunteers, _shares = feature_statistics()
    return volunteers >= SCAN_BELOW


def probe_size() -> int:
    volunteers, _shares = feature_statistics()
    return int(min(PROBE_MAX, max(PROBE_MIN, volunteers * PROBE_SHARE)))


def _density(rows: list[dict], context: scoring.MatchContext, reach: float) -> float:
    """Volunteers per km² around the request, from how far the probe read (or, when the probe
    found no candidate, the town's volunteers over the widest reach)."""
    reaches = [(row["probe_reach"], row["probe_read"]) for row in rows if row.get("probe_reach") is not None]
    if reaches:
        degrees, read = float(reaches[0][0]), reaches[0][1]
        km = degrees * (scoring.KM_PER_DEGREE_LAT + scoring.km_per_degree_lon(context.latitude)) / 2
        return read / max(math.pi * km * km, 1e-6)
    volunteers, _shares = feature_statistics()
    return volunteers / max(math.pi * reach * reach, 1e-6)


def _nth_score(rows: list[dict], limit: int) -> float:
    """The limit-th best final score of these rows: a score `limit` candidates reach."""
    return rows[limit - 1]["final_score"] if len(rows) >= limit else -math.inf


def rank_rows(context: scoring.MatchContext, *, limit: int, since, day) -> list[dict]:
    """The best `limit` candidate rows of a located request, best first: profile columns,
    base_score, pinned, recent_missions, final_score."""
    shape = scoring.sql_shape(context)
    table = _table()
    params = scoring.sql_params(context)
    if context.resident_volunteer_ids:
        pinned = len(context.resident_volunteer_ids)
        params |= {
            f"pinned_{i}": volunteer_id for i, volunteer_id in enumerate(sorted(context.resident_volunteer_ids))
        }
    elif context.resident_id is not None:
        pinned, params["resident_id"] = RESIDENT_SUPPORTS, context.resident_id
    else:
        pinned = 0
    params |= {
        "limit": limit,
        "probe_rows": probe_size(),
        "since": since,
        "load_done": MissionStatus.DONE.value,
        "load_planned": MissionStatus.PLANNED.value,
        "max_load_penalty": scoring.MAX_LOAD_PENALTY,
        "load_per_mission": scoring.W_LOAD_PER_MISSION,
        "w_continuity": scoring.W_CONTINUITY,
    }
    if context.required_trainings:
        params |= {
            "day": day,
            "required_bits": [bit for bit, _title in context.required_trainings],
            "required_count": len(context.required_trainings),
        }
    most = sum(bonus_points(context))
    # 1. The probe: a first bound and the density of volunteers around the request.
    probe = _fetch(probe_sql(shape, table, pinned), params)
    # No candidate among the nearest (a rare category): the widest distance is asked apart.
    widest = probe[0]["widest_km"] if probe else _widest_km()
    reach = float(widest or 0.0) * context.distance_factor
    bound = _nth_score(probe, limit)
    density = _density(probe, context, reach)
    # 2. The box around the request, as wide as needed or as BOX_FACTOR probes allow, read whole:
    # the exact best inside it, a tighter bound, and the volunteers without a position.
    covered = max(0.0, min(_radius(bound, most, reach), math.sqrt(BOX_FACTOR * params["probe_rows"] / density) / 2))
    read = [row["probe_read"] for row in probe if row["probe_read"] is not None]
    if read and read[0] < params["probe_rows"]:
        covered = reach  # the probe read every eligible volunteer with a position: a small town
    params |= _reach_box_params("box", context, reach, covered, bound, most)
    params["bound"] = bound - SCORE_SLACK if bound != -math.inf else -1e12
    unlocated = bound == -math.inf or most >= bound - SCORE_SLACK
    inside = _fetch(ranking_sql(shape, table, Plan(box=True, feature_sets=()), unlocated, pinned), params)
    bound = max(bound, _nth_score(inside, limit))
    if _radius(bound, most, reach) <= covered:
        return inside
    # 3. Beyond the box: the tiers of bonuses still able to reach the bound.
    plan, plan_params = plan_beyond(context, bound, reach, density, covered)
    params |= plan_params
    params["bound"] = bound - SCORE_SLACK
    beyond = _fetch(ranking_sql(shape, table, plan, False, 0), params)
    merged = {row["volunteer_id"]: row for row in beyond} | {row["volunteer_id"]: row for row in inside}
    return sorted(merged.values(), key=lambda row: (-row["final_score"], row["volunteer_id"]))[:limit]

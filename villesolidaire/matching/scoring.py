"""The matching score: explicit weights, one formula, two implementations.

`score_profile` computes a volunteer's base score and its French explanation in Python;
`ranking_sql` writes the same formula as SQL so the database ranks 100,000 volunteers in
one query. A test checks both agree on random data. Load over the last
7 days and continuity with the resident are applied afterwards (`final_score`), on the few
candidates the query returns.

Components (points):
- category accepted: hard filter, no points;
- trainings the category requires (TrainingModule.required_for_categories): hard filter on the
  index's trainings_mask, no points; absent from the SQL text when the category requires none;
- distance: up to W_DISTANCE, decreasing linearly to 0 at the volunteer's own maximum
  distance (× WIDEN_FACTOR when the search is widened); unknown position: 0;
- skills: W_SKILLS shared between the category's useful skills the volunteer has;
- availability: W_AVAILABILITY when a declared weekly slot meets the wished time;
- language: W_LANGUAGE when the volunteer speaks the resident's language (French: neutral);
- load: −W_LOAD_PER_MISSION per mission done or planned in the last 7 days, at most −MAX_LOAD_PENALTY;
- continuity: +W_CONTINUITY when the volunteer already helps or helped this resident.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from villesolidaire.core.choices import DAYS, LANGUAGES, PERIODS, availability_mask_for
from villesolidaire.territory.geometry import KM_PER_DEGREE_LAT, distance_km, km_per_degree_lon

W_DISTANCE = 40.0
W_SKILLS = 20.0
W_AVAILABILITY = 25.0
W_LANGUAGE = 10.0
W_LOAD_PER_MISSION = 5.0
MAX_LOAD_PENALTY = 15.0
W_CONTINUITY = 15.0
WIDEN_FACTOR = 1.5
LOAD_WINDOW = timedelta(days=7)
# Volunteers choose at most 50 km (Volunteer.max_distance_km): the bounding box never needs more.
MAX_VOLUNTEER_DISTANCE_KM = 50.0

# (label, points); points None: a line that counts for nothing (an unlocated request's distance).
Explanation = list[tuple[str, float | None]]


@dataclass(frozen=True)
class MatchContext:
    """What the score needs to know about one help request."""

    category_bit: int
    category_name: str = ""
    skills: tuple[tuple[int, str], ...] = ()  # (bit, name) of the category's useful skills
    latitude: float | None = None
    longitude: float | None = None
    wished_mask: int | None = None  # None: no time preference
    wished_label: str = ""
    language_code: str = "fr"
    widen: bool = False
    # The volunteers who help or helped the resident (continuity): given, or read by the ranking
    # itself from `resident_id` (in its own statement on PostgreSQL).
    resident_volunteer_ids: frozenset[int] = field(default_factory=frozenset)
    resident_id: int | None = None
    required_trainings: tuple[tuple[int, str], ...] = ()  # (bit, title) of the modules the category requires

    @property
    def required_mask(self) -> int:
        mask = 0
        for bit, _title in self.required_trainings:
            mask |= 1 << bit
        return mask

    @property
    def distance_factor(self) -> float:
        return WIDEN_FACTOR if self.widen else 1.0

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def language_bit(self) -> int | None:
        """Mask bit of the resident's language, or None when French (neutral) or unknown."""
        if not self.language_code or self.language_code == "fr" or self.language_code not in LANGUAGES.by_code:
            return None
        return LANGUAGES.bit_of(self.language_code)

    @property
    def language_label(self) -> str:
        flag = LANGUAGES.by_code.get(self.language_code)
        return flag.label.lower() if flag else self.language_code


def wished_weekdays(start: date | None, end: date | None) -> list[int] | None:
    """Weekday indexes (0 = Monday) between two wished dates; None when any day will do."""
    if start is None and end is None:
        return None
    start = start or end
    end = end or start
    if end < start or (end - start).days >= 6:
        return None
    return sorted({(start + timedelta(days=offset)).weekday() for offset in range((end - start).days + 1)})


def wished_mask_for(start: date | None, end: date | None, time_window: str) -> int | None:
    days = wished_weekdays(start, end)
    periods = None if not time_window or time_window == "any" else [time_window]
    if days is None and periods is None:
        return None
    return availability_mask_for(days, periods)


def context_for(
    help_request, *, widen: bool = False, resident_volunteer_ids=frozenset(), required_trainings=()
) -> MatchContext:
    """`required_trainings`: (bit, title) of the modules the category requires
    (selectors.required_trainings reads them)."""
    category = help_request.category
    resident = help_request.resident
    mask = wished_mask_for(help_request.wished_start, help_request.wished_end, help_request.time_window)
    located = bool(resident.is_located and resident.latitude is not None and resident.longitude is not None)
    return MatchContext(
        category_bit=category.mask,
        category_name=category.name,
        skills=tuple(sorted((skill.bit, skill.name) for skill in category.skills.all())),
        latitude=resident.latitude if located else None,
        longitude=resident.longitude if located else None,
        wished_mask=mask,
        wished_label=describe_slots(mask) if mask is not None else "",
        language_code=resident.language or "fr",
        widen=widen,
        resident_volunteer_ids=frozenset(resident_volunteer_ids),
        resident_id=resident.pk,
        required_trainings=tuple(sorted(required_trainings)),
    )


def describe_slots(mask: int) -> str:
    """'mardi, mercredi : matin' — days and periods of a wished-time mask."""
    days = [label for index, (_code, label) in enumerate(DAYS) if any(mask & (1 << (index * 3 + p)) for p in range(3))]
    periods = [
        label
        for index, (_c, label, _s, _e) in enumerate(PERIODS)
        if any(mask & (1 << (d * 3 + index)) for d in range(7))
    ]
    day_text = "tous les jours" if len(days) == 7 else ", ".join(days)
    period_text = "toute la journée" if len(periods) == len(PERIODS) else ", ".join(periods)
    return f"{day_text} : {period_text}"


def fr_number(value: float, digits: int = 1) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",") or "0"


def fr_points(points: float) -> str:
    rounded = round(points, 1)
    if rounded == 0:
        return "0"
    sign = "+" if rounded > 0 else "−"
    return f"{sign}{fr_number(abs(rounded))}"


# --- Python implementation -------------------------------------------------------------


def distance_points(distance: float | None, max_distance_km: float, context: MatchContext) -> float:
    if distance is None:
        return 0.0
    radius = max_distance_km * context.distance_factor
    if radius <= 0:
        return 0.0
    return W_DISTANCE * (1.0 - distance / radius)


def passes_hard_filters(profile, context: MatchContext) -> bool:
    """Eligible, category accepted, required trainings held, within the volunteer's own
    (possibly widened) distance."""
    if not profile.is_eligible or not (profile.categories_mask & context.category_bit):
        return False
    if not holds_required_trainings(profile, context):
        return False
    distance = profile_distance(profile, context)
    if distance is None:
        return True
    radius = profile.max_distance_km * context.distance_factor
    return distance * distance <= radius * radius + 1e-9


def holds_required_trainings(profile, context: MatchContext) -> bool:
    required = context.required_mask
    return not required or profile.trainings_mask & required == required


def missing_trainings(profile, context: MatchContext) -> list[str]:
    """Titles of the required modules this profile lacks."""
    return [title for bit, title in context.required_trainings if not profile.trainings_mask & (1 << bit)]


def profile_distance(profile, context: MatchContext) -> float | None:
    if not context.has_position or profile.latitude is None or profile.longitude is None:
        return None
    return distance_km(context.latitude, context.longitude, profile.latitude, profile.longitude)


def score_profile(profile, context: MatchContext) -> tuple[float, float | None, Explanation]:
    """Base score (the SQL part), distance and explanation of one VolunteerMatchProfile-like row."""
    explanation: Explanation = []
    distance = profile_distance(profile, context)
    points = distance_points(distance, profile.max_distance_km, context)
    if not context.has_position:
        # Nobody's distance is known: it is left out of every score (None: shown without points).
        explanation.append(("Distance inconnue : l'adresse de la personne aidée n'est pas localisée", None))
    elif distance is None:
        explanation.append(("Distance inconnue : adresse du·de la volontaire non localisée", 0.0))
    else:
        radius = f"rayon accepté {fr_number(profile.max_distance_km)} km"
        if context.widen:
            radius += f", élargi à {fr_number(profile.max_distance_km * WIDEN_FACTOR)} km"
        explanation.append((f"À {fr_number(distance)} km ({radius})", points))
    score = points

    if context.skills:
        share = W_SKILLS / len(context.skills)
        matched = [name for bit, name in context.skills if profile.skills_mask & (1 << bit)]
        skill_points = share * len(matched)
        score += skill_points
        if matched:
            explanation.append((f"Compétences utiles : {', '.join(matched)}", skill_points))
        else:
            explanation.append(("Aucune des compétences utiles à cette aide", 0.0))

    if context.wished_mask is not None:
        if profile.availability_mask & context.wished_mask:
            score += W_AVAILABILITY
            explanation.append((f"Disponible au moment souhaité ({context.wished_label})", W_AVAILABILITY))
        else:
            explanation.append((f"Pas de disponibilité déclarée au moment souhaité ({context.wished_label})", 0.0))

    if context.language_bit is not None:
        if profile.languages_mask & context.language_bit:
            score += W_LANGUAGE
            explanation.append((f"Parle {context.language_label}, la langue de la personne", W_LANGUAGE))
        else:
            explanation.append((f"Ne parle pas {context.language_label}, la langue de la personne", 0.0))

    if context.required_trainings:
        titles = ", ".join(f"« {title} »" for _bit, title in context.required_trainings)
        plural = "s" if len(context.required_trainings) > 1 else ""
        explanation.append((f"Formation{plural} exigée{plural} suivie{plural} : {titles}", 0.0))
    return score, distance, explanation


def load_penalty(recent_missions: int) -> float:
    return min(MAX_LOAD_PENALTY, W_LOAD_PER_MISSION * max(0, recent_missions))


def final_score(
    base: float, explanation: Explanation, *, recent_missions: int, continuity: bool
) -> tuple[float, Explanation]:
    """Apply the bounded load penalty and the continuity bonus to a base score."""
    explanation = list(explanation)
    penalty = load_penalty(recent_missions)
    if recent_missions:
        plural = "s" if recent_missions > 1 else ""
        explanation.append((f"{recent_missions} mission{plural} ces 7 derniers jours", -penalty))
    else:
        explanation.append(("Aucune mission ces 7 derniers jours", 0.0))
    bonus = W_CONTINUITY if continuity else 0.0
    if continuity:
        explanation.append(("Aide déjà (ou a aidé) cette personne", bonus))
    return base - penalty + bonus, explanation


# --- SQL implementation (same formula) -----------------------------------------------
# The ranking query is plain SQL text that PostgreSQL and SQLite both run (SQLite gets SQRT
# from Django, which registers it on every connection). It used to be an ORM expression
# tree, but compiling that tree cost ~5 ms per call (twice when continuity ids existed), as
# much as running the query on 100,000 rows. The text only depends on the request's *shape*
# (SqlShape, plus the number of continuity ids), so `ranking_sql` builds it once per shape
# and caches it; every value, weights included, goes in as a named parameter (`sql_params`),
# exactly as the ORM passed them, so scores are bit for bit those of the former query.
# The arithmetic follows the Python formula above term by term, in the same order;
# tests/matching/test_ranking.py compares both on random data for each kind of shape.

COORDINATES_UNKNOWN = "latitude IS NULL OR longitude IS NULL"
# Squared equirectangular distance in km² (geometry.distance_km without the square root).
_DX = "((longitude - %(longitude)s) * %(km_per_degree_lon)s)"
_DY = "((latitude - %(latitude)s) * %(km_per_degree_lat)s)"
_DISTANCE_SQ = f"(({_DX} * {_DX}) + ({_DY} * {_DY}))"
PROFILE_COLUMNS = (
    "volunteer_id",
    "is_eligible",
    "latitude",
    "longitude",
    "max_distance_km",
    "categories_mask",
    "skills_mask",
    "languages_mask",
    "availability_mask",
    "trainings_mask",
)


@dataclass(frozen=True)
class SqlShape:
    """What changes the ranking query's text (as opposed to its parameters)."""

    has_position: bool
    widen: bool
    skill_count: int
    has_wished_time: bool
    has_language: bool
    requirement_count: int = 0  # trainings the category requires


def sql_shape(context: MatchContext) -> SqlShape:
    return SqlShape(
        has_position=context.has_position,
        widen=context.widen,
        skill_count=len(context.skills),
        has_wished_time=context.wished_mask is not None,
        has_language=context.language_bit is not None,
        requirement_count=len(context.required_trainings),
    )


def _bounding_box(context: MatchContext) -> tuple[float, float, float, float]:
    """Latitude and longitude ranges no eligible volunteer can be outside of: they let the
    (is_eligible, latitude, longitude) index prune rows when volunteers are spread wide."""
    reach = MAX_VOLUNTEER_DISTANCE_KM * context.distance_factor
    dlat = reach / KM_PER_DEGREE_LAT
    # Longitude degrees shrink towards the poles: size the box at the latitude where they are smallest.
    dlon = reach / max(km_per_degree_lon(min(abs(context.latitude) + dlat, 89.0)), 1e-6)
    return context.latitude - dlat, context.latitude + dlat, context.longitude - dlon, context.longitude + dlon


def sql_params(context: MatchContext) -> dict:
    """Named parameters of `ranking_sql(sql_shape(context), ...)` (continuity ids and limit apart)."""
    params = {
        "category_bit": context.category_bit,
        "zero": 0.0,
        "one": 1.0,
        "epsilon": 1e-9,
        "w_distance": W_DISTANCE,
        "w_availability": W_AVAILABILITY,
        "w_language": W_LANGUAGE,
    }
    if context.has_position:
        lat_min, lat_max, lon_min, lon_max = _bounding_box(context)
        params |= {
            "latitude": context.latitude,
            "longitude": context.longitude,
            "km_per_degree_lat": KM_PER_DEGREE_LAT,
            "km_per_degree_lon": km_per_degree_lon(context.latitude),
            "lat_min": lat_min,
            "lat_max": lat_max,
            "lon_min": lon_min,
            "lon_max": lon_max,
            "factor": context.distance_factor,
            "factor_sq": context.distance_factor * context.distance_factor,
        }
    if context.skills:
        params["skill_share"] = W_SKILLS / len(context.skills)
        params |= {f"skill_{index}": 1 << bit for index, (bit, _name) in enumerate(context.skills)}
    if context.wished_mask is not None:
        params["wished_mask"] = context.wished_mask
    if context.language_bit is not None:
        params["language_bit"] = context.language_bit
    if context.required_trainings:
        params["required_mask"] = context.required_mask
        params |= {f"required_bit_{index}": 1 << bit for index, (bit, _title) in enumerate(context.required_trainings)}
    return params


def _has_bits(column: str, param: str) -> str:
    return f"({column} & %({param})s) > 0"


def _bonus(column: str, param: str, points_param: str) -> str:
    return f"CASE WHEN {_has_bits(column, param)} THEN %({points_param})s ELSE %(zero)s END"


# What the trainings part of the filter keeps: volunteers holding every required module (the
# ranking), anyone whatever their trainings (counting exclusions), or those lacking the module
# of bit %(missing_bit)s (the volunteers to invite to its next session).
TRAININGS_HELD, TRAININGS_IGNORED, TRAINING_MISSING = "held", "ignored", "missing"


def filter_sql(shape: SqlShape, trainings: str = TRAININGS_HELD) -> str:
    """The hard filters of `passes_hard_filters`: eligible, category accepted, required
    trainings held, and (when both positions are known) within the volunteer's own, possibly
    widened, radius. Squared distances are compared so the filter needs no square root."""
    condition = f"is_eligible AND {_has_bits('categories_mask', 'category_bit')}"
    if trainings == TRAININGS_HELD and shape.requirement_count:
        condition += " AND (trainings_mask & %(required_mask)s) = %(required_mask)s"
    elif trainings == TRAINING_MISSING:
        condition += " AND (trainings_mask & %(missing_bit)s) = 0"
    if not shape.has_position:
        return condition
    # Multiplying by a factor of 1.0 changes nothing: the unwidened text leaves it out.
    radius_sq = "(max_distance_km * max_distance_km)"
    if shape.widen:
        radius_sq = f"({radius_sq} * %(factor_sq)s)"
    in_box = (
        "latitude >= %(lat_min)s AND latitude <= %(lat_max)s AND longitude >= %(lon_min)s AND longitude <= %(lon_max)s"
    )
    within = f"{in_box} AND ({radius_sq} + %(epsilon)s) > {_DISTANCE_SQ}"
    return f"{condition} AND ({COORDINATES_UNKNOWN} OR ({within}))"


def score_sql(shape: SqlShape) -> str:
    """The base score of `score_profile`, component by component, summed in the same order."""
    parts = []
    if shape.has_position:
        radius = "(max_distance_km * %(factor)s)" if shape.widen else "max_distance_km"
        decay = f"(%(w_distance)s * (%(one)s - (SQRT({_DISTANCE_SQ}) / {radius})))"
        parts.append(f"CASE WHEN {COORDINATES_UNKNOWN} OR max_distance_km <= %(zero)s THEN %(zero)s ELSE {decay} END")
    parts += [_bonus("skills_mask", f"skill_{index}", "skill_share") for index in range(shape.skill_count)]
    if shape.has_wished_time:
        parts.append(_bonus("availability_mask", "wished_mask", "w_availability"))
    if shape.has_language:
        parts.append(_bonus("languages_mask", "language_bit", "w_language"))
    if not parts:
        return "%(zero)s"
    total = parts[0]
    for part in parts[1:]:
        total = f"({total} + {part})"
    return total


@lru_cache(maxsize=512)
def ranking_sql(
    shape: SqlShape, table: str, *, ordered: bool = True, pinned: int = 0, trainings: str = TRAININGS_HELD
) -> str:
    """SELECT of the candidates of a request: profile columns, `base_score` and `pinned`.

    ordered: best `%(limit)s` rows by base score (ties: lowest volunteer id), else every
    candidate. pinned: number of `%(pinned_<i>)s` volunteer ids (the resident's former
    volunteers) fetched in the same statement whatever their score, marked pinned = 1, so
    continuity costs no extra round trip. `table` is the quoted table name. trainings: see
    `filter_sql` (the default is the ranking's filter).
    """
    # trainings_mask is only read when trainings filter: one column fewer to sort otherwise.
    reads_trainings = shape.requirement_count or trainings != TRAININGS_HELD
    columns = ", ".join(name for name in PROFILE_COLUMNS if reads_trainings or name != "trainings_mask")
    where = filter_sql(shape, trainings)
    select = f"SELECT {columns}, {score_sql(shape)} AS base_score, {{pinned}} AS pinned FROM {table} WHERE {where}"
    sql = select.format(pinned=0)
    if ordered:
        sql += " ORDER BY base_score DESC, volunteer_id LIMIT %(limit)s"
    if pinned:
        ids = ", ".join(f"%(pinned_{index})s" for index in range(pinned))
        # A derived table keeps ORDER BY … LIMIT inside the first branch on both engines.
        sql = f"SELECT * FROM ({sql}) AS ranked UNION ALL {select.format(pinned=1)} AND volunteer_id IN ({ids})"
    return sql


@lru_cache(maxsize=128)
def exclusion_count_sql(shape: SqlShape, table: str) -> str:
    """COUNT of the volunteers passing every hard filter but the trainings one, then, for each
    required module i, of those lacking it (`%(required_bit_<i>)s`); one scan, only run on the
    matching page of a category that requires trainings."""
    missing = ", ".join(
        f"COALESCE(SUM(CASE WHEN (trainings_mask & %(required_bit_{index})s) = 0 THEN 1 ELSE 0 END), 0)"
        for index in range(shape.requirement_count)
    )
    excluded = (
        "COALESCE(SUM(CASE WHEN (trainings_mask & %(required_mask)s) <> %(required_mask)s THEN 1 ELSE 0 END), 0)"
    )
    return f"SELECT {excluded}, {missing} FROM {table} WHERE {filter_sql(shape, TRAININGS_IGNORED)}"

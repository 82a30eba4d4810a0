"""rank_volunteers: the SQL score equals the Python score, and the ranking is exact."""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    HelpCategoryFactory,
    HelpRequestFactory,
    MissionFactory,
    ResidentFactory,
    SkillFactory,
    SupportFactory,
    VolunteerFactory,
)
from tests.matching.helpers import LAT, LON, random_profiles
from villesolidaire.core.choices import LANGUAGES
from villesolidaire.matching import scoring, selectors
from villesolidaire.matching.index import index_volunteer
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.missions.enums import MissionStatus

CONTEXTS = [
    dict(category_bit=1 << 0, latitude=LAT, longitude=LON),
    dict(
        category_bit=1 << 1,
        latitude=LAT + 0.01,
        longitude=LON - 0.02,
        skills=((1, "A"), (3, "B"), (6, "C")),
        wished_mask=0b111000111,
        wished_label="x",
        language_code="ar",
    ),
    dict(category_bit=1 << 2, latitude=LAT, longitude=LON, widen=True, skills=((0, "A"),), language_code="en"),
    dict(category_bit=1 << 0, latitude=None, longitude=None, wished_mask=1 << 4, wished_label="x"),
    dict(category_bit=1 << 1, latitude=LAT - 0.02, longitude=LON, widen=True, wished_mask=0b111, wished_label="x"),
    # No term at all: the score is a bare constant (PostgreSQL types it numeric, see candidate_rows).
    dict(category_bit=1 << 2, latitude=None, longitude=None),
    dict(
        category_bit=1 << 2, latitude=None, longitude=None, skills=((0, "A"), (1, "B"), (2, "C")), language_code="en"
    ),
]


@pytest.mark.parametrize("context_values", CONTEXTS)
def test_sql_score_and_filters_equal_the_python_formula_on_random_data(context_values):
    random_profiles(300, seed=7)
    context = scoring.MatchContext(**context_values)
    sql_rows = {row["volunteer_id"]: row for row in selectors.candidate_rows(context)}
    profiles = list(VolunteerMatchProfile.objects.all())
    expected = {p.volunteer_id for p in profiles if scoring.passes_hard_filters(p, context)}
    assert set(sql_rows) == expected
    assert len(expected) > 20
    for profile in profiles:
        if profile.volunteer_id in expected:
            python_score = scoring.score_profile(profile, context)[0]
            assert sql_rows[profile.volunteer_id]["base_score"] == pytest.approx(python_score, abs=1e-6)
    # The ranked form: best 25 by base score, ties by id, plus pinned ids (only those passing the filters).
    ordered = sorted(expected, key=lambda volunteer_id: (-sql_rows[volunteer_id]["base_score"], volunteer_id))
    excluded = sorted({p.volunteer_id for p in profiles} - expected)[:2]
    pinned = {ordered[-1], ordered[-2], *excluded}
    rows = selectors.candidate_rows(context, limit=25, pinned=pinned)
    assert [r["volunteer_id"] for r in rows if not r["pinned"]] == ordered[:25]
    assert {r["volunteer_id"] for r in rows if r["pinned"]} == {ordered[-1], ordered[-2]}
    assert all(r["base_score"] == sql_rows[r["volunteer_id"]]["base_score"] for r in rows)


def test_sql_text_is_built_once_per_shape_and_its_parameters_match():
    scoring.ranking_sql.cache_clear()
    seen_shapes = set()
    for values in CONTEXTS:
        context = scoring.MatchContext(**values)
        sql, params = selectors.candidate_sql(context, limit=10, pinned={4, 2})
        seen_shapes.add(scoring.sql_shape(context))
        # Every placeholder has a value: a missing one would raise here, not in the database.
        assert sql % {name: "?" for name in params}
        assert selectors.candidate_sql(context, limit=50, pinned={7, 9})[0] is sql
    assert scoring.ranking_sql.cache_info().currsize == len(seen_shapes)


def test_ranking_is_exact_with_load_and_continuity_compared_to_brute_force():
    random_profiles(200, seed=3)
    rng = random.Random(5)
    profiles = list(VolunteerMatchProfile.objects.all())
    ids = [p.volunteer_id for p in profiles]
    resident = ResidentFactory()
    category = HelpCategoryFactory()
    now = timezone.now()
    loads = {}
    for volunteer_id in rng.sample(ids, 40):
        support = SupportFactory(volunteer_id=volunteer_id, help_request__category=category)
        n = rng.randint(1, 4)
        for _ in range(n):
            MissionFactory(
                support=support, scheduled_at=now - timedelta(days=rng.randint(0, 5)), status=MissionStatus.DONE
            )
        # Old and cancelled missions do not count.
        MissionFactory(support=support, scheduled_at=now - timedelta(days=20), status=MissionStatus.DONE)
        MissionFactory(support=support, scheduled_at=now, status=MissionStatus.CANCELLED)
        loads[volunteer_id] = n
    # Two of the resident's volunteers with poor base scores must still surface through continuity.
    continuity = set(rng.sample(ids, 6))
    for volunteer_id in continuity:
        SupportFactory(
            volunteer_id=volunteer_id,
            resident=resident,
            help_request=HelpRequestFactory(resident=resident, category=category),
        )
    context = scoring.MatchContext(
        category_bit=1 << 1,
        latitude=LAT,
        longitude=LON,
        skills=((2, "A"), (5, "B")),
        wished_mask=0b1010101,
        wished_label="x",
        language_code="es",
        resident_volunteer_ids=selectors.resident_volunteer_ids(resident.pk),
    )
    for limit in (3, 7, 20):
        ranked = selectors.rank_for_context(context, limit=limit, now=now)
        brute = []
        for p in profiles:
            if scoring.passes_hard_filters(p, context):
                base = scoring.score_profile(p, context)[0]
                final, _ = scoring.final_score(
                    base, [], recent_missions=loads.get(p.volunteer_id, 0), continuity=p.volunteer_id in continuity
                )
                brute.append((-final, p.volunteer_id))
        brute.sort()
        assert [c.volunteer_id for c in ranked] == [volunteer_id for _s, volunteer_id in brute[:limit]]
        assert [c.score for c in ranked] == pytest.approx([-s for s, _v in brute[:limit]])


def test_rank_volunteers_orders_and_explains(django_assert_max_num_queries):
    category = HelpCategoryFactory(name="Courses test", bit=40)
    skill = SkillFactory(name="Permis B", bit=42)
    category.skills.add(skill)
    resident = ResidentFactory(located=True, latitude=LAT, longitude=LON, language="ar")
    help_request = HelpRequestFactory(
        resident=resident,
        category=category,
        wished_start=date(2026, 3, 3),
        wished_end=date(2026, 3, 3),
        time_window="am",
    )
    km = 1 / scoring.KM_PER_DEGREE_LAT
    near = VolunteerFactory(
        active=True, categories=[category], latitude=LAT + 1.2 * km, max_distance_km=3, availability=0
    )
    best = VolunteerFactory(
        active=True,
        categories=[category],
        skills=[skill],
        latitude=LAT + 0.5 * km,
        max_distance_km=5,
        languages=LANGUAGES.to_mask(["fr", "ar"]),
    )
    far = VolunteerFactory(active=True, categories=[category], latitude=LAT + 4 * km, max_distance_km=3)
    other_category = VolunteerFactory(active=True, latitude=LAT)
    paused = VolunteerFactory(categories=[category], status="paused", latitude=LAT)
    for volunteer in (near, best, far, other_category, paused):
        index_volunteer(volunteer)

    # Support ids, category skills and required trainings (not prefetched here), ranking with
    # continuity, recent loads.
    with django_assert_max_num_queries(5):
        ranked = selectors.rank_volunteers(help_request)
    assert [c.volunteer_id for c in ranked] == [best.pk, near.pk]
    top = ranked[0]
    assert top.score == pytest.approx(40 * (1 - 0.5 / 5) + 20 + 25 + 10)
    labels = [label for label, _points in top.explanation]
    assert labels == [
        "À 0,5 km (rayon accepté 5 km)",
        "Compétences utiles : Permis B",
        "Disponible au moment souhaité (mardi : matin)",
        "Parle arabe, la langue de la personne",
        "Aucune mission ces 7 derniers jours",
    ]
    assert ranked[1].explanation[0] == ("À 1,2 km (rayon accepté 3 km)", pytest.approx(24.0))

    widened = selectors.rank_volunteers(help_request, widen=True)
    assert far.pk in [c.volunteer_id for c in widened]
    assert "élargi à 4,5 km" in dict((c.volunteer_id, c.explanation[0][0]) for c in widened)[far.pk]


def test_explain_matching_prints_the_plan():
    from io import StringIO

    from django.core.management import call_command

    help_request = HelpRequestFactory(resident=ResidentFactory(located=True))
    out = StringIO()
    call_command("explain_matching", str(help_request.pk), "--analyze", stdout=out)
    assert "matching_volunteermatchprofile" in out.getvalue() or "Scan" in out.getvalue()

"""The ranking that stops early (matching/nearby.py, PostgreSQL) returns exactly the full
ranking's top n (selectors.rank_by_scan, the reference) on generated towns: a dense centre
and sparse edges, rare languages, a category gated by a training (one holder's training has
expired since it was indexed), volunteers without a position, former volunteers of the
resident, recent loads, widened searches, and unlocated requests."""

import math
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import HelpCategoryFactory, HelpRequestFactory, MissionFactory, SupportFactory
from tests.factories.trainings import TrainingModuleFactory, VolunteerTrainingFactory
from villesolidaire.accounts.models import User
from villesolidaire.core.choices import LANGUAGES
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.matching import nearby, scoring, selectors
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.territory.geometry import KM_PER_DEGREE_LAT, km_per_degree_lon
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the early-stopping ranking is PostgreSQL's"),
    pytest.mark.django_db,
]

LAT, LON = 48.11, -1.68
RARE = LANGUAGES.bit_of("ar")
TRAINING_BIT = 3


def _position(rng: random.Random) -> tuple[float, float]:
    """70 % around the centre (σ 1.5 km), the rest spread up to 12 km away."""
    if rng.random() < 0.7:
        dx, dy = rng.gauss(0, 1.5), rng.gauss(0, 1.5)
    else:
        dx, dy = rng.uniform(-12, 12), rng.uniform(-12, 12)
    return LAT + dy / KM_PER_DEGREE_LAT, LON + dx / km_per_degree_lon(LAT)


def generated_town(count: int, seed: int) -> list[VolunteerMatchProfile]:
    rng = random.Random(seed)
    users = User.objects.bulk_create([User(email=f"town-{seed}-{i}@example.org") for i in range(count)])
    volunteers = Volunteer.objects.bulk_create(
        [Volunteer(user=user, first_name="P", last_name=str(i), status=Status.ACTIVE) for i, user in enumerate(users)]
    )
    profiles = []
    for volunteer in volunteers:
        located = rng.random() > 0.04
        lat, lon = _position(rng)
        profiles.append(
            VolunteerMatchProfile(
                volunteer_id=volunteer.pk,
                is_eligible=rng.random() > 0.15,
                latitude=lat if located else None,
                longitude=lon if located else None,
                max_distance_km=float(rng.choice([1, 2, 3, 3, 5, 8, 10, 30])),
                categories_mask=sum(1 << bit for bit in range(4) if rng.random() < 0.5),
                skills_mask=sum(1 << bit for bit in range(8) if rng.random() < 0.15),
                languages_mask=1
                | (LANGUAGES.bit_of("en") if rng.random() < 0.3 else 0)
                | (RARE if rng.random() < 0.03 else 0),
                availability_mask=sum(1 << bit for bit in range(21) if rng.random() < 0.35),
                trainings_mask=(1 << TRAINING_BIT) if rng.random() < 0.05 else 0,
            )
        )
    VolunteerMatchProfile.objects.bulk_create(profiles)
    with connection.cursor() as cursor:  # statistics the plan reads (autovacuum would gather them)
        cursor.execute("ANALYZE matching_volunteermatchprofile")
    nearby.forget_statistics()
    return profiles


@pytest.fixture(autouse=True)
def early_stop_in_small_towns(monkeypatch):
    """The early stop even in these towns of thousands (it otherwise starts at SCAN_BELOW)."""
    monkeypatch.setattr(nearby, "SCAN_BELOW", 0)


@pytest.fixture
def small_reads(monkeypatch):
    """A probe and a first box small enough that every stage runs on a town of thousands."""
    monkeypatch.setattr(nearby, "PROBE_MIN", 60)
    monkeypatch.setattr(nearby, "PROBE_MAX", 60)
    monkeypatch.setattr(nearby, "BOX_FACTOR", 7)


def contexts(rng: random.Random, **fixed) -> list[scoring.MatchContext]:
    found = []
    for _ in range(12):
        lat, lon = _position(rng)
        values = dict(
            category_bit=1 << rng.randrange(4),
            latitude=lat,
            longitude=lon,
            skills=tuple((bit, f"S{bit}") for bit in sorted(rng.sample(range(8), rng.randint(0, 3)))),
            wished_mask=rng.choice([None, 0b111, 1 << 5, 0b1001001]),
            wished_label="x",
            language_code=rng.choice(["fr", "fr", "en", "ar"]),
            widen=rng.random() < 0.2,
        )
        found.append(scoring.MatchContext(**(values | fixed)))
    return found


def assert_same_ranking(context: scoring.MatchContext, limit: int = 20, now=None) -> list[selectors.Candidate]:
    expected = selectors.rank_by_scan(context, limit=limit, now=now)
    ranked = selectors.rank_for_context(context, limit=limit, now=now)
    assert [c.volunteer_id for c in ranked] == [c.volunteer_id for c in expected]
    assert [c.score for c in ranked] == pytest.approx([c.score for c in expected], abs=1e-9)
    assert [(c.continuity, c.recent_missions) for c in ranked] == [(c.continuity, c.recent_missions) for c in expected]
    assert [c.explanation for c in ranked] == [c.explanation for c in expected]
    return ranked


def test_same_top_20_as_the_full_ranking_dense_centre_and_sparse_edges(small_reads):
    generated_town(3000, seed=11)
    rng = random.Random(12)
    for context in contexts(rng) + contexts(rng, latitude=LAT + 11 / KM_PER_DEGREE_LAT, longitude=LON):
        assert len(assert_same_ranking(context)) > 0


def test_same_top_with_a_rare_language_read_through_the_features_index(small_reads):
    generated_town(3000, seed=21)
    rng = random.Random(22)
    with CaptureQueriesContext(connection) as queries:
        for context in contexts(rng, language_code="ar", skills=((1, "A"), (4, "B"))):
            assert_same_ranking(context)
    # The rare tiers (the language with both skills) went through the GIN index at least once.
    assert any("vs_match_features(" in query["sql"] and "@>" in query["sql"] for query in queries)


def test_gated_category_same_top_and_an_expired_training_is_left_out(small_reads):
    profiles = generated_town(3000, seed=31)
    module = TrainingModuleFactory(bit=TRAINING_BIT)
    holders = [p for p in profiles if p.trainings_mask]
    today = timezone.localdate()
    for index, profile in enumerate(holders):
        expired = index % 7 == 0  # the mask still says held: both rankings must check the date
        VolunteerTrainingFactory(
            volunteer_id=profile.volunteer_id,
            module=module,
            completed_on=today - timedelta(days=400),
            expires_on=today - timedelta(days=1) if expired else None,
        )
    expired_ids = {p.volunteer_id for index, p in enumerate(holders) if index % 7 == 0}
    rng = random.Random(32)
    for context in contexts(rng, required_trainings=((TRAINING_BIT, "Module"),)):
        ranked = assert_same_ranking(context)
        assert not expired_ids & {c.volunteer_id for c in ranked}


def test_loads_and_former_volunteers_same_top(small_reads):
    profiles = generated_town(3000, seed=41)
    rng = random.Random(42)
    now = timezone.now()
    eligible = [p.volunteer_id for p in profiles if p.is_eligible]
    help_request = HelpRequestFactory()
    for volunteer_id in rng.sample(eligible, 300):
        support = SupportFactory(volunteer_id=volunteer_id, help_request=help_request, resident=help_request.resident)
        for _ in range(rng.randint(1, 4)):
            MissionFactory(support=support, scheduled_at=now - timedelta(days=rng.uniform(0, 6)))
        MissionFactory(support=support, scheduled_at=now - timedelta(days=20), status=MissionStatus.DONE)
    former = frozenset(rng.sample(eligible, 5) + rng.sample([p.volunteer_id for p in profiles], 2))
    for context in contexts(rng, resident_volunteer_ids=former):
        for limit in (1, 7, 20):
            assert_same_ranking(context, limit=limit, now=now)


def test_unlocated_request_and_unlocated_volunteers(small_reads):
    generated_town(1500, seed=51)
    rng = random.Random(52)
    for context in contexts(rng, latitude=None, longitude=None):
        assert_same_ranking(context)
    # Few bonuses and a far request: volunteers without a position can make the top.
    for context in contexts(rng, skills=(), wished_mask=None, language_code="fr"):
        assert_same_ranking(context, limit=40)


def test_a_town_too_small_for_the_probe_and_an_empty_one():
    generated_town(30, seed=61)
    rng = random.Random(62)
    for context in contexts(rng):
        assert_same_ranking(context)
    VolunteerMatchProfile.objects.all().delete()
    assert selectors.rank_for_context(contexts(rng)[0]) == []


def test_a_request_is_ranked_in_three_statements_at_most(small_reads, django_assert_max_num_queries):
    """The category's required trainings, the probe and the box (and beyond it, when needed):
    former volunteers, loads and valid trainings are read within them."""
    generated_town(2000, seed=81)
    created = HelpRequestFactory(
        # The seeded category of bit 1, or one (a transactional test before may have emptied them).
        category=HelpCategory.objects.filter(bit=1).first() or HelpCategoryFactory(bit=1),
        resident__is_located=True,
        resident__latitude=LAT,
        resident__longitude=LON,
        resident__language="ar",
    )
    help_request = (
        type(created)
        .objects.select_related("category", "resident")
        .prefetch_related("category__skills")  # as the matching page reads it
        .get(pk=created.pk)
    )
    selectors.rank_volunteers(help_request)  # the process now knows the town's statistics
    with django_assert_max_num_queries(4):
        assert len(selectors.rank_volunteers(help_request)) == 20


def test_a_small_town_is_ranked_by_reading_everyone(monkeypatch):
    generated_town(300, seed=71)
    monkeypatch.setattr(nearby, "SCAN_BELOW", 30_000)
    context = contexts(random.Random(72))[0]
    with CaptureQueriesContext(connection) as queries:
        assert_same_ranking(context)
    assert not any("vs_match_reach_point(" in query["sql"] for query in queries)


def test_the_radius_of_a_tier_shrinks_with_the_bound():
    assert nearby._radius(-math.inf, 10.0, 8.0) == 8.0
    # 40 · (1 − d/8) + 10 ≥ 40  ⇔  d ≤ 2.
    assert nearby._radius(40.0, 10.0, 8.0) == pytest.approx(2.0)
    assert nearby._radius(60.0, 10.0, 8.0) < 0

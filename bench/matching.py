"""Matching top-20 among N volunteers: p50 and p95 of matching.selectors.rank_volunteers.

Usage: DATABASE_URL=... python bench/matching.py --label postgresql --sizes 10000 100000

Volunteers are written straight into the database in bulk (User, Volunteer and
VolunteerMatchProfile rows): positions spread over a town and its outskirts, realistic
statuses, categories, skills, languages and availability masks. Some volunteers get recent
missions so the load part of the score has work to do. Each measured call ranks one of
~200 random help requests (after a warm-up), timed with time.perf_counter.
"""

import argparse
import datetime
import random
import time

from common import bulk_insert, centre, percentile, position, record, setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from villesolidaire.accounts.models import User  # noqa: E402
from villesolidaire.core.choices import LANGUAGES  # noqa: E402
from villesolidaire.core.text import fold  # noqa: E402
from villesolidaire.help_requests.enums import TimeWindow  # noqa: E402
from villesolidaire.help_requests.models import HelpCategory, HelpRequest  # noqa: E402
from villesolidaire.matching.index import cluster_index  # noqa: E402
from villesolidaire.matching.models import VolunteerMatchProfile  # noqa: E402
from villesolidaire.matching.nearby import forget_statistics  # noqa: E402
from villesolidaire.matching.selectors import candidate_rows, match_context, rank_volunteers, with_former_volunteers  # noqa: E402
from villesolidaire.missions.enums import MissionStatus  # noqa: E402
from villesolidaire.missions.models import Mission, Support  # noqa: E402
from villesolidaire.residents.models import Resident  # noqa: E402
from villesolidaire.volunteers.enums import Status  # noqa: E402
from villesolidaire.volunteers.models import Volunteer  # noqa: E402

BATCH = 5000
STATUS_WEIGHTS = {Status.ACTIVE: 80, Status.REGISTERED: 10, Status.PAUSED: 5, Status.WITHDRAWN: 5}


def mask_of(bits) -> int:
    mask = 0
    for bit in bits:
        mask |= 1 << bit
    return mask


def grow_volunteers(target: int, rng: random.Random) -> float:
    """Add volunteers until the matching index holds `target` rows. Returns seconds spent."""
    started = time.perf_counter()
    existing = VolunteerMatchProfile.objects.count()
    lat0, lon0 = centre()
    category_bits = list(HelpCategory.objects.values_list("bit", flat=True))
    statuses = list(STATUS_WEIGHTS)
    weights = [STATUS_WEIGHTS[s] for s in statuses]
    now = timezone.now()
    run = rng.getrandbits(32)
    for start in range(existing, target, BATCH):
        size = min(BATCH, target - start)
        users, volunteers, profiles = [], [], []
        for n in range(size):
            index = start + n
            status = rng.choices(statuses, weights)[0]
            lat, lon = position(rng, lat0, lon0)
            email = f"bench-{run:08x}-{index}@bench.invalid"
            languages = (
                LANGUAGES.bit_of("fr")
                | (LANGUAGES.bit_of("en") if rng.random() < 0.3 else 0)
                | (LANGUAGES.bit_of("ar") if rng.random() < 0.05 else 0)
            )
            availability = mask_of(rng.sample(range(21), rng.randint(3, 12)))
            categories = mask_of(rng.sample(category_bits, rng.randint(2, 6)))
            skills = mask_of(rng.sample(range(10), rng.randint(0, 3)))
            max_distance = rng.choice([1, 2, 3, 3, 5, 5, 8, 10])
            users.append(User(email=email, first_name="Bench", last_name=str(index), password="!bench"))
            volunteers.append(
                Volunteer(
                    first_name="Bench",
                    last_name=str(index),
                    email=email,
                    address=f"{index} rue du Banc d'essai",
                    latitude=lat,
                    longitude=lon,
                    is_located=True,
                    languages=languages,
                    availability=availability,
                    max_distance_km=max_distance,
                    status=status,
                    created_at=now,
                )
            )
            profiles.append(
                VolunteerMatchProfile(
                    is_eligible=status == Status.ACTIVE,
                    latitude=lat,
                    longitude=lon,
                    max_distance_km=float(max_distance),
                    categories_mask=categories,
                    skills_mask=skills,
                    languages_mask=languages,
                    availability_mask=availability,
                )
            )
        with transaction.atomic():
            bulk_insert(User, users)
            for user, volunteer in zip(users, volunteers, strict=True):
                volunteer.user = user
                volunteer.fill_search_name()  # as Volunteer.save does (the list's name search)
            bulk_insert(Volunteer, volunteers)
            for volunteer, profile in zip(volunteers, profiles, strict=True):
                profile.volunteer = volunteer
            bulk_insert(VolunteerMatchProfile, profiles)
    # Fresh planner statistics, as autovacuum would have after a real sign-up wave, and the index
    # table in position order, as the nightly `cluster_matching_index` leaves it (PostgreSQL).
    if not cluster_index():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # A process keeps a town's statistics 10 minutes (nearby.STATISTICS_TTL): without this the
    # 100,000 run would plan with the 10,000 run's figures, and rank by reading every volunteer.
    forget_statistics()
    return time.perf_counter() - started


def recent_missions(rng: random.Random, requests: list[HelpRequest], count: int = 2000) -> None:
    """Missions done or planned in the last 7 days for random volunteers (the load penalty)."""
    volunteer_ids = list(Volunteer.objects.filter(status=Status.ACTIVE).values_list("pk", flat=True)[:20000])
    now = timezone.now()
    supports = Support.objects.bulk_create(
        [
            Support(
                help_request=request,
                resident_id=request.resident_id,
                volunteer_id=rng.choice(volunteer_ids),
                started_at=now,
            )
            for request in rng.sample(requests, min(len(requests), count // 4))
        ]
    )
    Mission.objects.bulk_create(
        [
            Mission(
                support=rng.choice(supports),
                scheduled_at=now - datetime.timedelta(days=rng.uniform(0, 6)),
                status=rng.choice([MissionStatus.DONE, MissionStatus.PLANNED]),
            )
            for _ in range(count)
        ],
        batch_size=BATCH,
    )


def bench_requests(rng: random.Random, count: int) -> list[HelpRequest]:
    """Residents at random places with a request each, in random categories and time windows."""
    lat0, lon0 = centre()
    categories = list(HelpCategory.objects.all())
    residents = []
    for index in range(count):
        lat, lon = position(rng, lat0, lon0)
        residents.append(
            Resident(
                first_name="Habitant",
                last_name=f"Banc {index}",
                search_name=fold(f"banc {index} habitant"),
                latitude=lat,
                longitude=lon,
                is_located=True,
                language=rng.choices(["fr", "ar", "en"], [90, 5, 5])[0],
            )
        )
    Resident.objects.bulk_create(residents)
    today = timezone.localdate()
    requests = [
        HelpRequest(
            resident=resident,
            category=rng.choice(categories),
            description="Banc d'essai de la mise en relation",
            time_window=rng.choice(list(TimeWindow.values)),
            wished_start=today + datetime.timedelta(days=rng.randint(0, 6)) if rng.random() < 0.6 else None,
        )
        for resident in residents
    ]
    HelpRequest.objects.bulk_create(requests)
    return requests


def measure(label: str, size: int, requests: list[HelpRequest], rng: random.Random) -> list[dict]:
    loaded = list(
        HelpRequest.objects.filter(pk__in=[r.pk for r in requests])
        .select_related("category", "resident")
        .prefetch_related("category__skills")
    )
    for request in loaded[:20]:  # warm-up: connections, caches, query plans
        rank_volunteers(request, limit=20)
    timings, sizes = [], []
    for request in loaded:
        started = time.perf_counter()
        result = rank_volunteers(request, limit=20)
        timings.append((time.perf_counter() - started) * 1000)
        sizes.append(len(result))
    prefix = f"matching_top20_{size_label(size)}_{label}"
    print(f"{label}, {size} volunteers: {len(timings)} calls, {sum(sizes) / len(sizes):.1f} candidates on average")
    rows = [
        {"name": f"{prefix}_p50", "value": round(percentile(timings, 50), 2), "unit": "ms"},
        {"name": f"{prefix}_p95", "value": round(percentile(timings, 95), 2), "unit": "ms"},
    ]
    # The brute-force statement alone (every candidate's score, best 20: the full ranking's SQL,
    # run bare through a cursor), on the same requests in the same run: what reading every row
    # costs at best, whatever the Python around it.
    bare = []
    for request in loaded:
        context = with_former_volunteers(match_context(request))
        started = time.perf_counter()
        candidate_rows(context, limit=20, pinned=context.resident_volunteer_ids)
        bare.append((time.perf_counter() - started) * 1000)
    bound = f"matching_raw_sql_bound_{size_label(size)}" + ("" if label == "postgresql" else f"_{label}")
    return rows + [
        {"name": f"{bound}_p50", "value": round(percentile(bare, 50), 2), "unit": "ms"},
        {"name": f"{bound}_p95", "value": round(percentile(bare, 95), 2), "unit": "ms"},
    ]


def size_label(size: int) -> str:
    """10k, 100k, 1m: the bench's names."""
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    requests = bench_requests(rng, args.requests)
    for size in args.sizes:
        seconds = grow_volunteers(size, rng)
        if size == args.sizes[0]:
            recent_missions(rng, requests)
        print(
            f"{args.label}: index at {VolunteerMatchProfile.objects.count()} volunteers (+{seconds:.0f} s to generate)"
        )
        record(f"matching-{args.label}", measure(args.label, size, requests, rng))


if __name__ == "__main__":
    main()

"""Who to tell about a one-off need among N volunteers: p50 and p95 of needs.selectors.select_volunteers.

Usage: DATABASE_URL=... python bench/needs_selection.py --label postgresql --sizes 100000

Volunteers are written straight into the database in bulk (User and Volunteer rows; matching
profiles are not needed here): positions over a town and its outskirts, realistic statuses,
engagement domains, accepted categories, availability masks, maximum distances, and held
trainings (some expired). Volunteers already in the database (e.g. from bench/matching.py,
which leaves engagement domains empty) get domains too, so every row is realistic. Each
measured call selects the volunteers for one of ~100 needs at random places with 1 to 3
shifts, a domain, half of them a category and some of them 1 or 2 required trainings.
"""

import argparse
import datetime
import random
import time

from common import bulk_insert, centre, percentile, position, record, setup_django
from matching import size_label

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from villesolidaire.accounts.models import User  # noqa: E402
from villesolidaire.core.choices import ENGAGEMENT_DOMAINS, LANGUAGES  # noqa: E402
from villesolidaire.help_requests.models import HelpCategory  # noqa: E402
from villesolidaire.matching.index import cluster_index  # noqa: E402
from villesolidaire.matching.models import VolunteerMatchProfile  # noqa: E402
from villesolidaire.needs.models import Need, NeedStatus, Shift  # noqa: E402
from villesolidaire.needs.selectors import select_volunteers  # noqa: E402
from villesolidaire.trainings.models import TrainingModule, VolunteerTraining  # noqa: E402
from villesolidaire.volunteers.enums import Status  # noqa: E402
from villesolidaire.volunteers.models import Volunteer  # noqa: E402

BATCH = 5000
STATUS_WEIGHTS = {Status.ACTIVE: 80, Status.REGISTERED: 10, Status.PAUSED: 5, Status.WITHDRAWN: 5}
DOMAIN_CODES = [flag.code for flag in ENGAGEMENT_DOMAINS.flags]
TRAINING_SHARE = 0.4
CATEGORY_SHARE = 0.5


def random_domains(rng: random.Random) -> int:
    return ENGAGEMENT_DOMAINS.to_mask(rng.sample(DOMAIN_CODES, rng.randint(1, 3)))


def modules() -> list[TrainingModule]:
    existing = list(TrainingModule.objects.order_by("pk")[:6])
    for index in range(len(existing), 6):
        existing.append(TrainingModule.objects.create(title=f"Module de banc d'essai {index}"))
    return existing


def grow_volunteers(target: int, rng: random.Random) -> float:
    """Add volunteers until the table holds `target` rows. Returns seconds spent."""
    started = time.perf_counter()
    existing = Volunteer.objects.count()
    lat0, lon0 = centre()
    statuses = list(STATUS_WEIGHTS)
    weights = [STATUS_WEIGHTS[s] for s in statuses]
    now = timezone.now()
    run = rng.getrandbits(32)
    for start in range(existing, target, BATCH):
        size = min(BATCH, target - start)
        users, volunteers = [], []
        for n in range(size):
            index = start + n
            lat, lon = position(rng, lat0, lon0)
            email = f"besoins-{run:08x}-{index}@bench.invalid"
            users.append(User(email=email, first_name="Banc", last_name=str(index), password="!bench"))
            volunteers.append(
                Volunteer(
                    first_name="Banc",
                    last_name=str(index),
                    email=email,
                    address=f"{index} rue du Banc d'essai",
                    latitude=lat,
                    longitude=lon,
                    is_located=rng.random() > 0.05,
                    languages=LANGUAGES.bit_of("fr"),
                    availability=sum(1 << bit for bit in rng.sample(range(21), rng.randint(3, 12))),
                    max_distance_km=rng.choice([1, 2, 3, 3, 5, 5, 8, 10]),
                    status=rng.choices(statuses, weights)[0],
                    domains=random_domains(rng),
                    created_at=now,
                )
            )
        with transaction.atomic():
            bulk_insert(User, users)
            for user, volunteer in zip(users, volunteers, strict=True):
                volunteer.user = user
                volunteer.fill_search_name()  # as Volunteer.save does (the list's name search)
            bulk_insert(Volunteer, volunteers)
    return time.perf_counter() - started


def complete_profiles(rng: random.Random, training_modules: list[TrainingModule]) -> None:
    """Domains for volunteers that have none, accepted categories and held trainings for a share
    of everyone (only for volunteers that have none yet, so a second run adds nothing). The
    domains and the categories' masks are written by one statement each at the end: row by row
    they took most of the ten minutes a million volunteers needed (PostgreSQL, as this bench)."""
    category_ids = list(HelpCategory.objects.values_list("pk", flat=True))
    Through = Volunteer.categories.through
    with_categories = set(Through.objects.values_list("volunteer_id", flat=True).distinct())
    trained = set(VolunteerTraining.objects.values_list("volunteer_id", flat=True).distinct())
    today = timezone.localdate()
    ids = list(Volunteer.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        links, held = [], []
        for pk in ids[start : start + BATCH]:
            if pk not in with_categories and rng.random() < CATEGORY_SHARE and category_ids:
                links += [
                    Through(volunteer_id=pk, helpcategory_id=c) for c in rng.sample(category_ids, rng.randint(1, 3))
                ]
            if pk not in trained and rng.random() < TRAINING_SHARE:
                for module in rng.sample(training_modules, rng.randint(1, 3)):
                    expired = rng.random() < 0.15
                    held.append(
                        VolunteerTraining(
                            volunteer_id=pk,
                            module=module,
                            completed_on=today - datetime.timedelta(days=rng.randint(30, 900)),
                            expires_on=today - datetime.timedelta(days=10) if expired else None,
                        )
                    )
        with transaction.atomic():
            Through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
            VolunteerTraining.objects.bulk_create(held, batch_size=BATCH, ignore_conflicts=True)
    volunteer = connection.ops.quote_name(Volunteer._meta.db_table)
    through = connection.ops.quote_name(Through._meta.db_table)
    category = connection.ops.quote_name(HelpCategory._meta.db_table)
    pick = f"(1 << floor(random() * {len(DOMAIN_CODES)})::int)"
    with connection.cursor() as cursor:
        # One to three domains each (random, as random_domains draws them).
        cursor.execute(
            f"UPDATE {volunteer} SET domains = {pick} | CASE WHEN random() < 0.67 THEN {pick} ELSE 0 END "
            f"| CASE WHEN random() < 0.33 THEN {pick} ELSE 0 END WHERE domains = 0"
        )
        # What volunteers.services.refresh_categories_masks writes, in one statement.
        cursor.execute(
            f"UPDATE {volunteer} v SET categories_mask = m.mask FROM (SELECT t.volunteer_id, "
            f"BIT_OR(1::bigint << c.bit) AS mask FROM {through} t JOIN {category} c ON c.id = t.helpcategory_id "
            "GROUP BY t.volunteer_id) m WHERE m.volunteer_id = v.id AND v.categories_mask <> m.mask"
        )
        cursor.execute("ANALYZE")


def sync_index() -> None:
    """The matching index follows the volunteers written above, as the volunteers' and trainings'
    services keep it in step (here in three statements rather than row by row): rows for the
    volunteers without one, their accepted categories and domains, and their valid trainings."""
    profile = connection.ops.quote_name(VolunteerMatchProfile._meta.db_table)
    volunteer = connection.ops.quote_name(Volunteer._meta.db_table)
    held = connection.ops.quote_name(VolunteerTraining._meta.db_table)
    module = connection.ops.quote_name(TrainingModule._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {profile} (volunteer_id, is_eligible, latitude, longitude, max_distance_km, "
            "categories_mask, "
            "skills_mask, languages_mask, availability_mask, trainings_mask, domains_mask) "
            "SELECT v.id, v.status = %s, CASE WHEN v.is_located THEN v.latitude END, "
            "CASE WHEN v.is_located THEN v.longitude END, v.max_distance_km, v.categories_mask, 0, v.languages, "
            f"v.availability, 0, v.domains FROM {volunteer} v WHERE v.anonymised_at IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {profile} p WHERE p.volunteer_id = v.id)",
            [Status.ACTIVE],
        )
        cursor.execute(
            f"UPDATE {profile} p SET categories_mask = v.categories_mask, domains_mask = v.domains FROM {volunteer} v "
            "WHERE v.id = p.volunteer_id AND (p.categories_mask <> v.categories_mask OR p.domains_mask <> v.domains)"
        )
        cursor.execute(
            f"UPDATE {profile} p SET trainings_mask = t.mask FROM (SELECT vt.volunteer_id, "
            f"BIT_OR(1::bigint << m.bit) AS mask FROM {held} vt JOIN {module} m ON m.id = vt.module_id "
            "WHERE vt.expires_on IS NULL OR vt.expires_on >= %s GROUP BY vt.volunteer_id) t "
            "WHERE t.volunteer_id = p.volunteer_id AND p.trainings_mask <> t.mask",
            [timezone.localdate()],
        )
    cluster_index()


def bench_needs(rng: random.Random, count: int, training_modules: list[TrainingModule]) -> list[Need]:
    lat0, lon0 = centre()
    categories = list(HelpCategory.objects.all())
    today = timezone.localdate()
    needs = []
    for index in range(count):
        lat, lon = position(rng, lat0, lon0)
        need = Need.objects.create(
            title=f"Besoin de banc d'essai {index}",
            description="Banc d'essai de la sélection des volontaires",
            address=f"{index} place du Banc",
            latitude=lat,
            longitude=lon,
            is_located=True,
            domain=rng.choice(DOMAIN_CODES),
            category=rng.choice(categories) if categories and rng.random() < 0.5 else None,
            status=NeedStatus.PUBLISHED,
        )
        if rng.random() < 0.4:
            need.trainings.set(rng.sample(training_modules, rng.randint(1, 2)))
        for _ in range(rng.randint(1, 3)):
            day = today + datetime.timedelta(days=rng.randint(2, 30))
            hour = rng.choice([8, 9, 10, 14, 15, 18])
            starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
            Shift.objects.create(
                need=need,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=rng.choice([2, 3, 4])),
                places=rng.randint(2, 20),
            )
        needs.append(need)
    return needs


def measure(label: str, size: int, needs: list[Need]) -> list[dict]:
    loaded = list(Need.objects.filter(pk__in=[n.pk for n in needs]))
    for need in loaded[:10]:  # warm-up: connections, caches, query plans
        select_volunteers(need)
    timings, chosen, lacking = [], [], []
    for need in loaded:
        started = time.perf_counter()
        selection = select_volunteers(need)
        timings.append((time.perf_counter() - started) * 1000)
        chosen.append(selection.qualified)
        lacking.append(selection.lacking_training)
    prefix = f"needs_selection_{size_label(size)}_{label}"
    print(
        f"{label}, {size} volunteers: {len(timings)} needs, {sum(chosen) / len(chosen):.0f} qualified and "
        f"{sum(lacking) / len(lacking):.0f} lacking a training on average"
    )
    return [
        {"name": f"{prefix}_p50", "value": round(percentile(timings, 50), 2), "unit": "ms"},
        {"name": f"{prefix}_p95", "value": round(percentile(timings, 95), 2), "unit": "ms"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100000])
    parser.add_argument("--needs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=43)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    training_modules = modules()
    needs = bench_needs(rng, args.needs, training_modules)
    for size in args.sizes:
        seconds = grow_volunteers(size, rng)
        complete_profiles(rng, training_modules)
        sync_index()
        print(f"{args.label}: {Volunteer.objects.count()} volunteers (+{seconds:.0f} s to generate)")
        record("needs-selection", measure(args.label, size, needs))


if __name__ == "__main__":
    main()

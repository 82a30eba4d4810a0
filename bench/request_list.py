"""The coordinators' request list (/gestion/demandes/) with 10,000 requests: p50 and p95.

Usage: DATABASE_URL=... python bench/request_list.py --requests 10000 --samples 200

Requests are bulk-created (with their residents, spread over the quartiers) until the table
holds the wanted number; then a signed-in coordinator who passed the second factor opens the
list ~200 times through Django's test Client: the first page, random later pages and the
usual filters. Each response is checked (status 200) and timed with time.perf_counter.
"""

import argparse
import datetime
import random
import time

from common import percentile, record, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402

from villesolidaire.accounts.enums import Role  # noqa: E402
from villesolidaire.accounts.models import RoleGrant, User  # noqa: E402
from villesolidaire.core.text import fold  # noqa: E402
from villesolidaire.help_requests.enums import ClosureReason, Status, Urgency  # noqa: E402
from villesolidaire.help_requests.models import HelpCategory, HelpRequest  # noqa: E402
from villesolidaire.residents.models import Resident  # noqa: E402
from villesolidaire.territory.models import Quartier  # noqa: E402

BATCH = 5000
STATUS_WEIGHTS = {Status.NEW: 10, Status.QUALIFIED: 5, Status.SEARCHING: 10, Status.SUPPORTED: 25, Status.CLOSED: 50}
LAST_NAMES = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Michel", "Garcia"]


def grow_requests(target: int, rng: random.Random) -> None:
    existing = HelpRequest.objects.count()
    if existing >= target:
        return
    quartiers = list(Quartier.objects.all()) or [None]
    categories = list(HelpCategory.objects.all())
    now = timezone.now()
    statuses = list(STATUS_WEIGHTS)
    weights = [STATUS_WEIGHTS[s] for s in statuses]
    for start in range(existing, target, BATCH):
        size = min(BATCH, target - start)
        residents = []
        for n in range(size // 2 + 1):  # two requests per resident on average
            last = f"{rng.choice(LAST_NAMES)}-{start + n}"
            residents.append(
                Resident(
                    first_name="Habitante",
                    last_name=last,
                    search_name=fold(f"{last} habitante"),
                    quartier=rng.choice(quartiers),
                    phone=f"+331990{(start + n) % 100000:05d}",
                )
            )
        requests = []
        for _n in range(size):
            status = rng.choices(statuses, weights)[0]
            requests.append(
                HelpRequest(
                    resident=rng.choice(residents),
                    category=rng.choice(categories),
                    description="Banc d'essai de la liste",
                    urgency=rng.choices(list(Urgency.values), [75, 20, 5])[0],
                    status=status,
                    closure_reason=ClosureReason.DONE if status == Status.CLOSED else "",
                    created_at=now - datetime.timedelta(minutes=rng.uniform(0, 60 * 24 * 300)),
                )
            )
        with transaction.atomic():
            Resident.objects.bulk_create(residents, batch_size=BATCH)
            HelpRequest.objects.bulk_create(requests, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def coordinator_client() -> Client:
    user, created = User.objects.get_or_create(email="bench-coordinatrice@bench.invalid")
    if created:
        RoleGrant.objects.create(user=user, role=Role.COORDINATOR)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Banc d'essai", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id  # what a verified second factor leaves in the session
    session.save()
    return client


def urls(rng: random.Random, samples: int) -> list[str]:
    base = reverse("help_requests:list")
    pages = max(1, HelpRequest.objects.count() // 50)
    categories = list(HelpCategory.objects.values_list("pk", flat=True))
    quartiers = list(Quartier.objects.values_list("pk", flat=True)) or [""]
    variants = [
        lambda: base,
        lambda: f"{base}?page={rng.randint(2, pages)}",
        lambda: f"{base}?state=open",
        lambda: f"{base}?category={rng.choice(categories)}",
        lambda: f"{base}?quartier={rng.choice(quartiers)}&state=open",
        lambda: f"{base}?q={rng.choice(LAST_NAMES).lower()}",
    ]
    return [variants[0]() if n % 2 == 0 else rng.choice(variants[1:])() for n in range(samples)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--label", default="postgresql")
    args = parser.parse_args()
    rng = random.Random(7)
    grow_requests(args.requests, rng)
    total = HelpRequest.objects.count()
    client = coordinator_client()
    plan = urls(rng, args.samples)
    for url in plan[:10]:  # warm-up
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(plan[0])
    first_page_queries = len(queries)
    timings, first_page = [], []
    for url in plan:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        timings.append(elapsed)
        if url == plan[0]:
            first_page.append(elapsed)
        reset_queries()
    print(f"{args.label}: {total} requests, {len(timings)} list pages, DEBUG={settings.DEBUG}")
    size = f"{total // 1000}k"
    record(
        f"request-list-{args.label}",
        [
            {
                "name": f"request_list_{size}_{args.label}_p50",
                "value": round(percentile(timings, 50), 2),
                "unit": "ms",
            },
            {
                "name": f"request_list_{size}_{args.label}_p95",
                "value": round(percentile(timings, 95), 2),
                "unit": "ms",
            },
            {
                "name": f"request_list_{size}_{args.label}_first_page_p95",
                "value": round(percentile(first_page, 95), 2),
                "unit": "ms",
            },
            {"name": f"request_list_{args.label}_queries_per_page", "value": first_page_queries, "unit": "queries"},
        ],
    )


if __name__ == "__main__":
    main()

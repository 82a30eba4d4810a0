"""The volunteer list (/gestion/volontaires/) and the dashboard (the bilan page as a coordinator
first opens it, /gestion/bilan/) at 100,000 volunteers and 100,000 help requests: p50, p95, queries.

Usage: DATABASE_URL=... python bench/volunteer_list.py --volunteers 100000 --requests 100000 --samples 200

Run after bench/matching.py in bench/run.sh, on what it leaves (100,000 volunteers): the missing
volunteers and requests are added in bulk by the other scripts' own generators (matching's
grow_volunteers, request_list's grow_requests); the volunteers' sign-ups are spread over two years
with status histories by bilan's spread_histories, then each volunteer is placed in a quartier and
given the categories of their matching profile (grow_volunteers leaves both empty), once. The
count deltas these bulk writes appended are folded, as the 5-minute job (fold_volunteer_counts)
would have done before anyone opens the bilan (decisions 0015, 0017), and the tables vacuumed and
analysed as autovacuum would after such writes. Then a signed-in
coordinator who passed the second factor opens, through Django's test Client:
- the volunteer list: the first page half the time, else a later page, a status, a quartier, a
  category or a name (`volunteer_list_100k_p50/_p95`);
- the bilan page with its defaults: this year compared with last year (`dashboard_100k_p50/_p95`),
  as served: from the copy the 5-minute job `refresh_bilan` keeps (decision 0019).
Before the pages, the job's own work, computing that bilan from every history, is timed on its own
(`dashboard_refresh_100k_p50/_p95`): what the job, « Recalculer maintenant » and a view that finds
no fresh copy cost.
Each response is checked (status 200) and timed with time.perf_counter.
"""

import argparse
import random
import time

from bilan import settle_tables, spread_histories
from common import freeze_like_wsgi, percentile, record, setup_django
from matching import grow_volunteers
from request_list import coordinator_client, grow_requests

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import F, OuterRef, Subquery  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from villesolidaire.help_requests.models import HelpCategory, HelpRequest  # noqa: E402
from villesolidaire.help_requests.services import fold_request_counts  # noqa: E402
from villesolidaire.matching.models import VolunteerMatchProfile  # noqa: E402
from villesolidaire.reporting import snapshots  # noqa: E402
from villesolidaire.territory.models import Quartier  # noqa: E402
from villesolidaire.volunteers.enums import Status  # noqa: E402
from villesolidaire.volunteers.models import Volunteer  # noqa: E402
from villesolidaire.volunteers.services import fold_volunteer_counts  # noqa: E402

NAMES = ["bench", "martin", "1234", "dupont"]


def place_volunteers() -> int:
    """A quartier (round robin on the id) and the categories of their matching profile for the
    volunteers that have none, in a few UPDATEs; returns how many were placed."""
    quartiers = list(Quartier.objects.order_by("pk").values_list("pk", flat=True))
    unplaced = Volunteer.objects.filter(quartier__isnull=True)
    placed = 0
    for index, quartier in enumerate(quartiers):
        placed += unplaced.alias(rest=F("pk") % len(quartiers)).filter(rest=index).update(quartier=quartier)
    profile_mask = VolunteerMatchProfile.objects.filter(volunteer=OuterRef("pk")).values("categories_mask")[:1]
    Volunteer.objects.filter(categories_mask=0, match_profile__isnull=False).update(
        categories_mask=Subquery(profile_mask)
    )
    return placed


def list_urls(rng: random.Random, samples: int) -> list[str]:
    base = reverse("volunteers:list")
    pages = max(1, Volunteer.objects.count() // settings.VS_PAGE_SIZE)
    quartiers = list(Quartier.objects.values_list("pk", flat=True)) or [""]
    categories = list(HelpCategory.objects.values_list("pk", flat=True))
    variants = [
        lambda: f"{base}?page={rng.randint(2, pages)}",
        lambda: f"{base}?status={rng.choice([Status.ACTIVE, Status.REGISTERED])}",
        lambda: f"{base}?quartier={rng.choice(quartiers)}",
        lambda: f"{base}?status={Status.ACTIVE}&quartier={rng.choice(quartiers)}",
        lambda: f"{base}?category={rng.choice(categories)}",
        lambda: f"{base}?q={rng.choice(NAMES)}",
    ]
    return [base if n % 2 == 0 else rng.choice(variants)() for n in range(samples)]


def timed(client: Client, urls: list[str]) -> list[float]:
    for url in urls[:5]:  # warm-up
        assert client.get(url).status_code == 200, url
    freeze_like_wsgi()
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        _ = response.content
        timings.append((time.perf_counter() - started) * 1000)
        reset_queries()
    return timings


def timed_refreshes(samples: int) -> tuple[list[float], int]:
    """The job's computation of the default bilan, timed `samples` times (after one warm-up), and
    its query count."""
    snapshots.refresh()
    freeze_like_wsgi()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        snapshots.refresh()
        timings.append((time.perf_counter() - started) * 1000)
        reset_queries()
    with CaptureQueriesContext(connection) as queries:
        snapshots.refresh()
    return timings, len(queries)


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=100000)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--dashboard-samples", type=int, default=50)
    parser.add_argument("--refresh-samples", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(21)
    started = time.perf_counter()
    grow_volunteers(args.volunteers, rng)
    grow_requests(args.requests, rng)
    written = spread_histories(random.Random(12))
    placed = place_volunteers()
    folded = fold_volunteer_counts()[0] + fold_request_counts()[0]
    print(
        f"  data ready in {time.perf_counter() - started:.0f} s ({written} status changes, "
        f"{placed} volunteers placed, {folded} count deltas folded); "
        f"tables vacuumed and analysed in {settle_tables():.1f} s"
    )
    client = coordinator_client()
    volunteers, requests = Volunteer.objects.count(), HelpRequest.objects.count()
    size = f"{volunteers // 1000}k"
    urls = list_urls(rng, args.samples)
    dashboard = reverse("reporting:dashboard")
    # The job's run, then the pages read the copy it keeps, as they would within its 5 minutes.
    refreshes, refresh_queries = timed_refreshes(args.refresh_samples)
    list_queries, dashboard_queries = queries_of(client, urls[0]), queries_of(client, dashboard)
    list_timings = timed(client, urls)
    dashboard_timings = timed(client, [dashboard] * args.dashboard_samples)
    print(f"  {volunteers} volunteers, {requests} requests; DEBUG={settings.DEBUG}")
    record(
        "volunteer-list",
        [
            {"name": f"volunteer_list_{size}_p50", "value": round(percentile(list_timings, 50), 2), "unit": "ms"},
            {"name": f"volunteer_list_{size}_p95", "value": round(percentile(list_timings, 95), 2), "unit": "ms"},
            {"name": "volunteer_list_queries", "value": list_queries, "unit": "queries"},
            {"name": f"dashboard_{size}_p50", "value": round(percentile(dashboard_timings, 50), 2), "unit": "ms"},
            {"name": f"dashboard_{size}_p95", "value": round(percentile(dashboard_timings, 95), 2), "unit": "ms"},
            {"name": "dashboard_queries", "value": dashboard_queries, "unit": "queries"},
            *[
                {"name": f"dashboard_refresh_{size}_p{n}", "value": round(percentile(refreshes, n), 2), "unit": "ms"}
                for n in (50, 95)
            ],
            {"name": "dashboard_refresh_queries", "value": refresh_queries, "unit": "queries"},
        ],
    )


if __name__ == "__main__":
    main()

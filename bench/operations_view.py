"""The operations view (« Veille du jour », /gestion/veille/) on the bench data: p50, p95, queries.

Usage: DATABASE_URL=... python bench/operations_view.py --samples 200

Run after the other scripts of bench/run.sh, on what they leave: 100,000 volunteers (matching),
10,000 help requests (request list), 20,000 register entries with an ongoing red episode and its
campaigns (campaigns), one-off needs. A signed-in account holding the coordinator and register
officer roles (so every kind of work is counted, the episode's progress included) opens the page
through Django's test Client; each response is checked (status 200) and timed. The counts
fragment the navigation fetches after each staff page is timed the same way.
"""

import argparse
import time

from common import percentile, record, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402

from villesolidaire.accounts.enums import Role  # noqa: E402
from villesolidaire.accounts.models import RoleGrant, User  # noqa: E402
from villesolidaire.campaigns.models import CallTarget  # noqa: E402
from villesolidaire.crises.models import Episode, EpisodeStatus  # noqa: E402
from villesolidaire.help_requests.models import HelpRequest  # noqa: E402
from villesolidaire.volunteers.models import Volunteer  # noqa: E402


def watcher_client() -> Client:
    user, created = User.objects.get_or_create(email="bench-veille@bench.invalid")
    if created:
        RoleGrant.objects.create(user=user, role=Role.COORDINATOR)
        RoleGrant.objects.create(user=user, role=Role.REGISTER_OFFICER)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Banc d'essai", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def timed(client: Client, url: str, samples: int) -> list[float]:
    for _ in range(5):  # warm-up
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        reset_queries()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    client = watcher_client()
    page, fragment = reverse("operations:today"), reverse("operations:nav_counts")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    page_queries = len(queries)
    views = timed(client, page, args.samples)
    counts = timed(client, fragment, args.samples)
    ongoing = Episode.objects.filter(status=EpisodeStatus.ONGOING).count()
    print(
        f"  data: {Volunteer.objects.count()} volunteers, {HelpRequest.objects.count()} requests, "
        f"{CallTarget.objects.count()} call targets, {ongoing} ongoing episode(s); DEBUG={settings.DEBUG}"
    )
    record(
        "operations-view",
        [
            {"name": "operations_view_p50", "value": round(percentile(views, 50), 2), "unit": "ms"},
            {"name": "operations_view_p95", "value": round(percentile(views, 95), 2), "unit": "ms"},
            {"name": "operations_view_queries", "value": page_queries, "unit": "queries"},
            {"name": "operations_nav_counts_p95", "value": round(percentile(counts, 95), 2), "unit": "ms"},
        ],
    )


if __name__ == "__main__":
    main()

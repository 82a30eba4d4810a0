"""The bilan (/gestion/bilan/) and its PDF on the bench data: p50, p95, queries.

Usage: DATABASE_URL=... python bench/bilan.py --samples 100 --pdf-samples 20

Run after the other scripts of bench/run.sh, on what they leave (100,000 volunteers, 10,000 help
requests and their residents, supports and missions, 20,000 register entries and their campaigns).
So that the figures read histories as a real town's do, the script first spreads the volunteers'
sign-ups over the last two years and gives them status histories (validation a week after sign-up,
and for one volunteer in five a later move to the reserve, a pause or a withdrawal), in bulk,
once (a second run finds them), then vacuums and analyses the tables as autovacuum would. Then a
signed-in coordinator opens, through Django's test Client:
- last year's bilan compared with the year before (every volunteer changed since reads the log);
- this year's bilan compared with last year;
- last year's PDF.
Each response is checked (status 200) and timed.
"""

import argparse
import datetime
import random
import time

from common import freeze_like_wsgi, percentile, record, setup_django

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
from villesolidaire.help_requests.models import HelpRequest  # noqa: E402
from villesolidaire.missions.models import Mission  # noqa: E402
from villesolidaire.volunteers.enums import Status  # noqa: E402
from villesolidaire.volunteers.models import Volunteer, VolunteerStatusChange  # noqa: E402

BATCH = 5000
LATER_MOVES = [Status.RESERVE, Status.PAUSED, Status.WITHDRAWN]


def coordinator_client() -> Client:
    user, created = User.objects.get_or_create(email="bench-bilan@bench.invalid")
    if created:
        RoleGrant.objects.create(user=user, role=Role.COORDINATOR)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Banc d'essai", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def spread_histories(rng: random.Random) -> int:
    """Sign-ups over two years and status logs, once; returns the number of log rows written."""
    if VolunteerStatusChange.objects.filter(note="banc d'essai").exists():
        return 0
    now = timezone.now()
    rows = []
    volunteers = Volunteer.objects.order_by("pk").values_list("pk", "status")
    with transaction.atomic():
        for pk, status in volunteers.iterator(chunk_size=BATCH):
            signed_up = now - datetime.timedelta(days=rng.uniform(1, 730))
            validated = min(signed_up + datetime.timedelta(days=7), now)
            rows.append((pk, signed_up, Status.REGISTERED, Status.ACTIVE, validated))
            if status != Status.ACTIVE and status != Status.REGISTERED:
                moved = validated + (now - validated) * rng.random()
                rows.append((pk, signed_up, Status.ACTIVE, status, moved))
            elif status == Status.ACTIVE and rng.random() < 0.2:
                # Moved away, then back to active: the log is read for a past period.
                away = rng.choice(LATER_MOVES[:2])
                left = validated + (now - validated) * rng.random() * 0.5
                rows.append((pk, signed_up, Status.ACTIVE, away, left))
                rows.append((pk, signed_up, away, Status.ACTIVE, left + (now - left) * rng.random()))
        written = _write(rows)
    return written


def _write(rows) -> int:
    """Sign-up dates in one UPDATE per batch (CASE), then the log rows in bulk."""
    signups = {}
    changes = []
    for pk, signed_up, from_status, to_status, at in rows:
        signups[pk] = signed_up
        changes.append(
            VolunteerStatusChange(
                volunteer_id=pk, from_status=from_status, to_status=to_status, at=at, note="banc d'essai"
            )
        )
    keys = list(signups)
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        objects = [Volunteer(pk=pk, created_at=signups[pk]) for pk in chunk]
        Volunteer.objects.bulk_update(objects, ["created_at"], batch_size=BATCH)
    VolunteerStatusChange.objects.bulk_create(changes, batch_size=BATCH)
    return len(changes)


def settle_tables() -> float:
    """VACUUM ANALYZE what the benches wrote in bulk, as autovacuum does on a real town's tables
    within a minute or so of such writes: the planner's statistics are fresh and the visibility
    map lets the bilan's GROUP BYs read its covering indexes alone (index-only scans). Measured
    on stale tables, the same page took two to three times longer."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def timed(client: Client, url: str, params: dict, samples: int, warm_up: int) -> list[float]:
    for _ in range(warm_up):
        assert client.get(url, params).status_code == 200, url
    freeze_like_wsgi()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(url, params)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        _ = response.content
        timings.append((time.perf_counter() - started) * 1000)
        reset_queries()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--pdf-samples", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    written = spread_histories(random.Random(12))
    print(f"  histories: {written} status changes written in {time.perf_counter() - started:.1f} s")
    print(f"  tables vacuumed and analysed in {settle_tables():.1f} s")
    client = coordinator_client()
    this_year = timezone.localdate().year
    last_year = {"period": f"annee-{this_year - 1}", "compare": "on"}
    current = {"period": f"annee-{this_year}", "compare": "on"}
    page, pdf = reverse("reporting:dashboard"), reverse("reporting:pdf")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page, last_year).status_code == 200
    page_queries = len(queries)
    last = timed(client, page, last_year, args.samples, warm_up=3)
    now = timed(client, page, current, args.samples, warm_up=3)
    documents = timed(client, pdf, last_year, args.pdf_samples, warm_up=1)
    print(
        f"  data: {Volunteer.objects.count()} volunteers, {VolunteerStatusChange.objects.count()} status changes, "
        f"{HelpRequest.objects.count()} requests, {Mission.objects.count()} missions; DEBUG={settings.DEBUG}"
    )
    record(
        "bilan",
        [
            {"name": "bilan_page_p50", "value": round(percentile(last, 50), 2), "unit": "ms"},
            {"name": "bilan_page_p95", "value": round(percentile(last, 95), 2), "unit": "ms"},
            {"name": "bilan_page_current_year_p95", "value": round(percentile(now, 95), 2), "unit": "ms"},
            {"name": "bilan_page_queries", "value": page_queries, "unit": "queries"},
            {"name": "bilan_pdf_p50", "value": round(percentile(documents, 50), 2), "unit": "ms"},
            {"name": "bilan_pdf_p95", "value": round(percentile(documents, 95), 2), "unit": "ms"},
        ],
    )


if __name__ == "__main__":
    main()

"""The API's lists at 10,000 rows and the incoming call on the operator's screen.

Usage: DATABASE_URL=... python bench/api.py --samples 200 --calls 100

Run after bench/request_list.py (10,000 help requests and their residents) and bench/matching.py
(100,000 volunteers). A coordinator's key reads, through Django's test Client (DEBUG off), the
first page or a random page of /api/v1/help-requests/ and /api/v1/residents/, then of
/api/v1/volunteers/: p50, p95, and the queries of the first and of a deep page (equal: the count
does not grow with the rows).

Incoming call: one thread plays the operator's intake screen, polling the fragment every 500 ms as
the page does (with the `shown` value it got last); the main thread plays the switchboard, posting
a ringing call from a known resident's number at a random moment of the polling cycle, and notes
when the screen first shows that resident's file; then it posts the call ended. Each thread has its
own database connection; nothing is faked between the report and the screen.
"""

import argparse
import datetime
import random
import threading
import time

from common import percentile, record, setup_django

setup_django()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402

from villesolidaire.accounts.enums import Role  # noqa: E402
from villesolidaire.accounts.models import RoleGrant, User  # noqa: E402
from villesolidaire.api.scopes import ALL_SCOPES  # noqa: E402
from villesolidaire.api.services import api_key_create  # noqa: E402
from villesolidaire.residents.models import Resident  # noqa: E402
from villesolidaire.telephony.models import Call  # noqa: E402

POLL = 0.5  # the intake page's polling interval (base.html)


def bench_key(role: str, name: str) -> str:
    admin, _ = User.objects.get_or_create(email="bench-api-admin@bench.invalid")
    RoleGrant.objects.get_or_create(user=admin, role=Role.ADMIN)
    suffix = timezone.now().strftime("%H%M%S%f")
    issued = api_key_create(
        name=f"{name} {suffix}",
        role=role,
        scopes=sorted(ALL_SCOPES),
        expires_at=timezone.now() + datetime.timedelta(days=1),
        rate_per_minute=100000,
        by=admin,
    )
    return issued.token


def timed_list(client: Client, token: str, path: str, samples: int, rng: random.Random) -> tuple[list[float], int]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    count = client.get(path, **headers).json()["count"]
    pages = max(1, (count + 49) // 50)
    for _ in range(5):
        assert client.get(path, **headers).status_code == 200
    timings = []
    for _ in range(samples):
        page = 1 if rng.random() < 0.5 else rng.randint(1, pages)
        started = time.perf_counter()
        response = client.get(path, {"page": page}, **headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}?page={page}: HTTP {response.status_code}")
    return timings, count


def queries_of(client: Client, token: str, path: str, page: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, {"page": page}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    return len(captured)


def operator_client() -> Client:
    user, created = User.objects.get_or_create(email="bench-accueil@bench.invalid")
    if created:
        RoleGrant.objects.create(user=user, role=Role.OPERATOR)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Banc d'essai", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


class Screen(threading.Thread):
    """The operator's intake page: polls the incoming-call fragment every POLL seconds."""

    def __init__(self, client: Client):
        super().__init__(daemon=True)
        self.client, self.shown, self.stop = client, "", threading.Event()
        self.seen: dict[str, float] = {}  # marker -> first time on screen
        self.markers: set[str] = set()

    def run(self) -> None:
        next_poll = time.perf_counter()
        while not self.stop.is_set():
            response = self.client.get("/gestion/accueil/appel-entrant/", {"shown": self.shown})
            now = time.perf_counter()
            if response.status_code == 200:
                page = response.content.decode()
                self.shown = page.split('name="shown" value="')[1].split('"')[0]
                for marker in list(self.markers):
                    if marker in page and marker not in self.seen:
                        self.seen[marker] = now
            next_poll += POLL
            time.sleep(max(0.0, next_poll - time.perf_counter()))
        connections.close_all()


def incoming_calls(calls: int, rng: random.Random) -> list[float]:
    token = bench_key(Role.OPERATOR, "Banc standard")
    residents = list(Resident.objects.exclude(phone="").values_list("pk", "phone")[:500])
    if not residents:
        raise SystemExit("no resident with a landline in the bench data")
    screen = Screen(operator_client())
    screen.start()
    switchboard = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    latencies = []
    for index in range(calls):
        pk, phone = rng.choice(residents)
        marker = f"resident={pk}"
        screen.markers = {marker}
        screen.seen.pop(marker, None)
        time.sleep(rng.uniform(0, POLL))  # any moment of the screen's polling cycle
        call_id = f"banc-{time.time_ns()}-{index}"
        started = time.perf_counter()
        response = switchboard.post(
            "/api/v1/telephony/generic/calls/",
            {"call_id": call_id, "caller": str(phone), "state": "ringing"},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200, response.content
        deadline = started + 5
        while marker not in screen.seen and time.perf_counter() < deadline:
            time.sleep(0.005)
        if marker not in screen.seen:
            raise SystemExit(f"call {call_id}: not on the screen after 5 s")
        latencies.append((screen.seen[marker] - started) * 1000)
        switchboard.post(
            "/api/v1/telephony/generic/calls/",
            {"call_id": call_id, "state": "ended"},
            content_type="application/json",
            **headers,
        )
        time.sleep(POLL * 2)  # the screen clears before the next call
    screen.stop.set()
    screen.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(15)
    token = bench_key(Role.COORDINATOR, "Banc API")
    client = Client()
    rows = []
    for path, name in (
        ("/api/v1/help-requests/", "help_requests"),
        ("/api/v1/residents/", "residents"),
        ("/api/v1/volunteers/", "volunteers"),
    ):
        timings, count = timed_list(client, token, path, args.samples, rng)
        size = f"{count // 1000}k" if count >= 1000 else str(count)
        deep_page = max(1, (count + 49) // 50 - 1)
        first, deep = queries_of(client, token, path, 1), queries_of(client, token, path, deep_page)
        print(f"  {path}: {count} rows, {first} queries on page 1, {deep} on page {deep_page}")
        rows += [
            {"name": f"api_{name}_{size}_p{n}", "value": round(percentile(timings, n), 2), "unit": "ms"}
            for n in (50, 95)
        ]
        rows += [
            {"name": f"api_{name}_queries_first_page", "value": first, "unit": "queries"},
            {"name": f"api_{name}_queries_deep_page", "value": deep, "unit": "queries"},
        ]
    latencies = incoming_calls(args.calls, rng)
    Call.objects.filter(call_id__startswith="banc-").delete()
    rows += [
        {"name": f"incoming_call_to_screen_p{n}", "value": round(percentile(latencies, n), 1), "unit": "ms"}
        for n in (50, 95)
    ]
    rows.append({"name": "incoming_call_samples", "value": len(latencies), "unit": "calls"})
    record("api", rows)


if __name__ == "__main__":
    main()

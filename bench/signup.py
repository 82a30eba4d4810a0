"""Public sign-up throughput under gunicorn, driven from loopback by wrk, beside two bare views.

Usage: DATABASE_URL=<PostgreSQL bench database> python bench/signup.py --duration 10 --rounds 3 --connections 10

Starts gunicorn (config/gunicorn.conf.py, DEBUG off, static files collected beforehand by
bench/run.sh) on 127.0.0.1:$BENCH_PORT (8765 by default), with the bench-only bare views of
bench/bare_views.py routed (VS_BENCH_VIEWS). Fetches the form once to get a CSRF cookie and token,
checks one sign-up by hand, then lets wrk POST unique sign-ups, and the same body to each bare
view, in alternating windows of the same duration and connections (`--rounds` windows each, the
order turning each round): other processes share the machine, so each figure is the median of
its windows, taken side by side. Afterwards the database must hold exactly as many new
volunteers as the server answered sign-ups with a redirect (gunicorn's access log), which is at
least what wrk counted.
The task worker does not run: the welcome messages wait in the task table (counted).
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from http.cookiejar import CookieJar

from common import ROOT, record, setup_django

setup_django()

from villesolidaire.help_requests.models import HelpCategory  # noqa: E402
from villesolidaire.volunteers.models import RecruitmentCall, Skill, Volunteer  # noqa: E402

BIND = f"127.0.0.1:{os.environ.get('BENCH_PORT', '8765')}"
BASE = f"http://{BIND}"
FORM_PATH = "/devenir-volontaire/"
# bench/bare_views.py, served when VS_BENCH_VIEWS is on (config/urls.py).
BARE_INSERT_PATH = "/banc-essai/insertion-simple/"
BARE_SAME_ROWS_PATH = "/banc-essai/memes-lignes/"
WINDOWS = {"signup": FORM_PATH, "bare_insert": BARE_INSERT_PATH, "bare_same_rows": BARE_SAME_ROWS_PATH}
# In each window's e-mail addresses (signup-<run><tag><round>-…): the sign-ups' volunteers are counted by it.
TAGS = {"signup": "s", "bare_insert": "i", "bare_same_rows": "r"}
# Every bench sign-up comes from 127.0.0.1: the per-address limit of the public forms (decision
# 0010, 20 an hour by default) would refuse all but the first ones. Each e-mail is unique, so the
# per-recipient limit stays as configured.
UNLIMITED_PUBLIC_FORM = {"VS_LIMIT_PUBLIC_FORM": "100000000/h"}


@contextmanager
def gunicorn(access_log, stderr=sys.stderr, bind=BIND, **env):
    """gunicorn with config/gunicorn.conf.py on `bind`, its access log in `access_log`; `env` on top of
    the production-like environment of bench/run.sh. Stopped (SIGTERM, then waited for) on exit."""
    access_log.parent.mkdir(parents=True, exist_ok=True)
    access_log.unlink(missing_ok=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env={**os.environ, "VS_BIND": bind, "VS_ACCESS_LOG": str(access_log), **UNLIMITED_PUBLIC_FORM, **env},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    try:
        wait_for_server(f"http://{bind}")
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def form_body() -> str:
    """A complete, valid sign-up (real field names of volunteers.forms.SignupForm)."""
    categories = list(
        HelpCategory.objects.filter(slug__in=["courses", "convivialite", "promenade"]).values_list("pk", flat=True)
    )
    skills = list(Skill.objects.order_by("bit").values_list("pk", flat=True)[:2])
    fields = [
        ("first_name", "Camille"),
        ("last_name", "Essai"),
        ("email", "{EMAIL}"),
        ("phone", ""),
        ("birth_year", "1988"),
        ("address", "12 rue des Lilas"),
        ("address_complement", ""),
        ("postcode", "99230"),
        ("city", "Val-Solidaire"),
        *[("skills", str(pk)) for pk in skills],
        ("skills_other", "Cuisine"),
        ("languages", "fr"),
        ("languages", "en"),
        ("availability", "mon_am"),
        ("availability", "wed_pm"),
        ("availability", "sat_am"),
        ("mobility", "foot"),
        ("mobility", "bike"),
        ("max_distance_km", "3"),
        *[("categories", str(pk)) for pk in categories],
        ("domains", "solidarity"),
        ("gdpr_acknowledged", "on"),
        ("charter_accepted", "on"),
    ]
    return urllib.parse.urlencode(fields).replace("%7BEMAIL%7D", "{EMAIL}")


def wait_for_server(base: str = BASE, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # A generous timeout: a request given up on while the workers still boot stays in
            # flight in one of them, and the next ones are shed (503) by a worker that is busy.
            urllib.request.urlopen(base + FORM_PATH, timeout=15).read()
            return
        except urllib.error.HTTPError as error:
            if error.code == 503:  # shed or not ready yet: not an answer of the page
                time.sleep(0.3)
                continue
            # Any other answer means gunicorn is up: a multi-town deployment (bench/towns.py)
            # answers 127.0.0.1, a host name of no town, with a 404.
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer on " + base)


def csrf_pair(base: str = BASE) -> tuple[str, str]:
    """GET the form: the csrftoken cookie and the csrfmiddlewaretoken of the page."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + FORM_PATH, timeout=10).read().decode()
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return cookie, token


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def one_signup(cookie: str, body: str, base: str = BASE) -> int:
    request = urllib.request.Request(
        base + FORM_PATH,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"},
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def run_wrk(args, cookie: str, body: str, run_id: str, duration: int, path: str = FORM_PATH, base: str = BASE) -> dict:
    """One wrk window POSTing to `path` on `base`; its BENCH_JSON summary (signup.lua)."""
    wrk = subprocess.run(
        [
            "wrk",
            "-t",
            str(args.threads),
            "-c",
            str(args.connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "signup.lua"),
            base,
        ],
        env={**os.environ, "BENCH_CSRF": cookie, "BENCH_BODY": body, "BENCH_RUN": run_id, "BENCH_PATH": path},
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    if wrk.returncode != 0:
        raise SystemExit(f"wrk failed ({wrk.returncode}): {wrk.stderr or wrk.stdout}")
    line = next(line for line in wrk.stdout.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def throughput(result: dict) -> float:
    return result["created"] / (result["duration_us"] / 1e6)


def errors_of(result: dict) -> int:
    return sum(result[key] for key in ("failed_status", "connect_errors", "read_errors", "write_errors", "timeouts"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured window")
    parser.add_argument("--rounds", type=int, default=3, help="windows of each kind, alternating")
    # As many connections as gunicorn has request threads (5 workers × 2): more would only queue.
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unmeasured load first, per view")
    args = parser.parse_args()

    if not RecruitmentCall.objects.open_now().exists():
        RecruitmentCall.objects.create(title="Appel du banc d'essai")
    access_log = ROOT / "var" / "bench" / "gunicorn-access.log"
    run_id = uuid.uuid4().hex[:8]
    results: dict[str, list[dict]] = {kind: [] for kind in WINDOWS}
    # The capacity of the application itself, as before load shedding: no refusal, 2 threads a
    # process (5 × 2 = 10 sign-ups at once, as many as wrk's connections). bench/surge.py then
    # offers five times this rate to the production settings.
    with gunicorn(access_log, VS_MAX_IN_FLIGHT="0", VS_WEB_THREADS="2", VS_BENCH_VIEWS="true"):
        cookie, token = csrf_pair()
        body = f"csrfmiddlewaretoken={token}&" + form_body()
        status = one_signup(cookie, body.replace("{EMAIL}", urllib.parse.quote(f"check-{run_id}@bench.invalid")))
        if status != 302:
            raise SystemExit(f"The hand-made sign-up was refused (HTTP {status}): check the form fields.")
        # Warm-up, not measured: every gunicorn worker loads its URLconf and templates on its
        # first requests (about a second each here), which a server in service has long done.
        for kind, path in WINDOWS.items():
            run_wrk(args, cookie, body, f"warm{TAGS[kind]}-{run_id}", args.warmup, path)
        time.sleep(1)
        log_offset = len(access_log.read_text().splitlines())
        kinds = list(WINDOWS)
        for round_ in range(args.rounds):
            # Each kind in turn, the order turning each round: a slower spell of the shared machine
            # falls on each of them alike.
            for kind in kinds[round_ % len(kinds) :] + kinds[: round_ % len(kinds)]:
                result = run_wrk(args, cookie, body, f"{run_id}{TAGS[kind]}{round_}", args.duration, WINDOWS[kind])
                results[kind].append(result)
                print(
                    f"  {kind} window {round_ + 1}: {throughput(result):.1f}/s, p95 {result['p95_us'] / 1000:.0f} ms"
                )
    # wrk stops with requests still in flight: the server finishes them (the volunteers exist)
    # but wrk never reads the answers. The server's access log counts every answered sign-up.
    time.sleep(1)
    signups = results["signup"]
    created = sum(result["created"] for result in signups)
    created_in_db = Volunteer.objects.filter(email__startswith=f"signup-{run_id}{TAGS['signup']}").count()
    answered = [line for line in access_log.read_text().splitlines()[log_offset:] if f'"POST {FORM_PATH} ' in line]
    redirects_logged = sum(1 for line in answered if re.search(r'HTTP/1\.[01]" 302 ', line))
    seconds = sum(result["duration_us"] for result in signups) / 1e6
    signup_rate = statistics.median(throughput(result) for result in signups)
    bare_insert_rate = statistics.median(throughput(result) for result in results["bare_insert"])
    same_rows_rate = statistics.median(throughput(result) for result in results["bare_same_rows"])
    print(
        f"wrk: {created} sign-ups answered 302; server log: {redirects_logged} answered 302; "
        f"database: {created_in_db} new volunteers"
    )
    bare_errors = sum(errors_of(result) for kind in ("bare_insert", "bare_same_rows") for result in results[kind])

    def median_ms(key: str) -> float:
        return round(statistics.median(result[key] for result in signups) / 1000, 1)

    record(
        "signup",
        [
            {"name": "signup_throughput", "value": round(signup_rate, 1), "unit": "sign-ups/s"},
            {"name": "signup_latency_p50", "value": median_ms("p50_us"), "unit": "ms"},
            {"name": "signup_latency_p95", "value": median_ms("p95_us"), "unit": "ms"},
            {"name": "signup_latency_p99", "value": median_ms("p99_us"), "unit": "ms"},
            {"name": "signup_bare_insert_throughput", "value": round(bare_insert_rate, 1), "unit": "requests/s"},
            {"name": "signup_bare_same_rows_throughput", "value": round(same_rows_rate, 1), "unit": "sign-ups/s"},
            {
                "name": "signup_share_of_bare_same_rows",
                "value": round(signup_rate / same_rows_rate, 2) if same_rows_rate else 0,
                "unit": "ratio",
            },
            {
                "name": "signup_share_of_bare_insert",
                "value": round(signup_rate / bare_insert_rate, 2),
                "unit": "ratio",
            },
            {"name": "signup_requests", "value": sum(result["requests"] for result in signups), "unit": "requests"},
            {"name": "signup_errors", "value": sum(errors_of(result) for result in signups), "unit": "requests"},
            {"name": "signup_bare_errors", "value": bare_errors, "unit": "requests"},
            {"name": "signup_volunteers_created_in_db", "value": created_in_db, "unit": "volunteers"},
            {"name": "signup_successes_logged_by_server", "value": redirects_logged, "unit": "requests"},
            {
                "name": "signup_db_matches_successes",
                "value": int(created_in_db == redirects_logged >= created),
                "unit": "boolean",
            },
            {"name": "signup_duration", "value": round(seconds, 1), "unit": "s"},
            {"name": "signup_windows", "value": args.rounds, "unit": "windows of each view"},
            {"name": "signup_connections", "value": args.connections, "unit": "connections"},
        ],
    )


if __name__ == "__main__":
    main()

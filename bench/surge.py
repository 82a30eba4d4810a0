"""A sign-up surge: five times the measured capacity, offered open-loop for 30 s (load shedding,
decision 0011).

Usage: DATABASE_URL=<PostgreSQL bench database> python bench/surge.py [--capacity 72] [--factor 5]

Runs after bench/signup.py, whose `signup_throughput` (var/bench/signup.json) is the capacity;
--capacity stands in when that figure is missing. Starts gunicorn with the production settings of
bench/run.sh (load shedding on: VS_MAX_IN_FLIGHT and the threads of config/capacity.py unless the
environment sets them), warms it up at the capacity rate, then bench/openloop.py starts sign-ups
at factor × capacity per second, each with its own e-mail and connection, whatever the answers.

Two surges, one after the other, on the same server (decision 0011):
- behind nginx, as docs/deployment.md sets it up: the shipped deploy/nginx/ville-solidaire.conf
  (TLS, host names and paths swapped for local ones, nothing else changed) in front, its
  `limit_conn` handing the requests over the limit to the refusal server of
  deploy/systemd/villesolidaire-shed.service (started with that unit's Environment= lines). These
  are the `surge_*` figures the issue names. Skipped, with a message, when nginx is missing.
- gunicorn alone, refusing in the application (Caddy, or no proxy): `surge_direct_*`.

Every answer is classed:
- accepted: 302 to the thanks page;
- shed: 503 with Retry-After (our refusal page, core/shedding.py), and 429 (a per-client limit);
- 5xx unshed: any other 5xx, plus every request left without an answer (refused or reset
  connection, closed without an answer, no answer within 30 s): to the person, all are errors;
- other: any other status (a form shown again with an error), reported apart (should be 0).
Afterwards the database is read: every e-mail answered 302 must be there.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid

from common import FRAGMENTS, ROOT, percentile, record, setup_django

setup_django()

from signup import BIND, FORM_PATH, csrf_pair, form_body, gunicorn, one_signup  # noqa: E402

from config.capacity import max_in_flight, web_threads  # noqa: E402
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer  # noqa: E402

GENERATOR = ROOT / "bench" / "openloop.py"
NGINX_SITE = ROOT / "deploy" / "nginx" / "ville-solidaire.conf"
SHED_UNIT = ROOT / "deploy" / "systemd" / "villesolidaire-shed.service"
EDGE = "127.0.0.1:8767"  # nginx, in place of the site's port 443
REFUSALS = "127.0.0.1:8766"  # the refusal server, in place of 127.0.0.1:8001


def measured_capacity(fallback: float | None) -> float:
    """signup_throughput from bench/signup.py's fragment, else --capacity."""
    path = FRAGMENTS / "signup.json"
    if path.exists():
        for row in json.loads(path.read_text()):
            if row["name"] == "signup_throughput" and row["value"] > 0:
                return float(row["value"])
    if fallback:
        return fallback
    raise SystemExit("No signup_throughput in var/bench/signup.json: run bench/signup.py first or give --capacity.")


def request_template(cookie: str, token: str, run_id: str, target: str = BIND) -> dict:
    host, port = target.split(":")
    head = (
        f"POST {FORM_PATH} HTTP/1.1\r\nHost: {BIND}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Cookie: csrftoken={cookie}\r\nContent-Length: {{LENGTH}}\r\nConnection: close\r\n\r\n"
    )
    return {
        "host": host,
        "port": int(port),
        "head": head,
        "body": f"csrfmiddlewaretoken={token}&" + form_body(),
        "email": f"surge-{run_id}-{{number}}%40bench.invalid",
    }


def offer(template: dict, rate: float, duration: float, parts: int, label: str) -> list[dict]:
    """Run `parts` generator processes together; their answers, merged."""
    work = FRAGMENTS / f"surge-{label}"
    work.mkdir(parents=True, exist_ok=True)
    (work / "request.json").write_text(json.dumps(template))
    start_at = time.time() + 2  # every part has started its interpreter by then
    generators = [
        subprocess.Popen(
            [
                sys.executable,
                str(GENERATOR),
                f"--rate={rate}",
                f"--duration={duration}",
                f"--start-at={start_at}",
                f"--part={part}",
                f"--parts={parts}",
                f"--request={work / 'request.json'}",
                f"--out={work / f'answers-{part}.json'}",
            ]
        )
        for part in range(parts)
    ]
    for generator in generators:
        if generator.wait(timeout=duration + 120) != 0:
            raise SystemExit(f"bench/openloop.py failed ({generator.returncode}).")
    answers = []
    for part in range(parts):
        answers += json.loads((work / f"answers-{part}.json").read_text())
    return answers


def email(template: dict, number: int) -> str:
    return urllib.parse.unquote(template["email"].format(number=number))


def edge_config(work, listen: str = EDGE, upstreams: tuple[str, ...] = (BIND,)) -> str:
    """The shipped nginx site, served on `listen` in plain HTTP: the redirecting port-80 server and the
    TLS lines removed, logs, static files and the two upstreams pointed at the bench's (the
    application's: `upstreams`, round-robin, as with several servers in docs/deployment.md)."""
    site = NGINX_SITE.read_text()
    site = re.sub(r"\nserver \{\n    listen 80;.*?\n\}\n", "\n", site, count=1, flags=re.DOTALL)
    site = re.sub(r"\n    listen \[::\]:443 ssl http2;", "", site)
    site = site.replace("listen 443 ssl http2;", f"listen {listen};")
    site = re.sub(r"\n    ssl_[a-z_]+ [^;]+;", "", site)
    site = site.replace("/var/log/nginx/", f"{work}/")
    site = site.replace("/srv/villesolidaire/staticfiles/", os.environ.get("DJANGO_STATIC_ROOT", "/nonexistent") + "/")
    site = site.replace(
        "server 127.0.0.1:8000;", "\n    ".join(f"server {upstream};" for upstream in upstreams)
    ).replace("server 127.0.0.1:8001;", f"server {REFUSALS};")
    (work / "site.conf").write_text(site)
    return (
        f"worker_processes 1;\nworker_rlimit_nofile 40000;\npid {work}/nginx.pid;\nerror_log {work}/error.log crit;\n"
        f"events {{ worker_connections 16384; }}\nhttp {{ include {work}/site.conf; }}\n"
    )


def edge_limit() -> int:
    return int(re.search(r"limit_conn vs_in_flight (\d+);", NGINX_SITE.read_text()).group(1))


def unit_environment() -> dict:
    """The refusal server's settings, from its systemd unit."""
    pairs = re.findall(r"^Environment=([A-Z_]+)=(\S+)$", SHED_UNIT.read_text(), flags=re.MULTILINE)
    return {name: value for name, value in pairs if name != "PROMETHEUS_MULTIPROC_DIR"}


@contextlib.contextmanager
def edge(work):
    """nginx with the shipped site and the refusal server behind it, stopped on exit."""
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(edge_config(work))
    check = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True)
    if check.returncode:
        raise SystemExit(f"nginx refuses the bench's copy of {NGINX_SITE.name}:\n{check.stderr}")
    refusals = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env={
            **os.environ,
            **unit_environment(),
            "VS_BIND": REFUSALS,
            "VS_ACCESS_LOG": str(work / "refusals-access.log"),
        },
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=(work / "refusals.log").open("w"),
    )
    subprocess.run(["nginx", "-c", str(conf)], check=True)
    try:
        time.sleep(3)  # the refusal server's workers boot
        yield
    finally:
        subprocess.run(["nginx", "-c", str(conf), "-s", "stop"], check=False)
        os.killpg(refusals.pid, signal.SIGTERM)
        refusals.wait(timeout=30)


def surge(cookie: str, token: str, target: str, label: str, capacity: float, args) -> dict:
    """Warm-up at capacity, then factor × capacity for the duration, through `target`."""
    run_id = uuid.uuid4().hex[:8]
    offer(
        request_template(cookie, token, f"warm-{run_id}", target), capacity, args.warmup, args.parts, f"{label}-warmup"
    )
    time.sleep(1)
    template = request_template(cookie, token, run_id, target)
    rate = capacity * args.factor
    print(f"Surge {label}: {rate:.0f} sign-ups/s offered ({args.factor:g} × {capacity:g}) for {args.duration:g} s")
    answers = offer(template, rate, args.duration, args.parts, label)
    time.sleep(2)  # the last accepted sign-ups finish their transaction

    accepted = [a for a in answers if a["status"] == 302]
    shed_503 = [a for a in answers if a["status"] == 503 and a["retry_after"]]
    limited_429 = [a for a in answers if a["status"] == 429]
    unanswered = [a for a in answers if a["status"] == 0]
    unshed_5xx = [a for a in answers if a["status"] >= 500 and not (a["status"] == 503 and a["retry_after"])]
    other = [a for a in answers if a["status"] and a["status"] != 302 and a["status"] < 500 and a["status"] != 429]
    confirmed = {email(template, a["n"]) for a in accepted}
    in_db = set(
        Volunteer.objects.filter(email__startswith=f"surge-{run_id}-").values_list("email", flat=True).iterator()
    )
    # The offered rate is what the generator really started: the last start, not the plan, ends the window.
    last_start = max(a["started"] for a in answers)
    errors: dict[str, int] = {}
    for a in unanswered:
        errors[a["error"]] = errors.get(a["error"], 0) + 1
    if errors:
        print("Unanswered requests by cause:", errors)
    if other:
        print("Other statuses:", sorted({a["status"] for a in other}))

    def p(rows, pct):
        return round(percentile([a["seconds"] * 1000 for a in rows], pct), 1) if rows else 0

    return {
        "accepted_per_s": round(len(accepted) / args.duration, 1),
        "shed": len(shed_503) + len(limited_429),
        "5xx_unshed": len(unshed_5xx) + len(unanswered),
        "confirmed_missing": len(confirmed - in_db),
        "accepted_p95": p(accepted, 95),
        "accepted_p50": p(accepted, 50),
        "shed_p95": p(shed_503, 95),
        "offered_target": round(rate, 1),
        "offered_per_s": round(len(answers) / last_start if last_start else 0, 1),
        "generator_lag_p95": round(percentile([max(0.0, a["started"] - a["planned"]) * 1000 for a in answers], 95), 1),
        "requests": len(answers),
        "accepted": len(accepted),
        "shed_503": len(shed_503),
        "limited_429": len(limited_429),
        "unanswered": len(unanswered),
        "other_status": len(other),
        "created_in_db": len(in_db),
    }


UNITS = {
    "accepted_per_s": "sign-ups/s",
    "confirmed_missing": "sign-ups",
    "accepted_p95": "ms",
    "accepted_p50": "ms",
    "shed_p95": "ms",
    "offered_target": "sign-ups/s",
    "offered_per_s": "sign-ups/s",
    "generator_lag_p95": "ms",
    "created_in_db": "volunteers",
}


def rows(prefix: str, figures: dict) -> list[dict]:
    return [
        {"name": f"{prefix}_{name}", "value": value, "unit": UNITS.get(name, "requests")}
        for name, value in figures.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--capacity", type=float, help="sign-ups/s when var/bench/signup.json has none")
    parser.add_argument("--factor", type=float, default=5)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5, help="seconds at the capacity rate first, not measured")
    parser.add_argument("--parts", type=int, default=2, help="generator processes")
    parser.add_argument("--only", choices=["edge", "direct"], help="one of the two surges")
    args = parser.parse_args()

    capacity = measured_capacity(args.capacity)
    if not RecruitmentCall.objects.open_now().exists():
        RecruitmentCall.objects.create(title="Appel du banc d'essai")
    access_log = FRAGMENTS / "surge-gunicorn-access.log"
    # One warning line a second per process: kept out of the bench's output, in a file.
    server_log = (FRAGMENTS / "surge-gunicorn.log").open("w")
    has_nginx = shutil.which("nginx") is not None
    results = []
    with gunicorn(access_log, stderr=server_log):
        cookie, token = csrf_pair()
        check = f"check-{uuid.uuid4().hex[:8]}%40bench.invalid"
        status = one_signup(cookie, f"csrfmiddlewaretoken={token}&" + form_body().replace("{EMAIL}", check))
        if status != 302:
            raise SystemExit(f"The hand-made sign-up was refused (HTTP {status}): check the form fields.")
        workers = os.environ.get("VS_WEB_WORKERS") or os.cpu_count() * 2 + 1
        print(
            f"Server: {workers} workers × {web_threads()} threads, VS_MAX_IN_FLIGHT={max_in_flight(False)} per worker"
        )
        if args.only != "direct":
            if has_nginx:
                loadavg = " ".join(open("/proc/loadavg").read().split()[:3])
                with edge(FRAGMENTS / "surge-edge"):
                    figures = surge(cookie, token, EDGE, "edge", capacity, args)
                env = unit_environment()
                print(
                    f"Behind nginx: limit_conn {edge_limit()}, refusal server {env.get('VS_WEB_WORKERS')} × "
                    f"{env.get('VS_WEB_THREADS')} threads; load average before: {loadavg}"
                )
                results += rows("surge", figures)
                results.append({"name": "surge_edge_limit", "value": edge_limit(), "unit": "requests"})
            else:
                print("nginx introuvable : afflux derrière nginx non mesuré (paquet Debian nginx-light).")
            time.sleep(5)
        if args.only != "edge":
            loadavg = " ".join(open("/proc/loadavg").read().split()[:3])
            figures = surge(cookie, token, BIND, "direct", capacity, args)
            print(f"gunicorn alone; load average before: {loadavg}")
            results += rows("surge_direct", figures)
    server_log.close()
    results += [
        {"name": "surge_capacity_measured", "value": capacity, "unit": "sign-ups/s"},
        {"name": "surge_duration", "value": args.duration, "unit": "s"},
    ]
    record("surge", results)


if __name__ == "__main__":
    main()

"""A sign-up surge: five times the measured capacity, offered open-loop for 30 s (load shedding,
decision 0011).

Usage: DATABASE_URL=<PostgreSQL bench database> python bench/surge.py [--capacity 72] [--factor 5]

Runs after bench/signup.py, whose `signup_throughput` (var/bench/signup.json) is the capacity;
--capacity stands in when that figure is missing. Starts gunicorn with the production settings of
bench/run.sh (load shedding on: VS_MAX_IN_FLIGHT and the threads of config/capacity.py unless the
environment sets them), warms it up at the capacity rate, then bench/openloop.py starts sign-ups
at factor × capacity per second, each with its own e-mail and connection, whatever the answers.

Every answer is classed:
- accepted: 302 to the thanks page;
- shed: 503 with Retry-After (our refusal page, core/shedding.py), and 429 (a per-client limit);
- 5xx unshed: any other 5xx, plus every request left without an answer (refused or reset
  connection, closed without an answer, no answer within 30 s): to the person, all are errors;
- other: any other status (a form shown again with an error), reported apart (should be 0).
Afterwards the database is read: every e-mail answered 302 must be there.
"""

import argparse
import json
import os
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


def request_template(cookie: str, token: str, run_id: str) -> dict:
    host, port = os.environ.get("SURGE_TARGET", BIND).split(":")
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--capacity", type=float, help="sign-ups/s when var/bench/signup.json has none")
    parser.add_argument("--factor", type=float, default=5)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5, help="seconds at the capacity rate first, not measured")
    parser.add_argument("--parts", type=int, default=2, help="generator processes")
    args = parser.parse_args()

    capacity = measured_capacity(args.capacity)
    rate = capacity * args.factor
    if not RecruitmentCall.objects.open_now().exists():
        RecruitmentCall.objects.create(title="Appel du banc d'essai")
    access_log = FRAGMENTS / "surge-gunicorn-access.log"
    # One warning line per refusal: kept out of the bench's output, in a file beside the access log.
    server_log = (FRAGMENTS / "surge-gunicorn.log").open("w")
    loadavg = " ".join(open("/proc/loadavg").read().split()[:3])
    with gunicorn(access_log, stderr=server_log):
        cookie, token = csrf_pair()
        run_id = uuid.uuid4().hex[:8]
        check = f"check-{run_id}%40bench.invalid"
        status = one_signup(cookie, f"csrfmiddlewaretoken={token}&" + form_body().replace("{EMAIL}", check))
        if status != 302:
            raise SystemExit(f"The hand-made sign-up was refused (HTTP {status}): check the form fields.")
        offer(request_template(cookie, token, f"warm-{run_id}"), capacity, args.warmup, args.parts, "warmup")
        time.sleep(1)
        template = request_template(cookie, token, run_id)
        print(f"Surge: {rate:.0f} sign-ups/s offered ({args.factor:g} × {capacity:g}) for {args.duration:g} s")
        answers = offer(template, rate, args.duration, args.parts, "surge")
    server_log.close()

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
    missing = confirmed - in_db
    # The offered rate is what the generator really started: the last start, not the plan, ends the window.
    last_start = max(a["started"] for a in answers)
    offered_per_s = len(answers) / last_start if last_start else 0
    lags = [max(0.0, a["started"] - a["planned"]) * 1000 for a in answers]
    errors: dict[str, int] = {}
    for a in unanswered:
        errors[a["error"]] = errors.get(a["error"], 0) + 1
    if errors:
        print("Unanswered requests by cause:", errors)
    if other:
        print("Other statuses:", sorted({a["status"] for a in other}))
    workers = os.environ.get("VS_WEB_WORKERS") or os.cpu_count() * 2 + 1
    print(
        f"Server: {workers} workers × {web_threads()} threads, VS_MAX_IN_FLIGHT={max_in_flight(False)} per worker; "
        f"load average before: {loadavg}"
    )
    p95 = round(percentile([a["seconds"] * 1000 for a in accepted], 95), 1) if accepted else 0
    p50 = round(percentile([a["seconds"] * 1000 for a in accepted], 50), 1) if accepted else 0
    shed_p95 = round(percentile([a["seconds"] * 1000 for a in shed_503], 95), 1) if shed_503 else 0
    record(
        "surge",
        [
            {"name": "surge_accepted_per_s", "value": round(len(accepted) / args.duration, 1), "unit": "sign-ups/s"},
            {"name": "surge_shed", "value": len(shed_503) + len(limited_429), "unit": "requests"},
            {"name": "surge_5xx_unshed", "value": len(unshed_5xx) + len(unanswered), "unit": "requests"},
            {"name": "surge_confirmed_missing", "value": len(missing), "unit": "sign-ups"},
            {"name": "surge_accepted_p95", "value": p95, "unit": "ms"},
            {"name": "surge_accepted_p50", "value": p50, "unit": "ms"},
            {"name": "surge_shed_p95", "value": shed_p95, "unit": "ms"},
            {"name": "surge_capacity_measured", "value": capacity, "unit": "sign-ups/s"},
            {"name": "surge_offered_target", "value": round(rate, 1), "unit": "sign-ups/s"},
            {"name": "surge_offered_per_s", "value": round(offered_per_s, 1), "unit": "sign-ups/s"},
            {"name": "surge_generator_lag_p95", "value": round(percentile(lags, 95), 1), "unit": "ms"},
            {"name": "surge_requests", "value": len(answers), "unit": "requests"},
            {"name": "surge_accepted", "value": len(accepted), "unit": "requests"},
            {"name": "surge_shed_503", "value": len(shed_503), "unit": "requests"},
            {"name": "surge_limited_429", "value": len(limited_429), "unit": "requests"},
            {"name": "surge_unanswered", "value": len(unanswered), "unit": "requests"},
            {"name": "surge_other_status", "value": len(other), "unit": "requests"},
            {"name": "surge_created_in_db", "value": len(in_db), "unit": "volunteers"},
            {"name": "surge_duration", "value": args.duration, "unit": "s"},
        ],
    )


if __name__ == "__main__":
    main()

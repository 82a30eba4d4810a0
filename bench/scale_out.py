"""Past one machine (issue 14, part 4): one application server and one task worker, then two of
each, behind the same local load balancer, in one run.

Usage: DATABASE_URL=<PostgreSQL bench database> VS_TASKS_REDIS_URL=redis://127.0.0.1:6379/5 \\
       python bench/scale_out.py --duration 30

For each layout (1, then 2):
1. N gunicorn masters (config/gunicorn.conf.py, each on a port of its own, the settings of
   bench/signup.py: no load shedding, 2 threads a process) with the task queue on Redis
   (villesolidaire.core.rq_tasks.TownRQBackend);
2. nginx with the shipped site in front (built as bench/surge.py builds it), round-robin over the
   N servers; its `limit_conn` is taken out: this measures capacity, as bench/signup.py does;
3. wrk posts unique sign-ups through nginx (bench/signup.lua), a warm-up then the measured run, with
   --connections per server; afterwards the database must hold exactly as many new volunteers as
   the servers answered with a redirect (their access logs), at least what wrk counted;
4. each sign-up queued its welcome message on Redis while no worker ran. N workers
   (`manage.py rqworker --with-scheduler default`, as in production) are started suspended
   (`rq suspend`), and once all are listening the queue is resumed: the tasks drained per second is
   the tasks queued over the time until every one finished. Every welcome message must be sent.

On a small machine the servers, the workers, nginx, wrk, PostgreSQL and Redis share the same cores:
the figures say what a second process adds there, not what a second machine would.
"""

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import uuid

from common import FRAGMENTS, ROOT, record, setup_django

setup_django()

import django_rq  # noqa: E402
from django.conf import settings  # noqa: E402
from rq import Worker  # noqa: E402
from rq.registry import FailedJobRegistry, StartedJobRegistry  # noqa: E402
from rq.suspension import resume, suspend  # noqa: E402
from signup import csrf_pair, form_body, gunicorn, one_signup, run_wrk  # noqa: E402
from surge import edge_config  # noqa: E402

from villesolidaire.notifications.models import Message, MessageStatus  # noqa: E402
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer  # noqa: E402

RQ_BACKEND = "villesolidaire.core.rq_tasks.TownRQBackend"
BALANCER = "127.0.0.1:8770"
SERVERS = ("127.0.0.1:8771", "127.0.0.1:8772")
# Every bench message is "sent" without leaving the machine: the task still claims, renders and saves it.
WORKER_ENV = {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}


def balancer_config(work, upstreams) -> str:
    """bench/surge.py's copy of the shipped site on BALANCER over `upstreams`, without its edge shedding."""
    conf = edge_config(work, listen=BALANCER, upstreams=tuple(upstreams))
    site = (work / "site.conf").read_text()
    site = re.sub(r"\n\s*limit_conn [^;]+;", "", site)
    site = re.sub(r"\n\s*limit_conn_status [^;]+;", "", site)
    site = re.sub(r"\n\s*error_page 503 = @refusals;", "", site)
    (work / "site.conf").write_text(site)
    return conf


@contextlib.contextmanager
def balancer(work, upstreams):
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(balancer_config(work, upstreams))
    check = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True)
    if check.returncode:
        raise SystemExit(f"nginx refuses the bench's load balancer:\n{check.stderr}")
    subprocess.run(["nginx", "-c", str(conf)], check=True)
    try:
        yield
    finally:
        subprocess.run(["nginx", "-c", str(conf), "-s", "stop"], check=False)


@contextlib.contextmanager
def workers(count: int, log, worker_class: str = ""):
    """`count` RQ workers of the production command, stopped (warm shutdown) on exit."""
    command = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "rqworker", "--with-scheduler", "-v", "0"]
    if worker_class:
        command += ["--worker-class", worker_class]
    processes = [
        subprocess.Popen(
            [*command, "default"],
            cwd=ROOT,
            env={**os.environ, "VS_TASKS_BACKEND": RQ_BACKEND, **WORKER_ENV},
            start_new_session=True,
            stdout=log,
            stderr=log,
        )
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


def busy(queue) -> bool:
    """A task waits, has been taken (RQ's intermediate list) or runs. Finished counts are no use here:
    RQ forgets a finished task 500 s later, during a long drain."""
    connection = queue.connection
    return bool(queue.count or connection.llen(queue.intermediate_queue_key) or StartedJobRegistry(queue=queue).count)


def drain(count: int, log, worker_class: str = "", timeout: float = 600) -> dict:
    """Start `count` workers suspended, resume them together, time until the queue is empty."""
    queue = django_rq.get_queue("default")
    connection = queue.connection
    queued = queue.count
    failed_before = FailedJobRegistry(queue=queue).count
    suspend(connection)
    try:
        with workers(count, log, worker_class):
            deadline = time.monotonic() + 120
            while len(Worker.all_keys(queue=queue)) < count:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{count} RQ workers did not start (see {log.name}).")
                time.sleep(0.2)
            started = time.monotonic()
            resume(connection)
            idle_since = None  # idle twice in a row, so that a task between two lists is not missed
            while idle_since is None or busy(queue):
                if time.monotonic() - started > timeout:
                    raise SystemExit(f"The workers did not drain {queued} tasks in {timeout:g} s.")
                idle_since = None if busy(queue) else (idle_since or time.monotonic())
                time.sleep(0.02)
            seconds = idle_since - started
    finally:
        resume(connection)
    return {
        "queued": queued,
        "seconds": seconds,
        "per_s": queued / seconds if seconds else 0,
        "failed": FailedJobRegistry(queue=queue).count - failed_before,
    }


def signups(args, servers: int, work) -> dict:
    """wrk through the balancer onto `servers` gunicorn masters; sign-ups counted three ways."""
    binds = SERVERS[:servers]
    logs = [work / f"gunicorn-{index}-access.log" for index in range(servers)]
    server_err = (work / "gunicorn.log").open("w")
    base = f"http://{BALANCER}"
    run_id = uuid.uuid4().hex[:8]
    with contextlib.ExitStack() as stack:
        for bind, log in zip(binds, logs, strict=True):
            stack.enter_context(
                gunicorn(
                    log,
                    stderr=server_err,
                    bind=bind,
                    VS_MAX_IN_FLIGHT="0",
                    VS_WEB_THREADS="2",
                    VS_TASKS_BACKEND=RQ_BACKEND,
                )
            )
        stack.enter_context(balancer(work / "nginx", binds))
        time.sleep(0.5)
        cookie, token = csrf_pair(base)
        body = f"csrfmiddlewaretoken={token}&" + form_body()
        check = urllib.parse.quote(f"check-{run_id}@bench.invalid")
        status = one_signup(cookie, body.replace("{EMAIL}", check), base=base)
        if status != 302:
            raise SystemExit(f"The hand-made sign-up was refused (HTTP {status}): check the form fields.")
        run_args = argparse.Namespace(threads=args.threads, connections=args.connections * servers)
        run_wrk(run_args, cookie, body, f"warm-{run_id}", args.warmup, base=base)
        time.sleep(1)
        wrk = run_wrk(run_args, cookie, body, run_id, args.duration, base=base)
    server_err.close()
    result = wrk
    # The servers have stopped (SIGTERM lets them finish the requests in flight): their logs are complete.
    measured = Volunteer.objects.filter(email__startswith=f"signup-{run_id}").count()
    created = Volunteer.objects.filter(email__contains=run_id).count()  # the check and the warm-up too
    per_server = [
        sum(
            1
            for line in log.read_text().splitlines()
            if re.search(r'"POST /devenir-volontaire/ HTTP/1\.[01]" 302 ', line)
        )
        for log in logs
    ]
    seconds = result["duration_us"] / 1e6
    errors = sum(result[key] for key in ("failed_status", "connect_errors", "read_errors", "write_errors", "timeouts"))
    print(
        f"{servers} server(s): wrk {result['created']} sign-ups answered 302 ({errors} errors); "
        f"servers' logs {per_server} (check and warm-up included); database {created}, {measured} of the measured run"
    )
    return {
        "run_id": run_id,
        "per_s": result["created"] / seconds,
        "p95_ms": result["p95_us"] / 1000,
        "created_in_db": created,
        "logged": sum(per_server),
        "per_server": per_server,
        "errors": errors,
        # Every 302 a server logged is a volunteer in the database, and wrk counted no more than that.
        "lost": int(not (created == sum(per_server) and measured >= result["created"])),
        "connections": run_args.connections,
    }


def welcome_messages_not_sent(run_id: str) -> int:
    """Welcome messages of this layout's sign-ups (the check and the warm-up included) not SENT."""
    emails = Volunteer.objects.filter(email__contains=run_id).values_list("email", flat=True)
    return (
        Message.objects.filter(kind="volunteer_signup", recipient__in=emails)
        .exclude(status=MessageStatus.SENT)
        .count()
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=10, help="wrk connections per application server")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--worker-class",
        default="",
        help="another RQ worker class (rq.Worker: a process forked per task), for comparison",
    )
    args = parser.parse_args()
    if not settings.VS_TASKS_REDIS_URL:
        raise SystemExit("VS_TASKS_REDIS_URL is needed (redis://127.0.0.1:6379/5).")
    if shutil.which("nginx") is None:
        print("nginx introuvable : 1 puis 2 serveurs derrière un répartiteur non mesurés (paquet Debian nginx-light).")
        return
    if not RecruitmentCall.objects.open_now().exists():
        RecruitmentCall.objects.create(title="Appel du banc d'essai")

    work = FRAGMENTS / "scale-out"
    work.mkdir(parents=True, exist_ok=True)
    worker_log = (work / "workers.log").open("w")
    queue = django_rq.get_queue("default")
    rows = []
    loadavg = " ".join(open("/proc/loadavg").read().split()[:3])
    for count, servers_name, workers_name in ((1, "1_app_process", "1_worker"), (2, "2_app_processes", "2_workers")):
        queue.empty()
        web = signups(args, count, work)
        tasks = drain(count, worker_log, args.worker_class)
        not_sent = welcome_messages_not_sent(web["run_id"])
        print(
            f"{count} worker(s): {tasks['queued']} tasks in {tasks['seconds']:.1f} s, {tasks['failed']} failed; "
            f"welcome messages not sent: {not_sent}"
        )
        rows += [
            {"name": f"signup_throughput_{servers_name}", "value": round(web["per_s"], 1), "unit": "sign-ups/s"},
            {"name": f"signup_latency_p95_{servers_name}", "value": round(web["p95_ms"], 1), "unit": "ms"},
            {"name": f"signup_lost_{servers_name}", "value": web["lost"], "unit": "boolean"},
            {"name": f"signup_errors_{servers_name}", "value": web["errors"], "unit": "requests"},
            {"name": f"signup_connections_{servers_name}", "value": web["connections"], "unit": "connections"},
            {"name": f"tasks_drained_per_s_{workers_name}", "value": round(tasks["per_s"], 1), "unit": "tasks/s"},
            {"name": f"tasks_drained_{workers_name}", "value": tasks["queued"], "unit": "tasks"},
            {"name": f"tasks_not_done_{workers_name}", "value": tasks["failed"] + not_sent, "unit": "tasks"},
        ]
    worker_log.close()
    web_workers = os.environ.get("VS_WEB_WORKERS") or os.cpu_count() * 2 + 1
    print(f"Each server: {web_workers} gunicorn workers × 2 threads; {os.cpu_count()} cores; load before: {loadavg}")
    rows.append({"name": "scale_out_cores", "value": os.cpu_count(), "unit": "cores"})
    if args.worker_class:  # a comparison, kept apart from the report's figures
        rows = [{**row, "name": f"{row['name']}_{args.worker_class.rsplit('.', 1)[-1]}"} for row in rows]
    record("scale_out", rows)


if __name__ == "__main__":
    main()

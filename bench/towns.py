"""Many towns on one deployment (decision 0014): create_town, and staff pages with 100 towns against one.

Usage: DATABASE_URL=<fresh PostgreSQL database, `migrate_schemas --shared` done> VS_MULTI_TOWN=true \
       DJANGO_ALLOWED_HOSTS=…,.bench.test python bench/towns.py --towns 100 --samples 100

In one run, on one database:
1. the host is set up and the template schema created (timed once: `town_template_create`);
2. the first town is created by `hosting.services.create_town` (timed), seeded with the demo town
   (`seed_demo`, the data `make run` shows) and vacuumed/analysed;
3. gunicorn (config/gunicorn.conf.py, production settings) serves it; a signed-in coordinator who
   passed the second factor opens the request list, a request's page and its matching page with
   the town's domain as Host header, each request on a new connection so that all workers serve;
   after each measured request, one unmeasured request goes to a random town of the deployment
   (with one town: that town), so that every worker's connection and PostgreSQL's caches are shared
   by the towns as they would be in service;
4. the other 99 towns are created by `create_town`, each timed (it replays the template's SQL,
   hosting/cloning.py: django-tenants' clone scanned the catalogue and slowed down with every town,
   1.6 s for the first, 15 s for the hundredth); each is then given the first town's demo data,
   copied row by row (seed_demo takes ~17 s a town), vacuumed/analysed, and visited once;
5. the same pages of the first town are measured again, the same way.
`latency_ratio_100_towns` = p95 with 100 towns / p95 with one, over the three pages together.
"""

import argparse
import http.client
import random
import statistics
import time

from common import FRAGMENTS, percentile, record, setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from psycopg import sql  # noqa: E402
from signup import BIND, gunicorn  # noqa: E402

from villesolidaire.accounts.enums import Role  # noqa: E402
from villesolidaire.accounts.models import RoleGrant, User  # noqa: E402
from villesolidaire.demo.town import seed_demo  # noqa: E402
from villesolidaire.help_requests.enums import Status  # noqa: E402
from villesolidaire.help_requests.models import HelpRequest  # noqa: E402
from villesolidaire.hosting.keys import unwrap_keys, wrap_keys  # noqa: E402
from villesolidaire.hosting.models import Tenant  # noqa: E402
from villesolidaire.hosting.services import create_town, ensure_template, set_up_host  # noqa: E402
from villesolidaire.territory.models import Town  # noqa: E402

ACTOR = "banc d'essai (bench/towns.py)"
DOMAIN_SUFFIX = "bench.test"
PAGES = ["list", "detail", "matching"]


def schema_of(n: int) -> str:
    return f"town_bench_{n:03d}"


def domain_of(n: int) -> str:
    return f"commune-{n:03d}.{DOMAIN_SUFFIX}"


def timed_template() -> float:
    started = time.perf_counter()
    ensure_template()
    return time.perf_counter() - started


def timed_create_town(n: int) -> float:
    """Wall time of one `create_town`: the clone of the template, domains, keys, first administrator."""
    started = time.perf_counter()
    create_town(
        name=f"Commune d'essai {n}",
        insee_codes=[f"98{n:03d}"],  # 98xxx: like the demo's 99xxx, never a real commune
        domains=[domain_of(n)],
        admin_email=f"admin@commune-{n:03d}.bench.invalid",
        schema_name=schema_of(n),
        actor=ACTOR,
    )
    return time.perf_counter() - started


def seed_first_town(schema: str) -> None:
    """The demo town in `schema`. Not `tenant_command seed_demo`: that command refuses a town that
    already has its `Town` row, and create_town writes one; the demo writes its own."""
    with schema_context(schema):
        Town.objects.all().delete()
        seed_demo(1)
    vacuum_analyze(schema)


def composed(statement: sql.Composable) -> str:
    """SQL naming schemas and tables safely quoted (only the bench names schemas explicitly)."""
    return statement.as_string(connection.connection)


def tables_of(cursor, schema: str) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> 'django_migrations' ORDER BY 1",
        [schema],
    )
    return [row[0] for row in cursor.fetchall()]


def vacuum_analyze(schema: str) -> None:
    """What autovacuum does to a town's tables soon after bulk writes: without it the planner
    works from empty statistics, and the measure would compare plans rather than towns."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        tables = sql.SQL(", ").join(sql.Identifier(schema, table) for table in tables_of(cursor, schema))
        cursor.execute(composed(sql.SQL("VACUUM (ANALYZE) {}").format(tables)))


def copy_town(source: str, target: str) -> None:
    """The source town's rows, sequences and keys into a town just created (same template, same tables).

    Rows the template put in both (categories, skills, content types) stay as they are; the
    target's own `Town` row gives way to the source's. The encrypted fields were written under the
    source town's keys: the target gets the same keys, wrapped anew, so its pages can read them.
    """
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        # The target town's triggers (the bilan's counts) call its own functions by name, as the
        # application does with the town's search path.
        cursor.execute(composed(sql.SQL("SET LOCAL search_path TO {}, public").format(sql.Identifier(target))))
        cursor.execute(composed(sql.SQL("DELETE FROM {}").format(sql.Identifier(target, "territory_town"))))
        for table in tables_of(cursor, source):
            statement = sql.SQL("INSERT INTO {} SELECT * FROM {} ON CONFLICT DO NOTHING").format(
                sql.Identifier(target, table), sql.Identifier(source, table)
            )
            cursor.execute(composed(statement))
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s AND last_value IS NOT NULL",
            [source],
        )
        for sequence, last_value in cursor.fetchall():
            cursor.execute("SELECT setval(%s, %s)", [composed(sql.Identifier(target, sequence)), last_value])
        keys = Tenant.objects.get(schema_name=source).wrapped_keys
        Tenant.objects.filter(schema_name=target).update(wrapped_keys=wrap_keys(list(unwrap_keys(keys))))
    vacuum_analyze(target)


def staff_session(schema: str) -> str:
    """A coordinator signed in on the town, second factor passed: the session cookie's value."""
    with schema_context(schema):
        user, created = User.objects.get_or_create(email="bench-coordinatrice@bench.invalid")
        if created:
            RoleGrant.objects.create(user=user, role=Role.COORDINATOR)
        device, _ = StaticDevice.objects.get_or_create(user=user, name="Banc d'essai", defaults={"confirmed": True})
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id  # what a verified second factor leaves in the session
        session.save()
        return session.session_key


def page_paths(schema: str) -> dict[str, str]:
    """The request list, and the page and matching page of an open request that needs a volunteer."""
    with schema_context(schema):
        pk = (
            HelpRequest.objects.filter(status__in=[Status.SEARCHING, Status.QUALIFIED])
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        return {
            "list": reverse("help_requests:list"),
            "detail": reverse("help_requests:detail", args=[pk]),
            "matching": reverse("matching:request_matching", args=[pk]),
        }


def get(domain: str, path: str, session_key: str) -> float:
    """One GET on a new connection (so that every gunicorn worker serves), in ms, status checked."""
    host, port = BIND.split(":")
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path, headers={"Host": domain, "Cookie": f"sessionid={session_key}", "Connection": "close"})
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{domain}{path}: HTTP {response.status}")
    return elapsed


def measure(first: int, towns: list[int], paths, sessions, samples: int, rng: random.Random) -> dict[str, list]:
    """`samples` timed GETs of each page of `first`, each followed by an untimed GET of a random
    page of a random town in `towns`: the same mix of traffic with one town and with a hundred."""
    timings = {page: [] for page in PAGES}
    for _ in range(samples):
        for page in rng.sample(PAGES, len(PAGES)):
            timings[page].append(get(domain_of(first), paths[page], sessions[first]))
            other = rng.choice(towns)
            get(domain_of(other), paths[rng.choice(PAGES)], sessions[other])
    return timings


def warm_up(towns: list[int], paths, sessions, rounds: int) -> None:
    """Every page of every town, `rounds` times: gunicorn's workers load their routes and
    templates on their first requests, and each town's tables enter the caches."""
    for _ in range(rounds):
        for n in towns:
            for page in PAGES:
                get(domain_of(n), paths[page], sessions[n])


def catalogue_size() -> tuple[int, float]:
    """Relations in the catalogue, and the database's size in MB."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class")
        relations = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        return relations, cursor.fetchone()[0] / 1e6


def checkpoint() -> None:
    """Writes the set-up's dirty pages out before a measure: a host does not create 99 towns just
    before serving, and neither measure should pay for the writes that precede it."""
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def latency_rows(label: str, timings: dict[str, list]) -> list[dict]:
    rows = []
    for page in PAGES:
        for pct in (50, 95):
            rows.append(
                {
                    "name": f"towns_{label}_{page}_p{pct}",
                    "value": round(percentile(timings[page], pct), 2),
                    "unit": "ms",
                }
            )
    together = [ms for page in PAGES for ms in timings[page]]
    for pct in (50, 95):
        rows.append(
            {"name": f"towns_{label}_pages_p{pct}", "value": round(percentile(together, pct), 2), "unit": "ms"}
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--towns", type=int, default=100)
    parser.add_argument("--samples", type=int, default=100, help="timed GETs of each page, per measure")
    args = parser.parse_args()
    run_started = time.perf_counter()
    rng = random.Random(13)

    set_up_host(domains=[f"console.{DOMAIN_SUFFIX}"], actor=ACTOR)
    template_seconds = timed_template()
    print(f"template schema: {template_seconds:.1f} s", flush=True)
    creations = [timed_create_town(1)]
    seed_first_town(schema_of(1))
    paths = page_paths(schema_of(1))
    # Created before the copies: each town gets the same coordinator and session in its own tables.
    sessions = {1: staff_session(schema_of(1))}

    FRAGMENTS.mkdir(parents=True, exist_ok=True)
    access_log = FRAGMENTS / "towns-access.log"
    with open(FRAGMENTS / "towns-gunicorn.log", "w") as server_log, gunicorn(access_log, stderr=server_log):
        checkpoint()
        warm_up([1], paths, sessions, rounds=10)
        one_town = measure(1, [1], paths, sessions, args.samples, rng)
        print(f"1 town: pages p95 {percentile(sum(one_town.values(), []), 95):.1f} ms", flush=True)
        for n in range(2, args.towns + 1):
            creations.append(timed_create_town(n))
            if n % 10 == 0:
                print(f"  create_town, town {n}: {creations[-1]:.1f} s", flush=True)
            copy_town(schema_of(1), schema_of(n))
            sessions[n] = sessions[1]
        print(f"{args.towns} towns: create_town p50 {statistics.median(creations):.2f} s", flush=True)
        warm_up(list(range(2, args.towns + 1)), paths, sessions, rounds=1)
        checkpoint()
        warm_up([1], paths, sessions, rounds=10)
        many_towns = measure(1, list(range(1, args.towns + 1)), paths, sessions, args.samples, rng)
    relations, size_mb = catalogue_size()
    p95_one = percentile(sum(one_town.values(), []), 95)
    p95_many = percentile(sum(many_towns.values(), []), 95)
    p50_one = percentile(sum(one_town.values(), []), 50)
    p50_many = percentile(sum(many_towns.values(), []), 50)
    record(
        "towns",
        [
            {"name": "town_template_create", "value": round(template_seconds, 2), "unit": "s"},
            {"name": "create_town_p50", "value": round(statistics.median(creations), 2), "unit": "s"},
            {"name": "create_town_max", "value": round(max(creations), 2), "unit": "s"},
            {"name": "create_town_first", "value": round(creations[0], 2), "unit": "s"},
            {"name": "create_town_last", "value": round(creations[-1], 2), "unit": "s"},
            {"name": "create_town_timed", "value": len(creations), "unit": "towns"},
            {"name": "latency_ratio_100_towns", "value": round(p95_many / p95_one, 3), "unit": "ratio"},
            {"name": "latency_ratio_100_towns_p50", "value": round(p50_many / p50_one, 3), "unit": "ratio"},
            *latency_rows("1", one_town),
            *latency_rows(str(args.towns), many_towns),
            {"name": "towns_count", "value": args.towns, "unit": "towns"},
            {"name": "towns_catalogue_relations", "value": relations, "unit": "relations"},
            {"name": "towns_database_size", "value": round(size_mb), "unit": "MB"},
            {"name": "towns_duration", "value": round(time.perf_counter() - run_started), "unit": "s"},
        ],
    )


if __name__ == "__main__":
    main()

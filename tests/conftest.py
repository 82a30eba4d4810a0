"""Fixtures shared by every test package. Package conftests only hold what is theirs alone."""

import os
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import django_rq
import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from tests.factories import HelpCategoryFactory, SkillFactory, TownFactory, login_staff, staff_user
from tests.fake_server import FakeServer
from villesolidaire.accounts.enums import Role
from villesolidaire.core import rq_tasks
from villesolidaire.core.caches import forget_reference_data
from villesolidaire.help_requests.models import HelpCategory

# Many towns on one deployment (decision 0014) has two passes of its own (scripts/test.sh):
# - VS_MULTI_TOWN=true: tests/hosting alone (towns, isolation, console, adoption);
# - VS_MULTI_TOWN=true and VS_TEST_SUITE_IN_TOWN=true: the whole suite run inside one town's
#   schema, reached on the test client's domain, as a town of a shared host runs.
MULTI_TOWN = os.environ.get("VS_MULTI_TOWN", "").lower() in {"1", "true", "yes", "on"}
SUITE_IN_TOWN = MULTI_TOWN and os.environ.get("VS_TEST_SUITE_IN_TOWN", "").lower() == "true"
if MULTI_TOWN and not SUITE_IN_TOWN:
    collect_ignore = [name for name in os.listdir(os.path.dirname(__file__)) if name.startswith("test_")]
    collect_ignore += [name for name in os.listdir(os.path.dirname(__file__)) if name not in {"hosting", "factories"}]
else:
    collect_ignore = ["hosting"]


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.single_town_only(reason=…)`: a test that cannot run inside a town's schema is
    skipped there, with its reason; it still runs in every single-town pass (SQLite, PostgreSQL)."""
    for item in items:
        marker = item.get_closest_marker("single_town_only")
        if marker is None:
            continue
        reason = marker.kwargs.get("reason", "")
        assert reason, f"{item.nodeid}: single_town_only needs a reason"
        assert item.get_closest_marker("browser") is None, f"{item.nodeid}: a browser test is never skipped"
        if SUITE_IN_TOWN:
            item.add_marker(pytest.mark.skip(reason=f"single town only: {reason}"))


if SUITE_IN_TOWN:

    @pytest.fixture(scope="session")
    def _test_town(django_db_setup, django_db_blocker):
        """One town, served on the test client's host name (`testserver`)."""
        from villesolidaire.hosting.keys import new_wrapped_keys
        from villesolidaire.hosting.models import Domain, Tenant

        with django_db_blocker.unblock():
            tenant = Tenant(schema_name="town_test", name="Commune de test", wrapped_keys=new_wrapped_keys())
            tenant.save(verbosity=0)
            Domain.objects.create(domain="testserver", tenant=tenant, is_primary=True)
            # Left in the town: module-scoped fixtures (a seeded scenario) write there too.
            connection.set_tenant(tenant)
        return tenant

    @pytest.fixture(autouse=True)
    def _inside_the_test_town(_enable_db_for_all_tests, _test_town, _fresh_caches):
        from villesolidaire.hosting import caches as town_caches

        # A running process knows its towns (hosting.caches): a test measures the queries of a page
        # in that steady state, not the one lookup of a host name the process makes every 30 s.
        town_caches.hosts.get_or_load("testserver", lambda: _test_town)
        town_caches.primary_domains.get_or_load(_test_town.schema_name, lambda: "testserver")
        connection.set_tenant(_test_town)
        # Left in the town afterwards: a transactional test's tables are emptied after this teardown,
        # and they must be the town's, not the host's (public holds the town's own row).
        yield


@pytest.fixture(autouse=True)
def _enable_db_for_all_tests(db):
    """Every test may use the database (as in les-emplois)."""


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Every test starts with empty caches: the counters of the limits (core.limits) never carry over,
    nor what a process remembers of the towns (hosting.caches: a town of a rolled-back test) or of
    their reference data (core.caches)."""
    _clear_caches()
    yield
    _clear_caches()


def _clear_caches():
    for cache in caches.all():
        cache.clear()
    # Reference data a process remembers (core.caches): a rolled-back test's quartiers or calls.
    forget_reference_data()
    if MULTI_TOWN:
        from villesolidaire.hosting.caches import forget_now

        forget_now()


# -- Reference data ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _bits_clear_of_reference_data():
    """Migrations load reference categories and skills on bits 0–9: factory bits start above."""
    HelpCategoryFactory.reset_sequence(20)
    SkillFactory.reset_sequence(20)


@pytest.fixture
def town():
    return TownFactory()


@pytest.fixture
def category():
    """A reference category from the data migration (factories would clash on its bit)."""
    return HelpCategory.objects.get(slug="courses")


# -- Data keys ---------------------------------------------------------------------------------------------------


class DataKeys:
    """The keys the register is encrypted under, newest first: VS_DATA_KEYS with one town; with many, the
    current town's own keys (wrapped under VS_DATA_KEYS, which is then the host's key: decision 0014)."""

    def __init__(self, settings):
        self._settings = settings
        self._town = getattr(connection, "tenant", None) if SUITE_IN_TOWN else None
        self._wrapped_before = getattr(self._town, "wrapped_keys", None)

    def current(self) -> list[str]:
        if self._town is None:
            return list(self._settings.VS_DATA_KEYS)
        from villesolidaire.hosting.keys import unwrap_keys

        return list(unwrap_keys(self._town.wrapped_keys))

    def set(self, keys: list[str]) -> None:
        if self._town is None:
            self._settings.VS_DATA_KEYS = list(keys)
            return
        from villesolidaire.hosting.caches import forget_now
        from villesolidaire.hosting.keys import wrap_keys
        from villesolidaire.hosting.models import Tenant

        self._town.wrapped_keys = wrap_keys(list(keys))
        # The row goes back with the test's transaction; the session's town object in restore().
        Tenant.objects.filter(pk=self._town.pk).update(wrapped_keys=self._town.wrapped_keys)
        forget_now()

    def restore(self) -> None:
        if self._town is not None:
            self._town.wrapped_keys = self._wrapped_before


@pytest.fixture
def data_keys(settings):
    """`data_keys.set([new, old])`: change the keys the register is read and written with, in either mode."""
    keys = DataKeys(settings)
    yield keys
    keys.restore()


# -- Staff -------------------------------------------------------------------------------------------------------


@pytest.fixture
def operator(client):
    """A signed-in switchboard operator."""
    user = staff_user(Role.OPERATOR)
    login_staff(client, user)
    return user


@pytest.fixture
def coordinator(client):
    """A signed-in coordinator."""
    user = staff_user(Role.COORDINATOR)
    login_staff(client, user)
    return user


# -- Outside services --------------------------------------------------------------------------------------------


@pytest.fixture
def fake_server():
    """`fake_server(answers)` starts a local HTTP server playing `answers`; all are stopped after the test."""
    servers = []

    def start(answers):
        server = FakeServer(answers=list(answers))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# -- The task queue on Redis -------------------------------------------------------------------------------------

# Database 5 of the local Redis by default; each test has a queue of its own in it, deleted afterwards.
TEST_REDIS_URL = os.environ.get("VS_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@dataclass
class RedisTaskQueue:
    name: str
    queue: object  # an rq Queue

    def work(self) -> None:
        """Run every task of the queue, then return: the production worker in burst mode, in this
        process (it does not fork: the task sees this test's transaction), scheduler included."""
        worker = django_rq.get_worker(self.name)
        worker.work(burst=True, with_scheduler=True)
        worker.connection.delete(worker.key)  # its registration would linger a few minutes


@pytest.fixture
def redis_task_queue(settings, monkeypatch):
    """The tasks go to a queue of their own on the local Redis (TownRQBackend), as with
    VS_TASKS_BACKEND=villesolidaire.core.rq_tasks.TownRQBackend. Without Redis: skipped, but a
    failure in CI (CI=true), where Redis runs, as a missing PostgreSQL is (scripts/test.sh)."""
    connection_ = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        connection_.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis unreachable on {TEST_REDIS_URL} (VS_TEST_REDIS_URL): required in CI.")
        pytest.skip(f"Redis unreachable on {TEST_REDIS_URL} (VS_TEST_REDIS_URL)")
    name = f"test-{uuid.uuid4().hex[:12]}"
    # `default` too: django-tasks-rq reads a result back through the connection of the queue of that name.
    settings.RQ_QUEUES = {name: {"URL": TEST_REDIS_URL}, "default": {"URL": TEST_REDIS_URL}}
    settings.RQ = {
        "JOB_CLASS": "django_tasks_rq.backend.Job",
        "WORKER_CLASS": "villesolidaire.core.rq_tasks.TownWorker",
    }
    # As Django's test client does around its requests: closing the connection would end the test's transaction.
    monkeypatch.setattr(rq_tasks, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "villesolidaire.core.rq_tasks.TownRQBackend", "QUEUES": [name]}}
    yield RedisTaskQueue(name=name, queue=django_rq.get_queue(name))
    # Everything of this queue: its list, registries, jobs and their results.
    job_ids = set()
    for key in connection_.scan_iter(f"rq:*:{name}"):
        kind = connection_.type(key)
        members = connection_.zrange(key, 0, -1) if kind == b"zset" else connection_.lrange(key, 0, -1)
        job_ids |= {member.decode().split(":")[0] for member in members} if kind in (b"zset", b"list") else set()
        connection_.delete(key)
    for job_id in job_ids:
        connection_.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    connection_.srem("rq:queues", f"rq:queue:{name}")
    connection_.close()


# -- Concurrency -------------------------------------------------------------------------------------------------

ConcurrentRun = Callable[..., tuple[list, list[Exception]]]


def _run_concurrently(target: Callable, items: Iterable, *, timeout: float = 60) -> tuple[list, list[Exception]]:
    """Call `target(item)` for every item, each in its own thread, all released at the same instant.

    Each thread has its own database connection, closed when it ends. Returns the values returned
    and the exceptions raised (completion order); every thread must have finished within `timeout`.
    """
    items = list(items)
    barrier = threading.Barrier(len(items))
    results, errors = [], []
    town = getattr(connection, "tenant", None)  # a thread's new connection starts outside any town

    def worker(item):
        try:
            if town is not None:
                connection.set_tenant(town)
            barrier.wait(timeout=30)
            results.append(target(item))
        except Exception as exc:  # reported to the test, which decides what is expected
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert len(results) + len(errors) == len(items), "a thread did not finish in time"
    return results, errors


@pytest.fixture
def run_concurrently() -> ConcurrentRun:
    """Real concurrency against PostgreSQL row locks: `results, errors = run_concurrently(target, items)`.

    Skips on other databases; tests using it are also marked `postgres_only`.
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    return _run_concurrently


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL refuses TRUNCATE on the audit log (audit migration 0003) unless the session
    allows it: the test runner empties tables with TRUNCATE between transactional tests."""
    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"]:
        database.setdefault("OPTIONS", {})["options"] = "-c villesolidaire.allow_audit_truncate=on"

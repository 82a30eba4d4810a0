"""The health endpoint for load balancers (`/sante/`, docs/operations.md), on django-health-check.

Each check raises `ServiceUnavailable` when its part is down. The answer is JSON with the names of
the checks and "ok" or "unavailable" only (never an error text), or "not_seen_yet" for a worker
heartbeat never written: 200 when all pass, 503 otherwise.
The checks run in the request's thread (`sync_to_async`), on the request's database connection.
"""

import asyncio
import dataclasses
import logging
from datetime import timedelta
from typing import ClassVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.dummy import DummyBackend
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_rq import RQBackend
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.exceptions import RedisError

from villesolidaire.core.models import WorkerHeartbeat
from villesolidaire.core.rq_tasks import rq_queue_counts

OK = "ok"
UNAVAILABLE = "unavailable"
# No worker has run the heartbeat task yet (a fresh install, a worker not started): unhealthy
# too, but expected, so told apart and logged in one line rather than with a traceback.
NOT_SEEN_YET = "not_seen_yet"

logger = logging.getLogger("health_check")


def tasks_run_in_a_worker() -> bool:
    """Whether tasks wait for a worker (database or Redis backend), rather than run at once or never."""
    return not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], ImmediateBackend | DummyBackend)


class QueueUnreachable(Exception):
    """The task queue's server (Redis) did not answer."""


def queue_counts() -> dict[str, int] | None:
    """Ready and failed tasks of the task queue (database or Redis); None when tasks run at once or
    never. Raises QueueUnreachable when Redis does not answer."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if isinstance(backend, RQBackend):
        try:
            return rq_queue_counts(backend)
        except RedisError as error:
            raise QueueUnreachable(str(error)) from error
    if not isinstance(backend, DatabaseBackend):
        return None
    return {"ready": DBTaskResult.objects.ready().count(), "failed": DBTaskResult.objects.failed().count()}


def heartbeat_age(queue_name: str = "default") -> timedelta | None:
    """Time since a worker last ran the heartbeat task of `queue_name`; None if it never did."""
    beat_at = WorkerHeartbeat.objects.filter(queue_name=queue_name).values_list("beat_at", flat=True).first()
    return None if beat_at is None else timezone.now() - beat_at


class RequestThreadCheck(HealthCheck):
    """A check whose blocking `probe` runs in the request's thread (its database connection)."""

    name: ClassVar[str]

    def probe(self) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        await sync_to_async(self.probe)()


@dataclasses.dataclass
class Database(RequestThreadCheck, checks.Database):
    name = "database"

    def probe(self) -> None:
        checks.Database.run(self)


@dataclasses.dataclass
class Migrations(RequestThreadCheck):
    """Every migration of the installed code is applied."""

    name = "migrations"

    def probe(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise ServiceUnavailable("unapplied migrations")


@dataclasses.dataclass
class TaskQueue(RequestThreadCheck):
    """No more than VS_HEALTH_MAX_QUEUE_DEPTH tasks wait for the workers (database or Redis queue)."""

    name = "task_queue"

    def probe(self) -> None:
        try:
            counts = queue_counts()
        except QueueUnreachable as error:
            raise ServiceUnavailable("task queue unreachable") from error
        if counts is not None and counts["ready"] > settings.VS_HEALTH_MAX_QUEUE_DEPTH:
            raise ServiceUnavailable("too many tasks waiting")


@dataclasses.dataclass
class WorkerHeartbeatCheck(RequestThreadCheck):
    """A worker ran the heartbeat task less than VS_HEALTH_WORKER_MAX_AGE seconds ago."""

    name = "worker_heartbeat"
    not_seen_yet = False  # set by probe(): no heartbeat was ever written (read by the view)

    def probe(self) -> None:
        age = heartbeat_age()
        if age is None:
            # Not an error of the check: raising would log a traceback on every probe until the
            # worker's first run. One line says it; the answer is 503 all the same (HealthView).
            self.not_seen_yet = True
            logger.warning(
                "Santé : aucun battement du worker pour l'instant (la tâche heartbeat n'a encore jamais été "
                "exécutée : worker démarré ? tâche périodique worker_heartbeat en place ?)."
            )
            return
        if age > timedelta(seconds=settings.VS_HEALTH_WORKER_MAX_AGE):
            raise ServiceUnavailable("no recent worker heartbeat")


def configured_checks() -> list[RequestThreadCheck]:
    """The checks that apply: the task checks only when tasks wait for a worker, each unless set to 0."""
    found: list[RequestThreadCheck] = [Database(), Migrations()]
    if tasks_run_in_a_worker():
        if settings.VS_HEALTH_MAX_QUEUE_DEPTH:
            found.append(TaskQueue())
        if settings.VS_HEALTH_WORKER_MAX_AGE:
            found.append(WorkerHeartbeatCheck())
    return found


def _status(result) -> str:
    if result.error:
        return UNAVAILABLE
    return NOT_SEEN_YET if getattr(result.check, "not_seen_yet", False) else OK


class HealthView(HealthCheckView):
    """GET /sante/: JSON for machines, whatever the Accept header; no login, no detail beyond the status."""

    def get_checks(self):
        return configured_checks()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        statuses = {result.check.name: _status(result) for result in results}
        healthy = all(status == OK for status in statuses.values())
        response = JsonResponse({"status": OK if healthy else UNAVAILABLE, "checks": statuses})
        response.status_code = 200 if healthy else 503
        add_never_cache_headers(response)
        return response

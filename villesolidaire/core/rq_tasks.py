"""The task queue on Redis, for deployments past one machine (docs/scaling.md).

`VS_TASKS_BACKEND=villesolidaire.core.rq_tasks.TownRQBackend` with `VS_TASKS_REDIS_URL`: tasks go to
an RQ queue in Redis and run in `manage.py rqworker --with-scheduler default`, on any number of
machines. Two differences from django-tasks-rq's own backend:

- a task enqueued in a town runs in that town (`TownTask`, decision 0014), as with the database queue;
- a task enqueued inside a transaction reaches Redis only once the transaction commits. The database
  queue gets this for free (its row is part of the transaction); Redis does not, and a worker would
  otherwise run the task before the rows it reads exist, or run it although the transaction rolled
  back. django-tasks 0.12 has no `enqueue_on_commit` option, and django-rq's `COMMIT_MODE` only
  covers its own `enqueue_call`, which django-tasks-rq does not use.
"""

from __future__ import annotations

import django_rq
from django.db import close_old_connections, connection, transaction
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, RQBackend, failed_callback, success_callback
from rq.job import Callback, JobStatus
from rq.registry import FailedJobRegistry
from rq.worker import SimpleWorker

from villesolidaire.core.tenancy import TownTask


class TownRQBackend(RQBackend):
    """django-tasks-rq's backend whose tasks carry their town and wait for the commit."""

    task_class = TownTask

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        # The id is chosen now, so that the caller holds the result's id even when the push waits.
        task_result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        if connection.in_atomic_block:
            transaction.on_commit(lambda: self._push(task_result))
        else:
            self._push(task_result)
        return task_result

    def _push(self, task_result: TaskResult) -> None:
        """What django-tasks-rq 0.12's `RQBackend.enqueue` does once it has its result."""
        task = task_result.task
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path,
            args=task_result.args,
            kwargs=task_result.kwargs,
            job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)


class TownWorker(SimpleWorker):
    """The worker `manage.py rqworker` runs (settings.RQ["WORKER_CLASS"]): each task in the worker's own
    process, as `db_worker` runs them, rather than in a process forked for it (RQ's default).

    A forked process starts cold for every task: a new database connection, and whatever a task loads
    on first use (templates…) loaded again: four to twelve times slower here (docs/scaling.md). Around
    each task, the connection is checked and renewed as Django does around a request (CONN_MAX_AGE, a
    lost server).
    """

    def execute_job(self, job, queue):
        close_old_connections()
        try:
            super().execute_job(job, queue)
        finally:
            close_old_connections()


def rq_queue_counts(backend: RQBackend) -> dict[str, int]:
    """Tasks ready to run now and failed tasks, over the backend's queues, read in Redis: the same
    meaning as the database queue's counts (deferred tasks wait in RQ's scheduled registry, not counted)."""
    ready = failed = 0
    for queue in backend._get_queues():
        ready += queue.count
        failed += FailedJobRegistry(queue=queue).count
    return {"ready": ready, "failed": failed}

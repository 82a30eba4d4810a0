"""The task queue on Redis (TownRQBackend, docs/scaling.md), against the real local Redis.

Each test has a queue of its own on Redis (tests/conftest.py `redis_task_queue`), run by an RQ worker
in burst mode in this process: the task sees and writes this test's transaction.
"""

import time
from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from villesolidaire.core.health import queue_counts
from villesolidaire.core.models import WorkerHeartbeat
from villesolidaire.core.tasks import heartbeat
from villesolidaire.notifications.models import Channel, Message, MessageStatus
from villesolidaire.notifications.tasks import send_message


@task()
def failing_task() -> None:
    """A task whose provider is down for good."""
    raise ConnectionError("provider down")


def test_a_task_reaches_redis_only_when_its_transaction_commits(redis_task_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        result = heartbeat.using(queue_name=redis_task_queue.name).enqueue(redis_task_queue.name)
        # Not yet: a worker would read rows that are not committed (or never will be).
        assert redis_task_queue.queue.count == 0
    assert len(callbacks) == 1
    callbacks[0]()
    assert redis_task_queue.queue.job_ids == [result.id]


def test_the_worker_runs_the_task_and_its_result_is_read_back(redis_task_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = heartbeat.using(queue_name=redis_task_queue.name).enqueue(redis_task_queue.name)
    assert queue_counts() == {"ready": 1, "failed": 0}

    redis_task_queue.work()

    assert WorkerHeartbeat.objects.filter(queue_name=redis_task_queue.name).exists()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert queue_counts() == {"ready": 0, "failed": 0}


def test_a_message_goes_out_through_the_redis_queue(redis_task_queue, django_capture_on_commit_callbacks, mailoutbox):
    message = Message.objects.create(
        channel=Channel.EMAIL, recipient="camille@example.org", subject="Bienvenue", body="Merci", kind="essai"
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_message.using(queue_name=redis_task_queue.name).enqueue(message.pk)

    redis_task_queue.work()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [mail.to for mail in mailoutbox] == [["camille@example.org"]]


def test_a_deferred_task_waits_in_redis_and_the_scheduler_runs_it_when_due(
    redis_task_queue, django_capture_on_commit_callbacks
):
    """Message retries and proposal expiries are deferred tasks: the worker's scheduler runs them."""
    run_after = timezone.now() + timedelta(seconds=1)
    deferred = heartbeat.using(queue_name=redis_task_queue.name, run_after=run_after)
    with django_capture_on_commit_callbacks(execute=True):
        result = deferred.enqueue(redis_task_queue.name)
    assert redis_task_queue.queue.count == 0
    assert queue_counts() == {"ready": 0, "failed": 0}  # deferred, not ready: as the database queue counts

    redis_task_queue.work()  # due in a second: the burst worker leaves it
    assert not WorkerHeartbeat.objects.filter(queue_name=redis_task_queue.name).exists()

    time.sleep(max(0.0, (run_after - timezone.now()).total_seconds()) + 0.1)
    redis_task_queue.work()
    assert WorkerHeartbeat.objects.filter(queue_name=redis_task_queue.name).exists()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_a_failed_task_stays_visible_with_its_error(redis_task_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = failing_task.using(queue_name=redis_task_queue.name).enqueue()

    redis_task_queue.work()

    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path == "builtins.ConnectionError"
    assert "provider down" in result.errors[-1].traceback
    # What /sante/ and the vs_tasks_failed metric read.
    assert queue_counts() == {"ready": 0, "failed": 1}

"""The Prometheus metrics an operator scrapes (`/metriques/`, docs/operations.md « Monitoring »)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from villesolidaire.core.health import QueueUnreachable, heartbeat_age, queue_counts
from villesolidaire.core.observability import exposition, metrics_allowed
from villesolidaire.notifications.models import Message


def scraped_gauges() -> list[tuple[str, str, float]]:
    """The values read from the database at each scrape."""
    gauges = [
        ("vs_messages_failed", "E-mails and SMS given up after their last attempt.", Message.objects.failed().count())
    ]
    try:
        counts = queue_counts()
    except QueueUnreachable:
        # The other gauges still tell what they know; this one says why the queue's are missing.
        counts = None
        gauges.append(("vs_tasks_queue_unreachable", "1 when the task queue's Redis did not answer.", 1))
    if counts is not None:
        gauges += [
            ("vs_tasks_ready", "Tasks waiting for a worker (database or Redis task queue).", counts["ready"]),
            (
                "vs_tasks_failed",
                "Tasks that failed (database queue until pruned; Redis: RQ's failed registry).",
                counts["failed"],
            ),
        ]
    age = heartbeat_age()
    if age is not None:
        gauges.append(
            (
                "vs_worker_heartbeat_age_seconds",
                "Seconds since a worker last ran the heartbeat task.",
                age.total_seconds(),
            )
        )
    return gauges


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Refused (404) to whoever has neither the bearer token nor an allowed address."""
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(exposition(scraped_gauges()), content_type=CONTENT_TYPE_LATEST)

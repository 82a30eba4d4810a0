from django.utils import timezone
from django_tasks import task

from villesolidaire.core.models import WorkerHeartbeat


@task()
def heartbeat(queue_name: str = "default") -> str:
    """Record that a worker took a task from `queue_name` (read by the health check and the metrics)."""
    beat_at = timezone.now()
    WorkerHeartbeat.objects.update_or_create(queue_name=queue_name, defaults={"beat_at": beat_at})
    return beat_at.isoformat()

from django.db import models


class WorkerHeartbeat(models.Model):
    """When the task worker last ran the heartbeat task (`core.tasks.heartbeat`), one row per queue.

    django-tasks records no liveness of its worker: `manage.py worker_heartbeat`, run every minute
    by the periodic jobs, enqueues the task, and the health check (`core.health`) reads its age.
    """

    queue_name = models.CharField("file", max_length=32, primary_key=True)
    beat_at = models.DateTimeField("dernier signe de vie")

    class Meta:
        verbose_name = "signe de vie du worker"
        verbose_name_plural = "signes de vie du worker"

    def __str__(self):
        return f"{self.queue_name} : {self.beat_at:%d/%m/%Y %H:%M:%S}"

from django.db import models


class Heartbeat(models.Model):
    """A worker process saying it is alive, once a loop (see /healthz)."""

    worker = models.CharField(max_length=200, unique=True)  # host:pid
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    job = models.CharField(max_length=100, blank=True)  # the job it ran last

    def __str__(self) -> str:
        return f"{self.worker} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"

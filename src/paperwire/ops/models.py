from django.db import models


class Heartbeat(models.Model):
    """A worker process saying it is alive, once a loop (see /healthz)."""

    worker = models.CharField(max_length=200, unique=True)  # host:pid
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    job = models.CharField(max_length=100, blank=True)  # the job it ran last

    def __str__(self) -> str:
        return f"{self.worker} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"


class JobLease(models.Model):
    """Which worker runs a periodic job now, and until when no other may start it.

    Several `paperwire worker` processes on one database each run the loop of jobs; a job
    runs only in the worker that takes its lease (paperwire.ops.leases), so a trending
    refresh, an indexing batch or a digest run is done once however many workers there are.
    """

    job = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=200, blank=True)  # host:pid of the worker
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.job} held by {self.holder or 'nobody'} until {self.expires_at:%H:%M:%S}"

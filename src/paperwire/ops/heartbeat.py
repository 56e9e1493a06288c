"""A worker says it is alive: one row per worker process, read by /healthz."""

import logging
import os
import socket

from django.db import DatabaseError
from django.utils import timezone

from paperwire.ops.models import Heartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30


class Heart:
    def __init__(self) -> None:
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = timezone.now()
        self.job = ""

    def beat(self, job: str | None = None) -> None:
        if job is not None:
            self.job = job
        try:
            Heartbeat.objects.update_or_create(
                worker=self.worker,
                defaults={
                    "seen_at": timezone.now(),
                    "started_at": self.started_at,
                    "job": self.job,
                },
            )
        except DatabaseError:
            # The database being away is the jobs' to report; the worker goes on.
            logger.warning("worker: could not record its heartbeat", exc_info=True)

"""Leases on periodic jobs: one worker at a time runs a job, once per period.

A worker takes a job's lease before running it, with one conditional UPDATE (atomic on
SQLite and PostgreSQL): the lease is free when it has expired or the worker already holds
it. While the job runs the lease lasts RUNNING (a worker killed mid-job loses it then,
and another takes the job over; at once when it ran on the same machine); when the job
ends the lease is kept until the job is next due, so the other workers, whose own
schedules also say "due", skip it.
"""

import os
import socket
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from paperwire.ops.models import JobLease

# How long a running job may hold its lease before another worker may take it over.
RUNNING = timedelta(minutes=10)


def take(job: str, holder: str, running: timedelta = RUNNING) -> bool:
    """Take the job's lease for a run; False when another worker holds it."""
    now = timezone.now()
    try:
        with transaction.atomic():
            JobLease.objects.get_or_create(job=job, defaults={"expires_at": now})
    except IntegrityError:  # another worker made the row at the same moment
        pass
    free = Q(expires_at__lte=now) | Q(holder=holder)
    dead = _dead_neighbour(job)
    if dead:  # a worker on this machine that no longer runs: its job is free at once
        free |= Q(holder=dead)
    taken = JobLease.objects.filter(free, job=job).update(holder=holder, expires_at=now + running)
    return taken == 1


def _dead_neighbour(job: str) -> str | None:
    """The job's holder, when it is a process of this machine that has exited."""
    holder = JobLease.objects.filter(job=job).values_list("holder", flat=True).first() or ""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return holder
    except PermissionError:  # alive, another user's
        return None
    return None


def finish(job: str, holder: str, started: timedelta, every: timedelta) -> None:
    """The run is over: keep the lease until the job is next due (`every` after it began)."""
    until = timezone.now() - started + every
    JobLease.objects.filter(job=job, holder=holder).update(expires_at=until)


def give_up(job: str, holder: str) -> None:
    """The run failed or the worker stops: any worker may run the job at once."""
    JobLease.objects.filter(job=job, holder=holder).update(expires_at=timezone.now())

"""paperwire worker — run the periodic jobs (the list is in paperwire.site.jobs) until stopped.

Every job is idempotent: killing the worker mid-job loses nothing that the next run
does not redo. SIGTERM or SIGINT lets the running job finish, then the worker exits 0.
"""

import logging
import signal
import time
from datetime import timedelta
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from paperwire.ops import heartbeat, leases
from paperwire.site.jobs import PERIODIC_JOBS, STOPPING, PeriodicJob

logger = logging.getLogger("paperwire.worker")


def _seconds(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Run the periodic jobs in a loop (or each once with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run every job once and exit (for cron, tests)"
        )
        for job in PERIODIC_JOBS:
            parser.add_argument(
                f"--{job.name}-every",
                type=_seconds,
                default=job.every,
                metavar="SECONDS",
                help=f"seconds between runs of {job.help} (default {job.every})",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = list(PERIODIC_JOBS)
        self.heart = heartbeat.Heart()
        if options["once"]:
            failed = [job.name for job in jobs if not self._run(job, every=None)]
            if failed:
                raise CommandError(f"these jobs failed: {', '.join(failed)} (see the log above)")
            return
        every = {job.name: options[f"{job.name.replace('-', '_')}_every"] for job in jobs}
        self._loop(jobs, every)

    def _loop(self, jobs: list[PeriodicJob], every: dict[str, int]) -> None:
        stop = STOPPING
        stop.clear()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Only ask: the job in progress finishes, so nothing is left half-done.
            logger.info("worker: %s received, stopping", signal.Signals(signum).name)
            stop.set()

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        logger.info(
            "worker: started; %s",
            ", ".join(f"{job.name} every {every[job.name]} s" for job in jobs),
        )
        due = {job.name: time.monotonic() for job in jobs}
        heart = self.heart
        try:
            while not stop.is_set():
                for job in jobs:
                    if stop.is_set():
                        break
                    if time.monotonic() >= due[job.name]:
                        # As around a web request: a long-lived process must not keep
                        # a connection the database closed meanwhile.
                        close_old_connections()
                        ran = self._run(job, every=every[job.name]) and self.ran_last
                        # Only the worker that did the work goes on with it at once.
                        again = ran and job.backlog is not None and job.backlog()
                        close_old_connections()
                        due[job.name] = time.monotonic() + (0 if again else every[job.name])
                heart.beat()
                # Event.wait wakes at once when a signal handler sets it; the heart beats
                # at least every HEARTBEAT_SECONDS while the worker waits.
                wait = min(min(due.values()) - time.monotonic(), heartbeat.HEARTBEAT_SECONDS)
                stop.wait(max(wait, 0))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("worker: stopped")

    def _run(self, job: PeriodicJob, every: int | None) -> bool:
        """Run one job, logging what it did; a failure is logged and the worker goes on.

        The job runs only if this worker takes its lease (paperwire.ops.leases): with
        several workers on one database, each job is done by one of them per period.
        `every` is None for a single run (--once), which leaves the job free afterwards.
        """
        holder = self.heart.worker
        self.ran_last = leases.take(job.name, holder)
        if not self.ran_last:
            logger.debug("%s: another worker has it", job.name)
            return True
        self.heart.beat(job.name)
        started = time.monotonic()
        try:
            summary = job.run()
        except Exception:
            leases.give_up(job.name, holder)
            logger.exception("%s: failed after %.2f s", job.name, time.monotonic() - started)
            return False
        elapsed = time.monotonic() - started
        if every is None:
            leases.give_up(job.name, holder)
        else:
            leases.finish(
                job.name, holder, started=timedelta(seconds=elapsed), every=timedelta(seconds=every)
            )
        logger.info("%s: %s in %.2f s", job.name, summary, elapsed)
        return True

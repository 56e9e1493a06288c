"""paperwire worker — run the periodic jobs (trending scores, …) until stopped.

Every job is idempotent: killing the worker mid-job loses nothing that the next run
does not redo. SIGTERM or SIGINT lets the running job finish, then the worker exits 0.
"""

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from paperwire.digests import sending
from paperwire.feed import trending, upstream
from paperwire.ingest import lookups, scheduled_harvest
from paperwire.ops import heartbeat, leases
from paperwire.orgs import logos
from paperwire.search import dense

logger = logging.getLogger("paperwire.worker")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], str]  # does the work, returns one line for the log
    every: int  # seconds between runs unless --<name>-every says otherwise
    help: str


def refresh_trending() -> str:
    written = trending.refresh_scores()
    return f"{written} trending score{'s' if written != 1 else ''} refreshed"


# Set when the worker is asked to stop: a long job (a digest to thousands) ends early.
STOPPING = threading.Event()


def send_digests() -> str:
    reports = sending.send_due(stop=STOPPING)
    return "; ".join(report.summary() for report in reports) or "no digest due"


# A later feature adds its job here, in one line; it gets a --<name>-every option.
PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("trending", refresh_trending, trending.REFRESH_SECONDS, "trending scores"),
    PeriodicJob("index", dense.index_job, dense.INDEX_JOB_SECONDS, "embedding new papers"),
    PeriodicJob("digests", send_digests, sending.DUE_CHECK_SECONDS, "sending due digests"),
    PeriodicJob(
        "arxiv", lookups.fetch_queued, lookups.QUEUE_CHECK_SECONDS, "fetching queued arXiv ids"
    ),
    PeriodicJob("logos", logos.fetch_logos, logos.JOB_SECONDS, "fetching organization logos"),
    PeriodicJob(
        "harvest",
        scheduled_harvest.harvest_job,
        scheduled_harvest.JOB_SECONDS,
        "harvesting PAPERWIRE_HARVEST_SETS from arXiv (each once a day)",
    ),
    PeriodicJob(
        "upstream",
        upstream.mirror_job,
        upstream.JOB_SECONDS,
        "mirroring the daily lists of PAPERWIRE_UPSTREAM_URL",
    ),
]


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
                        self._run(job, every=every[job.name])
                        close_old_connections()
                        due[job.name] = time.monotonic() + every[job.name]
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
        if not leases.take(job.name, holder):
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

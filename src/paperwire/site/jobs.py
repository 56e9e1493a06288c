"""The worker's periodic jobs: each does one round of its app's work, is safe to kill and
run again, and returns one line for the log. A new job is one line in PERIODIC_JOBS; it gets
a --<name>-every option of `paperwire worker`."""

import threading
from collections.abc import Callable
from dataclasses import dataclass

from paperwire.digests import sending
from paperwire.feed import trending, upstream
from paperwire.ingest import lookups, scheduled_harvest
from paperwire.orgs import logos
from paperwire.search import dense


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], str]  # does the work, returns one line for the log
    every: int  # seconds between runs unless --<name>-every says otherwise
    help: str
    # Whether work is left after a run: then the job is due again at once (after the other
    # jobs that are due), not `every` seconds later. A bulk import is embedded at full speed.
    backlog: Callable[[], bool] | None = None


def refresh_trending() -> str:
    written = trending.refresh_scores()
    return f"{written} trending score{'s' if written != 1 else ''} refreshed"


# Set when the worker is asked to stop: a long job (a digest to thousands) ends early.
STOPPING = threading.Event()


def send_digests() -> str:
    reports = sending.send_due(stop=STOPPING)
    return "; ".join(report.summary() for report in reports) or "no digest due"


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("trending", refresh_trending, trending.REFRESH_SECONDS, "trending scores"),
    PeriodicJob(
        "index", dense.index_job, dense.INDEX_JOB_SECONDS, "embedding new papers", dense.backlog
    ),
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

"""The worker's "harvest" job: the arXiv sets a site follows, harvested once a day.

PAPERWIRE_HARVEST_SETS names the sets (`cs,stat`, `physics:hep-th`). Each day, for each
set, the job lists the records changed since the latest datestamp the previous harvest of
that set saw (the first time, PAPERWIRE_HARVEST_DAYS days back), through OAI-PMH with
arXiv's delay between requests. Each page is committed with its checkpoint: a job killed
part-way resumes on its next run from the saved resumption token, with the same
arguments, and the upsert makes any overlap harmless.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from paperwire.ingest.models import HarvestCheckpoint
from paperwire.ingest.oai import HarvestArgs, harvest_oai

logger = logging.getLogger(__name__)

JOB_SECONDS = 3600  # the job looks every hour; each set is harvested once a day
ONCE_A_DAY = timedelta(hours=20)  # a little under a day: the hour may drift
METADATA_PREFIX = "arXiv"  # arXiv's own format: categories, DOI, journal reference


def _scheduled(set_spec: str) -> "HarvestCheckpoint | None":
    """The latest harvest of this set the job ran (open-ended: no until date)."""
    return (
        HarvestCheckpoint.objects.filter(
            endpoint=settings.ARXIV_OAI_URL,
            set_spec=set_spec,
            metadata_prefix=METADATA_PREFIX,
            until_date__isnull=True,
        )
        .order_by("-started_at")
        .first()
    )


def next_harvest(set_spec: str, today: date) -> HarvestArgs | None:
    """What to harvest of this set now; None when it was harvested in the last day."""
    last = _scheduled(set_spec)
    if last is not None and last.completed_at is None:
        # Stopped part-way (a crash, arXiv down): the same arguments resume it.
        return HarvestArgs(set_spec, METADATA_PREFIX, last.from_date)
    if last is not None and last.completed_at and timezone.now() - last.completed_at < ONCE_A_DAY:
        return None
    if last is None:
        since = today - timedelta(days=settings.HARVEST_DAYS)
    elif last.last_datestamp:
        # From the latest change it saw: that day again (OAI-PMH dates are whole days).
        since = last.last_datestamp
    else:
        # Nothing changed up to that harvest: from the day before it ended.
        since = (last.completed_at or timezone.now()).date() - timedelta(days=1)
    return HarvestArgs(set_spec, METADATA_PREFIX, since)


def harvest_job() -> str:
    sets = settings.HARVEST_SETS
    if not sets:
        return "no sets to harvest (PAPERWIRE_HARVEST_SETS)"
    done = []
    for set_spec in sets:
        args = next_harvest(set_spec, timezone.now().date())
        if args is None:
            continue
        result = harvest_oai(args)
        done.append(
            f"{set_spec} since {args.from_date}: {result.records} records "
            f"({result.created} new, {result.updated} updated) in {result.pages} pages"
        )
    return "; ".join(done) or "every set was harvested in the last day"

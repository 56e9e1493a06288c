"""The worker's "upstream" job: mirror the recent daily lists of another hub.

PAPERWIRE_UPSTREAM_URL names a site that speaks the Hugging Face papers API
(https://huggingface.co, or another Paperwire). Every half hour the job reads its daily
lists of the last PAPERWIRE_UPSTREAM_DAYS days (`/api/daily_papers?date=D`, page by page)
and stores them as an import of Hugging Face daily items does: the papers, their feed
days, upvote counts (raised, never lowered: local votes count too), submitters and
organizations. A new community starts from the wider community's picks.

Running it again changes nothing that did not change upstream. An item upstream that
cannot be read is skipped and counted; an upstream that does not answer stops the run
with nothing half-stored (each day is one transaction), and the next run tries again.
"""

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings

from paperwire.feed import days
from paperwire.feed.hf_daily import HfItem, ImportStats, item_from_json, write_batch
from paperwire.ingest.records import RecordError

logger = logging.getLogger(__name__)

JOB_SECONDS = 1800
PAGE_SIZE = 100  # the API's largest page
MAX_PAGES = 20  # a day of 2,000 papers: more is not a daily list
TIMEOUT_SECONDS = 30.0


class UpstreamError(RuntimeError):
    """The upstream did not answer as the API does; the message says what it did."""


def fetch_day(client: httpx.Client, base: str, day: date) -> list[object]:
    """Every item of the upstream's daily list of `day`."""
    items: list[object] = []
    for page in range(MAX_PAGES):
        url = f"{base}/api/daily_papers"
        params: dict[str, str | int] = {"date": day.isoformat(), "limit": PAGE_SIZE, "p": page}
        try:
            response = client.get(url, params=params)
        except httpx.HTTPError as error:
            raise UpstreamError(f"{url}?date={day}: {error}") from None
        if response.status_code != 200:
            raise UpstreamError(f"{url}?date={day}&p={page}: HTTP {response.status_code}")
        try:
            batch = response.json()
        except ValueError:
            raise UpstreamError(f"{url}?date={day}&p={page}: not JSON") from None
        if not isinstance(batch, list):
            raise UpstreamError(f"{url}?date={day}&p={page}: not a list of items")
        items.extend(batch)
        if len(batch) < PAGE_SIZE:
            break
    return items


def mirror(base: str, today: date, day_count: int) -> tuple[ImportStats, int]:
    """Mirror the daily lists of the `day_count` days up to `today`; (stats, skipped)."""
    zone = ZoneInfo(settings.PAPERWIRE_TIMEZONE)
    stats = ImportStats()
    skipped = 0
    headers = {"User-Agent": settings.ARXIV_USER_AGENT, "Accept": "application/json"}
    with httpx.Client(timeout=TIMEOUT_SECONDS, headers=headers, follow_redirects=True) as client:
        for back in range(day_count - 1, -1, -1):
            day = today - timedelta(days=back)
            batch: list[HfItem] = []
            for number, raw in enumerate(fetch_day(client, base, day)):
                if isinstance(raw, dict):
                    raw = {**raw, "_list_date": day.isoformat()}  # upstream's feed day
                try:
                    batch.append(item_from_json(raw, f"{base} {day} item {number}", zone))
                except RecordError as error:
                    logger.warning("upstream: skipped %s", error)
                    skipped += 1
            write_batch(batch, stats)
    return stats, skipped


def mirror_job(today: date | None = None) -> str:
    base = settings.UPSTREAM_URL.rstrip("/")
    if not base:
        return "no upstream to mirror (PAPERWIRE_UPSTREAM_URL)"
    stats, skipped = mirror(base, today or days.today(), settings.UPSTREAM_DAYS)
    return (
        f"{stats.items} items from {base}: {stats.papers_created} new papers, "
        f"{stats.entries_created} new feed entries, {stats.entries_updated} updated, "
        f"upvotes raised on {stats.upvotes_raised}"
        + (f"; {skipped} unreadable items skipped" if skipped else "")
    )

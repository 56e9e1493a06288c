"""A paper by arXiv id, for a web request: never a long wait on arXiv.

A request that asks for a paper not stored here gets one try at arXiv within
ARXIV_REQUEST_DEADLINE seconds. When arXiv says there is no such paper, the answer is
remembered for MISSING_FOR, so that no one can make the server ask again and again;
when arXiv is slow or down, the id is queued and the worker's `arxiv` job fetches it
with the usual retries (fetch_queued). Views, the API and the CLI all come here.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from paperwire.ingest.arxiv_api import ArxivPaperNotFound, ArxivUnavailable, fetch_and_store
from paperwire.ingest.models import ArxivLookup
from paperwire.ingest.records import RecordError
from paperwire.papers.models import Paper

log = logging.getLogger(__name__)

MISSING_FOR = timedelta(hours=6)
QUEUE_CHECK_SECONDS = 60  # how often the worker looks at the queue
MAX_ATTEMPTS = 8  # the worker's tries, an hour apart at most, before it drops an id
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


class PaperComing(Exception):
    """arXiv did not answer in time: the paper is queued and fetched in the background."""

    def __init__(self, arxiv_id: str) -> None:
        super().__init__(
            f"arXiv is slow to answer right now. Paperwire will fetch {arxiv_id} in the "
            "background: try again in a few minutes."
        )
        self.arxiv_id = arxiv_id


def paper_now(arxiv_id: str) -> Paper:
    """The stored paper, or fetched from arXiv within the request deadline.

    Raises ArxivPaperNotFound (remembered MISSING_FOR) or PaperComing (queued), and
    nothing else: the page, the API and search each say these two in their own words.
    """
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is not None:
        return paper
    lookup = ArxivLookup.objects.filter(arxiv_id=arxiv_id).first()
    if lookup is not None:
        if lookup.missing_since is None:
            raise PaperComing(arxiv_id)  # the worker is on it
        if lookup.missing_since > timezone.now() - MISSING_FOR:
            raise ArxivPaperNotFound([arxiv_id])
    try:
        fetch_and_store([arxiv_id], deadline=settings.ARXIV_REQUEST_DEADLINE)
    except ArxivPaperNotFound:
        _remember_missing(arxiv_id)
        raise
    except (ArxivUnavailable, RecordError) as error:
        # A feed or record arXiv sent that cannot be read is retried by the worker, as a
        # slow answer is.
        ArxivLookup.objects.update_or_create(
            arxiv_id=arxiv_id,
            defaults={"missing_since": None, "next_try_at": None, "last_error": str(error)},
        )
        raise PaperComing(arxiv_id) from error
    ArxivLookup.objects.filter(arxiv_id=arxiv_id).delete()
    return Paper.objects.get(arxiv_id=arxiv_id)


def _remember_missing(arxiv_id: str) -> None:
    ArxivLookup.objects.update_or_create(
        arxiv_id=arxiv_id,
        defaults={"missing_since": timezone.now(), "next_try_at": None, "last_error": ""},
    )


def fetch_queued(limit: int = 50) -> str:
    """The worker's job: fetch the queued ids, with retries; one line for the log."""
    now = timezone.now()
    due = list(
        ArxivLookup.objects.filter(missing_since__isnull=True)
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
        .order_by("requested_at")[:limit]
    )
    fetched = missing = 0
    for lookup in due:
        if Paper.objects.filter(arxiv_id=lookup.arxiv_id).exists():  # imported meanwhile
            lookup.delete()
            continue
        try:
            fetch_and_store([lookup.arxiv_id])
        except ArxivPaperNotFound:
            _remember_missing(lookup.arxiv_id)
            missing += 1
        except (ArxivUnavailable, RecordError) as error:
            _defer(lookup, str(error))
            # arXiv is down for everyone: the rest waits for the next run.
            return f"{fetched} fetched, {missing} not on arXiv; arXiv failed: {error}"
        else:
            lookup.delete()
            fetched += 1
    return f"{fetched} queued paper{'s' if fetched != 1 else ''} fetched, {missing} not on arXiv"


def _defer(lookup: ArxivLookup, error: str) -> None:
    attempts = lookup.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        log.warning("arXiv lookup of %s dropped after %d tries: %s", lookup, attempts, error)
        lookup.delete()
        return
    lookup.attempts = attempts
    lookup.last_error = error
    lookup.next_try_at = timezone.now() + min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)
    lookup.save(update_fields=["attempts", "last_error", "next_try_at"])

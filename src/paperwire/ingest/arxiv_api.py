"""Papers by id from the arXiv API: its Atom feed parsed into PaperRecords.

A fetch is all or nothing: every id is validated before the first request,
every batch is fetched and parsed before anything is returned, and an unknown
id, an unreachable arXiv or a malformed feed raises instead of yielding part
of the papers.
"""

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from paperwire.ingest.http import retry_after_seconds
from paperwire.ingest.records import (
    AuthorName,
    PaperRecord,
    RecordError,
    clean_abstract,
    clean_line,
    utc_timestamp,
)
from paperwire.ingest.upsert import UpsertResult, upsert_papers
from paperwire.ingest.xml import MalformedXml, XmlDeclaresDtd, parse_untrusted_xml
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
BATCH_SIZE = 100  # ids per request; arXiv's id_list takes far more, but URLs stay short
MAX_WAIT = 120.0  # seconds; a longer Retry-After gives up instead of stalling the caller
# arXiv codes: an archive (hep-th, cs, q-bio) and an optional subject class (LG, ed-ph).
# MSC (03B70, 68Q99) and ACM (F.4.1; K.2) classes also arrive as <category term>.
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.IGNORECASE)

Sleep = Callable[[float], None]


class ArxivFeedError(RecordError):
    """The arXiv API answered with something that is not a usable feed."""


class ArxivUnavailable(Exception):
    """arXiv could not be reached or kept failing; the message is for the user."""


class ArxivPaperNotFound(LookupError):
    def __init__(self, ids: list[str], details: list[str] | None = None) -> None:
        self.ids = ids
        message = f"arXiv has no paper {', '.join(ids)}"
        if details:
            message += f" (arXiv said: {'; '.join(details)})"
        super().__init__(message)


@dataclass
class AtomFeed:
    records: list[PaperRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # arXiv's messages from error entries
    total_results: int | None = None

    @property
    def entry_count(self) -> int:
        return len(self.records) + len(self.errors)


# --- The feed -------------------------------------------------------------


def parse_feed(content: bytes | str) -> AtomFeed:
    """Every entry of an arXiv API response; ArxivFeedError for anything malformed."""
    try:
        root = parse_untrusted_xml(content)
    except MalformedXml as e:
        raise ArxivFeedError(f"arXiv sent malformed XML: {e}") from None
    except XmlDeclaresDtd:
        raise ArxivFeedError("arXiv's response declares a DTD, which a feed never does") from None
    if root.tag != f"{ATOM}feed":
        raise ArxivFeedError(f"arXiv's response is not an Atom feed (root element {root.tag!r})")
    feed = AtomFeed(total_results=_total_results(root))
    for entry in root.iterfind(f"{ATOM}entry"):
        entry_id = clean_line(entry.findtext(f"{ATOM}id"))
        if urlsplit(entry_id).path == "/api/errors":
            feed.errors.append(clean_line(entry.findtext(f"{ATOM}summary")) or entry_id)
        else:
            feed.records.append(_paper(entry, entry_id))
    return feed


def _total_results(root: Any) -> int | None:
    text = root.findtext(f"{OPENSEARCH}totalResults")
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise ArxivFeedError(f"arXiv's totalResults {text!r} is not a number") from None


def _paper(entry: Any, entry_id: str) -> PaperRecord:
    try:
        arxiv_id, version = parse_arxiv_id(entry_id)
    except InvalidArxivId as e:
        raise ArxivFeedError(f"a feed entry has no arXiv id: {e}") from None
    title = clean_line(entry.findtext(f"{ATOM}title"))
    if not title:
        raise ArxivFeedError(f"the feed entry for {arxiv_id} has no title")
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=clean_abstract(entry.findtext(f"{ATOM}summary")),
        authors=[_author(a) for a in entry.iterfind(f"{ATOM}author")],
        categories=_categories(entry),
        published_at=_date(entry, "published", arxiv_id),
        updated_at=_date(entry, "updated", arxiv_id),
        doi=clean_line(entry.findtext(f"{ARXIV}doi")) or _doi_link(entry),
        journal_ref=clean_line(entry.findtext(f"{ARXIV}journal_ref")),
        comments=clean_line(entry.findtext(f"{ARXIV}comment")),
    )


def _author(author: Any) -> AuthorName:
    affiliations = (clean_line(a.text) for a in author.iterfind(f"{ARXIV}affiliation"))
    return AuthorName(
        clean_line(author.findtext(f"{ATOM}name")),
        "; ".join(dict.fromkeys(a for a in affiliations if a)),
    )


def _categories(entry: Any) -> list[str]:
    primary = entry.find(f"{ARXIV}primary_category")
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.iterfind(f"{ATOM}category")]
    codes = (t.strip() for t in terms if t)
    return list(dict.fromkeys(c for c in codes if _CATEGORY.fullmatch(c)))


def _date(entry: Any, name: str, arxiv_id: str) -> datetime | None:
    text = clean_line(entry.findtext(f"{ATOM}{name}"))
    try:
        return utc_timestamp(text)
    except ValueError:
        raise ArxivFeedError(f"{arxiv_id}: <{name}> {text!r} is not a date") from None


def _doi_link(entry: Any) -> str:
    for link in entry.iterfind(f"{ATOM}link"):
        if link.get("title") == "doi":
            return _DOI_URL.sub("", link.get("href", "")).strip()
    return ""


# --- The client -----------------------------------------------------------


class _Pacer:
    """Keeps ARXIV_DELAY seconds between requests across all callers in this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = float("-inf")

    def wait_turn(self, sleep: Sleep, longest: float | None = None) -> None:
        """Wait for this process's turn; ArxivUnavailable if it is further off than `longest`."""
        with self.lock:
            wait = self.last + settings.ARXIV_DELAY - time.monotonic()
            if longest is not None and wait > longest:
                raise ArxivUnavailable("arXiv is being asked for other papers right now.")
            if wait > 0:
                sleep(wait)
            self.last = time.monotonic()


_pacer = _Pacer()


def fetch_arxiv_papers(
    ids: Iterable[str], *, sleep: Sleep = time.sleep, deadline: float | None = None
) -> list[PaperRecord]:
    """The latest version of each paper, in the order asked for.

    Raises InvalidArxivId before any request, ArxivPaperNotFound naming every
    unknown id, ArxivUnavailable when arXiv fails, ArxivFeedError on a bad feed.
    With a `deadline` (seconds, for a web request) there is one try, and no wait
    longer than that: retries are the worker's business (ingest.lookups).
    """
    # Version-less ids: arXiv then answers with the latest version, which is the paper.
    wanted = list(dict.fromkeys(parse_arxiv_id(text).id for text in ids))
    found: dict[str, PaperRecord] = {}
    details: list[str] = []
    with httpx.Client(
        timeout=min(settings.ARXIV_TIMEOUT, deadline or settings.ARXIV_TIMEOUT),
        headers={"User-Agent": settings.ARXIV_USER_AGENT},
        follow_redirects=True,
    ) as client:
        for start in range(0, len(wanted), BATCH_SIZE):
            feed = _fetch_feed(client, wanted[start : start + BATCH_SIZE], sleep, deadline)
            found.update((r.arxiv_id, r) for r in feed.records)
            details += feed.errors
    missing = [arxiv_id for arxiv_id in wanted if arxiv_id not in found]
    if missing:
        raise ArxivPaperNotFound(missing, details)
    return [found[arxiv_id] for arxiv_id in wanted]


def fetch_and_store(
    ids: Iterable[str], *, sleep: Sleep = time.sleep, deadline: float | None = None
) -> UpsertResult:
    """Fetch the papers, then write them all in one transaction (or none of them)."""
    return upsert_papers(fetch_arxiv_papers(ids, sleep=sleep, deadline=deadline))


def _fetch_feed(
    client: httpx.Client, batch: list[str], sleep: Sleep, deadline: float | None = None
) -> AtomFeed:
    params = {"id_list": ",".join(batch), "max_results": str(len(batch))}
    attempts = 1 if deadline is not None else settings.ARXIV_MAX_RETRIES + 1
    problem, wait = "", 0.0
    for attempt in range(attempts):
        if attempt:
            log.warning("arXiv API: %s; retry %d of %d", problem, attempt, attempts - 1)
            sleep(wait)
        _pacer.wait_turn(sleep, longest=deadline / 2 if deadline is not None else None)
        wait = _backoff(attempt)  # before the next try, unless arXiv asks for longer
        try:
            response = client.get(settings.ARXIV_API_URL, params=params)
        except httpx.TransportError as e:
            problem = _describe(e)
            continue
        except httpx.HTTPError as e:
            raise ArxivUnavailable(f"arXiv cannot be used right now ({e}).") from e
        status = response.status_code
        # arXiv throttles with 429/503, and at times with a plain "Rate exceeded." body.
        throttled = response.content.startswith(b"Rate exceeded")
        if status == 429 or status >= 500 or throttled:
            problem = f"arXiv answered HTTP {status} {response.reason_phrase}".rstrip()
            if throttled:
                problem += " (rate exceeded)"
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > MAX_WAIT:
                raise ArxivUnavailable(
                    f"arXiv is busy and asks to wait {retry_after:.0f} s; please try again later."
                )
            wait = max(wait, retry_after or 0.0)
            continue
        feed = _feed_or_refusal(response)
        if feed.total_results and not feed.entry_count:
            # arXiv now and then answers with an empty page that claims results.
            problem = "arXiv sent an empty page"
            continue
        return feed
    raise ArxivUnavailable(
        f"arXiv is not answering right now ({problem}, {attempts} attempts); "
        "please try again later."
    )


def _feed_or_refusal(response: httpx.Response) -> AtomFeed:
    if response.status_code == 200:
        return parse_feed(response.content)
    # arXiv explains a refused query (HTTP 400) with an error entry in a feed.
    try:
        feed = parse_feed(response.content)
    except ArxivFeedError:
        feed = AtomFeed()
    if response.status_code == 400 and feed.errors:
        return feed
    raise ArxivUnavailable(
        f"arXiv refused the request (HTTP {response.status_code}"
        f"{': ' + '; '.join(feed.errors) if feed.errors else ''})."
    )


def _backoff(attempt: int) -> float:
    # At least a second even where ARXIV_DELAY is 0, so a failing arXiv is not hammered.
    return float(min(MAX_WAIT, max(settings.ARXIV_DELAY, 1.0) * 2**attempt))


def _describe(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"no answer within {settings.ARXIV_TIMEOUT:g} s"
    if isinstance(error, httpx.ConnectError):
        return "cannot connect to arXiv"
    return f"the connection to arXiv failed ({type(error).__name__})"

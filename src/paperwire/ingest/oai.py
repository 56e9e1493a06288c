"""Harvesting arXiv over OAI-PMH into the papers table, resumably.

Each page's papers and the checkpoint that points past the page are written in
one transaction, so a harvest killed at any moment resumes at the first page
not committed: nothing is lost and nothing is counted twice.

Run again with the same arguments, an unfinished harvest resumes with its saved
resumption token; a finished one (or any, with restart=True) starts over, which
is harmless because the upsert is idempotent.

Tokens expire. When one is rejected the list starts over from the harvest's own
from-date, not from the last datestamp committed: arXiv lists records in
identifier order, so the pages not yet stored hold records with earlier
datestamps too (113 of the 153 records on a genuine arXiv page come after a
later datestamp), and a later from-date would silently miss them.
"""

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from paperwire.ingest.http import retry_after_seconds
from paperwire.ingest.models import HarvestCheckpoint
from paperwire.ingest.oai_parse import (
    METADATA_PREFIXES,
    ListPage,
    OaiError,
    OaiProtocolError,
    parse_list_records,
)
from paperwire.ingest.upsert import upsert_papers

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
RESTART_NOTICE = (
    "starting the list over from this harvest's from-date (arXiv lists records by identifier, "
    "so a later date could miss records on the pages not yet stored); papers already stored "
    "are fetched again and left unchanged"
)
MAX_RETRY_AFTER = 3600.0  # seconds; a server asking for longer is given up on for now
# OAI-PMH setSpec: colon-separated parts of unreserved URI characters (cs, physics:hep-th).
_SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*")


class OaiFetchError(OaiError):
    """The repository could not be reached, or answered with an HTTP error."""


class HarvestConflict(OaiError):
    """Another harvest with the same arguments moved the checkpoint meanwhile."""


class BadHarvestArguments(ValueError):
    pass


@dataclass(frozen=True)
class HarvestArgs:
    set_spec: str = ""
    metadata_prefix: str = "oai_dc"
    from_date: date | None = None
    until_date: date | None = None

    def key(self, endpoint: str) -> str:
        dates = (d.isoformat() if d else "-" for d in (self.from_date, self.until_date))
        return " ".join((endpoint, self.set_spec or "-", self.metadata_prefix, *dates))


@dataclass
class HarvestResult:
    checkpoint: HarvestCheckpoint
    pages: int = 0  # committed by this run
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    resumed_at_page: int | None = None  # set when this run went on from a saved token
    restarted: bool = False  # a rejected token made this run start the list over


def check_harvest_args(args: HarvestArgs) -> None:
    """BadHarvestArguments for arguments that cannot work, before anything is fetched."""
    if args.metadata_prefix not in METADATA_PREFIXES:
        choices = " or ".join(METADATA_PREFIXES)
        raise BadHarvestArguments(
            f"unknown metadata prefix {args.metadata_prefix!r} (use {choices})"
        )
    if args.set_spec and not _SET_SPEC.fullmatch(args.set_spec):
        raise BadHarvestArguments(
            f"{args.set_spec!r} is not an OAI-PMH set (e.g. cs, math, physics:hep-th)"
        )
    if args.from_date and args.until_date and args.from_date > args.until_date:
        raise BadHarvestArguments(f"from {args.from_date} is after until {args.until_date}")


def harvest_oai(
    args: HarvestArgs,
    *,
    restart: bool = False,
    delay: float | None = None,
    sleep: Sleep = time.sleep,
    on_page: Callable[[HarvestCheckpoint, ListPage], None] | None = None,
    notify: Callable[[str], None] = log.info,
) -> HarvestResult:
    """Harvest settings.ARXIV_OAI_URL's ListRecords for `args` into the papers table."""
    check_harvest_args(args)
    endpoint = settings.ARXIV_OAI_URL
    checkpoint = _open_checkpoint(args, endpoint, restart=restart)
    result = HarvestResult(checkpoint)
    if checkpoint.resumption_token:
        result.resumed_at_page = checkpoint.pages + 1
        notify(f"Resuming at page {result.resumed_at_page} with the saved resumption token.")
        params = _token_params(checkpoint.resumption_token)
    else:
        params = _list_params(args)
    with OaiEndpoint(endpoint, delay=delay, sleep=sleep) as oai:
        while True:
            where = _where(checkpoint.pages + 1, params, endpoint)
            try:
                page = parse_list_records(oai.get(params, where), where)
            except OaiProtocolError as e:
                if not _can_restart(e, params, result):
                    raise
                result.restarted = True
                notify(f"{e}; {RESTART_NOTICE}")
                _start_over(checkpoint)
                params = _list_params(args)
                continue
            _commit_page(checkpoint, page, result)
            if on_page:
                on_page(checkpoint, page)
            if not page.token:
                return result
            params = _token_params(page.token)


def _open_checkpoint(args: HarvestArgs, endpoint: str, *, restart: bool) -> HarvestCheckpoint:
    checkpoint, created = HarvestCheckpoint.objects.get_or_create(
        key=args.key(endpoint),
        defaults={
            "endpoint": endpoint,
            "set_spec": args.set_spec,
            "metadata_prefix": args.metadata_prefix,
            "from_date": args.from_date,
            "until_date": args.until_date,
        },
    )
    resumable = checkpoint.completed_at is None and bool(checkpoint.resumption_token)
    if not created and (restart or not resumable):
        # A finished harvest, --restart, or one stopped before its first page.
        _start_over(checkpoint)
    return checkpoint


def _start_over(checkpoint: HarvestCheckpoint) -> None:
    now = timezone.now()
    counters = dict.fromkeys(("pages", "records", "deleted", "skipped"), 0)
    nothing = dict.fromkeys(("last_datestamp", "complete_list_size", "cursor", "completed_at"))
    _save(checkpoint, {"resumption_token": "", **counters, **nothing, "started_at": now})


def _commit_page(checkpoint: HarvestCheckpoint, page: ListPage, result: HarvestResult) -> None:
    """The page's papers and the checkpoint past it, in one transaction."""
    seen_pages = checkpoint.pages
    last = max((d for d in (checkpoint.last_datestamp, page.last_datestamp) if d), default=None)
    values: dict[str, Any] = {
        "resumption_token": page.token,
        "pages": seen_pages + 1,
        "records": checkpoint.records + len(page.records),
        "deleted": checkpoint.deleted + page.deleted,
        "skipped": checkpoint.skipped + page.skipped,
        "last_datestamp": last,
        # A last page may not repeat the size; the list's size is still what it was.
        "complete_list_size": (
            checkpoint.complete_list_size
            if page.complete_list_size is None
            else page.complete_list_size
        ),
        "cursor": page.cursor,
        "completed_at": None if page.token else timezone.now(),
    }
    with transaction.atomic():
        upserted = upsert_papers(page.records)
        _save(checkpoint, values)
    result.pages += 1
    result.records += len(page.records)
    result.created += len(upserted.created)
    result.updated += len(upserted.updated)
    result.unchanged += upserted.unchanged
    result.deleted += page.deleted
    result.skipped += page.skipped


def _save(checkpoint: HarvestCheckpoint, values: dict[str, Any]) -> None:
    # Optimistic lock: the row must still be where this run left it, or another
    # harvest of the same list is running and this one must not write over it.
    # started_at changes whenever a list starts over, so page counts cannot repeat.
    values = {**values, "updated_at": timezone.now()}
    mine = HarvestCheckpoint.objects.filter(
        pk=checkpoint.pk, pages=checkpoint.pages, started_at=checkpoint.started_at
    )
    moved = mine.update(**values)
    if moved != 1:
        raise HarvestConflict(
            f"another harvest with the same arguments ({checkpoint.key}) is running; "
            "this one stops without writing"
        )
    for name, value in values.items():
        setattr(checkpoint, name, value)


def _can_restart(error: OaiProtocolError, params: dict[str, str], result: HarvestResult) -> bool:
    # Once per run: a repository that rejects every token would otherwise loop for ever.
    return (
        error.code == "badResumptionToken" and "resumptionToken" in params and not result.restarted
    )


def _list_params(args: HarvestArgs) -> dict[str, str]:
    params = {"verb": "ListRecords", "metadataPrefix": args.metadata_prefix}
    if args.set_spec:
        params["set"] = args.set_spec
    if args.from_date:
        params["from"] = args.from_date.isoformat()
    if args.until_date:
        params["until"] = args.until_date.isoformat()
    return params


def _token_params(token: str) -> dict[str, str]:
    # The token stands for every other argument; OAI-PMH forbids repeating them.
    return {"verb": "ListRecords", "resumptionToken": token}


def _where(page_number: int, params: dict[str, str], endpoint: str) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if k != "verb")
    return f"ListRecords page {page_number} ({shown}) from {endpoint}"


class OaiEndpoint:
    """GET requests to one OAI-PMH endpoint, spaced by the polite delay.

    A 503 is arXiv's way of saying "not now": its Retry-After is honoured up to
    ARXIV_MAX_RETRIES times. Every other HTTP error, a timeout or a refused
    connection raises OaiFetchError at once: the checkpoint makes a rerun cheap.
    """

    def __init__(self, endpoint: str, *, delay: float | None, sleep: Sleep) -> None:
        self.endpoint = endpoint
        self.delay = settings.ARXIV_DELAY if delay is None else delay
        self.sleep = sleep
        self.requests = 0
        self.client = httpx.Client(
            timeout=settings.ARXIV_TIMEOUT,
            headers={"User-Agent": settings.ARXIV_USER_AGENT},
            follow_redirects=True,
        )

    def __enter__(self) -> "OaiEndpoint":
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def get(self, params: dict[str, str], where: str) -> bytes:
        retries = settings.ARXIV_MAX_RETRIES
        wait = self.delay if self.requests else 0.0
        for attempt in range(retries + 1):
            if wait > 0:
                self.sleep(wait)
            response = self._send(params, where)
            if response.status_code != 503:
                return self._body(response, where)
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None and asked > MAX_RETRY_AFTER:
                raise OaiFetchError(
                    f"{where}: the repository is unavailable and asks to come back in "
                    f"{asked:.0f} s; run the harvest again later, it resumes where it stopped"
                )
            # Without a Retry-After, back off from the polite delay.
            backoff = max(self.delay, 1.0) * 2**attempt
            wait = max(self.delay, backoff if asked is None else asked)
            if attempt < retries:
                log.warning(
                    "%s: HTTP 503, retry %d of %d in %.0f s", where, attempt + 1, retries, wait
                )
        raise OaiFetchError(
            f"{where}: the repository is still unavailable (HTTP 503) after "
            f"{settings.ARXIV_MAX_RETRIES} retries"
        )

    def _send(self, params: dict[str, str], where: str) -> httpx.Response:
        self.requests += 1
        try:
            return self.client.get(self.endpoint, params=params)
        except httpx.TimeoutException:
            raise OaiFetchError(f"{where}: no answer within {settings.ARXIV_TIMEOUT:g} s") from None
        except httpx.HTTPError as e:
            raise OaiFetchError(f"{where}: cannot reach the repository ({e})") from None

    def _body(self, response: httpx.Response, where: str) -> bytes:
        if response.is_success:
            return response.content
        # Some repositories send OAI-PMH errors with an HTTP error status: the
        # document's own error code says more than the status does.
        if b"<error" in response.content and b"OAI-PMH" in response.content:
            return response.content
        reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
        raise OaiFetchError(f"{where}: the repository answered {reason}")

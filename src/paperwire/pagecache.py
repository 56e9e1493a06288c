"""Anonymous pages from a cache shared by every server process, invalidated by any write.

A visitor who is not signed in sees the same day page, paper page, feed or API list as
every other: the first request renders it, the next ones get the stored copy (and a 304
when their browser already has it). What a page shows lives in the database, so every
write to a table a page reads moves the cache to a new *generation*: a number in the
shared cache that is part of every page's key. Nothing is looked up or deleted one page
at a time, and no code path can forget to invalidate: the database connection itself
notices INSERT, UPDATE and DELETE statements (see `notice_writes`).

The generation moves with each write statement and again when its transaction commits: a
page rendered in between, from the data before the commit, is stored under a generation
no one reads any more.

Signed-in members, requests with an API token, a pending flash message or a form's CSRF
token are never served from or stored in the cache; neither is any view outside
SHARED_VIEWS, nor a response that sets a cookie.
"""

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Generic, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
T = TypeVar("T")
V = TypeVar("V")

# Views whose anonymous response depends only on the URL and the database.
SHARED_VIEWS = frozenset(
    {
        "home",
        "papers",  # the latest day, or a search: see paperwire.site.views
        "feed:day",
        "feed:week",
        "feed:month",
        "feed:trending",
        "feed:about_trending",
        "papers:detail",
        "papers:markdown",
        "profiles:profile",
        "profiles:organizations",
        "profiles:organization",
        "collections:detail",
        "search:search",
        "api:daily_papers",
        "api:search",
        "api:paper_info",
        "api:list_papers",
        "feeds:daily",
        "feeds:day",
        "feeds:weekly",
        "feeds:week",
        "feeds:monthly",
        "feeds:month",
        "feeds:trending",
        "feeds:search",
        "feeds:category",
        "feeds:organization",
        "feeds:member",
    }
)

# Tables whose writes change no page: sessions, bookkeeping of sending and fetching, the
# worker's heartbeat, when a token was last used.
QUIET_TABLES = frozenset(
    {
        "django_session",
        "django_admin_log",
        "digests_delivery",
        "digests_digestedition",
        "ingest_arxivlookup",
        "ingest_harvestcheckpoint",
        "accounts_apitoken",
        "accounts_organizationlogo",
        "ops_heartbeat",
        "ops_joblease",
    }
)

_WRITE = re.compile(
    r"""^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+["`]?(\w+)""",
    re.IGNORECASE,
)

# Headers a stored page does not keep: the validators are set again on every answer.
_UNSTORED_HEADERS = frozenset(
    {"vary", "etag", "cache-control", "content-length", "expires", "last-modified", "date"}
)


def _first_generation() -> int:
    # Never a number used before: a process's own recent pages from before the shared
    # cache was cleared (a Redis flush) must not match again.
    return time.time_ns()


def generation() -> int:
    """The current generation; a new one each call while the shared cache is unreachable
    (nothing stored is then served: pages are rendered, as without a cache)."""
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            cache.add(GENERATION_KEY, _first_generation(), timeout=None)
            value = cache.get(GENERATION_KEY)
    except Exception:
        logger.warning("page cache: the shared cache does not answer", exc_info=True)
        return _first_generation()
    return int(value) if value is not None else _first_generation()


# Within a request, the generation as read the first time it was needed (a page asks
# for it once per card); None when not read yet; outside requests no such scope is set.
_UNREAD = None
_request_generation: ContextVar[int | None] = ContextVar("paperwire_generation")


def current_generation() -> int:
    """The generation, read once per request (and again after a write of the request)."""
    try:
        value = _request_generation.get()
    except LookupError:  # outside a request: every call reads it
        return generation()
    if value is _UNREAD:
        value = generation()
        _request_generation.set(value)
    return value


def invalidate() -> None:
    """Every stored page is out of date: move to the next generation."""
    if _request_generation.get(_UNREAD) is not _UNREAD:
        _request_generation.set(_UNREAD)
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet (a fresh or cleared cache): any new one will do
            cache.add(GENERATION_KEY, _first_generation(), timeout=None)
    except Exception:
        # Pages stored meanwhile expire after PAGE_CACHE_SECONDS; the write itself stands.
        logger.warning("page cache: could not invalidate (the shared cache does not answer)")


def written_table(sql: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE statement writes; None for anything else."""
    found = _WRITE.match(sql)
    return found.group(1).lower() if found else None


def _noticing(
    execute: Callable[..., Any],
    sql: str,
    params: Any,
    many: bool,
    context: dict[str, Any],
) -> Any:
    table = written_table(sql)
    if table is None or table in QUIET_TABLES:
        return execute(sql, params, many, context)
    result = execute(sql, params, many, context)
    connection = context["connection"]
    # Now, and again when the transaction commits (a rollback drops that second one).
    invalidate()
    if connection.in_atomic_block and not any(
        entry[1] is invalidate for entry in connection.run_on_commit
    ):
        connection.on_commit(invalidate)
    return result


def notice_writes(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """connection_created: every statement of this connection is watched for writes."""
    if _noticing not in connection.execute_wrappers:
        connection.execute_wrappers.append(_noticing)


def watch_open_connections() -> None:
    """Also watch the connections already open when the app starts."""
    for connection in connections.all(initialized_only=True):
        notice_writes(None, connection)


# A stored page: its body, its headers and its ETag.
Page = tuple[bytes, list[tuple[str, str]], str]


class Recent(Generic[V]):
    """What this process used last, for PAGE_CACHE_SECONDS at most: no trip to the shared
    cache (its pages), or to the database (what pages are made of)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.pages: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            expires, page = found
            if expires < time.monotonic():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: V) -> None:
        with self.lock:
            self.pages[key] = (time.monotonic() + settings.PAGE_CACHE_SECONDS, page)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


recent: Recent[Page] = Recent()


def _anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _key(request: HttpRequest, gen: int) -> str:
    accept = request.headers.get("Accept", "")
    variant = "md" if "text/markdown" in accept else ("json" if "json" in accept else "")
    raw = f"{request.get_host()}\n{request.get_full_path()}\n{variant}"
    digest = hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    return f"page:{gen}:{digest}"


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    match = request.resolver_match
    return (
        request.method == "GET"
        and response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.streaming
        and match is not None
        and match.view_name in SHARED_VIEWS
        and not response.cookies
        # A form on the page carries this visitor's CSRF token: not for anyone else.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _served(request: HttpRequest, page: Page) -> HttpResponseBase:
    body, headers, etag = page
    response: HttpResponseBase
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body)
        for name, value in headers:
            response[name] = value
    _validators(response, etag)
    response["X-Paperwire-Cache"] = "hit"
    return response


def _validators(response: HttpResponseBase, etag: str) -> None:
    response["ETag"] = etag
    # The browser asks again each time (a 304 when nothing changed); a proxy keeps one
    # copy per cookie header, so no signed-in page is ever mixed with these.
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Cookie, Accept"


def _shared_get(key: str) -> Page | None:
    try:
        page: Page | None = cache.get(key)
    except Exception:
        logger.warning("page cache: the shared cache does not answer", exc_info=True)
        return None
    return page


class PageCacheMiddleware:
    """Serves anonymous pages from the shared cache (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        scope = _request_generation.set(_UNREAD)
        try:
            return self._respond(request)
        finally:
            _request_generation.reset(scope)

    def _respond(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.PAGE_CACHE or not _anonymous(request):
            return self.get_response(request)
        key = _key(request, current_generation())
        page = recent.get(key)
        if page is None:
            page = _shared_get(key)
            if page is not None:
                recent.put(key, page)
        if page is not None:
            return _served(request, page)
        response = self.get_response(request)
        if _storable(request, response):
            assert isinstance(response, HttpResponse)
            body = response.content
            etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in _UNSTORED_HEADERS
            ]
            page = (body, headers, etag)
            try:
                cache.set(key, page, timeout=settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("page cache: could not store a page", exc_info=True)
            recent.put(key, page)
            _validators(response, etag)
            response["X-Paperwire-Cache"] = "miss"
            if request.headers.get("If-None-Match") == etag:
                return _served(request, page)
        return response


# Day and period entries, and paper cards (thousands of them on a busy site).
_remembered: Recent[Any] = Recent(size=4096)


def remember(compute: Callable[[], T], *key: object) -> T:
    """What `compute` returns, kept in this process until the next write to the database.

    For what a page shows everyone (a day's entries with their papers, a paper's card),
    so that members' pages, which are never cached whole, skip that work too. The value
    is shared by every request of the process: read it, never change it.
    """
    full = f"{current_generation()}\n" + "\n".join(map(str, key))
    found = _remembered.get(full)
    if found is None:
        found = compute()
        _remembered.put(full, found)
    return cast(T, found)

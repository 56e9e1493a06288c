"""The JSON API under /api/: the Hugging Face papers API's paths, parameters and shapes.

Reads need no token. Writes take a personal token from the settings page, sent as
`Authorization: Bearer pw_…`, with the write scope. Every error is JSON, {"error":
"a sentence"}, with its status: 400 bad parameters, 401 no or unknown token, 403 not
allowed, 404 not here, 429 too many (with Retry-After). The views call the same
check_*/do_* functions as the pages.
"""

import base64
import binascii
from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from paperwire.accounts.api_tokens import token_for
from paperwire.accounts.models import ApiToken
from paperwire.api import schemas, shapes
from paperwire.discussion.models import Comment
from paperwire.discussion.services import do_post_comment
from paperwire.emails import absolute_url
from paperwire.errors import NotAllowed, Refusal
from paperwire.feed import periods, services, trending
from paperwire.feed.days import BadDay, parse_day, visible_entries
from paperwire.feed.models import DailyEntry
from paperwire.ingest.arxiv_api import ArxivPaperNotFound
from paperwire.ingest.lookups import PaperComing, paper_now
from paperwire.inputs import controls_message, has_controls, parse_id
from paperwire.orgs.models import Organization
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.claims import do_claim_authorship
from paperwire.papers.models import Author, Paper
from paperwire.ratelimits import over_limit
from paperwire.search.query import MAX_QUERY_LENGTH, parse_query
from paperwire.search.service import search_papers

# Reads per client address and writes per member, per minute.
READ_RATE = "600/m"
WRITE_RATE = "30/m"

api = NinjaAPI(
    title=f"{settings.SITE_NAME} API",
    version="1",
    description=(
        "The papers of this hub as JSON, in the paths and shapes of the Hugging Face papers "
        "API: clients written for it (such as `huggingface_hub` with `HF_ENDPOINT` set to "
        "this site) work unchanged. Writes take a personal token from the settings page, "
        "sent as `Authorization: Bearer <token>`."
    ),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)

ERRORS: dict[int, Any] = {400: schemas.ErrorOut, 429: schemas.ErrorOut}
NOT_FOUND: dict[int, Any] = {**ERRORS, 404: schemas.ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**NOT_FOUND, 401: schemas.ErrorOut, 403: schemas.ErrorOut}


class RateLimited(Exception):
    pass


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"error": message}, status=status)


@api.exception_handler(ValidationError)
def bad_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        problems.append(f"{where}: {error.get('msg', 'is not valid')}")
    return _error(request, "; ".join(problems) or "The request is not valid.", 400)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, str(exc), exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "Not found."
    return _error(request, message, 404)


class UnknownToken(AuthenticationError):
    """A token was sent, but it is not one of this site's live tokens."""


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if isinstance(exc, UnknownToken):
        message = (
            "This token is not valid here: it was revoked, or mistyped. Make a new one on "
            "your settings page."
        )
        challenge = 'Bearer realm="api", error="invalid_token"'  # RFC 6750
    else:
        message = (
            "This needs a token: send `Authorization: Bearer <token>` with a token made on "
            "your settings page."
        )
        challenge = 'Bearer realm="api"'
    response = _error(request, message, 401)
    response["WWW-Authenticate"] = challenge
    return response


@api.exception_handler(Refusal)
def refused(request: HttpRequest, exc: Refusal) -> HttpResponse:
    """A check_* refusal: 403 for who you are, 400 for what you sent."""
    return _error(request, exc.message, 403 if isinstance(exc, NotAllowed) else 400)


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(request, "Too many requests: wait a minute and try again.", 429)
    response["Retry-After"] = "60"
    return response


class BearerToken(HttpBearer):
    """A personal token; `write` tokens only for the endpoints that change things."""

    def __init__(self, write: bool) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token.strip():
            return None  # "Bearer" and nothing: no token at all
        found = token_for(token)
        if found is None:
            raise UnknownToken
        if self.write and found.scope != ApiToken.Scope.WRITE:
            raise HttpError(403, "This token can only read: make a write token to do that.")
        request.user = found.user
        return found


WRITE = BearerToken(write=True)


def _reading(request: HttpRequest) -> None:
    if over_limit(request, "api.read", ("ip", READ_RATE)):
        raise RateLimited


def _writing(request: HttpRequest) -> None:
    if over_limit(request, "api.write", ("user", WRITE_RATE)):
        raise RateLimited


# Reading ---------------------------------------------------------------------------------


def _entries(
    day: date | None, period: periods.Period | None, submitter: str | None, sort: str
) -> QuerySet[DailyEntry]:
    if period is not None:
        entries = periods.entries_of_period(period)
    else:
        entries = visible_entries()
        if day is not None:
            entries = entries.filter(day=day)
    if submitter:
        entries = entries.filter(
            Q(submitted_by__username=submitter)
            | Q(submitted_by__isnull=True, submitter_name=submitter)
        )
    order: list[str | OrderBy]
    if sort == "trending":
        order = [F("paper__trending__score").desc(nulls_last=True), "-paper__upvotes"]
    elif period is not None:
        order = ["-paper__upvotes", "day"]
    else:
        # The feed's own order: newest day first, most upvoted first within a day.
        order = ["-day", "-paper__upvotes"]
    return entries.select_related("paper", "organization", "submitted_by__profile").order_by(
        *order, "submitted_at", "pk"
    )


def _period(date_: str | None, week: str | None, month: str | None) -> tuple[date | None, Any]:
    given = [name for name, value in (("date", date_), ("week", week), ("month", month)) if value]
    if len(given) > 1:
        raise HttpError(400, f"Give one of date, week and month, not {' and '.join(given)}.")
    try:
        if date_:
            return parse_day(date_), None
        if week:
            return None, periods.parse_week(week)
        if month:
            return None, periods.parse_month(month)
    except (BadDay, periods.BadPeriod) as error:
        raise HttpError(400, str(error)) from None
    return None, None


@api.get(
    "/daily_papers",
    response={200: list[schemas.DailyItemOut], **ERRORS},
    by_alias=True,
    exclude_none=True,
    summary="Papers on the daily feed",
    tags=["papers"],
)
def daily_papers(
    request: HttpRequest,
    p: int = Query(0, ge=0, le=100_000, description="page, from 0"),
    limit: int = Query(50, ge=1, le=100),
    date: str | None = Query(None, description="a feed day, YYYY-MM-DD"),
    week: str | None = Query(None, description="an ISO week, YYYY-Www"),
    month: str | None = Query(None, description="YYYY-MM"),
    submitter: str | None = Query(None, max_length=150, description="a username"),
    sort: Literal["publishedAt", "trending"] = Query("publishedAt"),
) -> list[shapes.Json]:
    """Without date, week or month: every day's papers, the most recent day first."""
    _reading(request)
    if submitter and has_controls(submitter):
        # No username holds one, and PostgreSQL refuses a NUL in a query outright.
        raise HttpError(400, controls_message("submitter"))
    day, period = _period(date, week, month)
    if sort == "trending" and day is None and period is None and not submitter:
        # The trending list itself, as the trending page and `papers ls --trending` show it.
        scores = trending.ranked()[p * limit : (p + 1) * limit]
        return shapes.first_entry_items([score.paper for score in scores])
    entries = list(_entries(day, period, submitter, sort)[p * limit : (p + 1) * limit])
    return shapes.daily_items(entries)


@api.get(
    "/papers/search",
    response={200: list[schemas.DailyItemOut], **ERRORS},
    by_alias=True,
    exclude_none=True,
    summary="Search papers by words and by meaning",
    tags=["papers"],
)
def search(
    request: HttpRequest,
    q: str = Query("", max_length=MAX_QUERY_LENGTH, description="the search box's language"),
    limit: int = Query(50, ge=1, le=120),
) -> list[shapes.Json]:
    _reading(request)
    query = parse_query(q)
    if query.arxiv_id:
        # An id finds its paper, if it is here; the API never goes to arXiv for a search.
        found = list(Paper.objects.filter(arxiv_id=query.arxiv_id))
        return shapes.search_items(found)
    results = search_papers(q, per_page=limit)
    return shapes.search_items(results.papers)


def _paper(arxiv_id: str) -> Paper:
    """The paper of a canonical id (the `arxiv` path converter gives nothing else)."""
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404(f"The paper {arxiv_id} is not on this site.")
    return paper


@api.get(
    "/papers/{arxiv:arxiv_id}",
    response={200: schemas.PaperDetailOut, **NOT_FOUND},
    by_alias=True,
    exclude_none=True,
    summary="One paper",
    tags=["papers"],
)
def paper_info(request: HttpRequest, arxiv_id: str) -> shapes.Json:
    _reading(request)
    return shapes.paper_objects([_paper(arxiv_id)])[0]


def _cursor(after: int | None) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def _after(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "after" and (after := parse_id(value)) is not None:
            return after
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise HttpError(400, "This cursor is not one this API gave out: start without one.")


@api.get(
    "/papers",
    response={200: list[schemas.PaperDetailOut], **ERRORS},
    by_alias=True,
    exclude_none=True,
    summary="Every paper on this site, newest added first",
    tags=["papers"],
)
def list_papers(
    request: HttpRequest,
    response: HttpResponse,
    cursor: str | None = Query(None, max_length=100, description="from the Link header"),
    limit: int = Query(50, ge=1, le=100),
) -> list[shapes.Json]:
    """Paged by cursor: the `Link: <…>; rel="next"` header holds the next page's address."""
    _reading(request)
    papers = Paper.objects.order_by("-pk")
    if cursor:
        papers = papers.filter(pk__lt=_after(cursor))
    page = list(papers[: limit + 1])
    if len(page) > limit:
        page = page[:limit]
        next_url = request.build_absolute_uri(
            f"{request.path}?limit={limit}&cursor={_cursor(page[-1].pk)}"
        )
        response["Link"] = f'<{next_url}>; rel="next"'
    return shapes.paper_objects(page)


# Writing ---------------------------------------------------------------------------------


def _organization(name: str) -> Organization | None:
    if not name:
        return None
    org = Organization.objects.filter(name=name, approved=True).first()
    if org is None:
        raise HttpError(400, f"There is no organization {name!r} here.")
    return org


@api.post(
    "/papers/submit",
    auth=WRITE,
    response={201: schemas.DailyItemOut, **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    summary="Put a paper on today's feed",
    tags=["writing"],
)
def submit(request: HttpRequest, body: schemas.SubmitIn) -> Status[shapes.Json]:
    """The page's rules apply: a verified member, a daily limit, a recent paper not on the
    feed yet. A paper not here yet is fetched from arXiv first."""
    _writing(request)
    entry = services.do_submit(
        request.user, body.paper_id, body.comment, _organization(body.organization)
    )
    entry = DailyEntry.objects.select_related("paper", "organization", "submitted_by__profile").get(
        pk=entry.pk
    )
    return Status(201, shapes.daily_items([entry])[0])


@api.post(
    "/papers/index",
    auth=WRITE,
    response={200: schemas.PaperDetailOut, **WRITE_ERRORS, 502: schemas.ErrorOut},
    by_alias=True,
    exclude_none=True,
    summary="Fetch a paper from arXiv into this site's index",
    tags=["writing"],
)
def index(request: HttpRequest, body: schemas.IndexIn) -> shapes.Json:
    _writing(request)
    try:
        arxiv_id = parse_arxiv_id(body.arxivId).id
    except InvalidArxivId as error:
        raise HttpError(400, f"{error}.") from None
    try:
        paper_now(arxiv_id)
    except ArxivPaperNotFound:
        raise HttpError(404, f"arXiv has no paper {arxiv_id}.") from None
    except PaperComing as error:
        raise HttpError(502, str(error)) from None
    return shapes.paper_objects([_paper(arxiv_id)])[0]


def _vote(request: HttpRequest, arxiv_id: str, wanted: bool) -> schemas.UpvoteOut:
    _writing(request)
    paper = _paper(arxiv_id)
    voted, count = services.do_set_upvote(request.user, paper, wanted)
    return schemas.UpvoteOut(upvoted=voted, upvotes=count)


@api.post(
    "/papers/{arxiv:arxiv_id}/upvote",
    auth=WRITE,
    response={200: schemas.UpvoteOut, **WRITE_ERRORS},
    summary="Upvote a paper (again: no change)",
    tags=["writing"],
)
def upvote(request: HttpRequest, arxiv_id: str) -> schemas.UpvoteOut:
    return _vote(request, arxiv_id, True)


@api.delete(
    "/papers/{arxiv:arxiv_id}/upvote",
    auth=WRITE,
    response={200: schemas.UpvoteOut, **WRITE_ERRORS},
    summary="Take an upvote back",
    tags=["writing"],
)
def remove_upvote(request: HttpRequest, arxiv_id: str) -> schemas.UpvoteOut:
    return _vote(request, arxiv_id, False)


@api.post(
    "/papers/{arxiv:arxiv_id}/comment",
    auth=WRITE,
    response={201: schemas.CommentOut, **WRITE_ERRORS},
    summary="Comment on a paper, or reply to a comment",
    tags=["writing"],
)
def comment(
    request: HttpRequest, arxiv_id: str, body: schemas.CommentIn
) -> Status[schemas.CommentOut]:
    _writing(request)
    paper = _paper(arxiv_id)
    parent = None
    if body.parentCommentId is not None:
        parent = Comment.objects.filter(pk=body.parentCommentId, paper=paper).first()
        if parent is None:
            raise HttpError(404, "That comment is not in this paper's discussion.")
    made = do_post_comment(request.user, paper, body.comment, parent)
    return Status(
        201,
        schemas.CommentOut(
            id=made.pk,
            body=made.body,
            createdAt=shapes.iso(made.created_at) or "",
            author=request.user.get_username(),
            parentCommentId=made.parent_id,
            url=absolute_url(f"{paper.get_absolute_url()}#comment-{made.pk}", request),
        ),
    )


@api.post(
    "/papers/{arxiv:arxiv_id}/claim",
    auth=WRITE,
    response={201: schemas.ClaimOut, **WRITE_ERRORS},
    summary="Claim to be one of a paper's authors (staff verify it)",
    tags=["writing"],
)
def claim(request: HttpRequest, arxiv_id: str, body: schemas.ClaimIn) -> Status[schemas.ClaimOut]:
    _writing(request)
    paper = _paper(arxiv_id)
    name = " ".join(body.author.split())
    author = Author.objects.filter(pk=Author.id_for(name)).first()
    if author is None or not paper.authorships.filter(author=author).exists():
        raise HttpError(400, f"{name or 'That name'} is not an author of {paper.arxiv_id}.")
    made = do_claim_authorship(request.user, paper, author)
    return Status(
        201, schemas.ClaimOut(paper=paper.arxiv_id, author=author.name, status=made.status)
    )

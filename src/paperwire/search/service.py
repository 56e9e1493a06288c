"""Paper search as the page, the API and the evaluation use it.

A query goes: parse -> an arXiv id goes straight to its paper -> lexical and dense
candidates -> fusion -> filters in the database -> sort -> one page of cards.
"""

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from paperwire.feed.cards import card_papers
from paperwire.feed.days import visible_entries
from paperwire.ingest.arxiv_api import ArxivPaperNotFound
from paperwire.ingest.lookups import PaperComing, paper_now
from paperwire.papers.models import Authorship, Paper, PaperCategory
from paperwire.search.fusion import fuse
from paperwire.search.lexical import lexical_candidates, words_pending
from paperwire.search.query import ParsedQuery, Term, parse_query

logger = logging.getLogger(__name__)

SORTS = ("relevance", "newest", "upvotes")
METHODS = ("lexical", "dense", "hybrid")
# How many candidates each retriever hands to fusion. Lexical matches are cheap and
# are the total a reader sees; dense neighbours beyond a few hundred are rarely relevant
# and a deeper ANN search costs latency. Tuned on SciFact's train split (see eval-search).
LEXICAL_DEPTH = 1000
DENSE_DEPTH = 300
# Fusion chosen by measurement on SciFact train (`paperwire eval-search --tune`, nDCG@10):
# min-max normalized scores, words weighted 0.6, 0.739; z-scores with equal weights 0.741;
# reciprocal rank fusion 0.722 at the usual k=60, 0.732 at best (k=5). Min-max, within 0.002
# of the best, also behaves when a run is tiny: the only paper matching a query's words
# scores 1 by words, where its z-score would be 0, and it stays first. Its neighbours
# (weight 0.5 to 0.7, depths 300 to 1000) stay within 0.733 to 0.739.
FUSION_METHOD = "minmax"
FUSION_PARAMS: dict[str, float] = {"alpha": 0.6}
MAX_PER_PAGE = 120  # the JSON API's search takes up to 120
PENDING_CHECK_DEPTH = 100
CHUNK = 500  # ids per IN (...) query
# A list without words counts its papers up to this many, then says "more than": at a million
# papers, counting those of a category took 0.7 s on PostgreSQL; 100 pages are plenty to page.
LIST_COUNT_CAP = 2_000


@dataclass
class SearchFilters:
    published_from: date | None = None
    published_to: date | None = None
    category: str | None = None
    organization: str | None = None
    on_feed: bool = False
    has_code: bool = False
    min_upvotes: int | None = None

    def is_empty(self) -> bool:
        return self == SearchFilters()


@dataclass
class SearchResults:
    query: ParsedQuery
    total: int
    papers: list[Paper]
    page: int
    per_page: int
    num_pages: int
    # How meaning took part: "used", "unused" (nothing it found), "off" (the site's
    # choice), "failed" (the embedder broke on this query) or "moot" (nothing to embed).
    meaning: str = "used"
    # Some of the best matches by words have no embedding yet: they are found by words alone.
    unindexed: bool = False
    redirect_to: str | None = None
    sort: str = "relevance"
    # Reader-facing sentences: the query's own (cut, unbalanced quote...) and the search's.
    notices: list[str] = field(default_factory=list)
    # The total counts the best matches only: more papers contain the words.
    capped: bool = False


@dataclass
class Ranking:
    """Candidates best first, before filters, and whether dense retrieval was missing."""

    ranked: list[tuple[int, float]]
    meaning: str  # "used", "unused", "off", "failed" or "moot", as in SearchResults
    # Papers stored too recently to be found by their words yet (a bulk import's backlog).
    words_pending: int = 0
    # More papers match the words than the lexical run holds: the total is of the best.
    capped: bool = False
    unindexed: bool = False


def search_papers(
    text: str,
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    method: str = "hybrid",
    fetch_unknown: bool = False,
) -> SearchResults:
    filters = filters or SearchFilters()
    query = parse_query(text or "")
    notices = list(query.notices)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    if query.arxiv_id:
        url = _paper_url(query.arxiv_id, notices, fetch_unknown)
        if url:
            return SearchResults(query, 1, [], 1, per_page, 1, redirect_to=url, notices=notices)
    if sort not in SORTS:
        sort = "relevance"
    if method not in METHODS:
        method = "hybrid"

    if query.is_empty():
        # Nothing to rank by: list what the filters keep, newest first unless asked otherwise.
        sort = "upvotes" if sort == "upvotes" else "newest"
        papers = _filtered(Paper.objects.all(), filters).order_by(*_db_order(sort))
        total = papers[: LIST_COUNT_CAP + 1].count()
        more = total > LIST_COUNT_CAP
        total = min(total, LIST_COUNT_CAP)
        page, num_pages = _clamp(page, total, per_page)
        start = (page - 1) * per_page
        # Never past the count: the last page of a capped list ends at the cap.
        ids = list(papers.values_list("pk", flat=True)[start : min(start + per_page, total)])
        return SearchResults(
            query,
            total,
            _cards(ids),
            page,
            per_page,
            num_pages,
            sort=sort,
            notices=notices,
            capped=more,
        )

    ranking = rank_papers(query, method)
    if backlog := ranking.words_pending:
        papers_are = "papers are" if backlog != 1 else "paper is"
        notices.append(
            f"{backlog:,} recently added {papers_are} not searchable by words yet; "
            "they will be within a few minutes."
        )
    ids = _keep_filtered([pk for pk, _score in ranking.ranked], filters)
    if sort != "relevance":
        ids = _sorted_by(ids, sort)
    total = len(ids)
    page, num_pages = _clamp(page, total, per_page)
    start = (page - 1) * per_page
    return SearchResults(
        query,
        total,
        _cards(ids[start : start + per_page]),
        page,
        per_page,
        num_pages,
        meaning=ranking.meaning,
        unindexed=ranking.unindexed,
        sort=sort,
        notices=notices,
        capped=ranking.capped,
    )


def rank_papers(
    query: ParsedQuery,
    method: str = "hybrid",
    *,
    fusion: str | None = None,
    fusion_params: dict[str, float] | None = None,
    lexical_depth: int | None = None,
    dense_depth: int | None = None,
) -> Ranking:
    """Every candidate for a parsed query, best first (the evaluation tunes the keywords)."""
    lexical_depth = lexical_depth or LEXICAL_DEPTH
    dense_depth = dense_depth or DENSE_DEPTH
    lexical_run: list[tuple[int, float]] = []
    partial = False
    if method in ("lexical", "hybrid"):
        lexical_run, partial = lexical_candidates(query, limit=lexical_depth)
    backlog = words_pending()
    capped = partial or len(lexical_run) >= lexical_depth
    if method == "lexical":
        return Ranking(lexical_run, "unused", backlog, capped)
    # Imported here: the dense module loads numpy and the ANN backends, which lexical
    # search (and every page that never searches) need not pay for.
    from paperwire.search import dense

    dense_text = query.dense_text()
    dense_run: list[tuple[int, float]] = []
    meaning = "used"
    if not dense.embedder_enabled():
        meaning = "off"
    elif dense_text:
        try:
            dense_run = dense.dense_search(dense.query_vector(dense_text), limit=dense_depth)
        except Exception:
            # Dense search is an improvement, not a requirement: words still find papers.
            logger.exception("dense search failed; answering with lexical results only")
            meaning = "failed"
        dense_run = _meeting_constraints(dense_run, query, {pk for pk, _ in lexical_run})
    if not dense_text:
        meaning = "moot"  # only fields and phrases: there is no meaning to search by
    elif meaning == "used" and not dense_run:
        meaning = "unused"
    if method == "dense":
        return Ranking(dense_run, meaning, backlog)
    unindexed = False
    if lexical_run and meaning in ("used", "unused"):
        # A paper whose embedding is pending is found by words only: say so on the page.
        # The best matches by words are the ones a reader sees; checking all thousand cost
        # 10 ms a search.
        top = lexical_run[:PENDING_CHECK_DEPTH]
        unindexed = bool(dense.pending_ids(pk for pk, _ in top))
    if not dense_run:
        return Ranking(lexical_run, meaning, backlog, capped, unindexed)
    ranked = fuse(
        [lexical_run, dense_run],
        fusion or FUSION_METHOD,
        **(FUSION_PARAMS if fusion_params is None else fusion_params),
    )
    return Ranking(ranked, meaning, backlog, capped, unindexed)


# Constraints a dense candidate must meet too ---------------------------------------------

_WORD = re.compile(r"\w+")


def _words(text: str) -> str:
    # Words separated by single spaces and padded, so " term " finds whole words and phrases.
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def _hard_terms(query: ParsedQuery) -> list[Term]:
    """Terms every result must honour: exclusions, fields, phrases and categories.

    Plain words are soft for dense retrieval: finding papers that say the same thing
    in other words is what it is for.
    """
    return [t for t in query.terms if t.negated or t.field is not None or t.phrase]


def _meeting_constraints(
    run: list[tuple[int, float]], query: ParsedQuery, lexical_matches: set[int]
) -> list[tuple[int, float]]:
    hard = _hard_terms(query)
    if not hard or not run:
        return run
    # Lexical matches already honour every term; only check the others.
    unchecked = [pk for pk, _ in run if pk not in lexical_matches]
    texts = _field_texts(unchecked)
    keep = {pk for pk in unchecked if all(_honours(texts[pk], term) for term in hard)}
    return [(pk, score) for pk, score in run if pk in lexical_matches or pk in keep]


def _field_texts(ids: list[int]) -> dict[int, dict[str, str]]:
    texts: dict[int, dict[str, str]] = {
        pk: {"ti": "", "abs": "", "au": "", "cat": " "} for pk in ids
    }
    for chunk in _chunks(ids):
        for pk, title, abstract, primary in Paper.objects.filter(pk__in=chunk).values_list(
            "pk", "title", "abstract", "primary_category_id"
        ):
            texts[pk].update(
                ti=_words(title), abs=_words(abstract), cat=f" {(primary or '').casefold()} "
            )
        for pk, name in Authorship.objects.filter(paper_id__in=chunk).values_list(
            "paper_id", "author__name"
        ):
            texts[pk]["au"] += _words(name)
        for pk, code in PaperCategory.objects.filter(paper_id__in=chunk).values_list(
            "paper_id", "category_id"
        ):
            texts[pk]["cat"] += f"{code.casefold()} "
    return texts


def _honours(texts: dict[str, str], term: Term) -> bool:
    if term.field == "cat":
        code = term.text.strip().casefold()
        # cat:cs matches cs.LG as arXiv's own search does.
        found = f" {code} " in texts["cat"] or f" {code}." in texts["cat"]
    else:
        needle = _words(term.text)
        if needle == "  ":
            return True  # only punctuation: nothing to require
        haystack = texts[term.field] if term.field else texts["ti"] + texts["abs"] + texts["au"]
        found = needle in haystack
    return found != term.negated


# Filters and sorting in the database -----------------------------------------------------


def _filtered(papers: QuerySet[Paper], filters: SearchFilters) -> QuerySet[Paper]:
    if filters.published_from:
        papers = papers.filter(published_at__gte=_start_of(filters.published_from))
    if filters.published_to:
        papers = papers.filter(published_at__lt=_start_of(filters.published_to + timedelta(1)))
    if filters.category:
        cross_listed = PaperCategory.objects.filter(
            paper=OuterRef("pk"), category_id=filters.category
        )
        papers = papers.filter(Q(primary_category_id=filters.category) | Exists(cross_listed))
    if filters.organization:
        entries = visible_entries().filter(
            paper=OuterRef("pk"), organization__name=filters.organization
        )
        papers = papers.filter(Exists(entries))
    if filters.on_feed:
        papers = papers.filter(Exists(visible_entries().filter(paper=OuterRef("pk"))))
    if filters.has_code:
        papers = papers.exclude(code_url="")
    if filters.min_upvotes is not None:
        papers = papers.filter(upvotes__gte=filters.min_upvotes)
    return papers


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _db_order(sort: str) -> list[OrderBy]:
    newest = [F("published_at").desc(nulls_last=True), F("pk").desc()]
    return [F("upvotes").desc(), *newest] if sort == "upvotes" else newest


def _keep_filtered(ids: list[int], filters: SearchFilters) -> list[int]:
    if filters.is_empty() or not ids:
        return ids
    kept: set[int] = set()
    for chunk in _chunks(ids):
        kept.update(
            _filtered(Paper.objects.filter(pk__in=chunk), filters).values_list("pk", flat=True)
        )
    return [pk for pk in ids if pk in kept]


def _sorted_by(ids: list[int], sort: str) -> list[int]:
    keys: dict[int, tuple[float, float, int]] = {}
    for chunk in _chunks(ids):
        for pk, published, upvotes in Paper.objects.filter(pk__in=chunk).values_list(
            "pk", "published_at", "upvotes"
        ):
            stamp = published.timestamp() if published else -math.inf
            keys[pk] = (upvotes if sort == "upvotes" else 0, stamp, pk)
    return sorted(ids, key=lambda pk: keys[pk], reverse=True)


def _clamp(page: int, total: int, per_page: int) -> tuple[int, int]:
    num_pages = max(1, math.ceil(total / per_page))
    return min(max(page, 1), num_pages), num_pages


def _cards(ids: Sequence[int]) -> list[Paper]:
    by_pk = {paper.pk: paper for paper in card_papers().filter(pk__in=list(ids))}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# An arXiv id as the whole query ----------------------------------------------------------


def _paper_url(arxiv_id: str, notices: list[str], fetch_unknown: bool) -> str | None:
    """The paper's page; an unknown paper is fetched from arXiv only for a member
    (`fetch_unknown`), so that no visitor can make the server wait on arXiv."""
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is not None:
        return paper.get_absolute_url()
    if not fetch_unknown:
        notices.append(
            f"{arxiv_id} is not on this site yet. Log in to fetch it from arXiv, or read it "
            f"at https://arxiv.org/abs/{arxiv_id}."
        )
        return None
    try:
        return paper_now(arxiv_id).get_absolute_url()
    except ArxivPaperNotFound:
        notices.append(f"arXiv has no paper {arxiv_id}. Check the id; below, a search for it.")
    except PaperComing as error:
        notices.append(f"Could not fetch {arxiv_id} from arXiv: {error}")
    return None

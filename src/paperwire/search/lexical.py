"""Lexical search: an embedded tantivy index (BM25) on SQLite, PostgreSQL full text with
ts_rank in production.

On PostgreSQL each paper has one tsvector row (title, authors, abstract), written by
index_papers inside the transaction that changed the paper. On SQLite the tantivy index
under VAR_DIR/search/ catches up with the papers table (see lexical_index): each search
first takes in what changed, so a stored paper is findable by the next search.
Queries are built from parsed Terms only: every term is quoted for tantivy's parser, or
normalized by PostgreSQL itself, so no text a reader types can reach either engine as
syntax.

Plain words are alternatives ranked by relevance (as in BM25 retrieval: a paper
matching more and rarer words ranks higher); phrases and ti:/au:/abs: terms are
required; negated terms exclude; cat: terms filter on the paper's categories.
"""

import math
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, transaction

from paperwire.search.query import ParsedQuery, Term

# Weights of ts_rank on PostgreSQL (SQLite's index repeats the title instead: see
# lexical_index.weighted_text): a word in the title says more about a paper than the same
# word in its abstract. SciFact train, nDCG@10 by words (hybrid): abstract 0.25 of the
# title -> 0.639 (0.710), 0.5 -> 0.679 (0.725), 0.7 -> 0.676 (0.728), 1 -> 0.667 (0.726).
TITLE_WEIGHT = 1.0
AUTHORS_WEIGHT = 0.5
ABSTRACT_WEIGHT = 0.7

FTS_COLUMNS = {"ti": "title", "au": "authors", "abs": "abstract"}
PG_WEIGHTS = {"ti": "A", "au": "B", "abs": "C"}
PG_CONFIG = "english"
# ts_rank normalization 32 turns a rank r into r / (r + 1): repeated words
# saturate as in BM25. Measured on SciFact train (nDCG@10, idf-weighted terms):
# 0 -> 0.604, 1 -> 0.602, 2 -> 0.446, 32 -> 0.639, 33 -> 0.607.
PG_NORMALIZATION = 32
BATCH = 2000  # papers per statement when (re)indexing
# PostgreSQL ranked every paper a query's words match: at a million papers, common words
# ("show", "increase") match hundreds of thousands, which took seconds. A search ranks the
# papers containing its rarer words, up to about settings.SEARCH_RANK_BUDGET of them, and
# leaves out those containing only its commonest ones, which rank low anyway (see
# _candidate_query). Ranking costs about 4 microseconds a paper.
# Below this many papers, every count is exact and ANALYZE's statistics go unused.
EXACT_BELOW = 10_000
# How long a process keeps the table's statistics of common words (ANALYZE's).
COMMON_WORDS_SECONDS = 600.0


# Plain words so common in English that a paper containing one says almost
# nothing (bm25 gives them next to no weight) while matching most papers: as
# alternatives they only make every paper a candidate to rank, which is what
# makes a search slow. They still count inside phrases and fields, and a query
# of nothing else searches them.
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your
    """.split()
)


def _has_tokens(text: str) -> bool:
    # Both engines index runs of letters and digits only: a term without any (an
    # emoji) would make a query match nothing, so lexical search leaves it out.
    return any(ch.isalnum() for ch in text)


def _chunks(ids: Sequence[int], size: int = BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# Indexing -----------------------------------------------------------------------------


def _pg_document(title: str, names: str, abstract: str) -> str:
    """The SQL of a paper's search document from the SQL of its title, its authors' names
    (one text, in their order) and its abstract."""
    return (
        f"setweight(to_tsvector('{PG_CONFIG}', search_unaccent({title})), 'A') "
        f"|| setweight(to_tsvector('{PG_CONFIG}', search_unaccent(coalesce({names}, ''))), 'B') "
        f"|| setweight(to_tsvector('{PG_CONFIG}', search_unaccent({abstract})), 'C')"
    )


_PG_UPSERT = f"""
INSERT INTO search_paperdocument (paper_id, document)
SELECT p.id, {_pg_document("p.title", "names.names", "p.abstract")}
FROM papers_paper p
LEFT JOIN (
    SELECT s.paper_id, string_agg(a.name, ', ' ORDER BY s.position) AS names
    FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id
    WHERE s.paper_id = ANY(%(ids)s)
    GROUP BY s.paper_id
) names ON names.paper_id = p.id
WHERE p.id = ANY(%(ids)s)
ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document
"""


def index_papers(paper_ids: Iterable[int], *, using: str = "default") -> None:
    """(Re)write the index rows of these papers in the current transaction; ids of deleted
    papers drop out. PostgreSQL only: SQLite's index catches up after commit."""
    ids = sorted(set(paper_ids))
    connection = connections[using]
    if not ids or connection.vendor == "sqlite":
        return
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        for chunk in _chunks(ids):
            cursor.execute(
                "DELETE FROM search_paperdocument d WHERE d.paper_id = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM papers_paper p WHERE p.id = d.paper_id)",
                [list(chunk)],
            )
            cursor.execute(_PG_UPSERT, {"ids": list(chunk)})


def index_staged(papers: str, authorships: str, *, using: str = "default") -> None:
    """Write the index rows of the papers a bulk import just inserted from its staging
    tables (ingest.signals.StagedPapers), in the current transaction: one statement for
    the batch, which reads the title, abstract and authors' names from the staged rows
    instead of looking each paper's authors up. PostgreSQL only."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        return
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_paperdocument (paper_id, document) "
            f"SELECT p.id, {_pg_document('s.title', 'names.names', 's.abstract')} "
            f"FROM {papers} s JOIN papers_paper p ON p.arxiv_id = s.arxiv_id "
            "LEFT JOIN (SELECT ord, string_agg(name, ', ' ORDER BY position) AS names "
            f"FROM {authorships} GROUP BY ord) names ON names.ord = s.ord "
            "ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document"
        )


def catch_up_lexical(progress: bool = False) -> int:
    """Index every paper stored or changed since the last catch-up (SQLite; PostgreSQL's
    index is always current). Returns how many papers it indexed."""
    connection = connections["default"]
    if connection.vendor != "sqlite":
        return 0
    from tqdm import tqdm

    from paperwire.search.lexical_index import get_lexical_index

    index = get_lexical_index()
    waiting = index.pending()
    if not waiting:
        return 0
    with tqdm(total=waiting, disable=not progress, unit="papers", desc="lexical index") as bar:
        index.catch_up(progress=bar)
    return waiting


def reindex_all_lexical(progress: bool = False) -> int:
    """Rebuild every paper's index row, a batch per transaction; returns the papers indexed.

    Safe to interrupt: every committed batch is complete, and running it again
    rewrites the same rows.
    """
    from tqdm import tqdm

    from paperwire.papers.models import Paper

    connection = connections["default"]
    total = Paper.objects.count()
    with tqdm(total=total, disable=not progress, unit="papers", desc="lexical index") as bar:
        if connection.vendor == "sqlite":
            from paperwire.search.lexical_index import get_lexical_index

            return get_lexical_index().rebuild(progress=bar)
        with connection.cursor() as cursor:
            # Rows whose paper is gone (a bulk delete that bypassed the trigger).
            cursor.execute(
                "DELETE FROM search_paperdocument "
                "WHERE paper_id NOT IN (SELECT id FROM papers_paper)"
            )
        ids = list(Paper.objects.order_by("id").values_list("id", flat=True))
        for chunk in _chunks(ids):
            index_papers(chunk)
            bar.update(len(chunk))
        return len(ids)


# Searching ----------------------------------------------------------------------------


@dataclass
class QueryParts:
    """A parsed query as both engines ask it: optional words, required terms, excluded
    terms, wanted and unwanted categories."""

    optional: list[Term] = field(default_factory=list)
    required: list[Term] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    wanted: list[str] = field(default_factory=list)
    unwanted: list[str] = field(default_factory=list)


def split_query(query: ParsedQuery) -> QueryParts:
    parts = QueryParts()
    optional, required, excluded = parts.optional, parts.required, parts.excluded
    wanted, unwanted = parts.wanted, parts.unwanted
    for term in query.terms:
        if term.field == "cat":
            (unwanted if term.negated else wanted).append(term.text)
        elif not _has_tokens(term.text):
            continue
        elif term.negated:
            excluded.append(term)
        elif term.phrase or term.field:
            required.append(term)
        else:
            optional.append(term)
    if informative := [t for t in optional if t.text.lower() not in STOP_WORDS]:
        parts.optional = informative
    return parts


def _category_codes(cursor: Any, values: list[str]) -> list[str]:
    """Stored category codes for cat: values: a code in any case, or a whole archive (cs)."""
    codes: set[str] = set()
    for value in values:
        value = value.lower().rstrip(".*")
        cursor.execute(
            "SELECT code FROM papers_category WHERE lower(code) = %s OR lower(code) LIKE %s",
            [value, value.replace("%", "").replace("_", "") + ".%"],
        )
        codes.update(code for (code,) in cursor.fetchall())
    return sorted(codes)


def _category_filter(
    cursor: Any, wanted: list[str], unwanted: list[str], column: str = "p.id"
) -> tuple[str, list[Any]] | None:
    """SQL and parameters keeping the wanted and dropping the unwanted categories;
    None when no stored category is wanted, so nothing can match."""
    sql, params = "", []
    exists = f"EXISTS (SELECT 1 FROM papers_papercategory pc WHERE pc.paper_id = {column} AND "
    if wanted:
        codes = _category_codes(cursor, wanted)
        if not codes:
            return None
        sql += f" AND {exists} pc.category_id IN ({','.join(['%s'] * len(codes))}))"
        params += codes
    if unwanted and (codes := _category_codes(cursor, unwanted)):
        sql += f" AND NOT {exists} pc.category_id IN ({','.join(['%s'] * len(codes))}))"
        params += codes
    return sql, params


def lexical_search(query: ParsedQuery, limit: int = 1000) -> list[tuple[int, float]]:
    """(paper pk, score) of the papers matching the query, best first; higher is better."""
    return lexical_candidates(query, limit)[0]


def lexical_candidates(
    query: ParsedQuery, limit: int = 1000
) -> tuple[list[tuple[int, float]], bool]:
    """lexical_search's papers, and whether papers containing only the query's commonest
    words were left out unranked (PostgreSQL, see _candidate_query): more papers match."""
    split = split_query(query)
    if not (split.optional or split.required or split.wanted):
        return [], False  # nothing to search for: exclusions alone, or only emoji
    connection = connections["default"]
    if connection.vendor == "sqlite":
        return _search_sqlite(split, limit), False
    with connection.cursor() as cursor:
        return _search_postgresql(cursor, split, limit)


def _tantivy_text(term: Term) -> str:
    # One quoted phrase for tantivy's parser: the words are tokenized and stemmed by the
    # field's analyzer, and nothing inside quotes is syntax once quotes and backslashes go.
    return '"' + term.text.replace("\\", " ").replace('"', " ") + '"'


def _tantivy_query(index: Any, term: Term) -> Any:
    # ti:, au:, abs: search their own field; other terms the weighted text of all three.
    column = FTS_COLUMNS.get(term.field or "", "text")
    return index.parse(_tantivy_text(term), [column], {})


def _category_query(index: Any, values: list[str]) -> Any:
    """Papers in any of these categories (cs.LG) or archives (cs), in any case."""
    from tantivy import Occur, Query

    terms = {value.lower().rstrip(".*") for value in values}
    return Query.boolean_query([(Occur.Should, index.term("categories", t)) for t in terms])


def _search_sqlite(split: QueryParts, limit: int) -> list[tuple[int, float]]:
    from tantivy import Occur, Query

    from paperwire.search.lexical_index import QUERY_CATCH_UP, get_lexical_index

    optional, required, excluded = split.optional, split.required, split.excluded
    wanted, unwanted = split.wanted, split.unwanted
    index = get_lexical_index()
    index.catch_up(limit=QUERY_CATCH_UP)
    clauses = []
    if optional:
        words = [(Occur.Should, _tantivy_query(index, t)) for t in optional]
        clauses.append((Occur.Must, Query.boolean_query(words)))
    clauses += [(Occur.Must, _tantivy_query(index, t)) for t in required]
    if wanted:
        clauses.append((Occur.Must, _category_query(index, wanted)))
    clauses += [(Occur.MustNot, _tantivy_query(index, t)) for t in excluded]
    if unwanted:
        clauses.append((Occur.MustNot, _category_query(index, unwanted)))
    # Categories alone: the category's papers, newest first, all scored alike.
    newest_first = not (optional or required)
    return index.search(Query.boolean_query(clauses), limit, newest_first=newest_first)


def words_pending() -> int:
    """Papers not yet findable by their words (SQLite: the index's backlog); 0 on PostgreSQL,
    whose index is written in the paper's own transaction."""
    if connections["default"].vendor != "sqlite":
        return 0
    from paperwire.search.lexical_index import get_lexical_index

    return get_lexical_index().waiting


def _pg_term_queries(cursor: Any, terms: list[Term]) -> dict[Term, str]:
    """Each term as tsquery text, normalized by PostgreSQL (stems, no stop words),
    weight-restricted for fields; terms of stop words alone are left out."""
    if not terms:
        return {}
    selects = ", ".join(
        f"{'phraseto_tsquery' if t.phrase else 'plainto_tsquery'}"
        f"('{PG_CONFIG}', search_unaccent(%s))::text"
        for t in terms
    )
    cursor.execute(f"SELECT {selects}", [t.text for t in terms])
    texts = cursor.fetchone()
    result = {}
    for term, text in zip(terms, texts, strict=True):
        if not text:
            continue
        if weight := PG_WEIGHTS.get(term.field or ""):
            # Each lexeme is 'quoted' with quotes inside doubled; a label follows it.
            text = _label_lexemes(text, weight)
        result[term] = f"({text})"
    return result


def _label_lexemes(tsquery: str, weight: str) -> str:
    out, i = [], 0
    while i < len(tsquery):
        if tsquery[i] != "'":
            out.append(tsquery[i])
            i += 1
            continue
        j = i + 1
        while j < len(tsquery):
            if tsquery[j] == "'" and tsquery[j + 1 : j + 2] == "'":
                j += 2
            elif tsquery[j] == "'":
                break
            else:
                j += 1
        out.append(tsquery[i : j + 1] + ":" + weight)
        i = j + 1
    return "".join(out)


def _search_postgresql(
    cursor: Any, split: QueryParts, limit: int
) -> tuple[list[tuple[int, float]], bool]:
    optional, required, excluded = split.optional, split.required, split.excluded
    wanted, unwanted = split.wanted, split.unwanted
    q = _pg_term_queries(cursor, [*optional, *required, *excluded])
    words = list(dict.fromkeys(q[t] for t in optional if t in q))
    musts = [q[t] for t in required if t in q]
    negative = [q[t] for t in excluded if t in q]
    # Ranked searches read the documents alone: joining each to its paper cost a lookup
    # per paper ranked. Conditions on the paper name its id, d.paper_id or p.id (below).
    column = "d.paper_id" if words or musts else "p.id"
    category_filter = _category_filter(cursor, wanted, unwanted, column)
    if category_filter is None:
        return [], False
    categories, params = category_filter
    partial = False
    if words or musts:
        # ts_rank weights are {D, C, B, A}: abstract C, authors B, title A.
        weights = f"'{{0, {ABSTRACT_WEIGHT / TITLE_WEIGHT}, {AUTHORS_WEIGHT / TITLE_WEIGHT}, 1}}'"
        # ts_rank knows nothing of how rare a word is; weighting each term's rank
        # by its BM25 idf lifts nDCG@10 on SciFact train from 0.51 to 0.60 (0.639 with
        # PG_NORMALIZATION 32).
        positive = list(dict.fromkeys([*words, *musts]))
        total, frequencies = _pg_frequencies(cursor, positive)
        df = dict(zip(positive, frequencies, strict=True))
        tsquery, partial = _candidate_query(words, musts, df, total)
        if negative:
            tsquery = f"({tsquery}) & !(" + " | ".join(negative) + ")"
        score = " + ".join(
            f"%s * ts_rank({weights}, d.document, %s::tsquery, {PG_NORMALIZATION})"
            for _ in positive
        )
        score_params: list[Any] = []
        for term_query in positive:
            score_params += [_idf(total, df[term_query]), term_query]
        sql = (
            f"SELECT d.paper_id, {score} AS score "
            "FROM search_paperdocument d "
            f"WHERE d.document @@ %s::tsquery {categories} "
            "ORDER BY score DESC, d.paper_id DESC LIMIT %s"
        )
        cursor.execute(sql, [*score_params, tsquery, *params, limit])
    elif wanted:
        exclude = ""
        if negative:
            exclude = (
                " AND NOT EXISTS (SELECT 1 FROM search_paperdocument d WHERE d.paper_id = p.id "
                "AND d.document @@ %s::tsquery)"
            )
            params.append(" | ".join(negative))
        sql = (
            f"SELECT p.id, 0.0 FROM papers_paper p WHERE true {categories}{exclude} "
            "ORDER BY p.published_at DESC NULLS LAST, p.id DESC LIMIT %s"
        )
        cursor.execute(sql, [*params, limit])
    else:
        return [], False  # every word was a stop word
    return [(pk, float(score)) for pk, score in cursor.fetchall()], partial


def _candidate_query(
    words: list[str], musts: list[str], df: dict[str, int], total: int
) -> tuple[str, bool]:
    """The tsquery of the papers to rank, and whether it leaves out papers that match.

    Every paper matching the words (any of them) and the required terms (all) is ranked
    while they are at most about SEARCH_RANK_BUDGET papers, or a required term is (required terms
    are left as they are). Beyond, the papers ranked are those containing the rarer words,
    taken rarest first while their papers fit in the budget; when even the rarest word is
    in more papers than that, those containing the rarest words together, added rarest
    first until about the budget's papers (counting words as independent) do. Each word left
    out adds at most its idf to a paper's score (ts_rank, normalized, stays under 1): the
    papers containing only common words are those BM25 ranks last.
    """
    required = " & ".join(musts)
    anyword = "(" + " | ".join(words) + ")" if words else ""
    everything = " & ".join(filter(None, [anyword, required]))
    size = sum(df[w] for w in words) if words else math.inf
    if musts:
        size = min(size, *(df[m] for m in musts))
    budget = _rank_budget()
    if size <= budget or musts:
        return everything, False
    rarest = sorted(words, key=lambda w: df[w])
    if df[rarest[0]] <= budget:
        taken, papers = [], 0
        for word in rarest:
            if papers + df[word] > budget:
                break
            taken.append(word)
            papers += df[word]
        return "(" + " | ".join(taken) + ")", True
    total = max(total, 1)
    together, share = [rarest[0]], df[rarest[0]] / total
    for word in rarest[1:]:
        if share * total <= budget:
            break
        together.append(word)
        share *= df[word] / total
    return " & ".join(together), True


def _rank_budget() -> int:
    return int(getattr(settings, "SEARCH_RANK_BUDGET", 20_000))


def _idf(total: int, df: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


_LEXEME = re.compile(r"\('((?:[^']|'')+)'\)")
_common: dict[str, tuple[float, dict[str, float]]] = {}
_common_lock = threading.Lock()


def _common_words(cursor: Any) -> dict[str, float]:
    """The share of papers containing each of the commonest lexemes, from the statistics
    ANALYZE keeps of the documents (a sample of 30,000 papers at the default target);
    empty before the table's first ANALYZE."""
    key = str(cursor.connection.info.dbname)
    with _common_lock:
        cached = _common.get(key)
        if cached and time.monotonic() - cached[0] < COMMON_WORDS_SECONDS:
            return cached[1]
    cursor.execute(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
        "WHERE schemaname = current_schema() AND tablename = 'search_paperdocument' "
        "AND attname = 'document'"
    )
    row = cursor.fetchone()
    shares = {}
    if row and row[0]:
        shares = dict(zip(row[0], row[1], strict=False))  # the last 3 are min, max, nulls
    with _common_lock:
        _common[key] = (time.monotonic(), shares)
    return shares


def _pg_frequencies(cursor: Any, term_queries: list[str]) -> tuple[int, list[int]]:
    """The papers indexed, and how many contain each term query: from ANALYZE's statistics
    for common single words, else counted, each count stopping past the rank budget
    (a word that common leaves a small idf either way)."""
    cursor.execute(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = 'search_paperdocument'::regclass"
    )
    total = cursor.fetchone()[0]
    if total < EXACT_BELOW:  # never analyzed (-1), or small enough to count exactly
        cursor.execute("SELECT count(*) FROM search_paperdocument")
        total = cursor.fetchone()[0]
    common = _common_words(cursor) if total >= EXACT_BELOW else {}
    frequencies: list[int | None] = []
    for term_query in term_queries:
        match = _LEXEME.fullmatch(term_query)
        share = common.get(match[1].replace("''", "'")) if match else None
        frequencies.append(None if share is None else round(share * total))
    uncounted = [t for t, f in zip(term_queries, frequencies, strict=True) if f is None]
    if uncounted:
        counts = ", ".join(
            "(SELECT count(*) FROM (SELECT FROM search_paperdocument "
            "WHERE document @@ %s::tsquery LIMIT %s) found)"
            for _ in uncounted
        )
        cursor.execute(f"SELECT {counts}", [v for t in uncounted for v in (t, _rank_budget() + 1)])
        found = iter(cursor.fetchone())
        frequencies = [next(found) if f is None else f for f in frequencies]
    return total, [max(0, f or 0) for f in frequencies]

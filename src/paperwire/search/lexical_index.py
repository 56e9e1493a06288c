"""The embedded lexical index of SQLite installs: a tantivy index under VAR_DIR/search/.

SQLite's FTS5 ranks with bm25() by scoring every paper that matches any word of a query:
at a million papers, SciFact's queries took 492 ms (p50) and 900 ms (p95) for the best
1,000, where tantivy's top-k with block-max WAND took 9 ms and 20 ms on the same corpus
(bench/lexical_engines.py). The papers table is the truth and this index a cache of it,
kept in step by `catch_up`:

- papers are (re)written in order of (`modified_at`, id) after the last pair taken in, a
  commit per chunk with the pair saved after it, so an interrupted catch-up resumes without
  gaps or duplicates (each paper is deleted by id before it is added). Papers are written
  only in IMMEDIATE transactions (upsert, the admin), which SQLite runs one at a time and
  which stamp `modified_at` after taking the lock: no commit can bring a stamp older than
  one already visible;
- a trigger records deleted papers in `search_lexicalremoval`; a catch-up deletes them;
- a search asks only for MAX(modified_at) (one index lookup) unless it moved.

Searches catch up at most QUERY_CATCH_UP papers themselves (a paper is findable by its words
as soon as the next search runs); larger backlogs, after a bulk import, are the worker's.
One process writes at a time (tantivy's lock): the others search what is committed.
"""

import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils.dateparse import parse_datetime

from paperwire.papers.models import Paper

logger = logging.getLogger(__name__)

ANALYZER = "paperwire_en"
TEXT_FIELDS = ("title", "authors", "abstract")
TITLE_REPEAT = 3
QUERY_CATCH_UP = 1000  # papers a search indexes itself before answering
CHUNK = 5000  # papers per commit when catching up
WRITER_HEAP = 64_000_000


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    # title, authors, abstract for ti:, au:, abs:; text for everything else.
    for name in (*TEXT_FIELDS, "text"):
        builder.add_text_field(name, tokenizer_name=ANALYZER)
    # Lower-cased category codes and their archives (cs.lg and cs), matched exactly.
    builder.add_text_field("categories", tokenizer_name="raw")
    # Seconds since the epoch (0 when unknown): category listings come newest first.
    builder.add_integer_field("published", fast=True)
    return builder.build()


def text_analyzer() -> tantivy.TextAnalyzer:
    # Words of letters and digits, lower-cased, accents folded ("Ångström" finds "angstrom"),
    # stemmed ("networks" finds "network"): what FTS5's porter unicode61 did.
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def weighted_text(title: str, authors: str, abstract: str) -> str:
    """What unfielded words search: one text in which the title counts TITLE_REPEAT times.

    BM25 over this one field ranks better than summing boosted per-field scores: SciFact
    train, nDCG@10: title, abstract boosted 4:1 -> 0.550, 1:1 -> 0.663; one text with the
    title once -> 0.691, twice -> 0.695, three times -> 0.698, four times -> 0.697.
    """
    return " \n ".join([title] * TITLE_REPEAT + [authors, abstract])


def category_terms(codes: Iterable[str]) -> list[str]:
    terms: set[str] = set()
    for code in filter(None, codes):
        code = code.lower()
        terms.add(code)
        terms.add(code.split(".")[0])
    return sorted(terms)


class LexicalIndex:
    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: in memory (an in-memory database's, in the tests)
        self.schema = _schema()
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        else:
            self.index = tantivy.Index(self.schema)
        self.index.register_tokenizer(ANALYZER, text_analyzer())
        self.lock = threading.Lock()
        self.memory_state: dict[str, Any] = {}
        self.waiting = 0  # papers the last catch-up left for later

    # State: the newest modified_at taken in, and the papers taken in since it minus margin.
    def _state_path(self) -> Path | None:
        return None if self.path is None else self.path / "paperwire-state.json"

    def _read_state(self) -> dict[str, Any]:
        path = self._state_path()
        if path is None:
            return dict(self.memory_state)
        try:
            state: dict[str, Any] = json.loads(path.read_text())
            return state
        except (OSError, ValueError):
            return {}

    def _write_state(self, state: dict[str, Any]) -> None:
        path = self._state_path()
        if path is None:
            self.memory_state = state
            return
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(state))
        os.replace(partial, path)

    # Catching up with the papers table.
    def catch_up(self, limit: int | None = None, progress: Any = None) -> int:
        """Index what changed; returns how many papers still wait (over `limit`, or the
        index is being written by another process)."""
        with self.lock:
            self.waiting = self._catch_up(limit, progress)
            return self.waiting

    def _changed(self, state: dict[str, Any]) -> QuerySet[Paper]:
        """Papers after the last (modified_at, id) taken in, in that order."""
        papers = Paper.objects.all()
        if state.get("mark"):
            mark = parse_datetime(state["mark"])
            papers = papers.filter(
                Q(modified_at__gt=mark) | Q(modified_at=mark, id__gt=state.get("mark_id", 0))
            )
        return papers.order_by("modified_at", "id")

    def _removals(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT paper_id FROM search_lexicalremoval")
            return [pk for (pk,) in cursor.fetchall()]

    def _up_to_date(self, state: dict[str, Any]) -> bool:
        latest = Paper.objects.aggregate(latest=Max("modified_at"))["latest"]
        if latest is not None and (not state.get("mark") or latest > parse_datetime(state["mark"])):
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM search_lexicalremoval LIMIT 1")
            return cursor.fetchone() is None

    def _catch_up(self, limit: int | None, progress: Any) -> int:
        state = self._read_state()
        if self._up_to_date(state):
            return 0
        if limit is not None and (waiting := self._changed(state).count()) > limit:
            return waiting
        try:
            writer = self.index.writer(WRITER_HEAP, 1)
        except ValueError:
            # Another process is writing (tantivy's lock): it will have taken these in.
            return self._changed(state).count()
        try:
            state = self._read_state()  # as the last writer left it
            if removals := self._removals():
                for pk in removals:
                    writer.delete_documents_by_term("id", pk)
                writer.commit()
                _forget_removals(removals)
            while chunk := list(self._changed(state).values_list("id", "modified_at")[:CHUNK]):
                self._write(writer, [pk for pk, _ in chunk])
                writer.commit()
                last_id, last_modified = chunk[-1]
                state = {"mark": last_modified.isoformat(), "mark_id": last_id}
                self._write_state(state)
                if progress is not None:
                    progress.update(len(chunk))
        finally:
            writer.wait_merging_threads()
        self.index.reload()
        return 0

    def _write(self, writer: tantivy.IndexWriter, ids: Sequence[int]) -> None:
        # Deleted first, so that a paper gone since it was listed leaves no stale copy.
        for pk in ids:
            writer.delete_documents_by_term("id", pk)
        for pk, title, abstract, authors, categories, published in _documents(ids):
            writer.add_document(
                tantivy.Document(
                    id=pk,
                    title=title,
                    abstract=abstract,
                    authors=authors,
                    text=weighted_text(title, authors, abstract),
                    categories=category_terms(categories),
                    published=int(_aware(published).timestamp()) if published else 0,
                )
            )

    def rebuild(self, progress: Any = None) -> int:
        """Every paper again, from an empty index (reindex --all). Returns the papers indexed."""
        with self.lock:
            writer = self.index.writer(WRITER_HEAP, 1)
            try:
                writer.delete_all_documents()
                writer.commit()
            finally:
                writer.wait_merging_threads()
            self._write_state({})
            _forget_removals(self._removals())
            self.waiting = self._catch_up(None, progress)
            self.index.reload()
            return int(self.index.searcher().num_docs)

    def pending(self) -> int:
        """How many papers wait to be indexed, without writing anything."""
        with self.lock:
            return self._changed(self._read_state()).count() + len(self._removals())

    # Searching.
    def parse(self, text: str, fields: Sequence[str], boosts: dict[str, float]) -> Any:
        return self.index.parse_query(text, list(fields), field_boosts=boosts)

    def search(self, query: Any, limit: int, newest_first: bool = False) -> list[tuple[int, float]]:
        """(paper id, BM25 score) best first; with `newest_first`, newest first, scored 0."""
        self.index.reload()
        searcher = self.index.searcher()
        if newest_first:
            hits = searcher.search(query, limit, count=False, order_by_field="published").hits
        else:
            hits = searcher.search(query, limit, count=False).hits
        if not hits:
            return []
        ids: list[Any] = searcher.fast_field_values("id", [address for _key, address in hits])
        if newest_first:
            return [(int(pk), 0.0) for pk in ids]
        return [(int(pk), float(score)) for (score, _), pk in zip(hits, ids, strict=True)]

    def term(self, field: str, value: str) -> Any:
        return tantivy.Query.term_query(self.schema, field, value)

    def size(self) -> int:
        self.index.reload()
        return int(self.index.searcher().num_docs)


def _aware(value: Any) -> datetime:
    """A timestamp read by raw SQL from SQLite (naive UTC text) as an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _documents(ids: Sequence[int]) -> list[tuple[int, str, str, str, list[str], Any]]:
    if not ids:
        return []
    as_json = json.dumps(list(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.title, p.abstract, "
            "coalesce((SELECT group_concat(name, ', ') FROM ("
            "  SELECT a.name FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id"
            "  WHERE s.paper_id = p.id ORDER BY s.position)), ''), "
            "coalesce((SELECT group_concat(category_id, ' ') FROM papers_papercategory c"
            "  WHERE c.paper_id = p.id), ''), coalesce(p.primary_category_id, ''), p.published_at "
            "FROM papers_paper p WHERE p.id IN (SELECT value FROM json_each(%s))",
            [as_json],
        )
        return [
            (pk, title, abstract, authors, [*codes.split(), primary], published)
            for pk, title, abstract, authors, codes, primary, published in cursor.fetchall()
        ]


def _forget_removals(ids: list[int]) -> None:
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_lexicalremoval WHERE paper_id IN "
                "(SELECT value FROM json_each(%s))",
                [json.dumps(ids)],
            )


_indexes: dict[tuple[str, str], LexicalIndex] = {}
_indexes_lock = threading.Lock()


def _path() -> Path | None:
    name = str(connection.settings_dict["NAME"])
    if "mode=memory" in name or ":memory:" in name:
        return None
    database = hashlib.blake2b(name.encode(), digest_size=6).hexdigest()
    return Path(settings.VAR_DIR) / "search" / f"lexical-{database}"


def get_lexical_index() -> LexicalIndex:
    """This database's index, one per process."""
    key = (str(connection.settings_dict["NAME"]), str(settings.VAR_DIR))
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = LexicalIndex(_path())
    return index


def forget_indexes() -> None:
    """Drop the open indexes (tests: an in-memory database starts empty each time)."""
    with _indexes_lock:
        _indexes.clear()

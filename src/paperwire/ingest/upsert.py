"""One way into the database for papers from every source.

`upsert_papers` writes one batch in one transaction. A paper is keyed by its
arXiv id; a record whose version is at least the stored one replaces each field
it carries (the newest version wins; a record without a version number wins
when it was updated no earlier than the stored paper), an older record only fills in the
fields sources add on top of arXiv (code, project page, AI summary). Writing
the same batch twice changes nothing the second time.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from paperwire.ingest.bulk import (
    COLUMNS,
    CORE,
    EXTRA,
    INSERT_COLUMNS,
    PG_STAGE_COLUMNS,
    RECORD_COLUMNS,
    STAGE_COLUMNS,
    STAGE_SCHEMA,
    Staged,
    cached_author_id,
    record_values,
    stage,
    to_db,
)
from paperwire.ingest.records import PaperRecord
from paperwire.ingest.signals import StagedPapers, papers_stored
from paperwire.papers.models import Category
from paperwire.papers.taxonomy import category_name

CHUNK = 500  # ids per IN (...) query, well under every database's parameter limit
ROWS_PER_INSERT = 20_000  # rows per INSERT ... SELECT of _insert


@dataclass
class UpsertResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> list[int]:
        return self.created + self.updated


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(n: int) -> str:
    return ",".join(["%s"] * n)


def _insert(
    cursor: Any,
    table: str,
    columns: dict[str, str],
    rows: Sequence[Sequence[Any]],
    tail: str = "",
) -> None:
    """INSERT many short rows in a few statements instead of one per row.

    `columns` maps each column to its PostgreSQL type. SQLite reads the rows
    from one JSON array with json_each, PostgreSQL from one array per column
    with unnest. Either skips what executemany costs per row (binding, stepping,
    a round trip): the author rows of a bulk import go in a third faster on
    SQLite, and the whole import runs 1.6 times as fast on PostgreSQL.
    """
    head = f"INSERT INTO {table} ({', '.join(columns)})"
    sqlite = cursor.db.vendor == "sqlite"
    if sqlite:
        values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
        # WHERE true: without it SQLite would read ON CONFLICT as a join constraint.
        sql = f"{head} SELECT {values} FROM json_each(%s) WHERE true {tail}"
    else:
        arrays = ", ".join(f"%s::{pg_type}[]" for pg_type in columns.values())
        sql = f"{head} SELECT * FROM unnest({arrays}) {tail}"
    for chunk in _chunks(rows, ROWS_PER_INSERT):
        if sqlite:
            cursor.execute(sql, [orjson.dumps(chunk).decode()])
        else:
            cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])


def _is_set(value: object) -> bool:
    return value is not None and value != "" and value != []


def _merge_records(old: PaperRecord, new: PaperRecord) -> PaperRecord:
    """Two records of one paper in the same batch: the later version wins."""
    winner, loser = (new, old) if (new.version or 0) >= (old.version or 0) else (old, new)
    for name in (*CORE, "authors", "categories", *EXTRA):
        if not _is_set(getattr(winner, name)) and _is_set(getattr(loser, name)):
            setattr(winner, name, getattr(loser, name))
    return winner


def _db_value(name: str, value: Any, to_db: Callable[[datetime | None], Any]) -> Any:
    if name == "ai_keywords":
        return orjson.dumps(value or []).decode()
    if isinstance(value, datetime):
        return to_db(value)
    return value


def _load_existing(cursor: Any, arxiv_ids: list[str]) -> dict[str, dict[str, Any]]:
    existing: dict[str, dict[str, Any]] = {}
    names = ("id", "arxiv_id", *COLUMNS)
    select = ", ".join(names)
    for chunk in _chunks(arxiv_ids):
        cursor.execute(
            f"SELECT {select} FROM papers_paper WHERE arxiv_id IN ({_placeholders(len(chunk))})",
            list(chunk),
        )
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            if isinstance(row["ai_keywords"], str):
                row["ai_keywords"] = orjson.loads(row["ai_keywords"])
            existing[row["arxiv_id"]] = row
    return existing


def _load_relations(cursor: Any, paper_ids: list[int]) -> tuple[dict[int, list], dict[int, list]]:
    # Authors as (name, affiliation) pairs: what the database holds of an AuthorName.
    authors: dict[int, list] = {pid: [] for pid in paper_ids}
    categories: dict[int, list] = {pid: [] for pid in paper_ids}
    for chunk in _chunks(paper_ids):
        marks = _placeholders(len(chunk))
        cursor.execute(
            "SELECT s.paper_id, a.name, s.affiliation FROM papers_authorship s "
            f"JOIN papers_author a ON a.id = s.author_id WHERE s.paper_id IN ({marks}) "
            "ORDER BY s.paper_id, s.position",
            list(chunk),
        )
        for paper_id, name, affiliation in cursor.fetchall():
            authors[paper_id].append((name, affiliation))
        cursor.execute(
            f"SELECT paper_id, category_id FROM papers_papercategory WHERE paper_id IN ({marks}) "
            "ORDER BY paper_id, position",
            list(chunk),
        )
        for paper_id, code in cursor.fetchall():
            categories[paper_id].append(code)
    return authors, categories


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _same(stored: Any, value: Any) -> bool:
    # Equal values are the common case; a naive and an aware datetime compare
    # unequal (they never raise) and go on to be compared in UTC.
    return bool(stored == value or _comparable(stored) == _comparable(value))


def _newer_unversioned(stored: dict[str, Any], record: PaperRecord) -> bool:
    """A record without a version number (OAI-PMH, Hugging Face) still carries
    the newest metadata when it was updated no earlier than the stored paper."""
    if record.version is not None or record.updated_at is None or stored["updated_at"] is None:
        return False
    stored_at = stored["updated_at"]
    if isinstance(stored_at, str):
        stored_at = datetime.fromisoformat(stored_at)
    return bool(_comparable(record.updated_at) >= _comparable(stored_at))


def _changes(stored: dict[str, Any], record: PaperRecord) -> tuple[bool, dict[str, Any]]:
    """Whether the record is at least the stored version, and the columns it changes."""
    version = record.version or 0
    wins = version >= stored["version"] or _newer_unversioned(stored, record)
    changes: dict[str, Any] = {}
    if wins:
        if version > stored["version"]:
            changes["version"] = version
        primary = record.categories[0] if record.categories else None
        if primary is not None and primary != stored["primary_category_id"]:
            changes["primary_category_id"] = primary
        names: tuple[str, ...] = (*CORE, *EXTRA)
    else:
        names = EXTRA
    for name in names:
        value = getattr(record, name)
        if _is_set(value) and not _same(stored[name], value):
            changes[name] = value
    return wins, changes


def upsert_papers(records: Iterable[PaperRecord]) -> UpsertResult:
    """Insert or update a batch of papers in one transaction."""
    batch: dict[str, PaperRecord] = {}
    for record in records:
        previous = batch.get(record.arxiv_id)
        batch[record.arxiv_id] = _merge_records(previous, record) if previous else record
    result = UpsertResult()
    if not batch:
        return result

    with transaction.atomic(), connection.cursor() as cursor:
        staged = _store(cursor, batch, _load_existing(cursor, list(batch)), result, stage_new=True)
        return _stored(result, staged)


def upsert_staged(
    staged: Staged,
    records_at: Callable[[list[int]], list[PaperRecord]],
    keep: int | None = None,
) -> UpsertResult:
    """upsert_papers for a staged batch (bulk.stage), in one transaction, with the same
    outcome. A paper that is not stored yet goes in with one INSERT ... SELECT per table.
    One that is stored is compared with its staged rows in SQL: when the record has the
    stored version and every field and author it sets is the stored one, nothing changes.
    Any other stored paper, and a paper that is more than once in the batch, takes
    upsert_papers' way, its records read again through `records_at` (their lines in the
    file). Only the first `keep` records are written when it is given."""
    result = UpsertResult()
    with transaction.atomic(), connection.cursor() as cursor:
        tables = _load_stage(cursor, staged)
        paper, authorship, category = tables["paper"], tables["authorship"], tables["category"]
        records = staged.records
        if keep is not None and keep < staged.records:
            records = keep
            for table in tables.values():
                cursor.execute(f"DELETE FROM {table} WHERE ord >= %s", [keep])
        cursor.execute(_stored_query(cursor.db.vendor, paper, authorship, category))
        stored = cursor.fetchall()
        general = []
        for _ord, line, arxiv_id, pid, unchanged in stored:
            if unchanged:
                result.unchanged += 1
                result.ids[arxiv_id] = pid
            else:
                general.append(line)
        if general:
            batch: dict[str, PaperRecord] = {}
            for record in records_at(general):
                previous = batch.get(record.arxiv_id)
                batch[record.arxiv_id] = _merge_records(previous, record) if previous else record
            _store(cursor, batch, _load_existing(cursor, list(batch)), result)
        if len(stored) == records:
            return _stored(result)
        for chunk in _chunks([row[0] for row in stored]):
            for table in tables.values():
                cursor.execute(
                    f"DELETE FROM {table} WHERE ord IN ({_placeholders(len(chunk))})", list(chunk)
                )
        inserted = _insert_staged(cursor, paper, authorship, category, result)
        return _stored(result, StagedPapers(paper, authorship, frozenset(inserted)))


def _stored(result: UpsertResult, staged: StagedPapers | None = None) -> UpsertResult:
    # In the batch's transaction: the search index is written with the papers (see
    # ingest.signals), so a committed paper is always findable by its words. The papers
    # inserted from staging tables are indexed from them, a batch at once.
    papers_stored.send(upsert_papers, paper_ids=result.changed, staged=staged)
    return result


_TEXT = (
    "title",
    "abstract",
    "doi",
    "journal_ref",
    "comments",
    "report_no",
    "license",
    "code_url",
    "project_url",
    "ai_summary",
)
_NULLABLE = ("primary_category_id", "published_at", "updated_at", "code_stars", "withdrawn_at")


def _stored_query(vendor: str, paper: str, authorship: str, category: str) -> str:
    """(ord, line, arxiv id, paper id, unchanged) of each staged paper that is stored, or
    more than once in the batch (its paper id then may be null, and it is not unchanged).

    Unchanged: the record has the stored version, and each field it sets (a text that is
    not empty, a value that is not null), each of its authors (key and affiliation, at
    its position) and categories, as many as are stored, is the stored one. Whatever
    this does not prove unchanged takes upsert_papers' way, which decides.
    """
    empty_list = "'[]'::jsonb" if vendor == "postgresql" else "'[]'"
    same = [
        "s.version = p.version",
        *(f"(s.{name} = '' OR s.{name} = p.{name})" for name in _TEXT),
        *(f"(s.{name} IS NULL OR s.{name} = p.{name})" for name in _NULLABLE),
        f"(s.ai_keywords = {empty_list} OR s.ai_keywords = p.ai_keywords)",
    ]
    for staged, table, pairs in (
        (
            authorship,
            "papers_authorship",
            ("author_id = a.author_id", "affiliation = a.affiliation"),
        ),
        (category, "papers_papercategory", ("category_id = a.code",)),
    ):
        matches = " AND ".join(f"x.{pair}" for pair in pairs)
        same += [
            f"NOT EXISTS (SELECT 1 FROM {staged} a WHERE a.ord = s.ord AND NOT EXISTS ("
            f"SELECT 1 FROM {table} x WHERE x.paper_id = p.id AND x.position = a.position "
            f"AND {matches}))",
            f"(SELECT count(*) FROM {staged} a WHERE a.ord = s.ord) IN "
            f"(0, (SELECT count(*) FROM {table} x WHERE x.paper_id = p.id))",
        ]
    repeated = f"SELECT arxiv_id FROM {paper} GROUP BY arxiv_id HAVING count(*) > 1"
    return (
        "SELECT s.ord, s.line, s.arxiv_id, p.id, "
        f"CASE WHEN p.id IS NOT NULL AND s.arxiv_id NOT IN ({repeated}) "
        f"AND {' AND '.join(same)} THEN 1 ELSE 0 END "
        f"FROM {paper} s LEFT JOIN papers_paper p ON p.arxiv_id = s.arxiv_id "
        f"WHERE p.id IS NOT NULL OR s.arxiv_id IN ({repeated}) ORDER BY s.ord"
    )


def _load_stage(cursor: Any, staged: Staged) -> dict[str, str]:
    """Put the staged rows where this connection reads them; the name of each table."""
    if staged.vendor == "sqlite":
        cursor.execute("PRAGMA database_list")
        if STAGE_SCHEMA not in {row[1] for row in cursor.fetchall()}:
            cursor.execute(f"ATTACH DATABASE ':memory:' AS {STAGE_SCHEMA}")
        assert isinstance(staged.data, bytes)
        cursor.db.connection.deserialize(staged.data, name=STAGE_SCHEMA)
        return {table: f"{STAGE_SCHEMA}.{table}" for table in STAGE_COLUMNS}
    # Temporary tables live as long as the connection, each batch empties them.
    assert isinstance(staged.data, dict)
    names = {table: f"ingest_stage_{table}" for table in STAGE_COLUMNS}
    for table, name in names.items():
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({PG_STAGE_COLUMNS[table]})")
    cursor.execute(f"TRUNCATE {', '.join(names.values())}")
    for table, name in names.items():
        if staged.data[table]:
            columns = ", ".join(STAGE_COLUMNS[table])
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                copy.write(staged.data[table])
    return names


def _insert_staged(
    cursor: Any, paper: str, authorship: str, category: str, result: UpsertResult
) -> list[int]:
    """Insert the staged papers, which are not stored yet, with their authors and
    categories; the ids of the papers."""
    sqlite = cursor.db.vendor == "sqlite"
    cursor.execute(f"SELECT DISTINCT code FROM {category}")
    _ensure_categories(cursor, {code for (code,) in cursor.fetchall()})
    now = to_db(cursor.db.vendor)(timezone.now())
    cursor.execute(
        f"INSERT INTO papers_paper ({', '.join(INSERT_COLUMNS)}) "
        f"SELECT {', '.join(RECORD_COLUMNS)}, 0, %s, %s FROM {paper} ORDER BY ord "
        "RETURNING arxiv_id, id",
        [now, now],
    )
    inserted = cursor.fetchall()
    for arxiv_id, pid in inserted:
        result.ids[arxiv_id] = pid
        result.created.append(pid)
    if not inserted:
        return []
    if sqlite:
        # WHERE true: without it SQLite would read ON CONFLICT as a join constraint.
        authors = f"SELECT author_id, name FROM {authorship} WHERE true"
    else:
        # In the order of their keys: batches written side by side wait on each other's
        # new authors in one order, never in a cycle.
        authors = (
            f"SELECT DISTINCT ON (author_id) author_id, name FROM {authorship} ORDER BY author_id"
        )
    cursor.execute(f"INSERT INTO papers_author (id, name) {authors} ON CONFLICT (id) DO NOTHING")
    cursor.execute(
        "INSERT INTO papers_authorship (paper_id, author_id, position, affiliation) "
        f"SELECT p.id, s.author_id, s.position, s.affiliation FROM {authorship} s "
        "JOIN papers_paper p ON p.arxiv_id = s.arxiv_id"
    )
    cursor.execute(
        "INSERT INTO papers_papercategory (paper_id, category_id, position) "
        f"SELECT p.id, s.code, s.position FROM {category} s "
        "JOIN papers_paper p ON p.arxiv_id = s.arxiv_id "
        f"{'WHERE true ' if sqlite else ''}ON CONFLICT (paper_id, category_id) DO NOTHING"
    )
    return [pid for _, pid in inserted]


def _store(
    cursor: Any,
    batch: dict[str, PaperRecord],
    existing: dict[str, dict[str, Any]],
    result: UpsertResult,
    stage_new: bool = False,
) -> StagedPapers | None:
    """Write the papers of `batch`, one record each; `existing` holds the stored ones.
    With `stage_new`, new papers go in through the staging tables on PostgreSQL (COPY and
    one INSERT ... SELECT per table, instead of a round trip per row): the caller's own
    staged rows must not be in them. Returns where those papers were staged, if they
    were."""
    db = to_db(connection.vendor)
    stored_authors, stored_categories = _load_relations(
        cursor, [existing[a]["id"] for a in batch if a in existing]
    )
    new_records: list[PaperRecord] = []
    # Updates that set the same columns share one executemany.
    updates: dict[tuple[str, ...], list[tuple[int, list[Any]]]] = {}
    relations: dict[str, PaperRecord] = {}  # papers whose authors/categories are rewritten

    for arxiv_id, record in batch.items():
        stored = existing.get(arxiv_id)
        if stored is None:
            new_records.append(record)
            continue
        wins, changes = _changes(stored, record)
        pid = stored["id"]
        rel_changed = wins and (
            (
                record.authors
                and [(a.name, a.affiliation) for a in record.authors] != stored_authors[pid]
            )
            or (record.categories and record.categories != stored_categories[pid])
        )
        if rel_changed:
            relations[arxiv_id] = record
        if changes or rel_changed:
            values = [_db_value(n, v, db) for n, v in changes.items()]
            updates.setdefault(tuple(changes), []).append((pid, values))
            result.updated.append(pid)
        else:
            result.unchanged += 1
        result.ids[arxiv_id] = pid

    _ensure_categories(cursor, {c for r in batch.values() for c in r.categories})
    now = db(timezone.now())
    staged_papers = None
    if new_records and stage_new and connection.vendor == "postgresql":
        staged = stage(connection.vendor, list(enumerate(new_records)), [])
        tables = _load_stage(cursor, staged)
        inserted = _insert_staged(
            cursor, tables["paper"], tables["authorship"], tables["category"], result
        )
        staged_papers = StagedPapers(tables["paper"], tables["authorship"], frozenset(inserted))
    elif new_records:
        # executemany: json_extract would parse each long row once per column.
        cursor.executemany(
            f"INSERT INTO papers_paper ({', '.join(INSERT_COLUMNS)}) "
            f"VALUES ({_placeholders(len(INSERT_COLUMNS))})",
            [(*record_values(record, db), 0, now, now) for record in new_records],
        )
        _read_new_ids(cursor, [record.arxiv_id for record in new_records], result)
        relations.update((record.arxiv_id, record) for record in new_records)
    for names, rows in updates.items():
        sets = ", ".join(f"{name} = %s" for name in (*names, "modified_at"))
        cursor.executemany(
            f"UPDATE papers_paper SET {sets} WHERE id = %s",
            [[*values, now, pid] for pid, values in rows],
        )
    _write_relations(
        cursor,
        {result.ids[a]: r for a, r in relations.items()},
        replace={result.ids[a] for a in relations if a in existing},
    )
    return staged_papers


def _read_new_ids(cursor: Any, arxiv_ids: list[str], result: UpsertResult) -> None:
    for chunk in _chunks(arxiv_ids):
        cursor.execute(
            "SELECT arxiv_id, id FROM papers_paper "
            f"WHERE arxiv_id IN ({_placeholders(len(chunk))})",
            list(chunk),
        )
        for arxiv_id, pid in cursor.fetchall():
            result.ids[arxiv_id] = pid
            result.created.append(pid)


def _ensure_categories(cursor: Any, codes: set[str]) -> None:
    if not codes:
        return
    cursor.executemany(
        "INSERT INTO papers_category (code, name, group_name) VALUES (%s, %s, %s) "
        "ON CONFLICT (code) DO NOTHING",
        [(code, *category_name(code)) for code in sorted(codes)],
    )


def _write_relations(cursor: Any, records: dict[int, PaperRecord], replace: set[int]) -> None:
    """Write the authors and categories of `records`; those of papers in `replace`
    (papers that existed before this batch) are deleted first."""
    with_authors = [pid for pid, r in records.items() if r.authors]
    with_categories = [pid for pid, r in records.items() if r.categories]
    for chunk in _chunks([pid for pid in with_authors if pid in replace]):
        cursor.execute(
            f"DELETE FROM papers_authorship WHERE paper_id IN ({_placeholders(len(chunk))})",
            list(chunk),
        )
    for chunk in _chunks([pid for pid in with_categories if pid in replace]):
        cursor.execute(
            f"DELETE FROM papers_papercategory WHERE paper_id IN ({_placeholders(len(chunk))})",
            list(chunk),
        )
    authors: dict[int, str] = {}
    authorships = []
    for pid in with_authors:
        for position, author in enumerate(records[pid].authors):
            author_id = cached_author_id(author.name)
            authors[author_id] = author.name
            authorships.append((pid, author_id, position, author.affiliation))
    _insert(
        cursor,
        "papers_author",
        {"id": "bigint", "name": "text"},
        # In the order of their keys, as in _insert_staged.
        sorted(authors.items()),
        "ON CONFLICT (id) DO NOTHING",
    )
    _insert(
        cursor,
        "papers_authorship",
        {"paper_id": "bigint", "author_id": "bigint", "position": "integer", "affiliation": "text"},
        authorships,
    )
    _insert(
        cursor,
        "papers_papercategory",
        {"paper_id": "bigint", "category_id": "text", "position": "integer"},
        [
            (pid, code, position)
            for pid in with_categories
            for position, code in enumerate(records[pid].categories)
        ],
        "ON CONFLICT (paper_id, category_id) DO NOTHING",
    )


__all__ = ["Category", "UpsertResult", "upsert_papers", "upsert_staged"]

"""Staged batches: the rows of a batch of records, ready for the bulk path of the upsert.

A bulk import parses its file in worker processes, and the process that writes is what
bounds it. So a worker also turns its batch of records into the rows the paper tables
take, in staging tables that the writer reads with one INSERT ... SELECT per table
(upsert.upsert_staged): on SQLite a small database in memory, handed over as its bytes
(sqlite3's serialize) and attached by the writer; on PostgreSQL the text of COPY into
temporary tables. The writer then parses no JSON, binds no parameter per row, and builds
no Python object per row.

This module loads no Django model: worker processes import it without setting Django up.
"""

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from paperwire.ingest.records import PaperRecord
from paperwire.papers.author_ids import author_id

# Columns that follow the newest version of the paper.
CORE = (
    "title",
    "abstract",
    "published_at",
    "updated_at",
    "doi",
    "journal_ref",
    "comments",
    "report_no",
    "license",
)
# Columns that other sources add; any record that carries one fills it in.
EXTRA = ("code_url", "code_stars", "project_url", "ai_summary", "ai_keywords", "withdrawn_at")
COLUMNS = ("version", "primary_category_id", *CORE, *EXTRA)
# The values a record gives a new paper, in this order; an insert adds the rest.
RECORD_COLUMNS = ("arxiv_id", *COLUMNS)
INSERT_COLUMNS = (*RECORD_COLUMNS, "upvotes", "created_at", "modified_at")

# The staging tables. `ord` numbers the records of the batch from 0, `line` is the
# record's line in its file: the writer reads a record again from its line when the
# paper takes the general path (stored already, and changed, or more than once in the
# batch).
STAGE_COLUMNS = {
    "paper": ("ord", "line", *RECORD_COLUMNS),
    "authorship": ("ord", "position", "arxiv_id", "author_id", "name", "affiliation"),
    "category": ("ord", "position", "arxiv_id", "code"),
}
STAGE_SCHEMA = "ingest_stage"  # SQLite: the attached database that holds a staged batch
STAGE_KEYS = {"paper": "ord", "authorship": "ord, position", "category": "ord, position"}
_INTEGERS = {"ord", "line", "version", "position", "author_id", "code_stars"}


def _sqlite_table(table: str) -> str:
    # Declared types: a column without one has no affinity, and its key would not serve a
    # comparison with an integer (the writer looks rows up by ord).
    columns = ", ".join(
        f"{name} {'INTEGER' if name in _INTEGERS else 'TEXT'}" for name in STAGE_COLUMNS[table]
    )
    if table == "paper":
        return f"paper ({columns.replace('ord INTEGER', 'ord INTEGER PRIMARY KEY', 1)})"
    return f"{table} ({columns}, PRIMARY KEY ({STAGE_KEYS[table]})) WITHOUT ROWID"


SQLITE_STAGE_TABLES = {table: _sqlite_table(table) for table in STAGE_COLUMNS}
# Their types on PostgreSQL (SQLite takes the values as they come).
_PG_TYPES = {
    "ord": "integer",
    "line": "bigint",
    "version": "integer",
    "position": "integer",
    "author_id": "bigint",
    "code_stars": "integer",
    "ai_keywords": "jsonb",
    "published_at": "timestamptz",
    "updated_at": "timestamptz",
    "withdrawn_at": "timestamptz",
}
PG_STAGE_COLUMNS = {
    table: ", ".join(f"{name} {_PG_TYPES.get(name, 'text')}" for name in columns)
    + f", PRIMARY KEY ({STAGE_KEYS[table]})"
    for table, columns in STAGE_COLUMNS.items()
}


class Staged(NamedTuple):
    """A batch of lines of a file, staged for `vendor` ("sqlite", "postgresql").

    `records`: how many records it holds (its bad and blank lines hold none); `errors`:
    (how many records come before it, "file:line: why") for each bad line, in order;
    `data`: the serialized SQLite database, or the COPY text of each staging table.
    """

    vendor: str
    records: int
    errors: list[tuple[int, str]]
    data: bytes | dict[str, bytes]
    arxiv_ids: list[str]  # of the records, in order


def naive_utc_text(value: datetime | None) -> str | None:
    # Django stores aware datetimes on SQLite as naive UTC text.
    if value is None:
        return None
    if value.tzinfo is UTC:  # most are: half the time of converting
        return value.isoformat(" ")[:-6]
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def to_db(vendor: str) -> Callable[[datetime | None], Any]:
    """How a datetime goes into `vendor`'s database as a query parameter."""
    if vendor == "sqlite":
        return naive_utc_text
    return lambda value: value


def record_values(record: PaperRecord, to_db: Callable[[datetime | None], Any]) -> tuple[Any, ...]:
    # In RECORD_COLUMNS order: this runs for every row of a bulk import, so it avoids
    # building a dict per row.
    return (
        record.arxiv_id,
        record.version or 0,
        record.categories[0] if record.categories else None,
        record.title,
        record.abstract,
        to_db(record.published_at),
        to_db(record.updated_at),
        record.doi,
        record.journal_ref,
        record.comments,
        record.report_no,
        record.license,
        record.code_url,
        record.code_stars,
        record.project_url,
        record.ai_summary,
        orjson.dumps(record.ai_keywords or []).decode(),
        to_db(record.withdrawn_at),
    )


# A prolific author appears on thousands of papers of a bulk import; hashing a name
# costs about a microsecond.
cached_author_id = lru_cache(maxsize=1 << 17)(author_id)


def stage(
    vendor: str, records: Sequence[tuple[int, PaperRecord]], errors: list[tuple[int, str]]
) -> Staged:
    """Stage (line, record) pairs, in file order, for `vendor`'s database."""
    papers: list[tuple[Any, ...]] = []
    db = to_db(vendor)
    arxiv_ids = [record.arxiv_id for _, record in records]
    if vendor != "sqlite":
        # The text of COPY, written line by line: the authorships and categories, most of
        # the lines, with a format each (half the time of formatting any value by its type).
        authorship_lines: list[str] = []
        category_lines: list[str] = []
        for ord_, (line, record) in enumerate(records):
            papers.append((ord_, line, *record_values(record, db)))
            arxiv_id = _copy_text(record.arxiv_id)
            authorship_lines += [
                f"{ord_}\t{position}\t{arxiv_id}\t{cached_author_id(a.name)}\t"
                f"{_copy_text(a.name)}\t{_copy_text(a.affiliation)}\n"
                for position, a in enumerate(record.authors)
            ]
            category_lines += [
                f"{ord_}\t{position}\t{arxiv_id}\t{_copy_text(code)}\n"
                for position, code in enumerate(record.categories)
            ]
        copy = {
            "paper": "".join(map(_copy_line, papers)).encode(),
            "authorship": "".join(authorship_lines).encode(),
            "category": "".join(category_lines).encode(),
        }
        return Staged(vendor, len(records), errors, copy, arxiv_ids)
    authorships: list[tuple[Any, ...]] = []
    categories: list[tuple[Any, ...]] = []
    for ord_, (line, record) in enumerate(records):
        arxiv_id = record.arxiv_id
        papers.append((ord_, line, *record_values(record, db)))
        authorships += [
            (ord_, position, arxiv_id, cached_author_id(a.name), a.name, a.affiliation)
            for position, a in enumerate(record.authors)
        ]
        categories += [
            (ord_, position, arxiv_id, code) for position, code in enumerate(record.categories)
        ]
    rows = {"paper": papers, "authorship": authorships, "category": categories}
    return Staged(vendor, len(records), errors, _sqlite_stage(rows), arxiv_ids)


def _sqlite_stage(rows: dict[str, list[tuple[Any, ...]]]) -> bytes:
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("BEGIN")
        # Every staged database has the same schema, tables at the same pages: the
        # writer's connection keeps the schema it read from the first one it attached
        # (the schema's version number does not change), so the tables are created
        # before any row takes a page.
        for definition in SQLITE_STAGE_TABLES.values():
            db.execute(f"CREATE TABLE {definition}")
        for table, columns in STAGE_COLUMNS.items():
            db.executemany(
                f"INSERT INTO {table} VALUES ({', '.join(['?'] * len(columns))})", rows[table]
            )
        db.execute("COMMIT")
        return db.serialize()
    finally:
        db.close()


def _copy_text(value: str) -> str:
    # str.translate would take ten times as long on the text that needs nothing.
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\n" in value or "\t" in value or "\r" in value:
        value = value.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return value


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _copy_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _copy_line(values: tuple[Any, ...]) -> str:
    return "\t".join([_copy_field(value) for value in values]) + "\n"

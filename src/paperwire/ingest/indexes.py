"""The secondary indexes of the paper tables, built once after a bulk import.

Inserting a row into an index whose keys are spread all over it (the authorships by
author, papers by category, a search document's words) costs a walk to a random page;
building the index at the end sorts the keys once. A bulk import into an empty or small
database drops those indexes (defer), and builds them again (restore) when it stops,
however it stops short of being killed. Each dropped index is remembered, with the
statement that creates it, in the transaction that drops it (DeferredIndex), so an import
that was killed leaves the statements behind: the next import, or the next migrate, runs
them. Apps above ingest add tables of their own whose rows an import writes with the
papers (defer_with_papers): search's documents.

Unique indexes stay: they are what the upsert's lookups and conflicts go through.

On PostgreSQL the foreign keys between the paper tables go the same way, and come back
with one check of all their rows: checked row by row, at each batch's commit, they cost
a third of what the database did for an import (each authorship looked its paper and
author up, and locked them). An import writes only rows whose papers, authors and
categories its own transaction wrote or read, and adding a key back checks every row, so
a row that broke one would stop the import, not go unnoticed.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from paperwire.ingest.models import DeferredIndex

logger = logging.getLogger(__name__)

TABLES = ("papers_paper", "papers_author", "papers_authorship", "papers_papercategory")
# Tables of apps above ingest whose secondary indexes go with those of TABLES.
_ALSO: list[str] = []
# Foreign keys between these tables (PostgreSQL).
KEY_TABLES = (*TABLES, "papers_category")


def defer_with_papers(table: str) -> None:
    """Have a bulk import defer the secondary indexes of `table` too (an app above ingest
    registers it when it is ready)."""
    if table not in _ALSO:
        _ALSO.append(table)


def _tables() -> list[str]:
    return [*TABLES, *_ALSO]


def secondary_indexes(cursor: Any) -> list[tuple[str, str, str]]:
    """(name, table, statement that creates it) of the non-unique indexes of TABLES and
    the tables added to them."""
    tables = _tables()
    if cursor.db.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(tables))
        # An index behind a PRIMARY KEY or UNIQUE constraint has no sql.
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND tbl_name IN ({marks}) AND sql IS NOT NULL "
            "AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
            tables,
        )
    else:
        cursor.execute(
            "SELECT i.relname, t.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
            "AND NOT x.indisunique AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY i.relname",
            [tables],
        )
    return [(name, table, sql) for name, table, sql in cursor.fetchall()]


def foreign_keys(cursor: Any) -> list[tuple[str, str, str]]:
    """(name, table, statement that adds it) of the foreign keys between the paper tables
    (PostgreSQL; none on SQLite, whose import turns their checks off instead)."""
    if cursor.db.vendor != "postgresql":
        return []
    cursor.execute(
        "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid "
        "WHERE c.contype = 'f' AND t.relname = ANY(%s) AND r.relname = ANY(%s) "
        "AND t.relnamespace = current_schema()::regnamespace "
        "AND r.relnamespace = current_schema()::regnamespace ORDER BY c.conname",
        [list(KEY_TABLES), list(KEY_TABLES)],
    )
    return [
        (name, table, f"ALTER TABLE {_quoted(table)} ADD CONSTRAINT {_quoted(name)} {definition}")
        for name, table, definition in cursor.fetchall()
    ]


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def defer() -> int:
    """Drop the secondary indexes of the paper tables, and on PostgreSQL the foreign keys
    between them, remembering them; how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        _check_now(cursor)
        indexes = secondary_indexes(cursor)
        for name, table, sql in indexes:
            DeferredIndex.objects.create(name=name, table=table, sql=sql)
            cursor.execute(f"DROP INDEX {_quoted(name)}")
        keys = foreign_keys(cursor)
        for name, table, sql in keys:
            DeferredIndex.objects.create(name=name, table=table, sql=sql)
            cursor.execute(f"ALTER TABLE {_quoted(table)} DROP CONSTRAINT {_quoted(name)}")
    return len(indexes) + len(keys)


def restore() -> int:
    """Build every index, and add every foreign key, a bulk import dropped; how many."""
    built = 0
    for index in DeferredIndex.objects.order_by("id"):
        started = time.perf_counter()
        # One transaction each: a build that is stopped leaves its statement behind.
        with transaction.atomic(), connection.cursor() as cursor:
            _check_now(cursor)
            if connection.vendor == "postgresql":
                # Room to sort the keys in memory (the default is 64 MB).
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            if not _exists(cursor, index):
                cursor.execute(index.sql)
                built += 1
            index.delete()
        logger.info("built %s in %.1f s", index.name, time.perf_counter() - started)
    return built


def _check_now(cursor: Any) -> None:
    """PostgreSQL: run the foreign key checks that wait for the end of the transaction
    (within a caller's transaction, say): a table with checks pending cannot change its
    indexes."""
    if cursor.db.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _exists(cursor: Any, index: DeferredIndex) -> bool:
    if cursor.db.vendor == "sqlite":
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s", [index.name]
        )
    elif index.sql.startswith("ALTER TABLE"):  # a foreign key
        cursor.execute(
            "SELECT 1 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.conname = %s AND t.relname = %s",
            [index.name, index.table],
        )
    else:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'i'", [index.name])
    return cursor.fetchone() is not None


def pending() -> bool:
    """Whether indexes wait to be built (an import was stopped before it built them)."""
    return DeferredIndex.objects.exists()


@contextmanager
def deferred(defer_them: bool) -> Iterator[None]:
    """The secondary indexes dropped for the block (when defer_them) and built after it;
    indexes an earlier import left unbuilt are built after it too."""
    if defer_them:
        count = defer()
        logger.info("dropped %d indexes and foreign keys, built again after the import", count)
    try:
        yield
    except BaseException:
        try:
            restore()
        except Exception:
            logger.exception("building the indexes failed; the next import or migrate will")
        raise
    restore()


def restore_before_migrate(**kwargs: Any) -> None:
    """pre_migrate: a migration may alter an index that a killed import left unbuilt."""
    using = kwargs.get("using", "default")
    if using != "default" or DeferredIndex._meta.db_table not in (
        connection.introspection.table_names()
    ):
        return
    restore()

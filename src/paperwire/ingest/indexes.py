"""The secondary indexes of the paper tables, built once after a bulk import.

Inserting a row into an index whose keys are spread all over it (the authorships by
author, papers by category) costs a walk to a random page; building the index at the end
sorts the keys once. A bulk import into an empty or small database drops those indexes
(defer), and builds them again (restore) when it stops, however it stops short of being
killed. Each dropped index is remembered, with the statement that creates it, in the
transaction that drops it (DeferredIndex), so an import that was killed leaves the
statements behind: the next import, or the next migrate, runs them.

Unique indexes stay: they are what the upsert's lookups and conflicts go through.
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


def secondary_indexes(cursor: Any) -> list[tuple[str, str, str]]:
    """(name, table, statement that creates it) of the non-unique indexes of TABLES."""
    if cursor.db.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(TABLES))
        # An index behind a PRIMARY KEY or UNIQUE constraint has no sql.
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND tbl_name IN ({marks}) AND sql IS NOT NULL "
            "AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
            list(TABLES),
        )
    else:
        cursor.execute(
            "SELECT i.relname, t.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
            "AND NOT x.indisunique AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY i.relname",
            [list(TABLES)],
        )
    return [(name, table, sql) for name, table, sql in cursor.fetchall()]


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def defer() -> int:
    """Drop the secondary indexes of the paper tables, remembering them; how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        _check_now(cursor)
        indexes = secondary_indexes(cursor)
        for name, table, sql in indexes:
            DeferredIndex.objects.create(name=name, table=table, sql=sql)
            cursor.execute(f"DROP INDEX {_quoted(name)}")
    return len(indexes)


def restore() -> int:
    """Build every index a bulk import dropped; how many it built."""
    built = 0
    for index in DeferredIndex.objects.order_by("id"):
        started = time.perf_counter()
        # One transaction each: a build that is stopped leaves its statement behind.
        with transaction.atomic(), connection.cursor() as cursor:
            _check_now(cursor)
            if connection.vendor == "postgresql":
                # Room to sort the keys in memory (the default is 64 MB).
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            if not _exists(cursor, index.name):
                cursor.execute(index.sql)
                built += 1
            index.delete()
        logger.info("built index %s in %.1f s", index.name, time.perf_counter() - started)
    return built


def _check_now(cursor: Any) -> None:
    """PostgreSQL: run the foreign key checks that wait for the end of the transaction
    (within a caller's transaction, say): a table with checks pending cannot change its
    indexes."""
    if cursor.db.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _exists(cursor: Any, name: str) -> bool:
    if cursor.db.vendor == "sqlite":
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
    else:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'i'", [name])
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
        logger.info("dropped %d indexes, built again after the import", count)
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

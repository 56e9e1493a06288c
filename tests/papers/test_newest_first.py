"""Papers listed newest first are read from an index in that order, not sorted: at a million
papers the sort took most of a second."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.db.models import F

from paperwire.papers.models import Paper
from tests.builders import make_paper

pytestmark = pytest.mark.django_db


def plan(sql: str, params: tuple) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As on a large table: a sort is only chosen when nothing else gives the order.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_the_newest_papers_come_from_an_index_in_their_order() -> None:
    for n, day in enumerate([3, 9, 9, None]):
        published = datetime(2026, 8, day, tzinfo=UTC) if day else None
        make_paper(f"2608.0000{n + 1}", published_at=published)
    newest = Paper.objects.order_by(F("published_at").desc(nulls_last=True), F("pk").desc())
    sql, params = newest.values_list("pk", flat=True)[40:60].query.sql_with_params()

    shown = plan(sql, params)

    if connection.vendor == "postgresql":
        assert "Sort" not in shown and "papers_paper_newest_first" in shown
    else:
        assert "TEMP B-TREE" not in shown
    # Newest first, the later of a day's papers first, undated papers last.
    assert list(newest.values_list("arxiv_id", flat=True)) == [
        "2608.00003",
        "2608.00002",
        "2608.00001",
        "2608.00004",
    ]

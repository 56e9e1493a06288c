"""The bulk path of the snapshot import (ingest.bulk, upsert.upsert_staged): batches parsed and
staged by worker processes, written with one INSERT ... SELECT per table (SQLite: a staged
database attached; PostgreSQL: COPY into staging tables), several at once on PostgreSQL,
secondary indexes built at the end. It keeps every guarantee of upsert_papers: these tests
run on SQLite, and on PostgreSQL under tests/run_postgres.py."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.signals import pre_migrate

from paperwire.ingest import indexes
from paperwire.ingest.kaggle import ImportStopped, import_snapshot, paper_record
from paperwire.ingest.models import DeferredIndex
from paperwire.ingest.upsert import upsert_papers
from paperwire.papers.models import Paper
from tests.ingest.test_kaggle import line, write
from tests.servers import database_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL writes batches side by side"
)
postgresql_keys = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL's import drops foreign keys"
)


def version(number: int, created: str) -> dict[str, str]:
    return {"version": f"v{number}", "created": created}


V1 = version(1, "Mon, 2 Apr 2007 19:18:42 GMT")
V2 = version(2, "Sat, 13 Dec 2008 17:26:00 GMT")


def state() -> list[tuple[Any, ...]]:
    """Every paper as the site shows it: fields, authors with affiliations, categories."""
    papers = []
    for paper in Paper.objects.order_by("arxiv_id").prefetch_related(
        "authorships__author", "paper_categories"
    ):
        papers.append(
            (
                paper.arxiv_id,
                paper.version,
                paper.title,
                paper.abstract,
                paper.published_at,
                paper.updated_at,
                paper.doi,
                paper.journal_ref,
                paper.comments,
                paper.report_no,
                paper.license,
                paper.primary_category_id,
                [(s.author.name, s.affiliation, s.position) for s in paper.authorships.all()],
                [(c.category_id, c.position) for c in paper.paper_categories.all()],
            )
        )
    return papers


def lines(count: int, start: int = 1, **fields: object) -> list[dict[str, object]]:
    return [
        line(
            f"0801.{number:04d}",
            title=f"Paper {number}",
            authors_parsed=[["Lovelace", "Ada", ""], [f"Author{number % 37}", "Some", "", "Lab"]],
            **fields,
        )
        for number in range(start, start + count)
    ]


# Changed records, each imported over the base below: the bulk path must end where
# upsert_papers ends, with the same counts.
BASE = [
    line("0704.0001", versions=[V1]),
    line("0704.0002", versions=[V1, V2], title="Second version"),
    line("0704.0003", versions=[V1], doi="10.1/a", journal_ref="J. 1"),
]
SCENARIOS = {
    "the same lines": BASE,
    "a new version": [line("0704.0001", versions=[V1, V2], title="Now v2")],
    "the same version, another title": [line("0704.0001", versions=[V1], title="Retitled")],
    "an older version": [line("0704.0002", versions=[V1], title="Old title")],
    "another affiliation": [
        line(
            "0704.0001",
            authors_parsed=[["Lovelace", "Ada", "", "Somewhere"], ["Turing", "Alan", ""]],
        )
    ],
    "an author less": [line("0704.0001", authors_parsed=[["Lovelace", "Ada", ""]])],
    "categories in another order": [line("0704.0001", categories="stat.ML cs.LG")],
    "a new category": [line("0704.0001", categories="cs.LG stat.ML math.ST")],
    "fields left empty": [
        line("0704.0003", versions=[V1], abstract="", doi=None, journal_ref=None)
    ],
    "no authors": [line("0704.0001", authors="", authors_parsed=[])],
    "no version": [line("0704.0001", versions=[])],
    "a new paper among stored ones": [*BASE, line("0704.0009", title="New one")],
    "a paper twice, newer first": [
        line("0704.0005", versions=[V1, V2], title="v2"),
        line("0704.0005", versions=[V1], title="v1"),
    ],
    "a stored paper twice, older first": [
        line("0704.0001", versions=[V1], title="v1 again"),
        line("0704.0001", versions=[V1, V2], title="v2 now"),
    ],
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_bulk_path_ends_where_upsert_papers_ends(tmp_path: Path, scenario: str) -> None:
    changed = SCENARIOS[scenario]
    import_snapshot(write(tmp_path / "base.jsonl", *BASE), progress=False)
    stats = import_snapshot(write(tmp_path / "changed.jsonl", *changed), progress=False)
    bulk = state()
    counts = (stats.created, stats.updated, stats.unchanged)

    Paper.objects.all().delete()
    upsert_papers(paper_record(item) for item in BASE)
    result = upsert_papers(paper_record(item) for item in changed)
    assert bulk == state()
    assert counts == (len(result.created), len(result.updated), result.unchanged)


def test_a_second_import_changes_nothing_and_touches_no_paper(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", *lines(300))
    import_snapshot(path, batch_size=70, progress=False, workers=2)
    before = dict(Paper.objects.values_list("arxiv_id", "modified_at"))
    again = import_snapshot(path, batch_size=70, progress=False, workers=2)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)
    assert dict(Paper.objects.values_list("arxiv_id", "modified_at")) == before


def test_worker_processes_import_what_this_process_would(tmp_path: Path) -> None:
    items = lines(450)
    # The same paper in three batches: the last line of it wins, as in file order.
    items[10] = line("0801.9999", versions=[V1], title="First")
    items[200] = line("0801.9999", versions=[V1, V2], title="Newest")
    items[420] = line("0801.9999", versions=[V1], title="Older, later in the file")
    path = write(tmp_path / "s.jsonl", *items)
    stats = import_snapshot(path, batch_size=100, progress=False, workers=0)
    alone = state()
    Paper.objects.all().delete()
    parallel = import_snapshot(path, batch_size=100, progress=False, workers=2)
    assert state() == alone
    assert (parallel.records, parallel.created, parallel.updated, parallel.unchanged) == (
        stats.records,
        stats.created,
        stats.updated,
        stats.unchanged,
    )
    assert Paper.objects.get(arxiv_id="0801.9999").title == "Newest"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [0, 2])
def test_a_bad_line_stops_its_batch_naming_file_and_line(tmp_path: Path, workers: int) -> None:
    items: list[dict[str, object] | str] = [*lines(250)]
    items.insert(234, '{"id": "0801.9998", "title": ')  # line 235, in the batch of 201-300
    path = write(tmp_path / "bad.jsonl", *items)
    with pytest.raises(ImportStopped, match=rf"^{re.escape(str(path))}:235: ") as stopped:
        import_snapshot(path, batch_size=100, progress=False, workers=workers)
    assert stopped.value.committed == 200
    assert Paper.objects.count() == 200
    assert not Paper.objects.filter(arxiv_id="0801.0201").exists()


@pytest.mark.parametrize("workers", [0, 2])
def test_limit_and_skipped_lines_with_workers(tmp_path: Path, workers: int) -> None:
    items: list[dict[str, object] | str] = [*lines(300)]
    items.insert(50, "{oops")
    items.insert(260, "{after the limit")
    path = write(tmp_path / "s.jsonl", *items)
    stats = import_snapshot(
        path, batch_size=64, limit=250, skip_invalid=True, progress=False, workers=workers
    )
    assert (stats.records, stats.created, stats.skipped) == (250, 250, 1)
    assert Paper.objects.count() == 250


# PostgreSQL: batches written side by side


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_batches_written_side_by_side_end_as_one_writer_ends(tmp_path: Path) -> None:
    items = lines(600)
    items[30] = line("0801.9999", versions=[V1], title="First")
    items[180] = line("0801.9999", versions=[V1, V2], title="Newest")
    items[400] = line("0801.9999", versions=[V1], title="Older, later in the file")
    path = write(tmp_path / "s.jsonl", *items)
    import_snapshot(path, batch_size=50, progress=False, workers=0, writers=1)
    alone = state()
    Paper.objects.all().delete()
    stats = import_snapshot(path, batch_size=50, progress=False, workers=2, writers=4)
    assert stats.records == 600
    assert state() == alone
    again = import_snapshot(path, batch_size=50, progress=False, workers=2, writers=4)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 600)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_bad_line_stops_writers_side_by_side_after_the_batches_before_it(
    tmp_path: Path,
) -> None:
    items: list[dict[str, object] | str] = [*lines(500)]
    items.insert(420, "{oops")  # line 421
    path = write(tmp_path / "bad.jsonl", *items)
    with pytest.raises(ImportStopped, match=rf"^{re.escape(str(path))}:421: ") as stopped:
        import_snapshot(path, batch_size=50, progress=False, workers=2, writers=4)
    assert stopped.value.committed == Paper.objects.count() == 400


# Indexes built after the import


def test_a_bulk_import_builds_the_indexes_it_dropped(tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        before = indexes.secondary_indexes(cursor)
    assert any(table == "papers_authorship" for _, table, _ in before)
    import_snapshot(write(tmp_path / "s.jsonl", *lines(120)), defer_indexes=True, progress=False)
    with connection.cursor() as cursor:
        assert indexes.secondary_indexes(cursor) == before
    assert not DeferredIndex.objects.exists()
    assert Paper.objects.count() == 120


def test_a_stopped_import_builds_the_indexes_it_dropped(tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        before = indexes.secondary_indexes(cursor)
    path = write(tmp_path / "bad.jsonl", *lines(10), "{oops")
    with pytest.raises(ImportStopped):
        import_snapshot(path, defer_indexes=True, progress=False)
    with connection.cursor() as cursor:
        assert indexes.secondary_indexes(cursor) == before


def test_indexes_a_killed_import_left_are_built_by_the_next_import_or_migrate(
    tmp_path: Path,
) -> None:
    with connection.cursor() as cursor:
        before = indexes.secondary_indexes(cursor)
    indexes.defer()  # as a killed import leaves them
    assert indexes.pending()
    with connection.cursor() as cursor:
        assert indexes.secondary_indexes(cursor) == []
    import_snapshot(write(tmp_path / "s.jsonl", *lines(5)), progress=False)
    with connection.cursor() as cursor:
        assert indexes.secondary_indexes(cursor) == before

    indexes.defer()
    ingest = apps.get_app_config("ingest")
    pre_migrate.send(
        sender=ingest, app_config=ingest, verbosity=0, interactive=False, using="default"
    )
    with connection.cursor() as cursor:
        assert indexes.secondary_indexes(cursor) == before
    assert not indexes.pending()


# Killed, then run again


IMPORT = """
import sys, time
import django
django.setup()
from paperwire.ingest.kaggle import import_snapshot
from paperwire.ingest.signals import papers_stored
if sys.argv[2] == "slowly":
    papers_stored.connect(lambda **kwargs: time.sleep(0.1), weak=False)
stats = import_snapshot(sys.argv[1], batch_size=50, workers=2, defer_indexes=True, progress=False)
print(stats.records, stats.created, stats.updated, stats.unchanged)
"""


def _count_papers(url: str) -> int:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return int(db.execute("SELECT count(*) FROM papers_paper").fetchone()[0])
    return Paper.objects.count()


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_resumes_where_it_was_killed(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    env = {
        **os.environ,
        "PAPERWIRE_DATABASE_URL": url,
        "PAPERWIRE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "paperwire.settings",
    }
    command = [sys.executable, "-m", "paperwire.cli"]
    if url.startswith("sqlite"):
        subprocess.run([*command, "migrate", "--no-input"], env=env, cwd=ROOT, check=True)
    path = write(tmp_path / "s.jsonl", *lines(2000))
    child = subprocess.Popen(
        [sys.executable, "-c", IMPORT, str(path), "slowly"],
        env=env,
        cwd=ROOT,
        start_new_session=True,  # its worker processes die with it
        stdout=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while _count_papers(url) < 300:
        assert child.poll() is None and time.monotonic() < deadline, "the import never got going"
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    committed = _count_papers(url)
    assert 300 <= committed < 2000

    done = subprocess.run(
        [sys.executable, "-c", IMPORT, str(path), "at once"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    records, created, updated, unchanged = map(int, done.stdout.split())
    assert (records, created, updated, unchanged) == (2000, 2000 - committed, 0, committed)
    assert _count_papers(url) == 2000
    # The indexes the killed import dropped were built again.
    check = (
        "import django; django.setup(); from django.db import connection; "
        "from paperwire.ingest import indexes; c = connection.cursor(); "
        "print(len(indexes.secondary_indexes(c)), indexes.pending())"
    )
    after = subprocess.run(
        [sys.executable, "-c", check], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    with connection.cursor() as cursor:
        expected = len(indexes.secondary_indexes(cursor))
    assert after.stdout.split() == [str(expected), "False"]


@postgresql_keys
def test_a_bulk_import_adds_back_the_foreign_keys_and_the_word_index_it_dropped(
    tmp_path: Path,
) -> None:
    with connection.cursor() as cursor:
        keys = indexes.foreign_keys(cursor)
        before = indexes.secondary_indexes(cursor)
    assert {table for _, table, _ in keys} == {
        "papers_paper",
        "papers_authorship",
        "papers_papercategory",
    }
    assert ("search_paperdocument_document", "search_paperdocument") in {
        (name, table) for name, table, _ in before
    }
    indexes.defer()  # as a killed import leaves them
    with connection.cursor() as cursor:
        assert indexes.foreign_keys(cursor) == []
        assert indexes.secondary_indexes(cursor) == []
    import_snapshot(write(tmp_path / "s.jsonl", *lines(120)), progress=False)
    with connection.cursor() as cursor:
        assert indexes.foreign_keys(cursor) == keys
        assert indexes.secondary_indexes(cursor) == before
    assert not indexes.pending()


@postgresql_keys
@pytest.mark.django_db(transaction=True)
def test_a_row_that_breaks_a_foreign_key_while_it_is_dropped_stops_the_import(
    tmp_path: Path,
) -> None:
    from django.db import IntegrityError

    indexes.defer()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO papers_papercategory (paper_id, category_id, position) "
            "VALUES (987654, 'cs.LG', 0)"
        )
    with pytest.raises(IntegrityError):
        import_snapshot(write(tmp_path / "s.jsonl", *lines(5)), progress=False)
    assert indexes.pending()  # left for the next import or migrate, once the row is gone
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM papers_papercategory WHERE paper_id = 987654")
    indexes.restore()
    with connection.cursor() as cursor:
        assert len(indexes.foreign_keys(cursor)) == 5
    assert not indexes.pending()

"""The tantivy index of SQLite installs: it catches up with the papers table after commit,
resumes an interrupted catch-up without gaps or duplicates, and never blocks a search."""

from pathlib import Path

import pytest
from django.db import connection

from paperwire.papers.models import Paper
from paperwire.search import lexical_index
from paperwire.search.lexical import catch_up_lexical, lexical_search
from paperwire.search.lexical_index import LexicalIndex, get_lexical_index
from paperwire.search.query import parse_query
from paperwire.search.service import search_papers
from tests.builders import make_paper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="PostgreSQL indexes words in the transaction"
    ),
]


def found(text: str) -> list[str]:
    ids = [pk for pk, _ in lexical_search(parse_query(text))]
    by_id = dict(Paper.objects.filter(id__in=ids).values_list("id", "arxiv_id"))
    return [by_id[pk] for pk in ids]


def test_a_saved_change_is_found_by_the_next_search() -> None:
    paper = make_paper("2501.00001", "Compilers")
    assert found("compilers") == ["2501.00001"]
    paper.title = "Linkers and loaders"
    paper.save()
    assert found("linkers") == ["2501.00001"]
    assert found("compilers") == []


def test_each_paper_is_in_the_index_once_however_often_it_changes() -> None:
    paper = make_paper("2501.00001", "Compilers")
    for n in range(3):
        paper.title = f"Compilers, edition {n}"
        paper.save()
        assert found("compilers") == ["2501.00001"]
    assert get_lexical_index().size() == 1


def test_a_large_backlog_is_left_to_the_worker_and_the_page_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lexical_index, "QUERY_CATCH_UP", 2)
    for n in range(1, 6):
        make_paper(f"2501.0000{n}", f"Compilers {n}")

    results = search_papers("compilers")

    assert results.total == 0
    assert any(
        "5 recently added papers are not searchable by words yet" in n for n in results.notices
    )
    assert catch_up_lexical() == 5
    assert search_papers("compilers").total == 5
    assert search_papers("compilers").notices == []


def test_a_search_never_waits_for_another_writer() -> None:
    make_paper("2501.00001", "Compilers")
    index = get_lexical_index()
    index.catch_up()
    make_paper("2501.00002", "Compiler testing")
    busy = index.index.writer(15_000_000, 1)  # another process indexing, as far as it knows
    try:
        assert found("compilers") == ["2501.00001"]
        assert index.waiting == 1
    finally:
        busy.rollback()
        busy.wait_merging_threads()
    assert set(found("compilers")) == {"2501.00001", "2501.00002"}


def test_an_interrupted_catch_up_resumes_without_gaps_or_duplicates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for n in range(1, 8):
        make_paper(f"2501.0000{n}", f"Compilers {n}")
    monkeypatch.setattr(lexical_index, "CHUNK", 3)
    index = LexicalIndex(tmp_path / "lexical")
    saved = index._write_state
    calls = []

    def crash_on_the_second_chunk(state: dict[str, object]) -> None:
        calls.append(state)
        if len(calls) == 2:
            raise KeyboardInterrupt
        saved(state)

    monkeypatch.setattr(index, "_write_state", crash_on_the_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        index.catch_up()
    monkeypatch.setattr(index, "_write_state", saved)

    # A new process opens the same files: it redoes the uncommitted part only.
    again = LexicalIndex(tmp_path / "lexical")
    assert again.pending() == 4
    assert again.catch_up() == 0
    assert again.pending() == 0
    assert again.size() == 7


def test_the_index_and_its_progress_are_kept_on_disk(tmp_path: Path) -> None:
    make_paper("2501.00001", "Compilers")
    LexicalIndex(tmp_path / "lexical").catch_up()

    reopened = LexicalIndex(tmp_path / "lexical")

    assert reopened.pending() == 0
    assert reopened.size() == 1


def test_deleted_papers_leave_the_index() -> None:
    make_paper("2501.00001", "Compilers")
    make_paper("2501.00002", "Compiler testing")
    assert len(found("compilers")) == 2
    Paper.objects.filter(arxiv_id="2501.00001").delete()
    assert found("compilers") == ["2501.00002"]
    assert get_lexical_index().size() == 1


def test_an_import_leaves_its_papers_findable_by_words_with_nothing_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.management import call_command

    from tests.ingest.test_kaggle import line, write

    monkeypatch.setattr(lexical_index, "QUERY_CATCH_UP", 0)  # a search indexes nothing itself
    lines = [line(f"0704.{n:04d}", title=f"Computable numbers, part {n}") for n in range(1, 6)]
    call_command("import-arxiv-snapshot", str(write(tmp_path / "s.jsonl", *lines)), "--no-progress")

    results = search_papers("computable numbers")

    assert results.total == 5
    assert results.notices == []

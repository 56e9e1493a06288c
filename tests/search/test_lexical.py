from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import Settings

from paperwire.ingest.records import AuthorName, PaperRecord
from paperwire.ingest.upsert import upsert_papers
from paperwire.papers.models import Paper
from paperwire.search.lexical import lexical_search, reindex_all_lexical
from paperwire.search.query import parse_query
from tests.builders import make_paper

pytestmark = pytest.mark.django_db


def found(text: str) -> list[str]:
    """arXiv ids of the papers the query finds, best first."""
    ids = [pk for pk, _ in lexical_search(parse_query(text))]
    by_id = dict(Paper.objects.filter(id__in=ids).values_list("id", "arxiv_id"))
    return [by_id[pk] for pk in ids]


def paper(arxiv_id: str, title: str, abstract: str = "", **fields: object) -> Paper:
    return make_paper(
        arxiv_id, title, abstract=abstract or f"Nothing of note {arxiv_id}.", **fields
    )


def test_a_title_match_ranks_above_an_abstract_match() -> None:
    paper("2501.00001", "Notes on optics", "We study graphs of every size.")
    paper("2501.00002", "Graphs of every size")
    assert found("graphs") == ["2501.00002", "2501.00001"]


def test_words_are_alternatives_and_papers_matching_more_rank_higher() -> None:
    paper("2501.00001", "Neural fields")
    paper("2501.00002", "Graph neural networks")
    paper("2501.00003", "Graph colouring")
    assert found("graph neural")[0] == "2501.00002"
    assert set(found("graph neural")) == {"2501.00001", "2501.00002", "2501.00003"}


def test_a_phrase_must_match_in_order() -> None:
    paper("2501.00001", "Graph neural networks")
    paper("2501.00002", "Neural graph networks")
    assert found('"graph neural"') == ["2501.00001"]


def test_words_are_stemmed() -> None:
    paper("2501.00001", "A network of networks")
    assert found("networking") == ["2501.00001"]


def test_an_exclusion_removes_papers() -> None:
    paper("2501.00001", "Graph transformers: a survey")
    paper("2501.00002", "Graph transformers at scale")
    assert found("graph -survey") == ["2501.00002"]
    assert found('graph -"at scale"') == ["2501.00001"]
    assert found("graph NOT survey") == ["2501.00002"]


def test_exclusions_alone_find_nothing() -> None:
    paper("2501.00001", "Graph transformers")
    assert found("-survey") == []


def test_fields_restrict_where_a_word_may_match() -> None:
    paper(
        "2501.00001", "Turing machines", "Lovelace wrote the first program.", authors=["A. Church"]
    )
    paper("2501.00002", "Analytical engines", authors=["Ada Lovelace"])
    assert found("au:lovelace") == ["2501.00002"]
    assert found("ti:turing") == ["2501.00001"]
    assert found("abs:lovelace") == ["2501.00001"]
    assert found('au:"ada lovelace"') == ["2501.00002"]
    assert set(found("lovelace")) == {"2501.00001", "2501.00002"}


def test_cat_filters_by_category_code_or_archive() -> None:
    paper("2501.00001", "Learning to rank", categories=["cs.IR", "cs.LG"])
    paper("2501.00002", "Learning dynamics", categories=["math.DS"])
    assert found("learning cat:cs.LG") == ["2501.00001"]
    assert found("learning cat:cs.lg") == ["2501.00001"]
    assert found("learning cat:cs") == ["2501.00001"]
    assert found("learning -cat:cs.IR") == ["2501.00002"]
    assert found("learning cat:nope.XX") == []


def test_cat_alone_lists_the_category_newest_first() -> None:
    paper("2501.00001", "Older", categories=["cs.LG"])
    paper("2501.00002", "Newer", categories=["cs.LG"])
    Paper.objects.filter(arxiv_id="2501.00002").update(
        published_at=datetime(2026, 9, 1, tzinfo=UTC)
    )
    paper("2501.00003", "Elsewhere", categories=["math.DS"])
    assert found("cat:cs.LG") == ["2501.00002", "2501.00001"]
    assert found("cat:cs.LG -newer") == ["2501.00001"]


def test_diacritics_are_ignored() -> None:
    paper("2501.00001", "Sub-Ångström resolution", authors=["Zoë Müller"])
    assert found("Angstrom") == ["2501.00001"]
    assert found("au:muller") == ["2501.00001"]
    assert found("ångström") == ["2501.00001"]


def test_non_latin_words_are_found() -> None:
    paper("2501.00001", "Нейронные сети для 注意力")
    assert found("сети") == ["2501.00001"]
    assert found("注意力 🚀") == ["2501.00001"]
    assert found("🚀") == []


def record(arxiv_id: str, title: str, version: int) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        version=version,
        abstract="An abstract.",
        authors=[AuthorName("Grace Hopper")],
        categories=["cs.PL"],
    )


def test_upsert_keeps_the_index_in_sync() -> None:
    upsert_papers([record("2501.00001", "Compilers for everyone", 1)])
    assert found("compilers") == ["2501.00001"]
    upsert_papers([record("2501.00001", "Interpreters for everyone", 2)])
    assert found("compilers") == []
    assert found("interpreters") == ["2501.00001"]
    assert found("au:hopper") == ["2501.00001"]


def test_a_deleted_paper_leaves_the_index() -> None:
    paper("2501.00001", "Compilers")
    Paper.objects.filter(arxiv_id="2501.00001").delete()
    assert lexical_search(parse_query("compilers")) == []


def test_reindexing_rebuilds_the_index() -> None:
    one = paper("2501.00001", "Compilers")
    paper("2501.00002", "Interpreters")
    assert found("compilers") == ["2501.00001"]
    # A change that bypassed every hook (modified_at untouched): the old title stays
    # findable until the index is rebuilt.
    Paper.objects.filter(id=one.id).update(title="Linkers")
    assert found("linkers") == []
    assert reindex_all_lexical() == 2
    assert found("linkers") == ["2501.00001"]
    assert found("compilers") == []
    assert len(found("interpreters linkers")) == 2


def test_scores_are_higher_for_better_matches() -> None:
    paper("2501.00001", "Graphs", "Graphs and more graphs.")
    paper("2501.00002", "Optics", "A graph.")
    scores = [score for _, score in lexical_search(parse_query("graphs"))]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1]


NASTY = [
    "",
    '"',
    '""',
    '"""',
    "*",
    "graph*",
    "^graph",
    "graph:",
    ":graph",
    "(graph",
    "graph)",
    "NEAR(graph neural, 2)",
    "graph AND OR NOT",
    "NOT",
    "AND",
    "-",
    "--",
    "- -",
    "'",
    "'; DROP TABLE papers_paper; --",
    "%",
    "_",
    "\\",
    "{title}: graph",
    "title: graph",
    "ti:\"\" au:'' abs:- cat:",
    "cat:%",
    "cat:cs.*",
    "cat:'",
    'ti:"unbalanced',
    "🚀🚀🚀",
    "注意力机制",
    "\u200b\u0301",
    "a" * 1000,
    "x " * 300,
    "the of and",
    '"the of"',
    "ti:the",
    "graph -the",
    "\x00",
]


@pytest.mark.parametrize("text", NASTY)
def test_special_characters_never_break_a_search(text: str) -> None:
    paper("2501.00001", "Graph neural networks", authors=["O'Brien"])
    result = lexical_search(parse_query(text))
    assert all(isinstance(pk, int) and isinstance(score, float) for pk, score in result)


def test_a_rare_word_outweighs_a_common_one() -> None:
    for n in range(1, 5):
        paper(f"2501.0000{n}", f"A model of things {n}", "We model the world.")
    paper("2501.00009", "Development", "A model of zebrafish.")
    assert found("model zebrafish")[0] == "2501.00009"


def test_reindexing_shows_progress(capsys: pytest.CaptureFixture[str]) -> None:
    paper("2501.00001", "Compilers")
    assert reindex_all_lexical(progress=True) == 1
    assert "lexical index" in capsys.readouterr().err


def test_common_words_do_not_widen_a_search_but_still_count_alone() -> None:
    paper("2501.00001", "The graph", "Of graphs.")
    paper("2501.00002", "The optics", "Of light.")
    assert found("the graphs of") == ["2501.00001"]
    # PostgreSQL's english configuration drops stop words even when alone.
    alone = {"2501.00001", "2501.00002"} if connection.vendor == "sqlite" else set()
    assert set(found("the")) == alone
    assert found('"the optics"') == ["2501.00002"]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL ranks every match unless told"
)


@postgresql_only
def test_past_the_rank_budget_papers_with_only_common_words_are_left_unranked(
    settings: Settings,
) -> None:
    from paperwire.search import service

    for n in range(1, 7):
        paper(f"2501.0000{n}", f"Results of study {n}", "The results show an increase.")
    paper("2501.00007", "Ferroelectric results", "Ferroelectric domains show an increase.")
    paper("2501.00008", "Ferroelectric thin films")
    everything = found("ferroelectric results increase")
    assert set(everything[:2]) == {"2501.00007", "2501.00008"} and len(everything) == 8

    # "results" and "increase" are each in 7 papers, "ferroelectric" in 2: with room for 4,
    # only the papers containing the rarest word are ranked, and the total says there are more.
    settings.SEARCH_RANK_BUDGET = 4
    assert found("ferroelectric results increase") == everything[:2]
    ranking = service.rank_papers(parse_query("ferroelectric results increase"), "lexical")
    assert ranking.capped
    # Room for 9: every matching paper is ranked, as before.
    settings.SEARCH_RANK_BUDGET = 9
    assert found("ferroelectric results increase") == everything
    assert not service.rank_papers(parse_query("ferroelectric"), "lexical").capped


@postgresql_only
def test_when_every_word_is_common_papers_with_the_rarest_together_are_ranked(
    settings: Settings,
) -> None:
    for n in range(1, 5):
        paper(f"2501.0000{n}", f"Results of study {n}", "The results show an increase.")
    for n in range(5, 9):
        paper(f"2501.0000{n}", f"Study {n}", "The cells grow.")
    paper("2501.00009", "Cells and their results")
    settings.SEARCH_RANK_BUDGET = 3
    # "cells" (5 papers) and "results" (5): only the paper with both is ranked.
    assert found("cells results") == ["2501.00009"]


@postgresql_only
def test_required_terms_keep_every_match_ranked(settings: Settings) -> None:
    for n in range(1, 5):
        paper(f"2501.0000{n}", f"Graph results {n}", "The results show an increase.")
    paper("2501.00005", "Graph ferroelectric results")
    settings.SEARCH_RANK_BUDGET = 2
    assert len(found('"graph results" increase')) == 4


@postgresql_only
def test_common_words_are_counted_from_the_tables_statistics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paperwire.search import lexical

    for n in range(1, 7):
        paper(f"2501.0000{n}", f"Results of study {n}", "The results show an increase.")
    paper("2501.00007", "Ferroelectric results", "Ferroelectric domains show an increase.")
    exact = found("ferroelectric results increase")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_paperdocument")
        monkeypatch.setattr(lexical, "EXACT_BELOW", 0)
        monkeypatch.setattr(lexical, "_common", {})
        common = lexical._common_words(cursor)
        total, frequencies = lexical._pg_frequencies(cursor, ["('result')", "('ferroelectr')"])
    assert common["result"] == pytest.approx(1.0)
    assert (total, frequencies) == (7, [7, 1])
    assert found("ferroelectric results increase") == exact


@postgresql_only
def test_a_papers_words_stay_in_its_row_with_statistics_of_common_words() -> None:
    # ts_rank reads the document once per query word: out of line, each read fetched it again.
    long_abstract = " ".join(f"word{n} appears in position {n}." for n in range(120))
    paper("2501.00001", "A long abstract", long_abstract)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attstorage, a.attstattarget, c.reloptions FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = 'search_paperdocument' AND a.attname = 'document'"
        )
        storage, statistics, options = cursor.fetchone()
        cursor.execute("SELECT pg_column_size(document) FROM search_paperdocument")
        size = cursor.fetchone()[0]
        # Out of line, the value would have a TOAST chunk (PostgreSQL 17 names it).
        cursor.execute(
            "SELECT pg_column_toast_chunk_id(document) IS NOT NULL FROM search_paperdocument"
            if connection.pg_version >= 170000
            else "SELECT false"
        )
        toasted = cursor.fetchone()[0]
    assert (storage, statistics) == ("m", 1000)
    assert "toast_tuple_target=8160" in options
    assert size > 2100 and not toasted
    assert found("word119") == ["2501.00001"]


@postgresql_only
def test_accents_are_dropped_and_ascii_text_is_left_as_it_is() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_unaccent(%s), search_unaccent(%s), search_unaccent(%s), "
            "search_unaccent(NULL)",
            ["Erdős, Gödel and Bézout", "Plain (ASCII) text: 42", ""],
        )
        assert cursor.fetchone() == ("Erdos, Godel and Bezout", "Plain (ASCII) text: 42", "", None)
    paper("2501.00001", "Théorie des graphes", authors=["Pál Erdős"])
    assert found("theorie") == found("Théorie") == ["2501.00001"]
    assert found("au:erdos") == ["2501.00001"]


def _documents() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.arxiv_id, d.document::text FROM search_paperdocument d "
            "JOIN papers_paper p ON p.id = d.paper_id"
        )
        return dict(cursor.fetchall())


@postgresql_only
def test_a_bulk_import_writes_the_documents_that_reindexing_writes(tmp_path: Path) -> None:
    from paperwire.ingest.kaggle import import_snapshot
    from tests.ingest.test_bulk_import import V1, V2
    from tests.ingest.test_kaggle import line, write

    items = [
        line(
            f"0801.{n:04d}",
            title=f"Graph colourings {n}",
            abstract=f"Théorème {n}: every planar graph is four-colourable.",
            authors_parsed=[["Erd\\H{o}s", "P\\'al", ""], [f"Author{n}", "Some", "", "Lab"]],
        )
        for n in range(1, 40)
    ]
    items.append(line("0801.0100", authors="", authors_parsed=[], title="Nobody wrote this"))
    # Twice in one batch: written the general way, not from the staged rows.
    items.append(line("0801.0101", title="Older title"))
    items.append(line("0801.0101", title="Newer title", versions=[V1, V2]))
    import_snapshot(write(tmp_path / "s.jsonl", *items), batch_size=15, progress=False)
    # Stored papers again, changed and not: the general way.
    items[3] = line("0801.0004", title="Retitled", versions=[V1, V2])
    import_snapshot(write(tmp_path / "again.jsonl", *items), batch_size=15, progress=False)
    imported = _documents()
    assert len(imported) == Paper.objects.count() == 41
    assert "'erdo':" in imported["0801.0001"] and "'retitl':1A" in imported["0801.0004"]
    reindex_all_lexical()
    assert _documents() == imported
    assert found("au:erdos theoreme") and found("newer") == ["0801.0101"]


@postgresql_only
def test_a_paper_is_findable_at_once_while_an_import_defers_the_word_index() -> None:
    from paperwire.ingest import indexes

    indexes.defer()
    try:
        with connection.cursor() as cursor:
            assert all(t != "search_paperdocument" for _, t, _ in indexes.secondary_indexes(cursor))
        upsert_papers([PaperRecord(arxiv_id="2501.00001", title="Deferred graph colourings")])
        assert found("colourings") == ["2501.00001"]
    finally:
        indexes.restore()

from datetime import UTC, date, datetime

import pytest
from pytest_django import Settings

from paperwire.papers.models import Paper
from paperwire.search import dense, lexical, service
from paperwire.search.service import SearchFilters, search_papers
from tests.builders import ATOM, arxiv_feed, make_organization, make_paper, put_on_feed
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 8, 21)


def on(day: int) -> datetime:
    return datetime(2026, 8, day, 12, tzinfo=UTC)


def indexed(*papers: Paper, embed: bool = True) -> None:
    """Make the papers searchable by words (and by meaning unless `embed` is false)."""
    lexical.index_papers([p.pk for p in papers])
    if embed:
        dense.embed_pending()


@pytest.fixture
def library() -> dict[str, Paper]:
    papers = {
        "graphs": make_paper(
            "2608.00001",
            "Graph neural networks for molecules",
            upvotes=12,
            categories=["cs.LG", "q-bio.BM"],
            abstract="Message passing over molecular graphs predicts chemical properties.",
            published_at=on(3),
            code_url="https://github.com/example/gnn",
        ),
        "vision": make_paper(
            "2608.00002",
            "Vision transformers at scale",
            upvotes=40,
            categories=["cs.CV"],
            abstract="Transformers trained on images rival convolutional networks.",
            published_at=on(10),
        ),
        "language": make_paper(
            "2608.00003",
            "Language models learn to reason",
            upvotes=3,
            categories=["cs.CL", "cs.LG"],
            abstract="Large language models solve arithmetic word problems step by step.",
            published_at=on(17),
        ),
        "cells": make_paper(
            "2608.00004",
            "Protein folding with deep networks",
            upvotes=25,
            categories=["q-bio.BM"],
            abstract="Deep neural networks predict the structure of proteins from sequence.",
            published_at=on(20),
        ),
    }
    indexed(*papers.values())
    return papers


def titles(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.title for p in results.papers]


def test_words_find_the_papers_that_mention_them(library: dict[str, Paper]) -> None:
    results = search_papers("molecular graphs")

    assert results.papers[0] == library["graphs"]
    assert results.total >= 1
    assert results.redirect_to is None


def test_cards_carry_what_the_feed_card_shows(library: dict[str, Paper]) -> None:
    paper = search_papers("protein folding").papers[0]

    assert paper == library["cells"]
    assert paper.author_count == 2  # type: ignore[attr-defined]
    assert [a.author.name for a in paper.lead_authorships] == ["Ada Lovelace", "Alan Turing"]  # type: ignore[attr-defined]


def test_dense_search_finds_a_paper_by_meaning_without_shared_words(
    library: dict[str, Paper],
) -> None:
    results = search_papers("chatbots doing maths", method="dense")

    assert results.papers[0] == library["language"]


def test_an_empty_query_lists_papers_newest_first_with_the_total(
    library: dict[str, Paper],
) -> None:
    results = search_papers("", per_page=3)

    assert titles(results) == [
        "Protein folding with deep networks",
        "Language models learn to reason",
        "Vision transformers at scale",
    ]
    assert (results.total, results.num_pages, results.page) == (4, 2, 1)
    assert search_papers("", per_page=3, page=2).papers == [library["graphs"]]


def test_a_list_without_words_counts_up_to_a_cap_and_says_there_are_more(
    library: dict[str, Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "LIST_COUNT_CAP", 3)

    results = search_papers("", per_page=2)

    assert (results.total, results.capped, results.num_pages) == (3, True, 2)
    assert len(search_papers("", per_page=2, page=2).papers) == 1  # the 3rd; no page for the 4th
    monkeypatch.setattr(service, "LIST_COUNT_CAP", 4)
    assert (search_papers("").total, search_papers("").capped) == (4, False)


def test_an_empty_query_sorts_by_upvotes_when_asked(library: dict[str, Paper]) -> None:
    assert search_papers("   ", sort="upvotes").papers[:2] == [library["vision"], library["cells"]]


def test_pages_past_the_end_show_the_last_page(library: dict[str, Paper]) -> None:
    results = search_papers("", per_page=3, page=99)

    assert results.page == 2
    assert search_papers("", per_page=3, page=-5).page == 1


def test_results_sort_by_newest_and_by_upvotes(library: dict[str, Paper]) -> None:
    newest = search_papers("networks", sort="newest", method="lexical")
    upvotes = search_papers("networks", sort="upvotes", method="lexical")

    assert newest.papers == [library["cells"], library["vision"], library["graphs"]]
    assert upvotes.papers == [library["vision"], library["cells"], library["graphs"]]


def test_a_category_filter_keeps_primary_and_cross_listed_papers(
    library: dict[str, Paper],
) -> None:
    results = search_papers("", SearchFilters(category="q-bio.BM"))

    assert results.papers == [library["cells"], library["graphs"]]
    assert search_papers("networks", SearchFilters(category="cs.CV")).papers == [library["vision"]]


def test_filters_by_date_range_code_and_upvotes(library: dict[str, Paper]) -> None:
    august_middle = SearchFilters(published_from=date(2026, 8, 10), published_to=date(2026, 8, 17))
    assert search_papers("", august_middle).papers == [library["language"], library["vision"]]
    assert search_papers("", SearchFilters(has_code=True)).papers == [library["graphs"]]
    assert search_papers("", SearchFilters(min_upvotes=20), sort="upvotes").papers == [
        library["vision"],
        library["cells"],
    ]


def test_filters_by_the_feed_and_its_organizations(library: dict[str, Paper]) -> None:
    deepmind = make_organization()
    put_on_feed(library["cells"], FRIDAY, organization=deepmind)
    put_on_feed(library["vision"], FRIDAY)
    put_on_feed(library["graphs"], FRIDAY, organization=deepmind, hidden=True)

    assert search_papers("", SearchFilters(on_feed=True)).papers == [
        library["cells"],
        library["vision"],
    ]
    assert search_papers("networks", SearchFilters(organization="deepmind")).papers == [
        library["cells"]
    ]


def test_exclusions_hold_for_papers_found_by_meaning(library: dict[str, Paper]) -> None:
    results = search_papers("deep learning -proteins")

    assert library["cells"] not in results.papers
    assert results.total >= 1


def test_field_terms_hold_for_papers_found_by_meaning(library: dict[str, Paper]) -> None:
    results = search_papers("ti:transformers images")

    assert results.papers == [library["vision"]]


def test_category_terms_hold_for_papers_found_by_meaning(library: dict[str, Paper]) -> None:
    results = search_papers("neural networks cat:q-bio")

    assert set(results.papers) == {library["cells"], library["graphs"]}


def test_a_known_arxiv_id_goes_to_its_paper(library: dict[str, Paper]) -> None:
    assert search_papers("2608.00002").redirect_to == "/papers/2608.00002"
    assert search_papers("https://arxiv.org/abs/2608.00002v3").redirect_to == "/papers/2608.00002"


def test_an_unknown_arxiv_id_is_fetched_then_shown(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply(arxiv_feed("2511.01234", on(1))))

    results = search_papers("arXiv:2511.01234", fetch_unknown=True)

    assert results.redirect_to == "/papers/2511.01234"
    assert Paper.objects.filter(arxiv_id="2511.01234").exists()
    assert arxiv.requests[0].query["id_list"] == ["2511.01234"]


def test_an_arxiv_id_arxiv_lacks_gets_a_notice_and_normal_results(
    arxiv: ReplayServer, library: dict[str, Paper]
) -> None:
    arxiv.queue(Reply((ATOM / "empty.xml").read_bytes()))

    results = search_papers("2511.01234", fetch_unknown=True)

    assert results.redirect_to is None
    assert any("2511.01234" in notice for notice in results.notices)


def test_an_unreachable_arxiv_gets_a_notice(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply("busy", status=503))

    results = search_papers("2511.01234", fetch_unknown=True)

    assert results.redirect_to is None
    assert results.notices


def test_results_are_lexical_only_when_the_embedder_is_off(
    settings: Settings, library: dict[str, Paper]
) -> None:
    settings.SEARCH_EMBEDDER = "off"

    results = search_papers("protein folding")

    assert results.meaning == "off"
    assert results.papers[0] == library["cells"]


def test_a_paper_waiting_for_its_embedding_is_found_by_words_and_says_so(
    library: dict[str, Paper],
) -> None:
    fresh = make_paper("2608.00009", "Quantum annealing schedules", published_at=on(21))
    indexed(fresh, embed=False)

    results = search_papers("quantum annealing")

    assert results.papers[0] == fresh
    # Meaning still ranks the others: the fresh paper alone is found by words only.
    assert results.meaning == "used" and results.unindexed
    protein = search_papers("protein folding")
    assert protein.meaning == "used" and not protein.unindexed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x" * 5000,
        '"unbalanced quote',
        "ti: au: abs: cat:",
        "foo:bar unknown:field",
        "' OR 1=1; DROP TABLE papers_paper; --",
        'NEAR( "a" * ) ^ AND OR NOT',
        "🧬🔬 protein",
        "神经网络 трансформер",
        "-only -exclusions",
        "\x00\x01",
        "2608.99999999",
    ],
)
def test_bad_input_never_raises(library: dict[str, Paper], text: str) -> None:
    for sort in ("relevance", "newest", "upvotes", "nonsense"):
        results = search_papers(text, sort=sort, page=3, per_page=5)

        assert results.total >= 0
        assert len(results.papers) <= 5


def test_a_long_query_is_cut_and_says_so(library: dict[str, Paper]) -> None:
    results = search_papers("protein " * 100)

    assert results.query.truncated
    assert len(results.query.text) == 250

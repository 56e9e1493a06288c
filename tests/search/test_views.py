"""The search page (/search, /papers?q=), the header's search box and similar papers."""

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client
from pytest_django import Settings

from paperwire.orgs.models import Organization
from paperwire.pagecache import invalidate
from paperwire.papers.models import Paper
from paperwire.search.query import parse_query
from paperwire.search.templatetags.search_tags import highlight, snippet
from tests.builders import arxiv_feed, make_organization, make_paper, put_on_feed
from tests.personas import logged_in, make_user
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 8, 21)


def published(day: int) -> datetime:
    return datetime(2026, 8, day, 12, tzinfo=UTC)


@pytest.fixture
def library() -> dict[str, Paper]:
    """Four papers: two about graphs (one on the feed, with code), one about vision, one
    about proteins; different days, upvotes and categories."""
    deepmind = make_organization("deepmind", "Google DeepMind")
    deepmind.approved = True
    deepmind.save()
    papers = {
        "graphs": make_paper(
            "2608.00001",
            "Graph Neural Networks for Molecules",
            upvotes=40,
            categories=["cs.LG"],
            abstract="We train graph neural networks on molecular graphs and beat baselines.",
            published_at=published(3),
            code_url="https://github.com/example/gnn",
        ),
        "more_graphs": make_paper(
            "2608.00002",
            "Scaling Graph Transformers",
            upvotes=5,
            categories=["cs.LG"],
            abstract="Graph transformers scale to millions of nodes with sparse attention.",
            published_at=published(10),
        ),
        "vision": make_paper(
            "2608.00003",
            "Vision Transformers Without Attention",
            upvotes=90,
            categories=["cs.CV"],
            abstract="Images are classified by a convolutional mixer instead of attention.",
            published_at=published(17),
        ),
        "proteins": make_paper(
            "2608.00004",
            "Protein Folding with Diffusion",
            upvotes=12,
            categories=["q-bio.BM"],
            abstract="A diffusion model folds proteins.",
            published_at=published(19),
        ),
    }
    put_on_feed(papers["graphs"], FRIDAY, organization=deepmind)
    return papers


def titles(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The card titles of a results page, in order, marks removed."""
    html = response.content.decode()
    found = re.findall(r'class="card__title"[^>]*><a [^>]*>(.*?)</a>', html)
    return [re.sub(r"</?mark>", "", title) for title in found]


def test_without_a_query_the_page_teaches_the_query_language(client: Client) -> None:
    response = client.get("/search")

    assert response.status_code == 200
    assert b"How to search" in response.content
    assert b'<code>"chain of thought"</code>' in response.content
    assert b'class="card"' not in response.content


def test_it_finds_papers_by_their_words_and_marks_them(
    client: Client, library: dict[str, Paper]
) -> None:
    response = client.get("/search", {"q": "graph"})

    assert response.status_code == 200
    assert set(titles(response)) == {
        "Graph Neural Networks for Molecules",
        "Scaling Graph Transformers",
    }
    assert b"<strong>2 papers</strong>" in response.content
    assert b"<mark>Graph</mark> Neural Networks" in response.content
    # The abstract's snippet marks the words too.
    assert b"We train <mark>graph</mark> neural networks" in response.content


def test_papers_with_a_query_is_the_search_page(client: Client, library: dict[str, Paper]) -> None:
    response = client.get("/papers", {"q": "proteins"})

    assert response.status_code == 200
    assert titles(response) == ["Protein Folding with Diffusion"]


def test_papers_without_a_query_is_still_the_feed(
    client: Client, library: dict[str, Paper]
) -> None:
    response = client.get("/papers")

    assert b"Daily Papers" in response.content
    assert b"How to search" not in response.content


def test_an_arxiv_id_goes_straight_to_the_paper(client: Client, library: dict[str, Paper]) -> None:
    for query in ("2608.00003", "https://arxiv.org/abs/2608.00003v2", "arXiv:2608.00003"):
        response = client.get("/search", {"q": query})

        assert response.status_code == 302
        assert response["Location"] == "/papers/2608.00003"


def test_an_unknown_arxiv_id_is_fetched_from_arxiv(
    client: Client, settings: Settings, replay_server: ReplayServer
) -> None:
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_DELAY = 0
    settings.ARXIV_MAX_RETRIES = 0
    replay_server.queue(Reply(arxiv_feed("2511.01234", published(1))))
    logged_in(client, make_user("alice"))  # a visitor's search asks arXiv nothing

    response = client.get("/search", {"q": "arxiv.org/abs/2511.01234"})

    assert response.status_code == 302
    assert response["Location"] == "/papers/2511.01234"
    assert Paper.objects.filter(arxiv_id="2511.01234").exists()


def test_an_arxiv_id_arxiv_cannot_give_says_so_and_searches(
    client: Client, settings: Settings, replay_server: ReplayServer
) -> None:
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_DELAY = 0
    settings.ARXIV_MAX_RETRIES = 0
    replay_server.queue(Reply("unavailable", status=503))
    logged_in(client, make_user("alice"))

    response = client.get("/search", {"q": "2511.01234"})

    assert response.status_code == 200
    assert b"Could not fetch 2511.01234 from arXiv" in response.content


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            {"category": "cs.LG"},
            {"Graph Neural Networks for Molecules", "Scaling Graph Transformers"},
        ),
        ({"has_code": "on"}, {"Graph Neural Networks for Molecules"}),
        ({"on_feed": "on"}, {"Graph Neural Networks for Molecules"}),
        ({"organization": "deepmind"}, {"Graph Neural Networks for Molecules"}),
        (
            {"min_upvotes": "10"},
            {
                "Graph Neural Networks for Molecules",
                "Vision Transformers Without Attention",
                "Protein Folding with Diffusion",
            },
        ),
        (
            {"published_from": "2026-08-10", "published_to": "2026-08-17"},
            {"Scaling Graph Transformers", "Vision Transformers Without Attention"},
        ),
    ],
)
def test_filters_narrow_a_list_without_words(
    client: Client, library: dict[str, Paper], filters: dict[str, str], expected: set[str]
) -> None:
    response = client.get("/search", filters)

    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_filters_narrow_a_search(client: Client, library: dict[str, Paper]) -> None:
    response = client.get("/search", {"q": "transformers", "category": "cs.CV"})

    assert titles(response) == ["Vision Transformers Without Attention"]


def test_the_category_filter_lists_categories_by_group(
    client: Client, library: dict[str, Paper]
) -> None:
    html = client.get("/search").content.decode()

    computer_science = html.split('<optgroup label="Computer Science">')[1].split("</optgroup>")[0]
    assert '<option value="cs.CV">cs.CV — Computer Vision and Pattern Recognition</option>' in (
        computer_science
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "newest",
            [
                "Protein Folding with Diffusion",
                "Vision Transformers Without Attention",
                "Scaling Graph Transformers",
                "Graph Neural Networks for Molecules",
            ],
        ),
        (
            "upvotes",
            [
                "Vision Transformers Without Attention",
                "Graph Neural Networks for Molecules",
                "Protein Folding with Diffusion",
                "Scaling Graph Transformers",
            ],
        ),
    ],
)
def test_the_order_can_be_chosen(
    client: Client, library: dict[str, Paper], sort: str, expected: list[str]
) -> None:
    assert titles(client.get("/search", {"sort": sort, "min_upvotes": "0"})) == expected


def test_results_are_newest_first_without_words(client: Client, library: dict[str, Paper]) -> None:
    response = client.get("/search", {"min_upvotes": "0"})

    assert titles(response)[0] == "Protein Folding with Diffusion"
    assert b"newest first" in response.content


def test_a_long_list_without_words_says_it_lists_the_first_papers(
    client: Client, library: dict[str, Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperwire.search import service

    monkeypatch.setattr(service, "LIST_COUNT_CAP", 2)

    html = client.get("/search", {"min_upvotes": "0"}).content.decode()

    assert "More than 2 papers" in html and "the first 2 are listed: add a filter" in html
    assert "mention these words" not in html


def test_pages_keep_the_query_and_filters(client: Client) -> None:
    for n in range(25):
        make_paper(f"2608.{n + 100:05d}", f"Sparse attention study {n}", code_url="https://x.org/c")

    first = client.get("/search", {"q": "sparse", "has_code": "on", "sort": "newest"})

    assert b"<strong>25 papers</strong>" in first.content
    assert len(titles(first)) == 20
    html = first.content.decode()
    next_link = re.search(r'href="\?([^"]*)" rel="next"', html)
    assert next_link is not None
    assert next_link[1] == "q=sparse&amp;has_code=on&amp;sort=newest&amp;page=2"

    second = client.get("/search?" + next_link[1].replace("&amp;", "&"))

    assert len(titles(second)) == 5
    assert b"Page 2 of 2" in second.content
    assert 'href="?q=sparse&amp;has_code=on&amp;sort=newest&amp;page=1" rel="prev"' in (
        second.content.decode()
    )
    assert not set(titles(first)) & set(titles(second))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "graph " * 60,
        '"graph neural',
        'graph"',
        "foo:bar graph",
        "ti:",
        "* ^ : ( ) NEAR graph",
        "graph NEAR/3 neural",
        "'; DROP TABLE papers_paper; --",
        '" OR 1=1 --',
        "-graph",
        "🤖🧬 graph",
        "🤖",
        "图神经网络",
        "Μηχανική μάθηση",
        "\\",
        "%_%",
        "a\x00b",
    ],
)
def test_bad_queries_answer_with_a_page(
    client: Client, library: dict[str, Paper], query: str
) -> None:
    response = client.get("/search", {"q": query})

    assert response.status_code == 200
    assert b"Search papers" in response.content
    assert Paper.objects.count() == 4


def test_a_long_query_is_cut_and_the_page_says_so(
    client: Client, library: dict[str, Paper]
) -> None:
    response = client.get("/search", {"q": "graph " + "x" * 300})

    assert response.status_code == 200
    assert b"it was cut there" in response.content
    assert b"longer than 250 characters" in response.content


def test_an_unknown_field_is_explained(client: Client, library: dict[str, Paper]) -> None:
    response = client.get("/search", {"q": "journal:nature graph"})

    assert response.status_code == 200
    assert b"There is no field" in response.content


def test_an_unbalanced_quote_is_explained(client: Client, library: dict[str, Paper]) -> None:
    response = client.get("/search", {"q": '"graph neural'})

    assert b"A quote was not closed" in response.content
    assert "Graph Neural Networks for Molecules" in titles(response)


def test_no_results_suggest_what_to_try(client: Client, library: dict[str, Paper]) -> None:
    response = client.get("/search", {"q": "zyzzyva", "has_code": "on"})

    assert response.status_code == 200
    assert "No papers match “zyzzyva”".encode() in response.content
    assert b'href="?q=zyzzyva">Search without the filters' in response.content


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"published_from": "yesterday"}, "Enter a valid date"),
        ({"published_from": "2026-08-20", "published_to": "2026-08-01"}, "The end date is before"),
        ({"min_upvotes": "-3"}, "greater than or equal to 0"),
        ({"min_upvotes": "lots"}, "Enter a whole number"),
        ({"min_upvotes": "9" * 40}, "less than or equal to"),
        ({"category": "no.SUCH"}, "Select a valid choice"),
        ({"organization": "<script>"}, "Select a valid choice"),
        ({"sort": "random"}, "Select a valid choice"),
        ({"page": "two"}, "Enter a whole number"),
        ({"page": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_filters_are_form_errors(
    client: Client, library: dict[str, Paper], params: dict[str, str], message: str
) -> None:
    response = client.get("/search", {"q": "graph", **params})

    assert response.status_code == 200
    assert b"Some filters could not be used" in response.content
    assert message in response.content.decode()
    assert b"<script>" not in response.content.split(b"<main")[1]


def test_a_page_past_the_end_shows_the_last(client: Client, library: dict[str, Paper]) -> None:
    response = client.get("/search", {"q": "graph", "page": "99"})

    assert response.status_code == 200
    assert len(titles(response)) == 2


def test_titles_are_escaped_before_they_are_marked(client: Client) -> None:
    make_paper("2608.00009", "<script>alert('graph')</script> Graph & R&amp;D")

    html = client.get("/search", {"q": "graph amp script"}).content.decode()

    assert "<script>alert" not in html
    assert (
        "&lt;<mark>script</mark>&gt;alert(&#x27;<mark>graph</mark>&#x27;)&lt;/<mark>script</mark>&gt;"
        " <mark>Graph</mark> &amp; R&amp;<mark>amp</mark>;D" in html
    )


def test_highlight_marks_phrases_prefixes_and_not_exclusions() -> None:
    query = parse_query('"neural network" graph -vision ti:diffusion au:hinton')

    marked = highlight("Graphs of neural  networks, vision and diffusion by Hinton", query)

    assert marked == (
        "<mark>Graphs</mark> of <mark>neural  networks</mark>, vision and "
        "<mark>diffusion</mark> by Hinton"
    )


def test_highlight_marks_whole_words_the_index_matched_not_beginnings() -> None:
    marked = highlight("A study across APIs: studies of an API", parse_query("a studies api"))

    assert marked == (
        "<mark>A</mark> <mark>study</mark> across <mark>APIs</mark>: <mark>studies</mark> "
        "of an <mark>API</mark>"
    )


def test_highlight_marks_words_in_text_without_spaces() -> None:
    assert (
        highlight("基于图神经网络的方法", parse_query("神经网络"))
        == "基于图<mark>神经网络</mark>的方法"
    )


def test_snippet_shows_the_abstract_around_the_first_match() -> None:
    abstract = (
        ("Opening words go here. " * 10)
        + "Then graph <b>methods</b> appear. "
        + ("Closing words. " * 20)
    )

    shown = snippet(abstract, parse_query("graph"))

    assert shown.startswith("… ")
    assert shown.endswith(" …")
    assert "Then <mark>graph</mark> &lt;b&gt;methods&lt;/b&gt; appear." in shown
    assert len(shown) < 320


def test_a_snippet_without_a_match_is_the_opening() -> None:
    assert snippet("Short & sweet.", parse_query("zebra")) == "Short &amp; sweet."


def test_results_by_words_say_how_many_papers_are_still_indexed(
    client: Client, library: dict[str, Paper]
) -> None:
    response = client.get("/search", {"q": "graph"})

    assert b"Results are by words only while 4 papers wait to be indexed by meaning." in (
        response.content
    )


def test_results_mixing_meaning_say_how_many_papers_are_found_by_words_alone(
    client: Client, library: dict[str, Paper]
) -> None:
    from paperwire.search import dense

    dense.embed_pending()
    make_paper(
        "2608.00009",
        "Graph rewiring for message passing",
        abstract="Graph rewiring fixes oversquashing.",
        published_at=published(20),
    )

    response = client.get("/search", {"q": "graph"})
    html = response.content.decode()

    assert "Graph rewiring for message passing" in titles(response)
    assert "Results are by words only" not in html
    assert (
        "1 paper is not indexed by meaning yet: until then it is found by its words only." in html
    )


def test_results_of_papers_with_drafts_are_by_meaning_and_say_nothing_waits(
    client: Client, library: dict[str, Paper]
) -> None:
    from paperwire.search import dense

    dense.embed_pending(draft=True)  # as the worker does first after a large import

    response = client.get("/search", {"q": "graph"})
    html = response.content.decode()

    assert titles(response)
    assert response.context["results"].meaning == "used"
    assert "Results are by words only" not in html and "not indexed by meaning" not in html


def test_results_say_so_when_search_by_meaning_fails(
    client: Client, library: dict[str, Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperwire.search import dense

    dense.embed_pending()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the model's file is unreadable")

    monkeypatch.setattr(dense, "query_vector", broken)

    response = client.get("/search", {"q": "graph"})

    assert len(titles(response)) == 2
    assert b"search by meaning is unavailable right now" in response.content


def test_results_without_an_embedder_say_search_by_meaning_is_off(
    client: Client, library: dict[str, Paper], settings: Settings
) -> None:
    settings.SEARCH_EMBEDDER = "off"

    response = client.get("/search", {"q": "graph"})

    assert len(titles(response)) == 2
    assert b"search by meaning is turned off on this site" in response.content


def test_every_page_has_the_header_search_box(client: Client, library: dict[str, Paper]) -> None:
    html = client.get("/papers/2608.00001").content.decode()

    assert '<form class="header-search" method="get" action="/search" role="search">' in html
    assert 'class="header-search-link" href="/search"' in html


def test_the_search_page_has_one_search_box(client: Client) -> None:
    html = client.get("/search").content.decode()

    assert html.count('type="search"') == 1


def test_a_paper_not_yet_indexed_says_similar_papers_come_later(
    client: Client, library: dict[str, Paper]
) -> None:
    response = client.get("/papers/2608.00001")

    assert b"Similar papers appear once this paper is indexed." in response.content


def test_without_an_embedder_the_paper_page_has_no_similar_papers(
    client: Client, library: dict[str, Paper], settings: Settings
) -> None:
    settings.SEARCH_EMBEDDER = "off"

    response = client.get("/papers/2608.00001")

    assert b"Similar papers" not in response.content


def test_an_indexed_paper_lists_its_nearest_papers(
    client: Client, library: dict[str, Paper]
) -> None:
    from paperwire.search import dense

    dense.embed_pending()

    html = client.get("/papers/2608.00001").content.decode()

    section = html.split('id="similar-title"')[1].split("</section>")[0]
    similar = re.findall(r'class="similar__title" href="([^"]+)"', section)
    assert "/papers/2608.00001" not in similar
    assert set(similar) == {"/papers/2608.00002", "/papers/2608.00003", "/papers/2608.00004"}
    # The other graph paper is the nearest.
    assert similar[0] == "/papers/2608.00002"


def test_indexed_papers_are_searched_by_meaning_too(
    client: Client, library: dict[str, Paper]
) -> None:
    from paperwire.search import dense

    dense.embed_pending()

    # No paper has these words: only search by meaning finds the protein paper.
    response = client.get("/search", {"q": "biomolecule structure prediction"})

    assert "Protein Folding with Diffusion" in titles(response)[:2]
    assert b"Results are by words only" not in response.content


def test_only_approved_organizations_are_offered(client: Client) -> None:
    Organization.objects.create(name="pending-lab", fullname="Pending Lab")
    make_organization("openai", "OpenAI")
    Organization.objects.filter(name="openai").update(approved=True)

    html = client.get("/search").content.decode()

    assert '<option value="openai">OpenAI</option>' in html
    assert "pending-lab" not in html


def test_similar_papers_take_a_fixed_number_of_queries(
    library: dict[str, Paper], django_assert_max_num_queries: object
) -> None:
    from django.template import Context, Template

    from paperwire.search import dense

    dense.embed_pending()
    tag = Template("{% load search_tags %}{% similar_papers paper %}")

    # Is it indexed, its vector, the neighbours (on SQLite the index's freshness; on
    # PostgreSQL a savepoint around SET LOCAL hnsw.ef_search and the pgvector query), their
    # cards and lead authors: a fixed number, whatever the neighbours.
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        html = tag.render(Context({"paper": library["graphs"]}))
    assert html.count('class="similar__title"') == 3


def test_the_filter_menus_keep_the_choice_and_escape_names(
    client: Client, library: dict[str, Paper]
) -> None:
    odd = make_organization("odd", 'Lab <b>"&" Co</b>')
    odd.approved = True
    odd.save()

    page = client.get(
        "/search",
        {"q": "graphs", "category": "cs.LG", "organization": "deepmind", "sort": "upvotes"},
    ).content.decode()

    assert '<option value="cs.LG" selected>' in page
    assert '<option value="deepmind" selected>Google DeepMind</option>' in page
    assert "Lab &lt;b&gt;&quot;&amp;&quot; Co&lt;/b&gt;" in page
    assert "<b>" not in page.split('name="organization"')[1].split("</select>")[0]
    assert '<option value="upvotes" selected>Most upvoted</option>' in page


def test_a_total_of_only_the_best_matches_says_so(
    client: Client, library: dict[str, Paper], monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperwire.search import service

    monkeypatch.setattr(service, "LEXICAL_DEPTH", 1)  # words match more papers than kept
    page = client.get("/search", {"q": "graphs"}).content.decode()
    assert "The best " in page and "more papers mention these words" in page

    monkeypatch.setattr(service, "LEXICAL_DEPTH", 1000)
    invalidate()  # as a restart with the new code does
    page = client.get("/search", {"q": "graphs"}).content.decode()
    assert "The best " not in page and "more papers mention these words" not in page

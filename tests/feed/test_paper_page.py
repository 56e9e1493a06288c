from datetime import UTC, date, datetime

import pytest
from django.test import Client, RequestFactory

from paperwire.error_pages import server_error
from paperwire.ingest.records import AuthorName
from tests.builders import make_detailed_paper, make_organization, make_paper, put_on_feed
from tests.personas import make_user

pytestmark = pytest.mark.django_db


def test_it_shows_everything_known_about_a_paper(client: Client) -> None:
    paper = make_detailed_paper()

    response = client.get("/papers/2502.08025")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="paper__title" id="paper-title">Sparse Attention, Densely Explained</h1>' in (
        html
    )
    assert html.index("Zoe Zhang") < html.index("Ada Lovelace") < html.index("Alan Turing")
    mark = '<sup class="author-list__mark"><span class="visually-hidden"> affiliation </span>'
    assert f"<li>Zoe Zhang{mark}1</sup></li>" in html
    assert "<li>Ada Lovelace</li>" in html
    assert f"<li>Alan Turing{mark}2</sup></li>" in html
    assert '<sup class="author-list__mark">1</sup>MIT</li>' in html
    assert '<sup class="author-list__mark">2</sup>University of Manchester</li>' in html
    assert "<p>We study $O(n^2)$ attention.</p>" in html
    assert "<p>A second paragraph, with \\emph{LaTeX}.</p>" in html
    assert "Machine Learning (cs.LG)" in html
    assert "Computation and Language (cs.CL)" in html and "(stat.ML)" in html
    assert "February 11, 2025" in html and "March 2, 2025" in html and "v3" in html
    assert f'href="https://arxiv.org/abs/{paper.arxiv_id}"' in html
    assert f'href="https://arxiv.org/pdf/{paper.arxiv_id}"' in html
    assert 'href="https://github.com/example/sparse"' in html and "128" in html
    assert 'href="https://example.org/sparse"' in html
    assert 'href="https://doi.org/10.1103/PhysRevD.76.013009"' in html
    assert "Phys.Rev.D76:013009,2007" in html and "37 pages, 15 figures" in html
    assert ">CC BY 4.0</a>" in html
    assert "Sparse attention is explained densely." in html
    assert "<li>sparse attention</li>" in html and "<li>transformers</li>" in html
    assert '<span class="votes__count">42</span>' in html and "upvotes" in html
    assert 'title="Log in to upvote this paper"' in html  # a visitor's upvote asks them to


def test_a_shared_affiliation_is_named_once_without_numbers(client: Client) -> None:
    make_paper("2502.08025", authors=[AuthorName(n, "CERN") for n in ("Ann", "Ben", "Cy")])

    html = client.get("/papers/2502.08025").content.decode()

    assert "<li>Ann</li>" in html and "<li>Cy</li>" in html
    assert '<p class="affiliations">CERN</p>' in html
    assert html.count("CERN") == 1


def test_it_lists_the_feed_days_with_submitter_and_organization(client: Client) -> None:
    paper = make_paper("2502.08025")
    put_on_feed(paper, date(2026, 8, 21), submitter="akhaliq", organization=make_organization())
    put_on_feed(paper, date(2026, 8, 14), submitter="bob", submitter_fullname="Bob Builder")
    put_on_feed(paper, date(2026, 8, 17), hidden=True)

    html = client.get("/papers/2502.08025").content.decode()

    assert 'href="/papers/date/2026-08-14"' in html and 'href="/papers/date/2026-08-21"' in html
    assert html.index("August 14, 2026") < html.index("August 21, 2026")
    assert "Submitted by Bob Builder" in html
    assert "Submitted by akhaliq · Google DeepMind" in html
    assert "/papers/date/2026-08-17" not in html


def test_an_entry_imported_from_hugging_face_links_back_to_its_discussion(client: Client) -> None:
    paper = make_paper("2502.08025")
    put_on_feed(paper, date(2026, 8, 21), source="hf", discussion_id="67ab0c")
    put_on_feed(paper, date(2026, 8, 22), source="local")

    html = client.get("/papers/2502.08025").content.decode()

    assert html.count('href="https://huggingface.co/papers/2502.08025"') == 1


def test_an_old_style_paper_has_its_page(client: Client) -> None:
    make_paper("hep-th/9901001", "String Junctions and Their Duals", categories=["hep-th"])

    response = client.get("/papers/hep-th/9901001")

    html = response.content.decode()
    assert response.status_code == 200
    assert "String Junctions and Their Duals" in html
    assert "High Energy Physics - Theory (hep-th)" in html
    assert 'href="https://arxiv.org/abs/hep-th/9901001"' in html


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/papers/2502.08025v2", "/papers/2502.08025"),
        ("/papers/hep-th/9901001v3", "/papers/hep-th/9901001"),
        ("/papers/math.GT/0309136", "/papers/math/0309136"),
    ],
)
def test_a_versioned_or_non_canonical_id_redirects_permanently(
    client: Client, path: str, canonical: str
) -> None:
    response = client.get(path)

    assert (response.status_code, response.headers["Location"]) == (301, canonical)


def test_an_unknown_paper_is_a_friendly_404(client: Client) -> None:
    response = client.get("/papers/2502.08025")

    assert response.status_code == 404
    assert "The paper 2502.08025 is not on this site yet." in response.content.decode()


def test_an_impossible_id_is_a_friendly_404(client: Client) -> None:
    response = client.get("/papers/2513.08025")

    assert response.status_code == 404
    assert "13 is not a month" in response.content.decode()


def test_an_unknown_address_is_a_404_page_without_internals(client: Client) -> None:
    response = client.get("/nothing/here")

    html = response.content.decode()
    assert response.status_code == 404
    assert "There is no page at this address." in html
    assert "Resolver404" not in html and "tried" not in html


def test_hostile_text_is_escaped(client: Client) -> None:
    make_paper(
        "2502.08025",
        "<script>alert('title')</script>",
        authors=["<img src=x onerror=alert(1)>"],
        abstract="</p><script>alert('abstract')</script>",
        comments="<iframe src=//evil>",
        project_url="javascript:alert(1)",
        doi='10.1/"><script>',
    )

    html = client.get("/papers/2502.08025").content.decode()

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html
    assert "&lt;/p&gt;&lt;script&gt;alert(&#x27;abstract&#x27;)" in html
    assert "<img src=x" not in html and "<iframe" not in html
    assert "javascript:" not in html


def test_it_has_a_title_description_and_open_graph_tags(client: Client) -> None:
    make_detailed_paper()

    html = client.get("/papers/2502.08025").content.decode()

    assert "<title>Sparse Attention, Densely Explained · Paperwire</title>" in html
    assert '<meta name="description" content="Sparse attention is explained densely.">' in html
    assert '<meta property="og:title" content="Sparse Attention, Densely Explained">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:url" content="http://testserver/papers/2502.08025">' in html
    assert '<link rel="canonical" href="http://testserver/papers/2502.08025">' in html
    assert '<meta name="citation_author" content="Zoe Zhang">' in html


def test_a_long_author_list_folds_the_rest(client: Client) -> None:
    make_paper("2502.08025", authors=[f"Member {n:03d}" for n in range(300)])

    html = client.get("/papers/2502.08025").content.decode()
    body = html[html.index("<main") :]

    assert "Show all 300 authors" in body
    assert body.index("Member 000") < body.index("Show all") < body.index("Member 299")


def test_a_withdrawn_paper_says_so(client: Client) -> None:
    make_paper("2502.08025", withdrawn_at=datetime(2025, 4, 1, tzinfo=UTC))

    html = client.get("/papers/2502.08025").content.decode()

    assert "This paper was withdrawn on April 1, 2025." in html


def test_the_paper_page_takes_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: object
) -> None:
    paper = make_paper("2502.08025", authors=[f"Member {n}" for n in range(50)])
    for day in range(1, 6):
        put_on_feed(paper, date(2026, 8, day), organization=make_organization(f"org{day}"))

    # the paper, its authors, its categories, its feed entries, its discussion, its embedding
    # (similar papers; with none stored yet the section says so and asks nothing more)
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        assert client.get("/papers/2502.08025").status_code == 200


def test_a_server_error_page_needs_nothing_that_can_fail() -> None:
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_feed_days_link_a_members_profile_and_an_approved_organization(client: Client) -> None:
    alice = make_user("alice", fullname="Alice Adams")
    paper = make_paper("2502.08025")
    approved = make_organization("cern", "CERN")
    approved.approved = True
    approved.save()
    put_on_feed(
        paper, date(2026, 8, 3), submitter="alice", organization=approved, submitted_by=alice
    )
    put_on_feed(paper, date(2026, 8, 4), submitter="importer", organization=make_organization())

    html = client.get("/papers/2502.08025").content.decode()

    assert '<a href="/u/alice">' in html and '<a href="/orgs/cern">CERN</a>' in html
    # An imported submitter is a name, and an organization awaiting approval has no page yet.
    assert "Submitted by importer" in html and "/orgs/deepmind" not in html

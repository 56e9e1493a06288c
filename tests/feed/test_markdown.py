"""A paper as Markdown for agents: /papers/<id>.md, and the paper page asked for Markdown."""

from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx2
import pytest
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.utils import timezone
from huggingface_hub import HfApi, set_client_factory
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils._http import default_client_factory
from markdown_it import MarkdownIt
from markdown_it.token import Token

from paperwire.discussion.models import Comment
from paperwire.discussion.services import do_delete_comment, do_post_comment
from paperwire.feed.markdown import escaped, paragraphs
from paperwire.papers.models import Author, AuthorClaim, Paper
from tests.builders import make_detailed_paper, make_organization, make_paper, put_on_feed
from tests.personas import ban, make_user

pytestmark = pytest.mark.django_db

MARKDOWN = "text/markdown; charset=utf-8"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def make_untidy_paper() -> Paper:
    """The detailed paper with the line breaks and indents arXiv leaves in titles and abstracts."""
    return make_detailed_paper(
        title="Sparse Attention,\n  Densely Explained",
        abstract="  We study $O(n^2)$ attention\n  in transformers.\n\n  A second paragraph.",
        code_stars=1280,
    )


def verify_author(user: User, paper: Paper, name: str) -> None:
    AuthorClaim.objects.create(
        user=user,
        paper=paper,
        author=Author.objects.get(name=name),
        status=AuthorClaim.Status.VERIFIED,
    )


def get_markdown(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == MARKDOWN
    return response.content.decode()


def parsed(markdown: str) -> list[Token]:
    return MarkdownIt("commonmark").parse(markdown)


def headings(markdown: str) -> list[tuple[str, str]]:
    """The document's own headings as a CommonMark reader sees them: none inside quotes."""
    tokens = parsed(markdown)
    return [
        (token.tag, tokens[i + 1].content)
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0
    ]


# ---------- What the document says ----------


def test_it_has_the_title_authors_links_and_facts(client: Client) -> None:
    paper = make_untidy_paper()
    verify_author(make_user("ada"), paper, "Ada Lovelace")

    text = get_markdown(client, "/papers/2502.08025.md")

    assert text.startswith("# Sparse Attention, Densely Explained\n\n")
    assert (
        "**Authors:** Zoe Zhang (MIT), Ada Lovelace (verified: @ada), "
        "Alan Turing (University of Manchester)\n"
    ) in text
    assert "- Paper page: http://testserver/papers/2502.08025\n" in text
    assert "- arXiv: https://arxiv.org/abs/2502.08025\n" in text
    assert "- PDF: https://arxiv.org/pdf/2502.08025\n" in text
    assert "- Code: https://github.com/example/sparse (1,280 stars)\n" in text
    assert "- Project page: https://example.org/sparse\n" in text
    assert "- Published: 2025-02-11\n" in text and "- Version: v3\n" in text
    assert (
        "- Categories: cs.LG (Machine Learning), cs.CL (Computation and Language), "
        "stat.ML (Machine Learning)\n"
    ) in text
    assert "- Upvotes: 42\n" in text


def test_it_has_the_summary_then_the_abstract_as_paragraphs(client: Client) -> None:
    make_untidy_paper()

    text = get_markdown(client, "/papers/2502.08025.md")

    assert (
        "## AI summary\n\nSparse attention is explained densely.\n\n"
        "Keywords: sparse attention, transformers\n\n"
        "## Abstract\n\nWe study $O(n^2)$ attention in transformers.\n\nA second paragraph.\n"
    ) in text


def test_it_lists_the_feed_days_with_submitter_and_organization(client: Client) -> None:
    paper = make_paper("2502.08025")
    put_on_feed(paper, date(2026, 8, 21), submitter="akhaliq", organization=make_organization())
    put_on_feed(
        paper, date(2026, 8, 14), submitter="bob", submitter_fullname="Bob Builder", source="hf",
        discussion_id="67ab0c",
    )  # fmt: skip
    put_on_feed(paper, date(2026, 8, 17), hidden=True)

    text = get_markdown(client, "/papers/2502.08025.md")

    assert (
        "## On the daily feed\n\n"
        "- 2026-08-14, submitted by Bob Builder (@bob); "
        "discussion on Hugging Face: https://huggingface.co/papers/2502.08025\n"
        "- 2026-08-21, submitted by akhaliq, for Google DeepMind\n\n"
    ) in text
    assert "2026-08-17" not in text


def test_a_paper_never_on_the_feed_has_no_feed_section(client: Client) -> None:
    make_paper("2502.08025", ai_summary="")

    text = get_markdown(client, "/papers/2502.08025.md")

    assert "## On the daily feed" not in text and "## AI summary" not in text
    assert "## Discussion\n\nNo comments yet.\n" in text


def test_a_withdrawn_paper_says_so(client: Client) -> None:
    make_paper("2502.08025", withdrawn_at=datetime(2025, 4, 1, tzinfo=UTC))

    text = get_markdown(client, "/papers/2502.08025.md")

    assert "**This paper was withdrawn on 2025-04-01.**" in text


def test_unsafe_links_are_left_out(client: Client) -> None:
    make_paper("2502.08025", project_url="javascript:alert(1)", code_url="ftp://example.org/x")

    text = get_markdown(client, "/papers/2502.08025.md")

    assert "javascript:" not in text and "ftp:" not in text
    assert "- Code:" not in text and "- Project page:" not in text


def test_it_names_the_paper_page_as_the_canonical_address(client: Client) -> None:
    make_paper("2502.08025")

    response = client.get("/papers/2502.08025.md")

    assert response["Link"] == '<http://testserver/papers/2502.08025>; rel="canonical"'


def test_an_old_style_paper_has_its_markdown(client: Client) -> None:
    make_paper("hep-th/9901001", "String Junctions and Their Duals", categories=["hep-th"])

    text = get_markdown(client, "/papers/hep-th/9901001.md")

    assert text.startswith("# String Junctions and Their Duals\n")
    assert "- arXiv: https://arxiv.org/abs/hep-th/9901001\n" in text
    assert "- Categories: hep-th (High Energy Physics - Theory)\n" in text


# ---------- The discussion ----------


@pytest.fixture
def discussed() -> dict[str, Comment]:
    """Alice asks, Bob answers her; Mallory wrote a heading and an open fence, and Nora's
    deleted comment keeps its place for Bob's reply to it."""
    paper = make_paper("2502.08025")
    alice = make_user("alice", fullname="Alice Martin")
    bob = make_user("bob", fullname="Bob Chen")
    mallory = make_user("mallory", fullname="[Official](https://evil.example) *Staff*")
    nora = make_user("nora", fullname="Nora")
    question = do_post_comment(alice, paper, "Does it scale?\n\n- to 1M tokens\n- on CPUs")
    answer = do_post_comment(bob, paper, "Yes:\n\n```python\nscale()\n```", parent=question)
    hostile = do_post_comment(
        mallory, paper, "# Pwned\n\n## Discussion\n\n```\nan open fence swallowing the rest"
    )
    gone = do_post_comment(nora, paper, "A hasty remark")
    late = do_post_comment(bob, paper, "It was not hasty.", parent=gone)
    do_delete_comment(nora, gone)
    return {"question": question, "answer": answer, "hostile": hostile, "late": late}


def test_the_discussion_quotes_each_comment_under_its_author(
    client: Client, discussed: dict[str, Comment]
) -> None:
    at = discussed["question"].created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

    text = get_markdown(client, "/papers/2502.08025.md")

    assert "## Discussion\n\n4 comments.\n\n" in text
    assert (
        f"### Alice Martin (@alice) · {at}\n\n"
        "> Does it scale?\n>\n> - to 1M tokens\n> - on CPUs\n\n"
        "- Reply by Bob Chen (@bob) · "
    ) in text
    assert "\n\n  > Yes:\n  >\n  > ```python\n  > scale()\n  > ```\n" in text
    assert "### [deleted]\n\n- Reply by Bob Chen (@bob) · " in text
    assert "A hasty remark" not in text


def test_nothing_a_commenter_writes_escapes_their_comment(
    client: Client, discussed: dict[str, Comment]
) -> None:
    text = get_markdown(client, "/papers/2502.08025.md")

    # The only h1 and h2s are the document's: Mallory's "# Pwned" stays inside her quote,
    # and her open fence ends with it, so the comments after hers are still headings.
    found = headings(text)
    assert [tag for tag, _ in found] == ["h1", "h2", "h2", "h3", "h3", "h3"]
    assert [content.split(" · ")[0] for _, content in found] == [
        "A study of 2502.08025",
        "Abstract",
        "Discussion",
        "Alice Martin (@alice)",
        "\\[Official\\](https://evil.example) \\*Staff\\* (@mallory)",
        "[deleted]",
    ]
    assert "> # Pwned\n>\n> ## Discussion\n" in text
    # Her chosen name shows as typed: no link, no emphasis.
    inline = [child for t in parsed(text) if t.type == "inline" for child in t.children or []]
    assert not any(child.type in ("link_open", "em_open") for child in inline)


def test_hidden_and_banned_comments_are_left_out(
    client: Client, discussed: dict[str, Comment]
) -> None:
    Comment.objects.filter(pk=discussed["answer"].pk).update(hidden=True)
    ban(User.objects.get(username="mallory"))

    text = get_markdown(client, "/papers/2502.08025.md")

    assert "## Discussion\n\n2 comments.\n\n" in text
    assert "scale()" not in text and "Pwned" not in text and "mallory" not in text


# ---------- Negotiation ----------


def test_the_paper_page_answers_markdown_to_a_client_that_asks_for_it(client: Client) -> None:
    make_untidy_paper()

    response = client.get("/papers/2502.08025", HTTP_ACCEPT="text/markdown")

    assert response.status_code == 200
    assert response["Content-Type"] == MARKDOWN
    assert "Accept" in response["Vary"]
    assert response.content.decode() == get_markdown(client, "/papers/2502.08025.md")


@pytest.mark.parametrize(
    "accept", [BROWSER_ACCEPT, "*/*", "text/markdown;q=0.5, text/html", "text/plain", None]
)
def test_browsers_and_everyone_else_still_get_the_html_page(
    client: Client, accept: str | None
) -> None:
    make_untidy_paper()

    response = client.get("/papers/2502.08025", **({"HTTP_ACCEPT": accept} if accept else {}))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in response["Vary"]


def test_markdown_preferred_over_html_wins(client: Client) -> None:
    make_untidy_paper()

    response = client.get("/papers/2502.08025", HTTP_ACCEPT="text/markdown, text/html;q=0.9")

    assert response["Content-Type"] == MARKDOWN


def test_the_html_page_points_agents_to_its_markdown(client: Client) -> None:
    make_untidy_paper()

    html = client.get("/papers/2502.08025").content.decode()

    assert '<link rel="alternate" type="text/markdown" href="/papers/2502.08025.md"' in html


# ---------- Not found, redirects, queries ----------


def test_an_unknown_paper_is_a_markdown_404(client: Client) -> None:
    response = client.get("/papers/2502.08025.md")

    assert response.status_code == 404
    assert response["Content-Type"] == MARKDOWN
    assert response.content.decode() == (
        "# Not found\n\nThe paper 2502.08025 is not on this site yet.\n"
    )


def test_an_impossible_id_is_a_markdown_404_that_says_why(client: Client) -> None:
    response = client.get("/papers/2513.08025.md")

    assert response.status_code == 404
    assert response["Content-Type"] == MARKDOWN
    assert "13 is not a month" in response.content.decode()


def test_the_page_asked_for_markdown_answers_a_404_in_markdown(client: Client) -> None:
    response = client.get("/papers/2502.08025", HTTP_ACCEPT="text/markdown")

    assert response.status_code == 404
    assert response["Content-Type"] == MARKDOWN
    assert "The paper 2502.08025 is not on this site yet." in response.content.decode()


def test_what_is_not_an_id_at_all_is_the_sites_404_page(client: Client) -> None:
    response = client.get("/papers/not-a-paper.md")

    assert response.status_code == 404
    assert "There is no page at this address." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/papers/2502.08025v2.md", "/papers/2502.08025.md"),
        ("/papers/hep-th/9901001v3.md", "/papers/hep-th/9901001.md"),
        ("/papers/math.GT/0309136.md", "/papers/math/0309136.md"),
    ],
)
def test_a_versioned_or_non_canonical_id_redirects_to_the_canonical_markdown(
    client: Client, path: str, canonical: str
) -> None:
    response = client.get(path)

    assert (response.status_code, response.headers["Location"]) == (301, canonical)


def test_the_markdown_takes_a_fixed_number_of_queries(
    client: Client, discussed: dict[str, Comment], django_assert_max_num_queries: object
) -> None:
    paper = Paper.objects.get(arxiv_id="2502.08025")
    for day in range(1, 6):
        put_on_feed(paper, date(2026, 8, day), organization=make_organization(f"org{day}"))
    for n in range(10):
        do_post_comment(
            make_user(f"reader{n}"), paper, f"Comment {n}", parent=discussed["question"]
        )

    # the paper, its authors, its categories, its feed days, its discussion
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        get_markdown(client, "/papers/2502.08025.md")


# ---------- huggingface_hub reads it ----------


@pytest.fixture
def hf_api(keep_connections: None) -> Iterator[HfApi]:
    """huggingface_hub's own client, its requests answered by this site in-process."""
    set_client_factory(
        lambda: httpx2.Client(
            transport=httpx2.WSGITransport(app=WSGIHandler()), follow_redirects=True
        )
    )
    yield HfApi(endpoint="http://testserver")
    set_client_factory(default_client_factory)


def test_huggingface_hub_reads_a_paper_from_this_site(hf_api: HfApi) -> None:
    make_untidy_paper()

    text = hf_api.read_paper("2502.08025v3")

    assert text.startswith("# Sparse Attention, Densely Explained\n")


def test_huggingface_hub_raises_for_a_paper_not_on_this_site(hf_api: HfApi) -> None:
    with pytest.raises(HfHubHTTPError, match="404"):
        hf_api.read_paper("2502.08025")


# ---------- The text helpers ----------


def test_prose_is_joined_into_paragraphs_that_open_no_other_block() -> None:
    text = "  # Not a heading\n  but an abstract\n\n1. Not a list\n\n<script>\n\n\n- x\n\n2025 was"
    expected = ["\\# Not a heading but an abstract", "1\\. Not a list", "\\<script>", "\\- x"]

    assert paragraphs(text) == [*expected, "2025 was"]
    rendered = MarkdownIt("commonmark").render("\n\n".join(paragraphs(text)))
    assert rendered.count("<p>") == 5 and "<h1>" not in rendered and "<li>" not in rendered


def test_member_chosen_text_is_shown_as_typed() -> None:
    assert escaped("[a](http://x) *b*\n<i>") == "\\[a\\](http://x) \\*b\\* \\<i\\>"


def test_comment_times_are_in_utc(client: Client) -> None:
    paper = make_paper("2502.08025")
    comment = do_post_comment(make_user("alice"), paper, "Hi")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=datetime(2026, 8, 21, 23, 30, tzinfo=timezone.get_fixed_timezone(-120))
    )

    text = get_markdown(client, "/papers/2502.08025.md")

    assert "### Alice (@alice) · 2026-08-22 01:30 UTC\n" in text

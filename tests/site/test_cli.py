"""paperwire papers ls|search|info: the feed, search and one paper in a terminal."""

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from paperwire.discussion.services import do_post_comment
from paperwire.feed.trending import refresh_scores
from paperwire.ingest.records import AuthorName
from paperwire.papers.models import Author, AuthorClaim, Paper
from tests.builders import make_organization, make_paper, put_on_feed
from tests.personas import ban, make_user

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2025, 3, 3), date(2025, 3, 4)


@pytest.fixture(autouse=True)
def words_only_in_tmp(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Search by words alone, its index in the test's folder; an 80-column terminal."""
    settings.SEARCH_EMBEDDER = "off"
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("COLUMNS", "80")


def run(*args: str) -> str:
    out = StringIO()
    call_command("papers", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def lines(output: str) -> list[str]:
    return output.rstrip("\n").split("\n")


@pytest.fixture
def feed() -> dict[str, Paper]:
    """Two feed days: Monday's papers (one much discussed), Tuesday's the latest."""
    attention = make_paper(
        "2503.00001",
        "Sparse attention for very long documents, explained at a length that needs cutting",
        upvotes=30,
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
        published_at=datetime(2025, 2, 28, 18, 59, 59, 250000, tzinfo=UTC),
        code_url="https://github.com/example/sparse",
        code_stars=1280,
        ai_summary="Attention, but sparse.",
    )
    proteins = make_paper("2503.00002", "Protein folding with diffusion", upvotes=12)
    tuesday = make_paper("2503.00003", "Graph neural networks for molecules", upvotes=5)
    put_on_feed(attention, MONDAY, submitter="akhaliq", organization=make_organization())
    put_on_feed(proteins, MONDAY, submitter="bob")
    put_on_feed(tuesday, TUESDAY, submitter="carol")
    alice, mallory = make_user("alice"), make_user("mallory")
    do_post_comment(alice, attention, "Nice.")
    do_post_comment(alice, attention, "Really.")
    do_post_comment(mallory, attention, "Spam")
    ban(mallory)
    return {"attention": attention, "proteins": proteins, "tuesday": tuesday}


# ---------- ls ----------


def test_ls_shows_the_latest_feed_day(feed: dict[str, Paper]) -> None:
    out = run("ls")

    assert lines(out) == [
        "Papers of Tuesday 2025-03-04: 1 paper",
        "#  UPVOTES  ID          TITLE                                COMMENTS  SUBMITTER",
        "1        5  2503.00003  Graph neural networks for molecules         0  carol",
    ]


def test_ls_of_a_day_is_most_upvoted_first_with_titles_cut_to_the_terminal(
    feed: dict[str, Paper],
) -> None:
    out = run("ls", "--date", "2025-03-03")

    assert lines(out) == [
        "Papers of Monday 2025-03-03: 2 papers",
        "#  UPVOTES  ID          TITLE                                COMMENTS  SUBMITTER",
        "1       30  2503.00001  Sparse attention for very long doc…         2  akhaliq",
        "2       12  2503.00002  Protein folding with diffusion              0  bob",
    ]
    assert all(len(line) <= 80 for line in lines(out))


def test_ls_of_a_week_and_a_month_lists_each_paper_once(feed: dict[str, Paper]) -> None:
    put_on_feed(feed["proteins"], TUESDAY, submitter="dave")

    week = run("ls", "--week", "2025-W10")
    month = run("ls", "--month", "2025-03")

    assert week.startswith("Papers of Week 10, 2025 (Mar 3 \N{EN DASH} 9, 2025): 3 papers\n")
    assert month.startswith("Papers of March 2025: 3 papers\n")
    for out in (week, month):
        ids = [line.split()[2] for line in lines(out)[2:]]
        assert ids == ["2503.00001", "2503.00002", "2503.00003"]


def test_ls_trending_ranks_the_recent_papers_by_their_stored_scores() -> None:
    today = timezone.now().date()
    older, newer = make_paper("2503.00001", upvotes=10), make_paper("2503.00002", upvotes=40)
    put_on_feed(older, today - timedelta(days=2), submitter="ann")
    put_on_feed(newer, today, after=timedelta(0), submitter="ben")
    refresh_scores()

    out = run("ls", "--trending")

    assert out.startswith("Trending: papers first on the feed in the last 7 days: 2 papers\n")
    assert [line.split()[2] for line in lines(out)[2:]] == ["2503.00002", "2503.00001"]


def test_ls_trending_with_nothing_recent_says_why() -> None:
    assert run("ls", "--trending").startswith("No papers are trending")


def test_ls_limit_says_how_many_more_there_are(feed: dict[str, Paper]) -> None:
    out = run("ls", "--date", "2025-03-03", "--limit", "1")

    assert len(lines(out)) == 4
    assert lines(out)[-1] == "1 of 2 shown: --limit N shows more."


def test_ls_of_an_empty_day_says_there_are_no_papers(feed: dict[str, Paper]) -> None:
    assert run("ls", "--date", "2025-03-08") == "No papers on Saturday 2025-03-08.\n"
    assert (
        run("ls", "--week", "2025-W20")
        == "No papers in Week 20, 2025 (May 12 \N{EN DASH} 18, 2025).\n"
    )
    assert run("ls", "--date", "2025-03-08", "--json") == "[]\n"


def test_ls_without_any_feed_says_so() -> None:
    assert run("ls") == "No papers on the feed yet.\n"


def test_ls_json_gives_what_the_api_gives(feed: dict[str, Paper], client: Client) -> None:
    items = json.loads(run("ls", "--date", "2025-03-03", "--json"))

    assert [item["paper"]["id"] for item in items] == ["2503.00001", "2503.00002"]
    assert items == client.get("/api/daily_papers", {"date": "2025-03-03"}).json()
    paper = items[0]["paper"]
    assert paper["title"] == (
        "Sparse attention for very long documents, explained at a length that needs cutting"
    )
    # Every author, not only the three a card names.
    assert [a["name"] for a in paper["authors"]] == [
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
        "Edsger Dijkstra",
    ]
    assert (paper["publishedAt"], paper["submittedOnDailyAt"]) == (
        "2025-02-28T18:59:59.250Z",
        "2025-03-03T00:00:00.000Z",
    )
    assert (paper["upvotes"], items[0]["numComments"]) == (30, 2)
    assert (paper["githubRepo"], paper["githubStars"]) == (
        "https://github.com/example/sparse",
        1280,
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--date", "2025-02-30"], "2025-02-30 is not a day on the calendar."),
        (["--date", "yesterday"], "“yesterday” is not a date. Days are written like 2026-08-21."),
        (["--week", "2025-W60"], "2025-W60 is not a week on the calendar: 2025 has 52 weeks."),
        (["--week", "week ten"], "“week ten” is not a week. Weeks are written like 2026-W34."),
        (["--month", "2025-13"], "2025-13 is not a month on the calendar."),
        (["--month", "March"], "“March” is not a month. Months are written like 2026-08."),
    ],
)
def test_ls_refuses_a_malformed_day_week_or_month(args: list[str], error: str) -> None:
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("papers", "ls", *args, stdout=out, stderr=StringIO())

    assert str(raised.value) == error
    assert out.getvalue() == ""


# ---------- search ----------


def test_search_lists_the_papers_matching_a_query(feed: dict[str, Paper]) -> None:
    out = run("search", "protein", "folding")

    assert lines(out) == [
        "Papers matching “protein folding”: 1 paper",
        "#  UPVOTES  ID          TITLE                           COMMENTS  SUBMITTER",
        "1       12  2503.00002  Protein folding with diffusion         0  bob",
    ]


def test_search_json_gives_the_matching_papers(feed: dict[str, Paper]) -> None:
    items = json.loads(run("search", "sparse attention", "--json"))

    assert [item["paper"]["id"] for item in items] == ["2503.00001"]
    assert items[0]["numComments"] == 2
    assert items[0]["paper"]["submittedOnDailyAt"] == "2025-03-03T00:00:00.000Z"
    assert len(items[0]["paper"]["authors"]) == 4


def test_search_for_an_arxiv_id_lists_that_paper(feed: dict[str, Paper]) -> None:
    out = run("search", "arXiv:2503.00002v2")

    assert [line.split()[2] for line in lines(out)[2:]] == ["2503.00002"]


def test_search_limit_keeps_the_best(feed: dict[str, Paper]) -> None:
    papers = json.loads(run("search", "attention OR protein OR graph", "--limit", "2", "--json"))

    assert len(papers) == 2


def test_search_without_a_match_says_so(feed: dict[str, Paper]) -> None:
    assert run("search", "zymurgy") == "No papers match “zymurgy”.\n"
    assert run("search", "zymurgy", "--json") == "[]\n"


def test_search_needs_something_to_search_for() -> None:
    with pytest.raises(CommandError, match="Nothing to search for"):
        run("search", "  ")


# ---------- info ----------


@pytest.fixture
def paper() -> Paper:
    paper = make_paper(
        "2502.08025",
        "Sparse Attention,\n  Densely Explained",
        upvotes=42,
        authors=[AuthorName("Zoe Zhang", "MIT"), AuthorName("Ada Lovelace")],
        categories=["cs.LG", "stat.ML"],
        abstract="We study attention. " * 12 + "\n\nA second paragraph.",
        published_at=datetime(2025, 2, 11, 18, 59, 59, tzinfo=UTC),
        code_url="https://github.com/example/sparse",
        code_stars=1280,
        project_url="https://example.org/sparse",
        ai_summary="Sparse attention is explained densely.",
    )
    put_on_feed(paper, date(2025, 2, 12), submitter="akhaliq", organization=make_organization())
    put_on_feed(paper, date(2025, 2, 14))
    AuthorClaim.objects.create(
        user=make_user("ada"),
        paper=paper,
        author=Author.objects.get(name="Ada Lovelace"),
        status=AuthorClaim.Status.VERIFIED,
    )
    do_post_comment(make_user("alice"), paper, "Nice.")
    return paper


def test_info_shows_one_paper(paper: Paper, settings: Settings) -> None:
    settings.BASE_URL = "https://papers.example.org"

    out = run("info", "2502.08025")

    assert lines(out)[:17] == [
        "Sparse Attention, Densely Explained",
        "",
        "Authors       Zoe Zhang, Ada Lovelace (verified: @ada)",
        "Published     2025-02-11",
        "Categories    Machine Learning (cs.LG), Machine Learning (stat.ML)",
        "Upvotes       42 · 1 comment",
        "Page          https://papers.example.org/papers/2502.08025",
        "arXiv         https://arxiv.org/abs/2502.08025",
        "PDF           https://arxiv.org/pdf/2502.08025",
        "Code          https://github.com/example/sparse (1,280 stars)",
        "Project page  https://example.org/sparse",
        "Feed days     2025-02-12 (by akhaliq, for Google DeepMind); 2025-02-14",
        "",
        "AI summary",
        "  Sparse attention is explained densely.",
        "",
        "Abstract",
    ]
    abstract = lines(out)[17:]
    assert all((line.startswith("  ") or not line) and len(line) <= 80 for line in abstract)
    assert (
        " ".join(" ".join(abstract).split()) == "We study attention. " * 12 + "A second paragraph."
    )
    assert abstract[-2:] == ["", "  A second paragraph."]


def test_info_takes_any_form_of_the_id(paper: Paper) -> None:
    assert run("info", "https://arxiv.org/abs/2502.08025v3") == run("info", "2502.08025")


def test_info_json_gives_what_the_api_gives(paper: Paper, client: Client) -> None:
    data = json.loads(run("info", "2502.08025", "--json"))

    assert data == client.get("/api/papers/2502.08025").json()
    assert data["id"] == "2502.08025"
    assert data["title"] == "Sparse Attention, Densely Explained"
    assert [a["name"] for a in data["authors"]] == ["Zoe Zhang", "Ada Lovelace"]
    assert data["publishedAt"] == "2025-02-11T18:59:59.000Z"
    assert (data["upvotes"], data["numComments"]) == (42, 1)
    assert data["submittedOnDailyAt"] == "2025-02-12T00:00:00.000Z"
    assert data["githubRepo"] == "https://github.com/example/sparse"
    assert data["projectPage"] == "https://example.org/sparse"
    assert data["ai_summary"] == "Sparse attention is explained densely."


def test_info_never_prints_control_characters(settings: Settings) -> None:
    make_paper("2502.08025", "Evil \x1b[2J title\x07")

    assert lines(run("info", "2502.08025"))[0] == "Evil [2J title"


@pytest.mark.parametrize(
    ("arxiv_id", "error"),
    [
        (
            "2502.08025",
            "The paper 2502.08025 is not on this site: "
            "`paperwire fetch-arxiv 2502.08025` fetches it from arXiv.",
        ),
        ("2513.08025", "'2513.08025' is not an arXiv id: 13 is not a month."),
        ("not-an-id", "'not-an-id' is not an arXiv id or arXiv URL"),
    ],
)
def test_info_refuses_an_unknown_or_invalid_id(arxiv_id: str, error: str) -> None:
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("papers", "info", arxiv_id, stdout=out, stderr=StringIO())

    assert str(raised.value).startswith(error)
    assert "\n" not in str(raised.value) and out.getvalue() == ""

"""RSS 2.0 and Atom feeds (/feeds/...): every kind parsed by feedparser in both formats,
and the pages that list papers advertising theirs."""

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import feedparser
import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from paperwire.feed import trending
from paperwire.feed.models import DailyEntry
from paperwire.ingest.records import AuthorName
from paperwire.papers.models import Paper
from tests.builders import make_organization, make_paper, put_on_feed
from tests.personas import logged_in, make_user

pytestmark = pytest.mark.django_db

FORMATS = ["rss", "atom"]
VERSIONS = {"rss": "rss20", "atom": "atom10"}
THURSDAY = date(2026, 8, 20)
FRIDAY = date(2026, 8, 21)
NEXT_MONDAY = date(2026, 8, 24)


def read_feed(client: Client, url: str) -> feedparser.FeedParserDict:
    """The feed at `url`, parsed; it must be well-formed and of the format its URL says."""
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    fmt = url.split("?")[0].rsplit(".", 1)[1]
    assert feed.version == VERSIONS[fmt]
    assert response["Content-Type"] == f"application/{fmt}+xml; charset=utf-8"
    return feed


def titles(feed: feedparser.FeedParserDict) -> list[str]:
    return [entry.title for entry in feed.entries]


def on_feed_at(paper: Paper, at: datetime, **fields: Any) -> DailyEntry:
    """Put `paper` on the feed of the day of `at`, submitted at `at`."""
    midnight = datetime.combine(at.date(), time(), tzinfo=UTC)
    return put_on_feed(paper, at.date(), after=at - midnight, **fields)


# ---------- The daily feed and the items ----------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_daily_feed_lists_the_latest_day_most_upvoted_first(client: Client, fmt: str) -> None:
    put_on_feed(make_paper("2608.00001", "Yesterday's paper", upvotes=99), THURSDAY)
    put_on_feed(make_paper("2608.00002", "Few votes", upvotes=3), FRIDAY)
    put_on_feed(make_paper("2608.00003", "Many votes", upvotes=40), FRIDAY)
    put_on_feed(make_paper("2608.00004", "Taken down", upvotes=80), FRIDAY, hidden=True)

    feed = read_feed(client, f"/feeds/daily.{fmt}")

    assert feed.feed.title == "Daily Papers · Paperwire"
    assert feed.feed.link == "http://testserver/papers"
    assert titles(feed) == ["Many votes", "Few votes"]
    assert [entry.link for entry in feed.entries] == [
        "http://testserver/papers/2608.00003",
        "http://testserver/papers/2608.00002",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_item_has_the_papers_page_authors_abstract_categories_and_date(
    client: Client, fmt: str
) -> None:
    paper = make_paper(
        "2608.00001",
        "Sparse Attention",
        authors=["Ada Lovelace", "Alan Turing"],
        categories=["cs.LG", "stat.ML"],
        abstract="We make attention sparse.",
    )
    put_on_feed(paper, FRIDAY, after=timedelta(hours=9, minutes=30))

    (entry,) = read_feed(client, f"/feeds/daily.{fmt}").entries

    assert entry.id == "http://testserver/papers/2608.00001"
    assert entry.author == "Ada Lovelace, Alan Turing"
    assert entry.summary == "We make attention sparse."
    assert [tag.term for tag in entry.tags] == ["cs.LG", "stat.ML"]
    # On a list of feed entries, the date is when the paper went on the feed.
    assert entry.published_parsed[:5] == (2026, 8, 21, 9, 30)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_long_author_list_ends_in_et_al(client: Client, fmt: str) -> None:
    authors: list[str | AuthorName] = [f"Author {n}" for n in range(1, 13)]
    put_on_feed(make_paper("2608.00001", authors=authors), FRIDAY)

    (entry,) = read_feed(client, f"/feeds/daily.{fmt}").entries

    assert entry.author == ", ".join(f"Author {n}" for n in range(1, 11)) + " et al."


@pytest.mark.parametrize("fmt", FORMATS)
def test_html_in_titles_and_abstracts_stays_text(client: Client, fmt: str) -> None:
    put_on_feed(
        make_paper(
            "2608.00001",
            "Attention <script>alert(1)</script> & more",
            abstract="When x < y, <b>bold</b> claims & <img src=x onerror=alert(1)> hold.",
        ),
        FRIDAY,
    )

    response = client.get(f"/feeds/daily.{fmt}")
    (entry,) = read_feed(client, f"/feeds/daily.{fmt}").entries

    assert b"<script>" not in response.content and b"<img" not in response.content
    assert entry.title == "Attention <script>alert(1)</script> & more"
    # The summary is HTML that a reader shows as the abstract's own text, tags and all.
    assert entry.summary_detail.type == "text/html"
    assert unescape(entry.summary) == (
        "When x < y, <b>bold</b> claims & <img src=x onerror=alert(1)> hold."
    )
    assert "<b>" not in entry.summary and "<img" not in entry.summary


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_papers_the_daily_feed_is_empty(client: Client, fmt: str) -> None:
    feed = read_feed(client, f"/feeds/daily.{fmt}")

    assert feed.entries == []
    assert feed.feed.title == "Daily Papers · Paperwire"


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/daily.rss",
        "/feeds/weekly.atom",
        "/feeds/orgs/deepmind.rss",
        "/feeds/u/alice.atom",
        "/feeds/category/cs.LG.rss",
    ],
)
def test_a_feed_takes_the_same_few_queries_for_any_number_of_papers(
    client: Client, django_assert_max_num_queries: object, url: str
) -> None:
    lab = make_organization()
    lab.approved = True
    lab.save()
    alice = make_user("alice")
    for n in range(30):
        paper = make_paper(f"2608.{n:05d}", upvotes=n, authors=[f"A{n}", f"B{n}", f"C{n}"])
        put_on_feed(paper, FRIDAY, organization=lab, submitted_by=alice)

    # what to list (a day, an organization, ...), the entries, their papers, the card's lead
    # authors, the feed's authors, the categories
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        response = client.get(url)

    assert len(feedparser.parse(response.content).entries) == 30


def test_a_feed_answers_only_reads(client: Client) -> None:
    assert client.post("/feeds/daily.rss").status_code == 405
    assert client.head("/feeds/daily.atom").status_code == 200


def test_an_unknown_format_is_a_404(client: Client) -> None:
    assert client.get("/feeds/daily.json").status_code == 404
    assert client.get("/feeds/daily").status_code == 404


# ---------- One day, weeks and months ----------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_days_feed_lists_that_day(client: Client, fmt: str) -> None:
    put_on_feed(make_paper("2608.00001", "On Thursday"), THURSDAY)
    put_on_feed(make_paper("2608.00002", "On Friday"), FRIDAY)

    feed = read_feed(client, f"/feeds/date/2026-08-20.{fmt}")

    assert feed.feed.title == "Daily Papers — Thursday, August 20, 2026 · Paperwire"
    assert feed.feed.link == "http://testserver/papers/date/2026-08-20"
    assert titles(feed) == ["On Thursday"]


@pytest.mark.parametrize("day", ["2026-02-30", "20260820", "yesterday"])
def test_a_day_that_is_not_a_date_is_a_404(client: Client, day: str) -> None:
    assert client.get(f"/feeds/date/{day}.rss").status_code == 404
    assert client.get(f"/feeds/date/{day}.atom").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_weekly_feed_lists_the_latest_week_each_paper_once(client: Client, fmt: str) -> None:
    twice = make_paper("2608.00001", "On the feed twice", upvotes=5)
    put_on_feed(twice, THURSDAY)
    put_on_feed(twice, FRIDAY)
    put_on_feed(make_paper("2608.00002", "Top of the week", upvotes=50), THURSDAY)
    put_on_feed(make_paper("2608.00003", "The week before", upvotes=90), date(2026, 8, 14))

    feed = read_feed(client, f"/feeds/weekly.{fmt}")

    assert feed.feed.title == "Weekly Papers · Paperwire"
    assert feed.feed.link == "http://testserver/papers/week/2026-W34"
    assert titles(feed) == ["Top of the week", "On the feed twice"]
    if fmt == "atom":  # the feed's id outlives the week
        assert feed.feed.id == "http://testserver/feeds/weekly.atom"
    # The date of a paper of the week is its first day on the feed that week.
    assert feed.entries[1].published_parsed[:3] == (2026, 8, 20)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_weeks_feed_lists_that_week(client: Client, fmt: str) -> None:
    put_on_feed(make_paper("2608.00001", "Week 34"), FRIDAY)
    put_on_feed(make_paper("2608.00002", "Week 35"), NEXT_MONDAY)

    feed = read_feed(client, f"/feeds/week/2026-W34.{fmt}")

    assert feed.feed.title == "Weekly Papers — Aug 17 \N{EN DASH} 23, 2026 · Paperwire"
    assert titles(feed) == ["Week 34"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_monthly_feeds_list_a_month(client: Client, fmt: str) -> None:
    put_on_feed(make_paper("2607.00001", "In July", upvotes=9), date(2026, 7, 31))
    put_on_feed(make_paper("2608.00001", "In August", upvotes=1), FRIDAY)
    put_on_feed(make_paper("2608.00002", "Also in August", upvotes=2), NEXT_MONDAY)

    latest = read_feed(client, f"/feeds/monthly.{fmt}")
    july = read_feed(client, f"/feeds/month/2026-07.{fmt}")

    assert latest.feed.title == "Monthly Papers · Paperwire"
    assert titles(latest) == ["Also in August", "In August"]
    assert july.feed.title == "Monthly Papers — July 2026 · Paperwire"
    assert july.feed.link == "http://testserver/papers/month/2026-07"
    assert titles(july) == ["In July"]


@pytest.mark.parametrize(
    "url", ["/feeds/week/2026-W54", "/feeds/week/2026-34", "/feeds/month/2026-13"]
)
def test_a_period_that_is_not_on_the_calendar_is_a_404(client: Client, url: str) -> None:
    assert client.get(f"{url}.rss").status_code == 404
    assert client.get(f"{url}.atom").status_code == 404


# ---------- Trending ----------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_trending_feed_lists_papers_by_score(client: Client, fmt: str) -> None:
    now = timezone.now()
    on_feed_at(make_paper("2608.00001", "Old favourite", upvotes=300), now - timedelta(hours=30))
    on_feed_at(make_paper("2608.00002", "Rising fast", upvotes=40), now - timedelta(hours=6))
    on_feed_at(make_paper("2608.00003", "No votes yet"), now - timedelta(hours=1))
    trending.refresh_scores()

    feed = read_feed(client, f"/feeds/trending.{fmt}")

    assert feed.feed.title == "Trending papers · Paperwire"
    assert feed.feed.link == "http://testserver/papers/trending"
    assert titles(feed) == ["Rising fast", "Old favourite"]


# ---------- Search and categories ----------


@pytest.fixture
def searchable(settings: Settings, tmp_path: Path) -> None:
    """Search by words only, its index in the test's own folder."""
    settings.VAR_DIR = tmp_path
    settings.SEARCH_EMBEDDER = "off"
    make_paper("2608.00001", "Graph Neural Networks", upvotes=5, categories=["cs.LG"])
    make_paper("2608.00002", "Scaling Graph Transformers", upvotes=50, categories=["cs.CV"])
    make_paper("2608.00003", "Protein Folding", categories=["q-bio.BM"])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.usefixtures("searchable")
def test_the_search_feed_lists_the_results_of_a_query(client: Client, fmt: str) -> None:
    feed = read_feed(client, f"/feeds/search.{fmt}?q=graph&sort=upvotes")

    assert feed.feed.title == "Papers matching “graph” · Paperwire"
    assert feed.feed.link == "http://testserver/search?q=graph&sort=upvotes"
    assert titles(feed) == ["Scaling Graph Transformers", "Graph Neural Networks"]


@pytest.mark.usefixtures("searchable")
def test_the_search_feed_keeps_the_pages_filters(client: Client) -> None:
    feed = read_feed(client, "/feeds/search.rss?q=graph&category=cs.LG&page=0")

    assert titles(feed) == ["Graph Neural Networks"]
    assert feed.feed.link == "http://testserver/search?q=graph&category=cs.LG"


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?published_from=yesterday"])
@pytest.mark.usefixtures("searchable")
def test_an_empty_or_bad_search_is_an_empty_feed(client: Client, query: str) -> None:
    for fmt in FORMATS:
        feed = read_feed(client, f"/feeds/search.{fmt}{query}")

        assert feed.entries == []
        assert feed.feed.title == "Search results · Paperwire"


@pytest.mark.usefixtures("searchable")
def test_an_arxiv_id_lists_that_paper_and_never_calls_arxiv(client: Client) -> None:
    assert titles(read_feed(client, "/feeds/search.atom?q=2608.00003")) == ["Protein Folding"]
    # Unknown here: the search page would fetch it from arXiv; a feed does not.
    assert read_feed(client, "/feeds/search.rss?q=2608.09999").entries == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_category_feed_lists_primary_and_cross_listed_papers_newest_first(
    client: Client, fmt: str
) -> None:
    make_paper(
        "2608.00001", "Primary", categories=["cs.LG"], published_at=datetime(2026, 8, 3, tzinfo=UTC)
    )
    make_paper(
        "2608.00002",
        "Cross-listed",
        categories=["stat.ML", "cs.LG"],
        published_at=datetime(2026, 8, 10, tzinfo=UTC),
    )
    make_paper("2608.00003", "Elsewhere", categories=["cs.CV"])

    feed = read_feed(client, f"/feeds/category/cs.LG.{fmt}")

    assert feed.feed.title == "cs.LG — Machine Learning · Paperwire"
    assert feed.feed.link == "http://testserver/search?category=cs.LG&sort=newest"
    assert titles(feed) == ["Cross-listed", "Primary"]
    # Papers off the feed are dated by arXiv.
    assert feed.entries[0].published_parsed[:3] == (2026, 8, 10)


def test_an_unknown_category_is_a_404(client: Client) -> None:
    make_paper("2608.00001", categories=["cs.LG"])

    assert client.get("/feeds/category/cs.XX.rss").status_code == 404
    assert client.get("/feeds/category/cs.lg.atom").status_code == 404


# ---------- Organizations and members ----------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_organizations_feed_lists_its_papers_newest_day_first(client: Client, fmt: str) -> None:
    lab = make_organization()
    lab.approved = True
    lab.save()
    put_on_feed(make_paper("2608.00001", "Older"), THURSDAY, organization=lab)
    put_on_feed(make_paper("2608.00002", "Newer"), FRIDAY, organization=lab)
    put_on_feed(make_paper("2608.00003", "Someone else's"), FRIDAY)

    feed = read_feed(client, f"/feeds/orgs/deepmind.{fmt}")

    assert feed.feed.title == "Papers of Google DeepMind · Paperwire"
    assert feed.feed.link == "http://testserver/orgs/deepmind"
    assert titles(feed) == ["Newer", "Older"]


def test_an_unknown_or_pending_organization_is_a_404(client: Client) -> None:
    make_organization("pending-lab", "Pending Lab")  # not approved yet

    assert client.get("/feeds/orgs/nobody.rss").status_code == 404
    assert client.get("/feeds/orgs/pending-lab.atom").status_code == 404
    # Staff see a pending organization's page, and its feed.
    logged_in(client, make_user("sam", staff=True))
    assert client.get("/feeds/orgs/pending-lab.atom").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_members_feed_lists_their_submissions_newest_first(client: Client, fmt: str) -> None:
    alice = make_user("alice", fullname="Alice Liddell")
    put_on_feed(make_paper("2608.00001", "First"), THURSDAY, submitted_by=alice)
    put_on_feed(make_paper("2608.00002", "Second"), FRIDAY, submitted_by=alice)
    put_on_feed(make_paper("2608.00003", "Bob's"), FRIDAY, submitted_by=make_user("bob"))

    feed = read_feed(client, f"/feeds/u/alice.{fmt}")

    assert feed.feed.title == "Papers submitted by Alice Liddell (@alice) · Paperwire"
    assert feed.feed.link == "http://testserver/u/alice"
    assert titles(feed) == ["Second", "First"]


def test_an_unknown_or_suspended_member_is_a_404(client: Client) -> None:
    banned = make_user("mallory")
    banned.profile.banned_at = timezone.now()
    banned.profile.save()

    assert client.get("/feeds/u/nobody.rss").status_code == 404
    assert client.get("/feeds/u/mallory.atom").status_code == 404


def test_a_username_with_dots_has_a_feed(client: Client) -> None:
    make_user("ada.lovelace")

    assert read_feed(client, "/feeds/u/ada.lovelace.rss").feed.link == (
        "http://testserver/u/ada.lovelace"
    )


# ---------- Pages advertise their feeds ----------

ALTERNATE = re.compile(
    r'<link rel="alternate" type="application/(rss|atom)\+xml" title="([^"]*)" href="([^"]*)">'
)


def advertised(client: Client, url: str) -> list[tuple[str, str, str]]:
    """(format, title, feed URL) of each feed the page's <head> names, in order."""
    response = client.get(url)
    assert response.status_code == 200, url
    head = response.content.decode().split("</head>")[0]
    return [(fmt, unescape(title), unescape(href)) for fmt, title, href in ALTERNATE.findall(head)]


@pytest.fixture
def listed_everywhere(settings: Settings, tmp_path: Path) -> None:
    """A paper on the feed, submitted by Alice for an approved lab, trending and searchable."""
    settings.VAR_DIR = tmp_path
    settings.SEARCH_EMBEDDER = "off"
    lab = make_organization()
    lab.approved = True
    lab.save()
    paper = make_paper("2608.00001", "Graph Networks", upvotes=3)
    put_on_feed(paper, FRIDAY, organization=lab, submitted_by=make_user("alice"))
    on_feed_at(make_paper("2608.00002", "Rising now", upvotes=5), timezone.now())
    trending.refresh_scores()


PAGES: dict[str, list[tuple[str, ...]]] = {
    "/papers/date/2026-08-21": [
        ("Daily Papers", "/feeds/daily"),
        ("Daily Papers — Friday, August 21, 2026", "/feeds/date/2026-08-21"),
    ],
    "/papers/week/2026-W34": [
        ("Weekly Papers", "/feeds/weekly"),
        ("Weekly Papers — Aug 17 \N{EN DASH} 23, 2026", "/feeds/week/2026-W34"),
    ],
    "/papers/month/2026-08": [
        ("Monthly Papers", "/feeds/monthly"),
        ("Monthly Papers — August 2026", "/feeds/month/2026-08"),
    ],
    "/papers/trending": [("Trending papers", "/feeds/trending")],
    "/search?q=graph&sort=newest&page=1": [
        ("Papers matching “graph”", "/feeds/search", "?q=graph&sort=newest")
    ],
    "/search?category=cs.LG": [("Search results", "/feeds/search", "?category=cs.LG")],
    "/orgs/deepmind": [("Papers of Google DeepMind", "/feeds/orgs/deepmind")],
    "/u/alice": [("Papers submitted by @alice", "/feeds/u/alice")],
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.usefixtures("listed_everywhere")
def test_each_listing_page_advertises_working_feeds(client: Client, page: str) -> None:
    expected = []
    for title, path, *query in PAGES[page]:
        for fmt in FORMATS:
            label = "RSS" if fmt == "rss" else "Atom"
            expected.append((fmt, f"{title} ({label})", f"{path}.{fmt}{''.join(query)}"))

    links = advertised(client, page)

    assert links == expected
    for _fmt, _title, href in links:
        assert read_feed(client, href).entries


@pytest.mark.usefixtures("listed_everywhere")
def test_the_latest_papers_page_advertises_the_daily_feed_first(client: Client) -> None:
    links = advertised(client, "/papers")

    assert links[:2] == [
        ("rss", "Daily Papers (RSS)", "/feeds/daily.rss"),
        ("atom", "Daily Papers (Atom)", "/feeds/daily.atom"),
    ]


def test_an_empty_feed_page_still_advertises_its_feed(client: Client) -> None:
    assert [href for _, _, href in advertised(client, "/papers")] == [
        "/feeds/daily.rss",
        "/feeds/daily.atom",
    ]


def test_the_search_tips_page_has_no_feed(client: Client) -> None:
    assert advertised(client, "/search") == []


def test_a_pending_organization_and_a_suspended_member_advertise_no_feed(client: Client) -> None:
    make_organization("pending-lab", "Pending Lab")
    banned = make_user("mallory")
    banned.profile.banned_at = timezone.now()
    banned.profile.save()
    logged_in(client, make_user("sam", staff=True))  # staff still see both pages

    assert advertised(client, "/orgs/pending-lab") == []
    assert advertised(client, "/u/mallory") == []


def test_a_search_feed_link_escapes_the_query(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    settings.SEARCH_EMBEDDER = "off"

    response = client.get("/search", {"q": '"><script>x</script>'})

    html = response.content.decode()
    assert 'href="/feeds/search.rss?q=%22%3E%3Cscript%3Ex%3C%2Fscript%3E"' in html
    assert 'title="Papers matching “&quot;&gt;&lt;script&gt;x&lt;/script&gt;” (RSS)"' in html


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/papers", "/feeds/daily.rss"),
        ("/papers/week/2026-W34", "/feeds/weekly.rss"),
        ("/papers/month/2026-08", "/feeds/monthly.rss"),
        ("/papers/trending", "/feeds/trending.rss"),
    ],
)
def test_feed_pages_offer_their_feed_beside_the_digest(
    client: Client, page: str, feed: str
) -> None:
    html = client.get(page).content.decode()

    assert f'Or follow the <a href="{feed}">RSS feed</a>.' in html

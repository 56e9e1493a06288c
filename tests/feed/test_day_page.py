from datetime import date, timedelta

import pytest
from django.test import Client

from paperwire.papers.models import Paper
from tests.builders import make_organization, make_paper, put_on_feed

pytestmark = pytest.mark.django_db

THURSDAY = date(2026, 8, 20)
FRIDAY = date(2026, 8, 21)
MONDAY = date(2026, 8, 24)


def titles(html: str, papers: list[Paper]) -> list[str]:
    """The titles of `papers` in the order the page shows them."""
    return [p.title for p in sorted(papers, key=lambda p: html.index(p.title))]


def test_a_day_lists_its_papers_by_upvotes(client: Client) -> None:
    low = make_paper("2608.00001", "Few votes", upvotes=3)
    high = make_paper("2608.00002", "Many votes", upvotes=40)
    middle = make_paper("2608.00003", "Some votes", upvotes=12)
    for paper in (low, high, middle):
        put_on_feed(paper, FRIDAY)

    response = client.get("/papers/date/2026-08-21")

    assert response.status_code == 200
    assert titles(response.content.decode(), [low, high, middle]) == [
        "Many votes",
        "Some votes",
        "Few votes",
    ]


def test_equal_upvotes_go_to_the_earlier_submission(client: Client) -> None:
    late = make_paper("2608.00001", "Submitted late", upvotes=5)
    early = make_paper("2608.00002", "Submitted early", upvotes=5)
    put_on_feed(late, FRIDAY, after=timedelta(hours=15))
    put_on_feed(early, FRIDAY, after=timedelta(hours=8))

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert titles(html, [late, early]) == ["Submitted early", "Submitted late"]


def test_hidden_entries_are_left_out(client: Client) -> None:
    put_on_feed(make_paper("2608.00001", "Shown"), FRIDAY)
    put_on_feed(make_paper("2608.00002", "Taken down"), FRIDAY, hidden=True)

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert "Shown" in html and "Taken down" not in html
    assert "1 paper picked" in html


def test_the_heading_names_the_day(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), THURSDAY)

    response = client.get("/papers/date/2026-08-20")

    assert "Daily Papers — Thursday, August 20, 2026" in response.content.decode()
    assert "<title>Daily Papers — Thursday, August 20, 2026 · Paperwire</title>" in (
        response.content.decode()
    )


def test_previous_and_next_skip_days_without_papers(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), date(2026, 8, 14))
    put_on_feed(make_paper("2608.00002"), FRIDAY)
    put_on_feed(make_paper("2608.00003"), MONDAY)
    # A day whose only entry is hidden has nothing to show, so navigation skips it too.
    put_on_feed(make_paper("2608.00004"), date(2026, 8, 18), hidden=True)

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert 'href="/papers/date/2026-08-14" rel="prev"' in html
    assert 'href="/papers/date/2026-08-24" rel="next"' in html


def test_the_first_and_last_days_have_no_link_beyond_them(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), FRIDAY)
    put_on_feed(make_paper("2608.00002"), MONDAY)

    first = client.get("/papers/date/2026-08-21").content.decode()
    last = client.get("/papers/date/2026-08-24").content.decode()

    assert 'rel="prev"' not in first and 'href="/papers/date/2026-08-24" rel="next"' in first
    assert 'rel="next"' not in last and 'href="/papers/date/2026-08-21" rel="prev"' in last


def test_an_empty_day_says_so_and_links_the_nearest_days_with_papers(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), THURSDAY)
    put_on_feed(make_paper("2608.00002"), MONDAY)

    response = client.get("/papers/date/2026-08-22")

    html = response.content.decode()
    assert response.status_code == 200
    assert "No papers on this day" in html
    assert "Papers go on the feed on working days" in html  # a Saturday
    assert 'href="/papers/date/2026-08-20"' in html and "Thursday, August 20, 2026" in html
    assert 'href="/papers/date/2026-08-24"' in html and "Monday, August 24, 2026" in html
    assert '<meta name="robots" content="noindex">' in html


def test_an_empty_day_after_the_last_one_links_back_only(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), FRIDAY)

    html = client.get("/papers/date/2026-09-02").content.decode()

    assert 'href="/papers/date/2026-08-21" rel="prev"' in html
    assert 'rel="next"' not in html
    assert "working days" not in html  # a Wednesday


def test_papers_shows_the_latest_day_with_a_canonical_link(client: Client) -> None:
    put_on_feed(make_paper("2608.00001", "Older news"), THURSDAY)
    put_on_feed(make_paper("2608.00002", "Latest news"), FRIDAY)

    response = client.get("/papers")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Latest news" in html and "Older news" not in html
    assert "Friday, August 21, 2026" in html
    assert '<link rel="canonical" href="http://testserver/papers/date/2026-08-21">' in html


def test_the_latest_day_ignores_days_with_only_hidden_entries(client: Client) -> None:
    put_on_feed(make_paper("2608.00001", "Visible"), THURSDAY)
    put_on_feed(make_paper("2608.00002", "Hidden"), FRIDAY, hidden=True)

    html = client.get("/papers").content.decode()

    assert "Thursday, August 20, 2026" in html and "Visible" in html


def test_papers_before_any_paper_says_there_are_none_yet(client: Client) -> None:
    response = client.get("/papers")

    assert response.status_code == 200
    assert "No papers yet" in response.content.decode()


def test_the_front_page_and_a_trailing_slash_lead_to_papers(client: Client) -> None:
    assert client.get("/").headers["Location"] == "/papers"
    response = client.get("/papers/")
    assert (response.status_code, response.headers["Location"]) == (301, "/papers")


def test_the_day_picker_goes_to_that_day(client: Client) -> None:
    response = client.get("/papers", {"date": "2026-08-21"})

    assert (response.status_code, response.headers["Location"]) == (302, "/papers/date/2026-08-21")


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-02-30", "2026-02-30 is not a day on the calendar."),
        ("2026-13-01", "2026-13-01 is not a day on the calendar."),
        ("0000-01-01", "0000-01-01 is not a day on the calendar."),
        ("20260821", "“20260821” is not a date. Days are written like 2026-08-21."),
        ("2026-8-21", "“2026-8-21” is not a date."),
        ("yesterday", "“yesterday” is not a date."),
        ("2026-W34-4", "“2026-W34-4” is not a date."),
    ],
)
def test_a_bad_date_is_a_friendly_404(client: Client, day: str, message: str) -> None:
    response = client.get(f"/papers/date/{day}")

    assert response.status_code == 404
    html = response.content.decode()
    assert message in html
    assert "We couldn't find that page" in html and 'href="/papers"' in html


def test_an_empty_day_picker_shows_the_latest_day(client: Client) -> None:
    put_on_feed(make_paper("2608.00001", "Latest news"), FRIDAY)

    response = client.get("/papers", {"date": ""})

    assert response.status_code == 200 and "Latest news" in response.content.decode()


def test_a_bad_date_in_the_day_picker_is_a_friendly_404(client: Client) -> None:
    response = client.get("/papers", {"date": "<b>soon</b>"})

    assert response.status_code == 404
    assert "“&lt;b&gt;soon&lt;/b&gt;” is not a date." in response.content.decode()


def test_a_card_shows_what_is_known_about_the_paper(client: Client) -> None:
    paper = make_paper(
        "2608.19880",
        "EnvHarness: Awakening Static Worlds",
        upvotes=1234,
        authors=["Chengsong Huang", "Zifeng Wang", "Rujun Han", "Jun Yan", "Yanfei Chen"],
        categories=["cs.LG"],
        code_url="https://github.com/example/envharness",
        code_stars=1530,
        ai_summary="EnvHarness reshapes static environments with plugins.",
    )
    put_on_feed(
        paper,
        FRIDAY,
        submitter="taesiri",
        submitter_fullname="Mohammad Reza Taesiri",
        organization=make_organization("google", "Google"),
    )

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert f'href="{paper.get_absolute_url()}">EnvHarness: Awakening Static Worlds</a>' in html
    assert "Chengsong Huang, Zifeng Wang, Rujun Han" in html and "Jun Yan" not in html
    assert "et al. (5 authors)" in html
    assert ">Google<" in html
    assert "Submitted by Mohammad Reza Taesiri" in html
    assert "Published <time" in html and "Aug 19, 2026" in html
    assert "1.2k" in html  # upvotes, compact
    assert 'href="https://github.com/example/envharness"' in html and "GitHub" in html
    assert "1.5k" in html  # stars
    assert "EnvHarness reshapes static environments with plugins." in html
    assert 'title="Machine Learning">cs.LG</abbr>' in html


def test_a_card_falls_back_to_the_submitter_username_and_keywords(client: Client) -> None:
    paper = make_paper("2608.00001", authors=["Solo Author"], ai_keywords=["agents", "benchmarks"])
    put_on_feed(paper, FRIDAY, submitter="akhaliq")

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert "Submitted by akhaliq" in html
    assert "agents · benchmarks" in html
    assert "Solo Author" in html and "et al." not in html


def test_hostile_text_is_escaped(client: Client) -> None:
    paper = make_paper(
        "2608.00001",
        "<script>alert('title')</script>",
        authors=["<img src=x onerror=alert(1)>"],
        ai_summary="<b>bold claim</b>",
    )
    put_on_feed(
        paper,
        FRIDAY,
        submitter="<i>someone</i>",
        organization=make_organization("evil", "<svg onload=alert(1)>"),
    )

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;title&#x27;)" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold claim</b>" not in html
    assert "<i>someone</i>" not in html
    assert "<svg onload" not in html


def test_a_code_link_that_is_not_http_is_not_linked(client: Client) -> None:
    paper = make_paper("2608.00001", code_url="javascript:alert(1)")
    put_on_feed(paper, FRIDAY)

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert "javascript:" not in html


def test_the_day_page_takes_the_same_few_queries_for_any_number_of_papers(
    client: Client, django_assert_max_num_queries: object
) -> None:
    organization = make_organization()
    for n in range(30):
        paper = make_paper(
            f"2608.{n:05d}",
            upvotes=n,
            authors=[f"Author {n}-{k}" for k in range(12)],
            categories=["cs.CL", "cs.AI"],
        )
        put_on_feed(paper, FRIDAY, submitter=f"user{n}", organization=organization)
    put_on_feed(make_paper("2608.99999"), THURSDAY)

    # entries, their papers, the papers' lead authors, the previous and the next day
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        response = client.get("/papers/date/2026-08-21")

    html = response.content.decode()
    assert html.count('class="card"') == 30
    assert "et al. (12 authors)" in html

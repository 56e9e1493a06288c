from datetime import date, timedelta

import pytest
from django.test import Client

from paperwire.feed import periods, views
from paperwire.feed.periods import BadPeriod
from paperwire.papers.models import Paper
from tests.builders import make_organization, make_paper, put_on_feed

MONDAY = date(2026, 8, 17)  # week 34 of 2026
FRIDAY = date(2026, 8, 21)
SUNDAY = date(2026, 8, 23)


def titles(html: str, papers: list[Paper]) -> list[str]:
    """The titles of `papers` in the order the page shows them."""
    return [p.title for p in sorted(papers, key=lambda p: html.index(p.title))]


# ---------- Reading weeks and months ----------


def test_a_week_runs_from_monday_to_sunday() -> None:
    week = periods.parse_week("2026-W34")

    assert (week.first, week.last) == (MONDAY, SUNDAY)
    assert week.label == "Week 34, 2026"
    assert week.span == "Aug 17 \N{EN DASH} 23, 2026"
    assert week.get_absolute_url() == "/papers/week/2026-W34"


def test_a_long_year_has_a_53rd_week_that_ends_in_the_next_year() -> None:
    week = periods.parse_week("2026-W53")

    assert (week.first, week.last) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week.span == "Dec 28, 2026 \N{EN DASH} Jan 3, 2027"


def test_the_week_of_a_day_is_its_iso_week() -> None:
    assert periods.week_of(date(2027, 1, 1)).slug == "2026-W53"
    assert periods.week_of(date(2026, 1, 1)).slug == "2026-W01"
    assert periods.week_of(date(2026, 9, 1)).span == "Aug 31 \N{EN DASH} Sep 6, 2026"


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    month = periods.parse_month("2028-02")

    assert (month.first, month.last) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month.label == "February 2028"
    assert month.get_absolute_url() == "/papers/month/2028-02"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-W54", "2026-W54 is not a week on the calendar: 2026 has 53 weeks."),
        ("2025-W53", "2025-W53 is not a week on the calendar: 2025 has 52 weeks."),
        ("2026-W00", "2026-W00 is not a week on the calendar"),
        ("0000-W01", "0000-W01 is not a week on the calendar."),
        ("9999-W52", "9999-W52 is not a week on the calendar."),
        ("2026-34", "“2026-34” is not a week. Weeks are written like 2026-W34."),
        ("2026-w34", "“2026-w34” is not a week."),
        ("2026-W34-1", "“2026-W34-1” is not a week."),
        ("2026-W4", "“2026-W4” is not a week."),
    ],
)
def test_a_bad_week_is_refused_with_a_sentence(text: str, message: str) -> None:
    with pytest.raises(BadPeriod) as raised:
        periods.parse_week(text)

    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "2026-13 is not a month on the calendar."),
        ("2026-00", "2026-00 is not a month on the calendar."),
        ("0000-05", "0000-05 is not a month on the calendar."),
        ("2026-8", "“2026-8” is not a month. Months are written like 2026-08."),
        ("August", "“August” is not a month."),
        ("2026-08-01", "“2026-08-01” is not a month."),
    ],
)
def test_a_bad_month_is_refused_with_a_sentence(text: str, message: str) -> None:
    with pytest.raises(BadPeriod) as raised:
        periods.parse_month(text)

    assert str(raised.value).startswith(message)


# ---------- Week and month pages ----------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/papers/week/2026-W54", "2026-W54 is not a week on the calendar: 2026 has 53 weeks."),
        ("/papers/week/2026-34", "“2026-34” is not a week. Weeks are written like 2026-W34."),
        ("/papers/week/%3Cb%3E", "“&lt;b&gt;” is not a week."),
        ("/papers/month/2026-13", "2026-13 is not a month on the calendar."),
        ("/papers/month/2026-8", "“2026-8” is not a month. Months are written like 2026-08."),
    ],
)
def test_a_bad_week_or_month_is_a_friendly_404(client: Client, path: str, message: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert message in html
    assert "We couldn't find that page" in html


@pytest.mark.django_db
def test_a_week_lists_its_papers_by_upvotes(client: Client) -> None:
    low = make_paper("2608.00001", "Few votes", upvotes=3)
    high = make_paper("2608.00002", "Many votes", upvotes=40)
    middle = make_paper("2608.00003", "Some votes", upvotes=12)
    put_on_feed(low, MONDAY)
    put_on_feed(high, FRIDAY)
    put_on_feed(middle, SUNDAY)
    put_on_feed(make_paper("2608.00004", "Week before"), MONDAY - timedelta(days=1))
    put_on_feed(make_paper("2608.00005", "Week after"), SUNDAY + timedelta(days=1))

    response = client.get("/papers/week/2026-W34")

    html = response.content.decode()
    assert response.status_code == 200
    assert titles(html, [low, high, middle]) == ["Many votes", "Some votes", "Few votes"]
    assert "Week before" not in html and "Week after" not in html
    assert "Weekly Papers" in html and "Aug 17 \N{EN DASH} 23, 2026" in html
    assert "3 papers picked by the community" in html
    assert "<title>Weekly Papers — Aug 17 \N{EN DASH} 23, 2026 · Paperwire</title>" in html


def test_a_paper_on_two_days_of_a_week_is_listed_once_with_its_first_entry(
    client: Client, db: None
) -> None:
    paper = make_paper("2608.00001", "Twice on the feed", upvotes=7)
    put_on_feed(paper, FRIDAY, submitter="later-submitter")
    put_on_feed(
        paper, MONDAY, submitter="first-submitter", organization=make_organization("ai2", "AI2")
    )
    put_on_feed(make_paper("2608.00002", "Once"), FRIDAY)

    html = client.get("/papers/week/2026-W34").content.decode()

    assert html.count("Twice on the feed</a>") == 1
    assert "Submitted by first-submitter" in html and "later-submitter" not in html
    assert ">AI2<" in html
    assert "2 papers picked by the community" in html


@pytest.mark.django_db
def test_equal_upvotes_go_to_the_earlier_first_appearance(client: Client) -> None:
    late = make_paper("2608.00001", "Appeared Friday", upvotes=5)
    early = make_paper("2608.00002", "Appeared Monday", upvotes=5)
    put_on_feed(late, FRIDAY)
    put_on_feed(early, MONDAY, after=timedelta(hours=20))
    put_on_feed(early, SUNDAY)

    html = client.get("/papers/week/2026-W34").content.decode()

    assert titles(html, [late, early]) == ["Appeared Monday", "Appeared Friday"]


@pytest.mark.django_db
def test_hidden_entries_are_left_out_of_a_week(client: Client) -> None:
    put_on_feed(make_paper("2608.00001", "Shown"), FRIDAY)
    put_on_feed(make_paper("2608.00002", "Taken down"), FRIDAY, hidden=True)

    html = client.get("/papers/week/2026-W34").content.decode()

    assert "Shown" in html and "Taken down" not in html


@pytest.mark.django_db
def test_a_month_lists_its_papers_by_upvotes_each_once(client: Client) -> None:
    first = make_paper("2608.00001", "Early August", upvotes=2)
    last = make_paper("2608.00002", "Late August", upvotes=9)
    put_on_feed(first, date(2026, 8, 1))
    put_on_feed(first, date(2026, 8, 20))
    put_on_feed(last, date(2026, 8, 31))
    put_on_feed(make_paper("2609.00001", "September"), date(2026, 9, 1))

    response = client.get("/papers/month/2026-08")

    html = response.content.decode()
    assert response.status_code == 200
    assert titles(html, [first, last]) == ["Late August", "Early August"]
    assert html.count("Early August</a>") == 1 and "September</a>" not in html
    assert "Monthly Papers" in html and "August 2026" in html
    assert "<title>Monthly Papers — August 2026 · Paperwire</title>" in html


@pytest.mark.django_db
def test_a_long_period_is_paginated(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PER_PAGE", 2)
    for n, votes in enumerate([50, 40, 30, 20, 10]):
        put_on_feed(make_paper(f"2608.{n:05d}", f"Paper with {votes} votes", upvotes=votes), FRIDAY)

    first = client.get("/papers/week/2026-W34").content.decode()
    second = client.get("/papers/week/2026-W34", {"page": 2}).content.decode()
    third = client.get("/papers/week/2026-W34", {"page": 3}).content.decode()

    assert "Paper with 50 votes" in first and "Paper with 30 votes" not in first
    assert "5 papers picked by the community" in first and "showing 1\N{EN DASH}2" in first
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    assert "Paper with 30 votes" in second and "Paper with 20 votes" in second
    assert "Paper with 50 votes" not in second
    # Page 1 is the period's own address, not ?page=1.
    assert 'href="/papers/week/2026-W34"><span aria-hidden="true">←</span> Previous page' in second
    assert 'href="?page=3"' in second
    assert "Paper with 10 votes" in third and "Page 3 of 3" in third
    assert '<link rel="canonical" href="http://testserver/papers/week/2026-W34?page=3">' in third


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("9", "There is no page 9 here: the pages go from 1 to 1."),
        ("0", "There is no page 0 here"),
        ("two", "“two” is not a page number."),
    ],
)
def test_a_page_that_does_not_exist_is_a_friendly_404(
    client: Client, page: str, message: str
) -> None:
    put_on_feed(make_paper("2608.00001"), FRIDAY)

    response = client.get("/papers/week/2026-W34", {"page": page})

    assert response.status_code == 404 and message in response.content.decode()


@pytest.mark.django_db
def test_previous_and_next_skip_weeks_without_papers(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), date(2026, 8, 5))  # week 32
    put_on_feed(make_paper("2608.00002"), FRIDAY)  # week 34
    put_on_feed(make_paper("2608.00003"), date(2026, 9, 8))  # week 37
    put_on_feed(make_paper("2608.00004"), date(2026, 9, 1), hidden=True)  # week 36, hidden

    html = client.get("/papers/week/2026-W34").content.decode()

    assert 'href="/papers/week/2026-W32" rel="prev"' in html and "Aug 3 \N{EN DASH} 9" in html
    assert 'href="/papers/week/2026-W37" rel="next"' in html and "Sep 7 \N{EN DASH} 13" in html


@pytest.mark.django_db
def test_previous_and_next_skip_months_without_papers(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), date(2026, 5, 31))
    put_on_feed(make_paper("2608.00002"), FRIDAY)
    put_on_feed(make_paper("2608.00003"), date(2026, 11, 2))

    html = client.get("/papers/month/2026-08").content.decode()

    assert 'href="/papers/month/2026-05" rel="prev"' in html and "May 2026" in html
    assert 'href="/papers/month/2026-11" rel="next"' in html and "November 2026" in html


@pytest.mark.django_db
def test_the_first_week_has_no_link_before_it(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), FRIDAY)

    html = client.get("/papers/week/2026-W34").content.decode()

    assert 'rel="prev"' not in html and 'rel="next"' not in html


@pytest.mark.django_db
def test_an_empty_week_says_so_and_links_the_nearest_weeks_with_papers(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), date(2026, 8, 5))
    put_on_feed(make_paper("2608.00002"), date(2026, 9, 8))

    response = client.get("/papers/week/2026-W34")

    html = response.content.decode()
    assert response.status_code == 200
    assert "No papers this week" in html
    assert 'href="/papers/week/2026-W32" rel="prev"' in html
    assert "Aug 3 \N{EN DASH} 9, 2026" in html
    assert 'href="/papers/week/2026-W37" rel="next"' in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.django_db
def test_an_empty_month_before_any_paper_says_there_are_none_yet(client: Client) -> None:
    html = client.get("/papers/month/2026-08").content.decode()

    assert "No papers in August 2026" in html
    assert "There are no papers on the feed yet." in html


@pytest.mark.django_db
def test_a_week_page_escapes_hostile_text(client: Client) -> None:
    paper = make_paper("2608.00001", "<script>alert(1)</script>")
    put_on_feed(paper, FRIDAY, submitter="<i>someone</i>")

    html = client.get("/papers/week/2026-W34").content.decode()

    assert "<script>alert(1)" not in html and "<i>someone</i>" not in html


@pytest.mark.django_db
def test_a_month_page_takes_the_same_few_queries_for_any_number_of_papers(
    client: Client, django_assert_max_num_queries: object
) -> None:
    organization = make_organization()
    for n in range(30):
        paper = make_paper(f"2608.{n:05d}", upvotes=n, authors=[f"A{n}-{k}" for k in range(9)])
        put_on_feed(paper, date(2026, 8, 1 + n % 28), submitter=f"u{n}", organization=organization)
        put_on_feed(paper, date(2026, 8, 29))  # each paper twice in the month
    put_on_feed(make_paper("2607.99999"), date(2026, 7, 3))

    # the count, entries, their papers, lead authors, the last day, previous and next periods
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        response = client.get("/papers/month/2026-08")

    html = response.content.decode()
    assert html.count('class="card"') == 30
    assert "et al. (9 authors)" in html


# ---------- Daily / Weekly / Monthly tabs ----------


def tab(html: str, label: str) -> str:
    """The opening tag of the tab with this label."""
    end = html.index(f">{label}</a>", html.index('class="feed-tabs"'))
    return html[html.rindex("<a ", 0, end) : end + 1]


@pytest.mark.django_db
def test_the_tabs_of_a_day_go_to_its_week_and_month(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), FRIDAY)

    html = client.get("/papers/date/2026-08-21").content.decode()

    assert 'aria-current="page"' in tab(html, "Daily")
    assert 'href="/papers/date/2026-08-21"' in tab(html, "Daily")
    assert tab(html, "Weekly") == '<a class="feed-tabs__tab" href="/papers/week/2026-W34">'
    assert tab(html, "Monthly") == '<a class="feed-tabs__tab" href="/papers/month/2026-08">'
    assert tab(html, "Trending") == '<a class="feed-tabs__tab" href="/papers/trending">'


@pytest.mark.django_db
def test_the_tabs_of_the_latest_day_go_to_its_week_and_month(client: Client) -> None:
    put_on_feed(make_paper("2608.00001"), date(2026, 9, 1))

    html = client.get("/papers").content.decode()

    assert 'aria-current="page"' in tab(html, "Daily")
    assert 'href="/papers/week/2026-W36"' in tab(html, "Weekly")
    assert 'href="/papers/month/2026-09"' in tab(html, "Monthly")


@pytest.mark.django_db
def test_the_tabs_of_a_week_go_to_its_last_day_with_papers_and_its_month(client: Client) -> None:
    # Week 36 runs from Aug 31 to Sep 6; its papers are on Aug 31 and Sep 2.
    put_on_feed(make_paper("2608.00001"), date(2026, 8, 31))
    put_on_feed(make_paper("2609.00001"), date(2026, 9, 2))

    html = client.get("/papers/week/2026-W36").content.decode()

    assert 'aria-current="page"' in tab(html, "Weekly")
    assert 'href="/papers/week/2026-W36"' in tab(html, "Weekly")
    assert 'href="/papers/date/2026-09-02"' in tab(html, "Daily")
    assert 'href="/papers/month/2026-09"' in tab(html, "Monthly")
    assert "aria-current" not in tab(html, "Daily")


@pytest.mark.django_db
def test_the_tabs_of_an_empty_week_go_to_its_monday(client: Client) -> None:
    html = client.get("/papers/week/2026-W34").content.decode()

    assert 'href="/papers/date/2026-08-17"' in tab(html, "Daily")
    assert 'href="/papers/month/2026-08"' in tab(html, "Monthly")


@pytest.mark.django_db
def test_the_tabs_of_a_month_go_to_its_last_day_with_papers_and_that_week(
    client: Client,
) -> None:
    put_on_feed(make_paper("2608.00001"), date(2026, 8, 3))
    put_on_feed(make_paper("2608.00002"), FRIDAY)

    html = client.get("/papers/month/2026-08").content.decode()

    assert 'aria-current="page"' in tab(html, "Monthly")
    assert 'href="/papers/date/2026-08-21"' in tab(html, "Daily")
    assert 'href="/papers/week/2026-W34"' in tab(html, "Weekly")

import json
from datetime import UTC, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from paperwire.feed import trending
from paperwire.feed.models import DailyEntry, TrendingScore
from paperwire.papers.models import Paper
from tests.builders import make_organization, make_paper, put_on_feed
from tests.personas import make_user

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)


def on_feed_at(paper: Paper, at: datetime, **fields: object) -> DailyEntry:
    """Put `paper` on the feed of the day of `at`, submitted at `at`."""
    midnight = datetime.combine(at.date(), time(), tzinfo=UTC)
    return put_on_feed(paper, at.date(), after=at - midnight, **fields)


def score_of(paper: Paper) -> float:
    return TrendingScore.objects.get(paper=paper).score


# ---------- The formula ----------


def test_the_score_is_upvotes_over_hours_plus_two_to_the_power_one_and_a_half() -> None:
    thirty_hours_ago = NOW - timedelta(hours=30)

    assert trending.gravity_score(300, thirty_hours_ago, NOW) == pytest.approx(300 / 32**1.5)
    assert trending.gravity_score(300, thirty_hours_ago, NOW) == pytest.approx(1.6573, abs=1e-4)
    assert trending.gravity_score(10, NOW, NOW) == pytest.approx(10 / 2**1.5)


def test_a_newer_paper_with_fewer_upvotes_can_outrank_an_older_one() -> None:
    yesterday = trending.gravity_score(300, NOW - timedelta(hours=30), NOW)
    this_morning = trending.gravity_score(40, NOW - timedelta(hours=6), NOW)

    assert this_morning > yesterday


def test_the_score_falls_as_hours_pass_and_rises_with_upvotes() -> None:
    start = NOW - timedelta(hours=1)

    assert trending.gravity_score(5, start, NOW) > trending.gravity_score(
        5, start, NOW + timedelta(hours=1)
    )
    assert trending.gravity_score(6, start, NOW) > trending.gravity_score(5, start, NOW)


def test_an_entry_dated_ahead_of_the_clock_counts_as_brand_new() -> None:
    assert trending.gravity_score(4, NOW + timedelta(hours=3), NOW) == pytest.approx(4 / 2**1.5)
    assert trending.gravity_score(0, NOW, NOW) == 0


def test_the_explanation_reads_well() -> None:
    assert trending.describe_hours(0.4) == "under 1 h"
    assert trending.describe_hours(29.6) == "30 h"
    assert trending.describe_score(1.6572815) == "1.66"
    assert trending.describe_score(0.000485) == "0.000485"
    assert trending.describe_score(1767.77) == "1768"
    assert trending.upvotes_to_match(24, 6) == pytest.approx(5.859, abs=1e-3)


# ---------- Refreshing the stored scores ----------


@pytest.mark.django_db
def test_refresh_stores_a_score_for_each_recent_paper_with_upvotes() -> None:
    recent = make_paper("2608.00001", upvotes=42)
    on_feed_at(recent, NOW - timedelta(hours=30))
    unloved = make_paper("2608.00002", upvotes=0)
    on_feed_at(unloved, NOW - timedelta(hours=2))
    old = make_paper("2608.00003", upvotes=900)
    on_feed_at(old, NOW - timedelta(days=7, minutes=1))

    written = trending.refresh_scores(now=NOW)

    assert written == 1
    row = TrendingScore.objects.get()
    assert row.paper_id == recent.pk
    assert row.score == pytest.approx(42 / 32**1.5)
    assert row.first_on_feed_at == NOW - timedelta(hours=30)
    assert row.refreshed_at == NOW


@pytest.mark.django_db
def test_the_age_runs_from_the_first_visible_appearance_on_the_feed() -> None:
    paper = make_paper("2608.00001", upvotes=10)
    on_feed_at(paper, NOW - timedelta(hours=50), hidden=True)  # taken down: does not count
    on_feed_at(paper, NOW - timedelta(hours=20))
    on_feed_at(paper, NOW - timedelta(hours=1))

    trending.refresh_scores(now=NOW)

    row = TrendingScore.objects.get(paper=paper)
    assert row.first_on_feed_at == NOW - timedelta(hours=20)
    assert row.score == pytest.approx(10 / 22**1.5)


@pytest.mark.django_db
def test_a_paper_first_on_the_feed_before_the_window_is_not_trending_again() -> None:
    paper = make_paper("2608.00001", upvotes=10)
    on_feed_at(paper, NOW - timedelta(days=9))
    on_feed_at(paper, NOW - timedelta(hours=3))

    assert trending.refresh_scores(now=NOW) == 0


@pytest.mark.django_db
def test_refresh_drops_papers_that_left_the_window_were_hidden_or_lost_their_upvotes() -> None:
    aging = make_paper("2608.00001", upvotes=10)
    on_feed_at(aging, NOW - timedelta(days=6))
    hidden = make_paper("2608.00002", upvotes=10)
    hidden_entry = on_feed_at(hidden, NOW - timedelta(hours=5))
    unvoted = make_paper("2608.00003", upvotes=1)
    on_feed_at(unvoted, NOW - timedelta(hours=5))
    staying = make_paper("2608.00004", upvotes=3)
    on_feed_at(staying, NOW - timedelta(hours=5))
    assert trending.refresh_scores(now=NOW) == 4

    later = NOW + timedelta(days=1, hours=1)
    hidden_entry.hidden = True
    hidden_entry.save()
    Paper.objects.filter(pk=unvoted.pk).update(upvotes=0)
    written = trending.refresh_scores(now=later)

    assert written == 1
    row = TrendingScore.objects.get()
    assert (row.paper_id, row.refreshed_at) == (staying.pk, later)
    assert row.score == pytest.approx(3 / (30 + 2) ** 1.5)


@pytest.mark.django_db
def test_papers_submitted_by_a_banned_member_are_not_trending() -> None:
    mallory = make_user("mallory")
    mallory.profile.banned_at = NOW
    mallory.profile.save()
    spam = make_paper("2608.00001", upvotes=99)
    on_feed_at(spam, NOW - timedelta(hours=1), submitted_by=mallory)

    assert trending.refresh_scores(now=NOW) == 0


@pytest.mark.django_db
def test_refreshing_some_papers_leaves_the_others_alone() -> None:
    voted = make_paper("2608.00001", upvotes=5)
    other = make_paper("2608.00002", upvotes=8)
    for paper in (voted, other):
        on_feed_at(paper, NOW - timedelta(hours=4))
    trending.refresh_scores(now=NOW)

    later = NOW + timedelta(minutes=5)
    Paper.objects.filter(pk=voted.pk).update(upvotes=6)
    written = trending.refresh_scores([voted.pk], now=later)

    assert written == 1
    assert TrendingScore.objects.get(paper=voted).refreshed_at == later
    assert score_of(voted) == pytest.approx(6 / (4 + 5 / 60 + 2) ** 1.5)
    assert TrendingScore.objects.get(paper=other).refreshed_at == NOW


@pytest.mark.django_db
def test_refreshing_a_paper_that_lost_its_last_upvote_removes_it() -> None:
    paper = make_paper("2608.00001", upvotes=1)
    on_feed_at(paper, NOW - timedelta(hours=4))
    trending.refresh_scores(now=NOW)

    Paper.objects.filter(pk=paper.pk).update(upvotes=0)

    assert trending.refresh_scores([paper.pk], now=NOW) == 0
    assert not TrendingScore.objects.exists()


@pytest.mark.django_db
def test_refresh_takes_the_same_few_queries_for_any_number_of_papers(
    django_assert_max_num_queries: object,
) -> None:
    for n in range(40):
        on_feed_at(make_paper(f"2608.{n:05d}", upvotes=n + 1), NOW - timedelta(hours=n))
    TrendingScore.objects.create(
        paper=make_paper("2601.00001"), score=1, first_on_feed_at=NOW, refreshed_at=NOW
    )

    # read the eligible papers, delete the stale rows, upsert: plus a savepoint's two
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        written = trending.refresh_scores(now=NOW)

    assert written == 40
    assert TrendingScore.objects.count() == 40


# ---------- The trending page ----------


def hours_ago(hours: float) -> datetime:
    return timezone.now() - timedelta(hours=hours)


@pytest.mark.django_db
def test_the_trending_page_lists_papers_by_score_with_why(client: Client) -> None:
    old_favourite = make_paper("2608.00001", "Old favourite", upvotes=300)
    on_feed_at(old_favourite, hours_ago(30))
    rising = make_paper("2608.00002", "Rising fast", upvotes=40)
    on_feed_at(rising, hours_ago(6), submitter="akhaliq", organization=make_organization())
    quiet = make_paper("2608.00003", "Quiet one", upvotes=2)
    on_feed_at(quiet, hours_ago(3))
    trending.refresh_scores()

    response = client.get("/papers/trending")

    html = response.content.decode()
    assert response.status_code == 200
    order = sorted(["Old favourite", "Rising fast", "Quiet one"], key=html.index)
    assert order == ["Rising fast", "Old favourite", "Quiet one"]
    assert "#1</span> <span><strong>40</strong> upvotes in <time" in html
    assert ">6 h</time>" in html and ">30 h</time>" in html
    assert "score <strong>1.77</strong>" in html and "score <strong>1.66</strong>" in html
    assert "Submitted by akhaliq" in html and ">Google DeepMind<" in html
    assert 'href="/about/trending"' in html


@pytest.mark.django_db
def test_the_trending_page_reads_the_stored_scores(client: Client) -> None:
    first = make_paper("2608.00001", "Stored high", upvotes=1)
    second = make_paper("2608.00002", "Stored low", upvotes=500)
    for paper, score in ((first, 9.0), (second, 0.5)):
        on_feed_at(paper, hours_ago(2))
        TrendingScore.objects.create(
            paper=paper, score=score, first_on_feed_at=hours_ago(2), refreshed_at=hours_ago(0)
        )

    html = client.get("/papers/trending").content.decode()

    assert html.index("Stored high") < html.index("Stored low")


@pytest.mark.django_db
def test_the_trending_page_leaves_out_stale_and_hidden_rows_before_a_refresh(
    client: Client,
) -> None:
    aged = make_paper("2608.00001", "Aged out", upvotes=10)
    on_feed_at(aged, hours_ago(24 * 8))
    hidden = make_paper("2608.00002", "Taken down", upvotes=10)
    on_feed_at(hidden, hours_ago(3), hidden=True)
    shown = make_paper("2608.00003", "Still here", upvotes=10)
    on_feed_at(shown, hours_ago(3))
    for paper, age in ((aged, 24 * 8), (hidden, 3), (shown, 3)):
        TrendingScore.objects.create(
            paper=paper, score=1, first_on_feed_at=hours_ago(age), refreshed_at=hours_ago(0)
        )

    html = client.get("/papers/trending").content.decode()

    assert "Still here" in html and "Aged out" not in html and "Taken down" not in html


@pytest.mark.django_db
def test_an_empty_trending_page_says_so_and_links_the_latest_day(client: Client) -> None:
    on_feed_at(make_paper("2608.00001", upvotes=50), NOW - timedelta(days=90))
    trending.refresh_scores()

    response = client.get("/papers/trending")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing is trending right now" in html
    assert 'href="/papers/date/2026-05-23"' in html and "Saturday, May 23, 2026" in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.django_db
def test_the_trending_page_is_paginated(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperwire.feed import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for n in range(3):
        on_feed_at(make_paper(f"2608.{n:05d}", f"Paper {n}", upvotes=10 - n), hours_ago(5))
    trending.refresh_scores()

    second = client.get("/papers/trending", {"page": 2}).content.decode()

    assert "Paper 2" in second and "Paper 0" not in second
    assert "#3</span>" in second and "Page 2 of 2" in second


@pytest.mark.django_db
def test_the_trending_tab_and_nav_link_are_marked_current(client: Client) -> None:
    on_feed_at(make_paper("2608.00001"), datetime(2026, 8, 21, 9, tzinfo=UTC))

    html = client.get("/papers/trending").content.decode()

    assert '<a class="feed-tabs__tab" href="/papers/trending" aria-current="page">Trending' in html
    assert '<a href="/papers/trending" aria-current="page">Trending</a>' in html
    # The other tabs go to the latest day's periods.
    assert '<a class="feed-tabs__tab" href="/papers">Daily</a>' in html
    assert '<a class="feed-tabs__tab" href="/papers/week/2026-W34">Weekly</a>' in html


@pytest.mark.django_db
def test_the_trending_page_takes_the_same_few_queries_for_any_number_of_papers(
    client: Client, django_assert_max_num_queries: object
) -> None:
    organization = make_organization()
    for n in range(30):
        paper = make_paper(f"2608.{n:05d}", upvotes=n + 1, authors=[f"A{n}-{k}" for k in range(9)])
        on_feed_at(paper, hours_ago(n), submitter=f"u{n}", organization=organization)
    trending.refresh_scores()

    # the count, scores, their papers, lead authors, first entries, the latest day
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        response = client.get("/papers/trending")

    html = response.content.decode()
    assert html.count('class="card"') == 30
    assert "et al. (9 authors)" in html and "Submitted by u29" in html


# ---------- /about/trending ----------


@pytest.mark.django_db
def test_the_about_page_explains_the_formula_with_its_real_constants(client: Client) -> None:
    html = client.get("/about/trending").content.decode()

    assert "How trending works" in html
    assert "(hours on the feed + 2)<sup>1.5</sup>" in html
    assert "in the last 7 days" in html and "every 10 minutes" in html
    assert "about 5.9 times the upvotes" in html
    # the worked example, computed by the formula itself
    assert "300 ÷ (30 + 2)<sup>1.5</sup></span> = <strong>1.66</strong>" in html
    assert "40 ÷ (6 + 2)<sup>1.5</sup></span> = <strong>1.77</strong>" in html
    assert "This morning's paper ranks first" in html
    assert "imported from another hub" in html


@pytest.mark.django_db
def test_the_about_page_follows_the_constants_if_they_change(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trending, "GRAVITY", 1.2)
    monkeypatch.setattr(trending, "WINDOW", timedelta(days=3))

    html = client.get("/about/trending").content.decode()

    assert "(hours on the feed + 2)<sup>1.2</sup>" in html and "in the last 3 days" in html
    assert "Yesterday's favourite still ranks first" in html


@pytest.mark.django_db
def test_the_api_and_the_command_line_list_what_the_trending_page_lists(client: Client) -> None:
    for n, (upvotes, hours) in enumerate([(300, 30), (40, 6), (2, 3), (90, 50)], start=1):
        on_feed_at(make_paper(f"2608.0000{n}", upvotes=upvotes), hours_ago(hours))
    trending.refresh_scores()
    # A score stored while its paper was new, which the worker has not dropped yet.
    stale = make_paper("2608.00009", upvotes=500)
    on_feed_at(stale, hours_ago(24 * 9))
    TrendingScore.objects.create(
        paper=stale, score=99.0, first_on_feed_at=hours_ago(24 * 9), refreshed_at=hours_ago(24 * 8)
    )

    page = [item["paper"].arxiv_id for item in client.get("/papers/trending").context["items"]]
    api = [
        item["paper"]["id"] for item in client.get("/api/daily_papers", {"sort": "trending"}).json()
    ]
    out = StringIO()
    call_command("papers", "ls", "--trending", "--json", stdout=out)
    cli = [item["paper"]["id"] for item in json.loads(out.getvalue())]

    assert page == ["2608.00002", "2608.00001", "2608.00004", "2608.00003"]
    assert api == page and cli == page

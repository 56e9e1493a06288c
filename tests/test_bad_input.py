"""Hostile input anywhere is a 4xx with a message, or is cleaned on the way in: never a 500."""

from datetime import date
from pathlib import Path

import feedparser
import pytest
from django.test import Client
from pytest_django import Settings

from paperwire.accounts.models import Profile
from paperwire.collections.models import Collection
from paperwire.feed.models import DailyEntry
from tests.builders import make_paper, put_on_feed
from tests.personas import CsrfClient, logged_in, make_user

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000  # more digits than Python turns into an int by default
BIG = "9" * 30  # an int, but not one any database keeps


def parsed(client: Client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    return feed


@pytest.fixture
def searchable(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.SEARCH_EMBEDDER = "off"
    make_paper("2608.00001", "Graph Neural Networks", upvotes=5)


@pytest.mark.usefixtures("searchable")
@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_control_characters_in_a_search_query_make_a_valid_feed(client: Client, fmt: str) -> None:
    feed = parsed(client, f"/feeds/search.{fmt}?q=graph%01%0B%1F")
    assert feed.feed.title == "Papers matching “graph” · Paperwire"
    assert [entry.title for entry in feed.entries] == ["Graph Neural Networks"]
    assert client.get("/search?q=graph%00%07").status_code == 200


def test_a_member_cannot_save_control_characters_in_their_name(csrf_client: CsrfClient) -> None:
    alice = make_user("alice", fullname="Alice")
    csrf_client.force_login(alice)
    response = csrf_client.post_form(
        "/settings", {"form": "profile", "fullname": "Ali\x08ce\x1b[31m", "bio": "Hi"}
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert Profile.objects.get(user=alice).fullname == "Alice"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_a_name_kept_with_control_characters_still_makes_a_valid_feed(
    client: Client, fmt: str
) -> None:
    # Kept before names were checked: the member's feed must not stay broken.
    alice = make_user("alice")
    Profile.objects.filter(user=alice).update(fullname="Alice\x0c\x1b")
    paper = make_paper("2608.00001", "Title with a bell\x07 in it")
    put_on_feed(paper, date(2026, 8, 21), submitted_by=alice)
    feed = parsed(client, f"/feeds/u/alice.{fmt}")
    assert feed.feed.title == "Papers submitted by Alice (@alice) · Paperwire"
    assert [entry.title for entry in feed.entries] == ["Title with a bell in it"]


@pytest.mark.parametrize(
    "path",
    [
        "/papers/date/9999-12-31",
        "/papers/date/0001-01-01",
        "/feeds/date/9999-12-31.rss",
        "/papers/week/9999-W52",
        "/papers/week/0001-W01",
        "/papers/month/9999-12",
        "/papers/month/0001-01",
        "/api/daily_papers?date=9999-12-31",
        "/api/daily_papers?month=9999-12",
        "/api/daily_papers?week=9999-W52",
    ],
)
def test_the_ends_of_the_calendar_are_pages_not_errors(client: Client, path: str) -> None:
    put_on_feed(make_paper("2608.00001"), date(2026, 8, 21))
    assert client.get(path).status_code in (200, 400, 404)


@pytest.mark.parametrize("number", [HUGE, BIG, str(2**63), "²", "-1", "1e9"])
def test_a_number_no_id_can_be_is_refused_with_a_message(client: Client, number: str) -> None:
    alice = make_user("alice")
    logged_in(client, alice)
    paper = make_paper("2608.00001")
    Collection.objects.create(owner=alice, name="Reading", slug="reading")

    response = client.post(f"/papers/{paper.arxiv_id}/claim", {"author": number}, follow=True)
    assert response.status_code == 200
    assert "Choose your name from the paper" in response.content.decode()

    response = client.post(f"/papers/{paper.arxiv_id}/save", {"collection": number}, follow=True)
    assert response.status_code == 200
    assert "Choose one of your collections" in response.content.decode()
    assert not DailyEntry.objects.exists()


@pytest.mark.parametrize("number", [HUGE, BIG, str(2**63)])
def test_an_id_too_long_for_the_database_in_a_url_is_a_404(client: Client, number: str) -> None:
    logged_in(client, make_user("alice"))
    for path in (
        f"/comments/{number}/edit",
        f"/papers/2608.00001/claim/{number}/withdraw",
        f"/settings/tokens/{number}/revoke",
    ):
        assert client.post(path).status_code == 404, path


def test_an_api_reply_to_a_comment_id_no_database_keeps_is_a_4xx(client: Client) -> None:
    from paperwire.accounts.api_tokens import do_create_token

    alice = make_user("alice")
    make_paper("2608.00001")
    _, secret = do_create_token(alice, "script", "write")
    response = client.post(
        "/api/papers/2608.00001/comment",
        {"comment": "Nice", "parentCommentId": int(BIG)},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json() or "detail" in response.json()

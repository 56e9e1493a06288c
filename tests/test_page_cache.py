"""Anonymous pages come from the shared cache, and no write leaves one out of date.

Transactional tests: writes commit as they do in production, so both of the page cache's
moves (at the write and at the commit) happen as they would on a real server.
"""

import re
from datetime import date

import pytest
from django.db import transaction
from django.test import Client

from paperwire import pagecache
from paperwire.discussion.services import do_post_comment
from paperwire.feed.services import do_set_upvote
from paperwire.ops.models import Heartbeat
from paperwire.papers.models import Paper
from tests.builders import make_paper, put_on_feed
from tests.personas import CsrfClient, logged_in, make_user

pytestmark = pytest.mark.django_db(transaction=True)

DAY = date(2026, 11, 24)
PAGE = f"/papers/date/{DAY}"


@pytest.fixture
def paper() -> Paper:
    paper = make_paper("2611.00001", "Sparse attention at scale", upvotes=7)
    put_on_feed(paper, DAY)
    return paper


def fetch(client: Client, url: str = PAGE, **headers: str):  # type: ignore[no-untyped-def]
    response = client.get(url, **headers)
    assert response.status_code in (200, 304), response.status_code
    return response


def test_the_second_anonymous_visit_is_served_from_the_cache(client: Client, paper: Paper) -> None:
    first = fetch(client)
    second = fetch(Client())

    assert (first["X-Paperwire-Cache"], second["X-Paperwire-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert not first.cookies and not second.cookies
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "Sparse attention at scale" in second.content.decode()
    # A browser that has it already gets a 304.
    again = fetch(Client(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_vote_shows_at_once_to_visitors(client: Client, paper: Paper) -> None:
    assert ">7<" in fetch(client).content.decode()

    do_set_upvote(make_user("alice"), paper, True)

    page = fetch(client)
    assert page["X-Paperwire-Cache"] == "miss"
    assert ">8<" in page.content.decode()


def test_a_comment_and_a_new_paper_show_at_once(client: Client, paper: Paper) -> None:
    detail = f"/papers/{paper.arxiv_id}"
    fetch(client, detail), fetch(client, detail)

    do_post_comment(make_user("alice"), paper, "The ablation in section 4 is convincing.")
    put_on_feed(make_paper("2611.00002", "Mixture of depths"), DAY)

    assert "section 4 is convincing" in fetch(client, detail).content.decode()
    assert "Mixture of depths" in fetch(client).content.decode()


def test_a_change_rolled_back_changes_nothing_and_the_page_stays_right(
    client: Client, paper: Paper
) -> None:
    fetch(client)
    with pytest.raises(RuntimeError), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(title="Never committed")
        raise RuntimeError("the change fails part-way")

    assert "Never committed" not in fetch(client).content.decode()
    assert "Sparse attention at scale" in fetch(client).content.decode()


def test_bookkeeping_writes_keep_the_cache(client: Client, paper: Paper) -> None:
    fetch(client)
    Heartbeat.objects.update_or_create(
        worker="host:1", defaults={"started_at": paper.created_at, "seen_at": paper.created_at}
    )

    assert fetch(client)["X-Paperwire-Cache"] == "hit"


def test_members_always_get_their_own_page(client: Client, paper: Paper) -> None:
    fetch(Client())  # stored for visitors
    alice = make_user("alice")
    do_set_upvote(alice, paper, True)
    fetch(Client())

    page = fetch(logged_in(client, alice))

    assert "X-Paperwire-Cache" not in page
    assert 'aria-pressed="true"' in page.content.decode()
    assert 'aria-pressed="true"' not in fetch(Client()).content.decode()


def test_a_page_with_a_visitors_csrf_token_is_never_stored(csrf_client: CsrfClient) -> None:
    csrf_client.get("/accounts/login")  # now the visitor has a CSRF cookie
    for _ in range(2):
        response = csrf_client.get("/accounts/login")
        assert "X-Paperwire-Cache" not in response
        assert "csrfmiddlewaretoken" in response.content.decode()


def test_api_lists_and_feeds_are_cached_and_kept_fresh(client: Client, paper: Paper) -> None:
    for url in ("/api/daily_papers?date=2026-11-24", "/feeds/daily.rss"):
        fetch(client, url)
        assert fetch(client, url)["X-Paperwire-Cache"] == "hit"
    Paper.objects.filter(pk=paper.pk).update(title="Sparse attention, revised")

    assert (
        "Sparse attention, revised"
        in fetch(client, "/api/daily_papers?date=2026-11-24").json()[0]["title"]
    )


def test_a_cleared_shared_cache_never_brings_back_an_old_page(client: Client, paper: Paper) -> None:
    fetch(client)
    from django.core.cache import cache

    cache.clear()  # as a Redis flush: this process still holds its recent pages
    Paper.objects.filter(pk=paper.pk).update(title="After the flush")

    assert "After the flush" in fetch(client).content.decode()


def test_writes_are_recognised_in_every_form_the_databases_see() -> None:
    assert pagecache.written_table('INSERT INTO "feed_upvote" ("user_id") VALUES (1)') == (
        "feed_upvote"
    )
    assert pagecache.written_table('UPDATE "papers_paper" SET "upvotes" = 3') == "papers_paper"
    assert pagecache.written_table('  delete from "discussion_comment" WHERE 1') == (
        "discussion_comment"
    )
    assert pagecache.written_table("INSERT OR IGNORE INTO papers_author VALUES (1)") == (
        "papers_author"
    )
    assert pagecache.written_table('SELECT * FROM "papers_paper"') is None


@pytest.mark.parametrize(
    "url",
    [
        "/papers",
        PAGE,
        "/papers/week/2026-W48",
        "/papers/month/2026-11",
        "/papers/trending",
        "/papers/2611.00001",
        "/papers/2611.00001.md",
        "/orgs",
        "/search?q=attention",
        "/api/papers/2611.00001",
        "/feeds/trending.atom",
    ],
)
def test_every_shared_page_is_stored_for_visitors(client: Client, paper: Paper, url: str) -> None:
    first = fetch(client, url)
    assert not first.cookies, f"{url} sets {first.cookies}: it cannot be shared"
    fetch(client, url)  # the first search also caught the word index up: a write

    assert fetch(Client(), url)["X-Paperwire-Cache"] == "hit"


def test_members_pages_share_what_everyone_sees_but_keep_their_own_votes(
    paper: Paper,
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    do_set_upvote(alice, paper, True)
    for url in (PAGE, "/papers/week/2026-W48", "/papers/month/2026-11"):
        for _ in range(2):  # the second time from what the first kept
            alice_sees = fetch(logged_in(Client(), alice), url).content.decode()
            bob_sees = fetch(logged_in(Client(), bob), url).content.decode()
            assert 'aria-pressed="true"' in alice_sees, url
            assert 'aria-pressed="true"' not in bob_sees, url
    Paper.objects.filter(pk=paper.pk).update(title="Retitled for members too")
    assert (
        "Retitled for members too"
        in fetch(logged_in(Client(), bob), "/papers/month/2026-11").content.decode()
    )
    pages = {user: fetch(logged_in(Client(), user)).content.decode() for user in (alice, bob)}

    for user, page in pages.items():
        # Each form carries its own member's token, never a placeholder or another's.
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
        assert tokens and all(len(t) == 64 for t in tokens), user
    assert "csrf-token" not in pages[alice] + pages[bob]


def test_pages_are_served_when_the_shared_cache_is_down(
    client: Client, paper: Paper, settings
) -> None:  # type: ignore[no-untyped-def]
    # A Redis that is not there (nothing listens on port 1): pages are rendered every time.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    for _ in range(2):
        page = fetch(client)
        assert "Sparse attention at scale" in page.content.decode()
        assert page["X-Paperwire-Cache"] == "miss"
    Paper.objects.filter(pk=paper.pk).update(title="Written while the cache is down")
    assert "Written while the cache is down" in fetch(client).content.decode()

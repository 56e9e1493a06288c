"""No web request waits on arXiv for long, and no visitor can make the server ask it.

arXiv here is a real HTTP server on 127.0.0.1 (the replay server), slow or down at will.
"""

import time
from datetime import UTC, datetime

import pytest
from django.test import Client
from pytest_django import Settings

from paperwire.ingest import lookups
from paperwire.ingest.models import ArxivLookup
from paperwire.papers.models import Paper
from tests.builders import arxiv_feed
from tests.personas import CsrfClient, logged_in, make_user
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.django_db

PUBLISHED = datetime.now(UTC)
ABSENT = "2511.01234"


@pytest.fixture
def arxiv(arxiv: ReplayServer, settings: Settings) -> ReplayServer:
    settings.ARXIV_MAX_RETRIES = 5  # the worker's patience; a request has none of it
    settings.ARXIV_REQUEST_DEADLINE = 1.0
    settings.SEARCH_EMBEDDER = "off"
    return arxiv


def hanging(arxiv: ReplayServer) -> None:
    arxiv.route = lambda request: Reply("too late", delay=4.0)


def test_a_visitors_search_for_an_unknown_id_asks_arxiv_nothing(
    client: Client, arxiv: ReplayServer
) -> None:
    for path in ("/search", "/papers"):
        response = client.get(path, {"q": f"arXiv:{ABSENT}"})
        page = response.content.decode()
        assert response.status_code == 200
        assert f"{ABSENT} is not on this site yet. Log in to fetch it from arXiv" in page
        assert f"https://arxiv.org/abs/{ABSENT}" in page
    assert arxiv.requests == []


def test_a_members_search_waits_one_deadline_then_the_worker_fetches_it(
    client: Client, arxiv: ReplayServer
) -> None:
    logged_in(client, make_user("alice"))
    hanging(arxiv)
    started = time.monotonic()
    page = client.get("/search", {"q": ABSENT}).content.decode()
    assert time.monotonic() - started < 3  # one try within the deadline, no retries
    assert len(arxiv.requests) == 1
    assert f"Paperwire will fetch {ABSENT} in the background" in page
    assert ArxivLookup.objects.filter(arxiv_id=ABSENT, missing_since=None).exists()

    # Queued: asking again does not ask arXiv again; the worker does.
    client.get("/search", {"q": ABSENT})
    assert len(arxiv.requests) == 1
    arxiv.route = lambda request: Reply(arxiv_feed(ABSENT, PUBLISHED))
    assert lookups.fetch_queued().startswith("1 queued paper fetched")
    assert Paper.objects.filter(arxiv_id=ABSENT).exists()
    assert not ArxivLookup.objects.exists()
    response = client.get("/search", {"q": ABSENT})
    assert response.status_code == 302 and response["Location"] == f"/papers/{ABSENT}"


def test_an_id_arxiv_does_not_have_is_remembered(client: Client, arxiv: ReplayServer) -> None:
    from tests.builders import ATOM

    logged_in(client, make_user("alice"))
    arxiv.route = lambda request: Reply((ATOM / "empty.xml").read_bytes())
    for _ in range(3):
        page = client.get("/search", {"q": ABSENT}).content.decode()
        assert f"arXiv has no paper {ABSENT}" in page
    assert len(arxiv.requests) == 1


def test_the_worker_backs_off_while_arxiv_is_down(arxiv: ReplayServer, settings: Settings) -> None:
    settings.ARXIV_MAX_RETRIES = 0
    ArxivLookup.objects.create(arxiv_id=ABSENT)
    arxiv.route = lambda request: Reply("down", status=503)
    assert "arXiv failed" in lookups.fetch_queued()
    lookup = ArxivLookup.objects.get()
    assert lookup.attempts == 1 and lookup.next_try_at is not None
    assert "arXiv failed" not in lookups.fetch_queued()  # not due yet: nothing asked
    assert len(arxiv.requests) == 1


def test_submitting_while_arxiv_hangs_answers_quickly(
    csrf_client: CsrfClient, arxiv: ReplayServer
) -> None:
    csrf_client.force_login(make_user("alice"))
    hanging(arxiv)
    started = time.monotonic()
    response = csrf_client.post_form("/papers/submit", {"paper": ABSENT})
    assert time.monotonic() - started < 3
    assert f"Paperwire will fetch {ABSENT} in the background" in response.content.decode()
    assert not Paper.objects.exists()


def test_indexing_through_the_api_while_arxiv_hangs_answers_quickly(
    client: Client, arxiv: ReplayServer
) -> None:
    from paperwire.accounts.api_tokens import do_create_token

    _, secret = do_create_token(make_user("alice"), "script", "write")
    hanging(arxiv)
    started = time.monotonic()
    response = client.post(
        "/api/papers/index",
        {"arxivId": ABSENT},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert time.monotonic() - started < 3
    assert response.status_code == 502
    assert "in the background" in response.json()["error"]

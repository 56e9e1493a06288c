"""Personal API tokens, and the write endpoints they authorise."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from paperwire.accounts.api_tokens import do_create_token
from paperwire.accounts.models import ApiToken
from paperwire.api import api as api_module
from paperwire.discussion.models import Comment
from paperwire.feed.models import DailyEntry, Upvote
from paperwire.papers.models import AuthorClaim, Paper
from tests.builders import arxiv_feed, make_paper
from tests.personas import CsrfClient, logged_in, make_user
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def writer() -> str:
    _, secret = do_create_token(make_user("nora"), "script", "write")
    return secret


@pytest.fixture
def paper() -> Paper:
    return make_paper("2611.00001", "Sparse attention", authors=["Nora Noether", "Ada Lovelace"])


def post(client: Client, path: str, secret: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, body or {}, content_type="application/json", **bearer(secret))


# Tokens --------------------------------------------------------------------------------


def test_a_member_makes_a_token_on_the_settings_page_and_sees_it_once(
    csrf_client: CsrfClient,
) -> None:
    nora = make_user("nora")
    logged_in(csrf_client, nora)
    response = csrf_client.post_form("/settings/tokens", {"name": "my script", "scope": "write"})
    page = response.content.decode()
    secret = page.split('id="token-secret">')[1].split("<")[0]
    assert secret.startswith("pw_") and len(secret) > 40
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    # Only a hash is kept, never the token itself.
    assert secret not in (token.digest, token.prefix) and token.prefix == secret[:10]
    settings_page = csrf_client.get("/settings").content.decode()
    assert "my script" in settings_page and secret not in settings_page


def test_a_token_needs_a_name(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("nora"))
    csrf_client.post_form("/settings/tokens", {"name": "  ", "scope": "read"})
    assert not ApiToken.objects.exists()
    assert "Give the token a name" in csrf_client.get("/settings").content.decode()


def test_a_revoked_token_is_refused(csrf_client: CsrfClient, writer: str, paper: Paper) -> None:
    logged_in(csrf_client, ApiToken.objects.get().user)
    csrf_client.post_form(f"/settings/tokens/{ApiToken.objects.get().pk}/revoke")
    response = post(Client(), "/api/papers/2611.00001/upvote", writer)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]


def test_nobody_revokes_someone_elses_token(csrf_client: CsrfClient, writer: str) -> None:
    logged_in(csrf_client, make_user("mallory"))
    csrf_client.post_form(f"/settings/tokens/{ApiToken.objects.get().pk}/revoke")
    assert ApiToken.objects.get().revoked_at is None


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}, {"HTTP_AUTHORIZATION": "Bearer"}]
)
def test_a_write_without_a_token_is_a_401_that_says_how_to_send_one(
    client: Client, paper: Paper, headers: dict
) -> None:
    response = client.post("/api/papers/2611.00001/upvote", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Authorization: Bearer" in response.json()["error"]
    assert not Upvote.objects.exists()


def test_a_token_that_is_not_valid_is_a_401_that_says_so(client: Client, paper: Paper) -> None:
    response = client.post(
        "/api/papers/2611.00001/upvote", HTTP_AUTHORIZATION="Bearer pw_not-a-token"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert response.json()["error"].startswith("This token is not valid here")
    assert not Upvote.objects.exists()


def test_a_read_token_cannot_write(client: Client, paper: Paper) -> None:
    _, secret = do_create_token(make_user("nora"), "reader", "read")
    response = post(client, "/api/papers/2611.00001/upvote", secret)
    assert response.status_code == 403
    assert "can only read" in response.json()["error"]


def test_a_banned_members_token_stops_working(client: Client, writer: str, paper: Paper) -> None:
    profile = ApiToken.objects.get().user.profile
    profile.banned_at = timezone.now()
    profile.save()
    assert post(client, "/api/papers/2611.00001/upvote", writer).status_code == 401


def test_last_use_is_recorded_without_a_write_per_request(
    client: Client, writer: str, paper: Paper
) -> None:
    post(client, "/api/papers/2611.00001/upvote", writer)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    post(client, "/api/papers/2611.00001/upvote", writer)
    assert ApiToken.objects.get().last_used_at == first


# Upvotes, comments, claims -------------------------------------------------------------


def test_upvoting_twice_counts_once_and_delete_takes_it_back(
    client: Client, writer: str, paper: Paper
) -> None:
    assert post(client, "/api/papers/2611.00001/upvote", writer).json() == {
        "upvoted": True,
        "upvotes": 1,
    }
    assert post(client, "/api/papers/2611.00001/upvote", writer).json() == {
        "upvoted": True,
        "upvotes": 1,
    }
    response = client.delete("/api/papers/2611.00001/upvote", **bearer(writer))
    assert response.json() == {"upvoted": False, "upvotes": 0}
    assert not Upvote.objects.exists()


def test_an_unverified_member_may_not_write(client: Client, paper: Paper) -> None:
    _, secret = do_create_token(make_user("new", verified=False), "s", "write")
    response = post(client, "/api/papers/2611.00001/upvote", secret)
    assert response.status_code == 403
    assert "Verify your email address first" in response.json()["error"]


def test_a_comment_and_a_reply(client: Client, writer: str, paper: Paper) -> None:
    first = post(client, "/api/papers/2611.00001/comment", writer, {"comment": "Nice *result*"})
    assert first.status_code == 201
    body = first.json()
    assert (body["body"], body["author"]) == ("Nice *result*", "nora")
    assert body["url"].endswith(f"/papers/2611.00001#comment-{body['id']}")
    reply = post(
        client,
        "/api/papers/2611.00001/comment",
        writer,
        {"comment": "Indeed", "parentCommentId": body["id"]},
    )
    assert reply.json()["parentCommentId"] == body["id"]
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"comment": "   "}, 400, "empty"),
        ({"comment": "Hi", "parentCommentId": 999}, 404, "not in this paper's discussion"),
        ({}, 400, "comment"),
    ],
)
def test_a_bad_comment_changes_nothing(
    client: Client, writer: str, paper: Paper, body: dict, status: int, message: str
) -> None:
    response = post(client, "/api/papers/2611.00001/comment", writer, body)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not Comment.objects.exists()


def test_claiming_authorship(client: Client, writer: str, paper: Paper) -> None:
    response = post(client, "/api/papers/2611.00001/claim", writer, {"author": "Nora  Noether"})
    assert response.status_code == 201
    assert response.json() == {"paper": "2611.00001", "author": "Nora Noether", "status": "pending"}
    again = post(client, "/api/papers/2611.00001/claim", writer, {"author": "Nora Noether"})
    assert again.status_code == 400 and "already claimed" in again.json()["error"]
    wrong = post(client, "/api/papers/2611.00001/claim", writer, {"author": "Alan Turing"})
    assert wrong.status_code == 400 and "not an author" in wrong.json()["error"]
    assert AuthorClaim.objects.count() == 1


def test_writes_on_an_unknown_paper_are_a_404(client: Client, writer: str) -> None:
    response = post(client, "/api/papers/2611.99999/upvote", writer)
    assert response.status_code == 404


def test_writes_are_rate_limited_per_member(
    client: Client, writer: str, paper: Paper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_module, "WRITE_RATE", "2/m")
    for _ in range(2):
        post(client, "/api/papers/2611.00001/upvote", writer)
    response = post(client, "/api/papers/2611.00001/upvote", writer)
    assert response.status_code == 429 and response["Retry-After"] == "60"


# Submitting and indexing through arXiv -------------------------------------------------


@pytest.fixture
def arxiv(arxiv: ReplayServer) -> ReplayServer:
    """arXiv knows every id asked for: a paper first published two days ago."""
    published = timezone.now() - timedelta(days=2)
    arxiv.route = lambda request: Reply(arxiv_feed(request.query["id_list"][0], published))
    return arxiv


def test_submitting_puts_a_paper_on_todays_feed(
    client: Client, writer: str, arxiv: ReplayServer
) -> None:
    response = post(
        client,
        "/api/papers/submit",
        writer,
        {"paper_id": "https://arxiv.org/abs/2611.04321", "comment": "Worth a read"},
    )
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["paper"]["id"] == "2611.04321"
    assert item["submittedBy"]["name"] == "nora"
    assert (item["paper"]["upvotes"], item["numComments"]) == (1, 1)
    again = post(client, "/api/papers/submit", writer, {"paper_id": "2611.04321"})
    assert again.status_code == 400 and "already on the feed" in again.json()["error"]
    assert DailyEntry.objects.count() == 1


def test_indexing_fetches_a_paper_from_arxiv(
    client: Client, writer: str, arxiv: ReplayServer
) -> None:
    response = post(client, "/api/papers/index", writer, {"arxivId": "2611.04321"})
    assert response.status_code == 200
    assert response.json()["id"] == "2611.04321"
    assert not DailyEntry.objects.exists()  # indexed, not put on the feed
    bad = post(client, "/api/papers/index", writer, {"arxivId": "not an id"})
    assert bad.status_code == 400


def test_indexing_while_arxiv_is_down_is_a_502(
    client: Client, writer: str, settings: Settings, replay_server: ReplayServer
) -> None:
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_DELAY = 0
    settings.ARXIV_MAX_RETRIES = 0
    replay_server.route = lambda request: Reply("down", status=503)
    response = post(client, "/api/papers/index", writer, {"arxivId": "2611.04321"})
    assert response.status_code == 502
    assert "arXiv is slow to answer right now" in response.json()["error"]
    assert not Paper.objects.exists()

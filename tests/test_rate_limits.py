"""Every write page is rate limited by paperwire.ratelimits: its (key, rate) stays what it
was, and over its limit it answers 429 itself, the "slow down" page or JSON, without
running the view."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire import ratelimits
from tests.personas import logged_in, make_user

pytestmark = pytest.mark.django_db

PAPER = "/papers/2502.08025"
COLLECTION = "/u/alice/collections/reading-list"

# Each write page, and the one (key, rate) its POSTs are counted against.
LIMITS = {
    "/accounts/signup": ("ip", "5/h"),
    "/accounts/verify/resend": ("ip", "5/h"),
    "/accounts/login": ("ip", "10/m"),
    "/accounts/password/reset": ("ip", "5/h"),
    "/accounts/password/reset/MQ/set-password": ("ip", "10/h"),
    "/admin/login/": ("ip", "10/m"),
    "/settings": ("user_or_ip", "20/h"),
    "/settings/tokens": ("user", "20/h"),
    "/digest/subscribe": ("ip", "10/h"),
    "/digest/subscribe/me": ("user", "10/h"),
    "/digest/manage/a-token": ("ip", "30/h"),
    "/digest/unsubscribe/a-token": ("ip", "60/h"),
    "/orgs/new": ("user_or_ip", "10/h"),
    "/orgs/acme/members": ("user_or_ip", "60/h"),
    "/orgs/acme/members/bob/remove": ("user_or_ip", "60/h"),
    "/orgs/acme/members/bob/role": ("user_or_ip", "60/h"),
    f"/comments/on/{PAPER[8:]}": ("user_or_ip", "10/m"),
    "/comments/1/reply": ("user_or_ip", "10/m"),
    "/comments/1/edit": ("user_or_ip", "30/m"),
    "/comments/1/delete": ("user_or_ip", "30/m"),
    "/papers/submit": ("user_or_ip", "20/h"),
    f"{PAPER}/upvote": ("user_or_ip", "60/m"),
    f"{PAPER}/claim": ("user_or_ip", "20/h"),
    f"{PAPER}/claim/1/withdraw": ("user_or_ip", "30/h"),
    "/collections/new": ("user_or_ip", "20/h"),
    f"{COLLECTION}/edit": ("user_or_ip", "60/m"),
    f"{COLLECTION}/delete": ("user_or_ip", "60/m"),
    f"{COLLECTION}/remove": ("user_or_ip", "60/m"),
    f"{COLLECTION}/note": ("user_or_ip", "60/m"),
    f"{PAPER}/save": ("user_or_ip", "60/m"),
    f"{PAPER}/save/new": ("user_or_ip", "20/h"),
}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every count is over its limit; the (key, rate) of each count, in order."""
    counts: list[tuple[str, str]] = []

    def over(request, group, key, rate, increment):  # type: ignore[no-untyped-def]
        counts.append((key, rate))
        return True

    monkeypatch.setattr(ratelimits, "is_ratelimited", over)
    return counts


@pytest.fixture
def member(client: Client) -> Client:
    return logged_in(client, make_user("alice"))


@pytest.mark.parametrize("path", LIMITS)
def test_a_write_over_its_limit_gets_the_slow_down_page(
    member: Client, counted: list[tuple[str, str]], path: str
) -> None:
    response = member.post(path, {"name": "Reading list"})

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    assert b"Slow down" in response.content
    assert counted == [LIMITS[path]]


@pytest.mark.parametrize("path", LIMITS)
def test_a_write_over_its_limit_answers_json_to_a_script(
    member: Client, counted: list[tuple[str, str]], path: str
) -> None:
    response = member.post(path, {"name": "Reading list"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {"error": ratelimits.TOO_OFTEN}


def test_the_view_does_not_run_over_the_limit(
    client: Client, counted: list[tuple[str, str]]
) -> None:
    client.post(
        "/accounts/signup",
        {"username": "mallory", "email": "m@example.org", "password": "x" * 20},
    )

    assert not User.objects.filter(username="mallory").exists()


def test_reading_a_form_page_is_not_counted(client: Client, counted: list[tuple[str, str]]) -> None:
    assert client.get("/accounts/signup").status_code == 200
    assert counted == []


def test_posting_and_replying_share_one_count(member: Client) -> None:
    # Both count against discussion.post: ten a minute in all, not ten of each.
    statuses = [member.post(f"/comments/on/{PAPER[8:]}", {"body": ""}).status_code]
    statuses += [member.post("/comments/1/reply", {"body": ""}).status_code for _ in range(10)]

    assert 429 not in statuses[:10]
    assert statuses[10] == 429

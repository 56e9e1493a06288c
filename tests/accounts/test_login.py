"""Log-in by username or email, log-out by POST; banned members are told they are suspended."""

import pytest
from django.contrib.auth import get_user
from django.utils import timezone

from tests.personas import PASSWORD, CsrfClient, make_user

pytestmark = pytest.mark.django_db

URL = "/accounts/login"


def logged_in_as(client) -> str | None:
    user = get_user(client)
    return user.get_username() if user.is_authenticated else None


def test_the_page_shows_the_form(client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    assert b'name="login"' in response.content
    assert b"Forgot your password?" in response.content


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.org", "Alice@Example.ORG"])
def test_alice_logs_in_by_username_or_email(csrf_client, login: str) -> None:
    make_user("alice")
    response = csrf_client.post_form(URL, {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/papers"
    assert logged_in_as(csrf_client) == "alice"


def test_it_goes_back_to_the_page_she_came_from(csrf_client) -> None:
    make_user("alice")
    response = csrf_client.post_form(
        URL, {"login": "alice", "password": PASSWORD, "next": "/papers/trending"}
    )
    assert response["Location"] == "/papers/trending"


def test_it_never_redirects_to_another_site(csrf_client) -> None:
    make_user("alice")
    response = csrf_client.post_form(
        URL, {"login": "alice", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/papers"


def test_a_wrong_password_is_refused_without_saying_which_part_is_wrong(csrf_client) -> None:
    make_user("alice")
    wrong = csrf_client.post_form(URL, {"login": "alice", "password": "not it at all"})
    unknown = csrf_client.post_form(URL, {"login": "nobody", "password": PASSWORD})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "don&#x27;t match an account" in response.content.decode()
    assert logged_in_as(csrf_client) is None


def test_it_requires_a_csrf_token(csrf_client) -> None:
    make_user("alice")
    response = csrf_client.post(URL, {"login": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert logged_in_as(csrf_client) is None


def test_a_banned_member_is_told_the_account_is_suspended(csrf_client) -> None:
    bob = make_user("bob")
    bob.is_active = False
    bob.save()
    bob.profile.banned_at = timezone.now()
    bob.profile.save()
    response = csrf_client.post_form(URL, {"login": "bob", "password": PASSWORD})
    assert "This account is suspended." in response.content.decode()
    assert logged_in_as(csrf_client) is None


def test_a_wrong_guess_at_a_banned_account_learns_nothing(csrf_client) -> None:
    bob = make_user("bob")
    bob.is_active = False
    bob.save()
    response = csrf_client.post_form(URL, {"login": "bob", "password": "a wrong guess"})
    assert "suspended" not in response.content.decode()


def test_log_in_is_rate_limited_per_address(csrf_client) -> None:
    make_user("alice")
    for n in range(10):
        csrf_client.post_form(URL, {"login": f"someone{n}", "password": "guess"})
    response = csrf_client.post_form(URL, {"login": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert logged_in_as(csrf_client) is None


def test_log_in_is_rate_limited_per_account(csrf_client) -> None:
    make_user("alice")
    for n in range(10):
        # Guesses from many addresses at one account still count together.
        CsrfClient().post_form(
            URL, {"login": "Alice", "password": f"guess {n}"}, REMOTE_ADDR=f"10.0.0.{n}"
        )
    response = csrf_client.post_form(
        URL, {"login": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.1.1"
    )
    assert response.status_code == 429


def test_the_header_offers_log_in_and_sign_up_to_visitors(client) -> None:
    page = client.get("/papers").content.decode()
    assert 'href="/accounts/login?next=/papers"' in page
    assert 'href="/accounts/signup"' in page


def test_the_header_shows_a_members_menu(client) -> None:
    client.force_login(make_user("alice", fullname="Alice Liddell"))
    page = client.get("/papers").content.decode()
    assert "Alice Liddell" in page
    assert 'href="/u/alice"' in page
    assert 'href="/papers/submit"' in page
    assert 'href="/settings"' in page
    assert 'action="/accounts/logout"' in page
    assert "Verify your email" not in page


def test_log_out_is_a_post(csrf_client) -> None:
    csrf_client.force_login(make_user("alice"))
    assert csrf_client.get("/accounts/logout").status_code == 405
    assert logged_in_as(csrf_client) == "alice"
    response = csrf_client.post_form("/accounts/logout")
    assert response.status_code == 302
    assert logged_in_as(csrf_client) is None


def test_log_out_requires_a_csrf_token(csrf_client) -> None:
    csrf_client.force_login(make_user("alice"))
    assert csrf_client.post("/accounts/logout").status_code == 403
    assert logged_in_as(csrf_client) == "alice"


def test_log_in_from_a_profile_comes_back_to_it(client) -> None:
    make_user("alice")
    page = client.get("/u/alice").content.decode()
    assert 'href="/accounts/login?next=/u/alice"' in page
    assert 'href="/accounts/login?next=' not in client.get("/accounts/signup").content.decode()

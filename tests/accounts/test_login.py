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


def guess(n: int, login: str = "Alice", **extra: str):  # type: ignore[no-untyped-def]
    """A wrong password at an account, each from its own address and browser."""
    return CsrfClient().post_form(
        URL, {"login": login, "password": f"guess {n}"}, REMOTE_ADDR=f"10.0.0.{n}", **extra
    )


def test_guesses_at_one_account_count_together_however_it_is_named(csrf_client) -> None:
    make_user("alice")
    for n in range(10):
        # Username and email alternate, from many addresses: one account, one count.
        guess(n, "Alice" if n % 2 else "ALICE@example.org")
    response = csrf_client.post_form(
        URL, {"login": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.1.1"
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many wrong passwords for this account" in page
    assert 'href="/accounts/password/reset"' in page
    assert logged_in_as(csrf_client) is None


def test_a_stranger_cannot_lock_the_owner_out_of_a_browser_she_used_before(csrf_client) -> None:
    make_user("alice")
    csrf_client.post_form(URL, {"login": "alice", "password": PASSWORD})
    csrf_client.post_form("/accounts/logout")
    for n in range(30):
        guess(n)
    response = csrf_client.post_form(URL, {"login": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_as(csrf_client) == "alice"


def test_a_password_reset_lifts_the_lock(
    csrf_client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    import re

    make_user("alice")
    for n in range(10):
        guess(n)
    with django_capture_on_commit_callbacks(execute=True):
        csrf_client.post_form("/accounts/password/reset", {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mailoutbox[0].body)
    assert link
    form = csrf_client.get(link.group(1), follow=True)
    new = {"new_password1": "a whole new passphrase", "new_password2": "a whole new passphrase"}
    csrf_client.post_form(form.redirect_chain[-1][0], new)
    response = CsrfClient().post_form(
        URL, {"login": "alice", "password": "a whole new passphrase"}, REMOTE_ADDR="10.0.2.1"
    )
    assert response.status_code == 302


def test_the_admin_log_in_is_rate_limited(csrf_client) -> None:
    make_user("sam", staff=True)
    for n in range(30):
        csrf_client.post_form("/admin/login/", {"username": "sam", "password": f"guess {n}"})
    response = csrf_client.post_form(
        "/admin/login/?next=/admin/", {"username": "sam", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert logged_in_as(csrf_client) is None


def test_wrong_admin_passwords_count_against_the_account(csrf_client) -> None:
    make_user("sam", staff=True)
    for n in range(10):
        CsrfClient().post_form(
            "/admin/login/",
            {"username": "sam", "password": f"guess {n}"},
            REMOTE_ADDR=f"10.1.0.{n}",
        )
    response = csrf_client.post_form("/admin/login/", {"username": "sam", "password": PASSWORD})
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

"""Sign-up: Nora joins; bad names, taken addresses and weak passwords are refused."""

import pytest
from django.contrib.auth.models import User
from django.core import mail

from tests.personas import PASSWORD, CsrfClient, make_user

pytestmark = pytest.mark.django_db

URL = "/accounts/signup"


def form(**changes: str) -> dict[str, str]:
    data = {
        "username": "nora",
        "email": "nora@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return {**data, **changes}


@pytest.fixture
def sign_up(csrf_client, django_capture_on_commit_callbacks):
    def post(**changes: str):
        with django_capture_on_commit_callbacks(execute=True):
            return csrf_client.post_form(URL, form(**changes))

    return post


def test_the_page_shows_the_form(client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password2"' in response.content


def test_it_creates_a_member_logs_her_in_and_says_check_your_inbox(sign_up, csrf_client) -> None:
    response = sign_up()
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/done"
    nora = User.objects.get(username="nora")
    assert nora.email == "nora@example.org"
    assert nora.password.startswith("argon2")
    assert nora.profile.email_verified_at is None
    page = csrf_client.get("/accounts/signup/done")
    assert b"Check your inbox" in page.content
    assert b"nora@example.org" in page.content


def test_it_emails_a_verification_link(sign_up, mailoutbox) -> None:
    sign_up()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nora@example.org"]
    assert message.subject == "Verify your email address for Paperwire"
    assert "http://testserver/accounts/verify/" in message.body


def test_it_requires_a_csrf_token(csrf_client) -> None:
    response = csrf_client.post(URL, form())
    assert response.status_code == 403
    assert not User.objects.filter(username="nora").exists()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("admin", "is reserved"),
        ("Settings", "is reserved"),
        ("nora smith", "Use only the letters a-z"),
        ("\u0430lice", "Use only the letters a-z"),  # a Cyrillic letter a
        ("Alicé", "Use only the letters a-z"),
        ("ali\u200bce", "Use only the letters a-z"),  # a zero-width space
        ("nora@home", "cannot contain"),
        ("n" * 41, "at most 40 characters"),
        ("", "This field is required"),
    ],
)
def test_it_refuses_a_bad_username(sign_up, username: str, message: str) -> None:
    response = sign_up(username=username)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 0
    assert len(mail.outbox) == 0


def test_usernames_are_unique_whatever_the_case(sign_up) -> None:
    make_user("Alice")
    response = sign_up(username="alice")
    assert "The username “alice” is taken." in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("taken", "asked"), [("alice", "aIice"), ("bob0", "BOBO"), ("l1ly", "Illy")]
)
def test_a_username_that_reads_like_a_taken_one_is_refused(sign_up, taken, asked) -> None:
    make_user(taken)
    response = sign_up(username=asked)
    assert f"“{asked}” is too like the username “{taken}”" in response.content.decode()
    assert User.objects.count() == 1


def test_emails_are_unique_whatever_the_case(sign_up) -> None:
    make_user("alice", email="alice@example.org")
    response = sign_up(email="ALICE@Example.org")
    assert "An account with this email address exists" in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short", "short", "too short"),
        ("password1234", "password1234", "too common"),
        ("83749283749283", "83749283749283", "entirely numeric"),
        ("noranora.example", "noranora.example", "too similar"),
        (PASSWORD, PASSWORD + "!", "The two passwords differ."),
    ],
)
def test_it_refuses_a_weak_or_mistyped_password(
    sign_up, password1: str, password2: str, message: str
) -> None:
    response = sign_up(password1=password1, password2=password2)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 0


def test_it_refuses_a_bad_email_address(sign_up) -> None:
    response = sign_up(email="nora-at-example")
    assert "Enter a valid email address." in response.content.decode()
    assert User.objects.count() == 0


def test_user_input_is_escaped_on_the_form(sign_up) -> None:
    response = sign_up(username="<script>", email="<b>@x")
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_a_logged_in_member_is_sent_to_her_profile(client) -> None:
    client.force_login(make_user("alice"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/u/alice"


def test_sign_up_is_rate_limited_per_address() -> None:
    # Each sign-up from a fresh browser, all from the same address.
    for n in range(5):
        response = CsrfClient().post_form(URL, form(username=f"nora{n}", email=f"n{n}@example.org"))
        assert response.status_code == 302
    response = CsrfClient().post_form(URL, form(username="nora9", email="n9@example.org"))
    assert response.status_code == 429
    assert b"Slow down" in response.content
    assert User.objects.count() == 5

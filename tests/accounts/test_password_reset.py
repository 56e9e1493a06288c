"""Password reset: Alice forgets her password, gets a link, chooses a new one."""

import re

import pytest
from django.contrib.auth.models import User

from tests.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a whole new passphrase"


@pytest.fixture
def ask_for_reset(csrf_client, django_capture_on_commit_callbacks):
    def post(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return csrf_client.post_form("/accounts/password/reset", {"email": email})

    return post


def reset_path(message) -> str:
    match = re.search(r"http://testserver(/accounts/password/reset/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_alice_gets_a_reset_email(ask_for_reset, mailoutbox) -> None:
    make_user("alice", fullname="Alice Liddell")
    response = ask_for_reset("ALICE@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reset your Paperwire password"
    assert "your Paperwire account, alice." in message.body  # her verified address
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert reset_path(message) in html


def test_a_reset_to_an_unverified_address_carries_nothing_the_member_wrote(
    ask_for_reset, mailoutbox
) -> None:
    make_user("call-0800-scam", fullname="Your bank: call 0800 123", verified=False)
    ask_for_reset("call-0800-scam@example.org")
    [message] = mailoutbox
    body = message.body + message.alternatives[0][0]
    assert "0800" not in body and "bank" not in body
    assert "your Paperwire account." in message.body


def test_following_the_link_sets_a_new_password(ask_for_reset, mailoutbox, csrf_client) -> None:
    make_user("alice")
    ask_for_reset("alice@example.org")
    page = csrf_client.get(reset_path(mailoutbox[0]), follow=True)
    assert b"Choose a new password" in page.content
    form_url = page.redirect_chain[-1][0]
    response = csrf_client.post_form(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done"
    alice = User.objects.get(username="alice")
    assert alice.check_password(NEW_PASSWORD)
    assert alice.password.startswith("argon2")


def test_the_link_works_only_once(ask_for_reset, mailoutbox, csrf_client) -> None:
    make_user("alice")
    ask_for_reset("alice@example.org")
    path = reset_path(mailoutbox[0])
    form_url = csrf_client.get(path, follow=True).redirect_chain[-1][0]
    csrf_client.post_form(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = csrf_client.get(path, follow=True)
    assert b"This link can't be used" in again.content


def test_a_weak_new_password_is_refused(ask_for_reset, mailoutbox, csrf_client) -> None:
    make_user("alice")
    ask_for_reset("alice@example.org")
    form_url = csrf_client.get(reset_path(mailoutbox[0]), follow=True).redirect_chain[-1][0]
    response = csrf_client.post_form(form_url, {"new_password1": "abc", "new_password2": "abc"})
    assert response.status_code == 200
    assert b"too short" in response.content
    assert User.objects.get(username="alice").check_password(PASSWORD)


def test_a_tampered_link_is_refused(client) -> None:
    make_user("alice")
    response = client.get("/accounts/password/reset/MQ/not-a-token", follow=True)
    assert b"This link can't be used" in response.content


def test_an_unknown_address_gets_the_same_page_and_no_email(ask_for_reset, mailoutbox) -> None:
    response = ask_for_reset("nobody@example.org")
    assert response["Location"] == "/accounts/password/reset/sent"
    assert len(mailoutbox) == 0


def test_a_banned_member_gets_no_reset_email(ask_for_reset, mailoutbox) -> None:
    bob = make_user("bob")
    bob.is_active = False
    bob.save()
    ask_for_reset("bob@example.org")
    assert len(mailoutbox) == 0


def test_it_requires_a_csrf_token(csrf_client, mailoutbox) -> None:
    make_user("alice")
    response = csrf_client.post("/accounts/password/reset", {"email": "alice@example.org"})
    assert response.status_code == 403
    assert len(mailoutbox) == 0


def test_asking_is_rate_limited(ask_for_reset, mailoutbox) -> None:
    make_user("alice")
    for _ in range(5):
        ask_for_reset("alice@example.org")
    assert ask_for_reset("alice@example.org").status_code == 429
    assert len(mailoutbox) == 5

"""Settings: Alice edits her profile, changes her email (re-verified) and her password."""

import re

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.models import User

from tests.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

URL = "/settings"
NEW_PASSWORD = "a whole new passphrase"


@pytest.fixture(autouse=True)
def alice_is_signed_in(csrf_client, alice) -> None:
    """Each test starts on Alice's settings page: csrf_client is her browser."""
    csrf_client.force_login(alice)


@pytest.fixture
def send(csrf_client, django_capture_on_commit_callbacks):
    def post(form: str, **data: str):
        with django_capture_on_commit_callbacks(execute=True):
            return csrf_client.post_form(URL, {"form": form, **data})

    return post


def test_it_requires_login(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login?next=/settings"


def test_it_shows_the_three_forms(csrf_client, alice) -> None:
    page = csrf_client.get(URL).content.decode()
    assert 'value="Alice Liddell"' in page
    assert 'name="bio"' in page
    assert 'name="old_password"' in page
    assert "alice@example.org" in page


def test_alice_edits_her_name_and_bio(send, csrf_client, alice) -> None:
    response = send("profile", fullname="  Alice P. Liddell ", bio="Diffusion & friends.")
    assert response.status_code == 302
    alice.profile.refresh_from_db()
    assert alice.profile.fullname == "Alice P. Liddell"
    assert alice.profile.bio == "Diffusion & friends."
    assert "Your profile is saved." in csrf_client.get(URL).content.decode()


def test_a_too_long_name_changes_nothing(send, alice) -> None:
    response = send("profile", fullname="x" * 201, bio="")
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    alice.profile.refresh_from_db()
    assert alice.profile.fullname == "Alice Liddell"


def test_changing_email_needs_re_verification(send, csrf_client, alice, mailoutbox) -> None:
    response = send("email", email="Alice@New.example", password=PASSWORD)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "Alice@new.example"
    assert alice.profile.email_verified_at is None
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["Alice@new.example"]
    assert message.subject == "Confirm your new email address for Paperwire"
    assert message.alternatives[0][1] == "text/html"
    link = re.search(r"http://testserver(/accounts/verify/\S+)", message.body)
    assert link
    assert csrf_client.get(link.group(1)).status_code == 200
    alice.profile.refresh_from_db()
    assert alice.profile.email_verified_at is not None


def test_the_email_to_a_new_address_carries_nothing_the_member_wrote(
    send, csrf_client, mailoutbox
) -> None:
    # The new address is anyone's until it is verified: a name must not phish its owner.
    mallory = make_user("pay-now-at-evil", fullname="Your bank: call 0800 123")
    csrf_client.force_login(mallory)
    send("email", email="victim@example.org", password=PASSWORD)
    [message] = mailoutbox
    body = message.body + message.alternatives[0][0]
    assert "0800" not in body and "bank" not in body and "evil" not in body
    assert "The email address of a Paperwire account was changed to victim@example.org" in body


def test_changing_email_needs_the_current_password(send, alice, mailoutbox) -> None:
    response = send("email", email="alice@new.example", password="not my password")
    assert "That is not your current password." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    assert alice.profile.email_verified_at is not None
    assert len(mailoutbox) == 0


def test_an_email_taken_by_another_member_is_refused(send, alice) -> None:
    make_user("bob", email="bob@example.org")
    response = send("email", email="BOB@example.org", password=PASSWORD)
    assert "An account with this email address exists" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_the_same_email_is_refused(send, alice) -> None:
    response = send("email", email="alice@example.org", password=PASSWORD)
    assert "That is already your email address." in response.content.decode()


def test_changing_password_keeps_her_logged_in(send, csrf_client, alice) -> None:
    response = send(
        "password",
        old_password=PASSWORD,
        new_password1=NEW_PASSWORD,
        new_password2=NEW_PASSWORD,
    )
    assert response.status_code == 302
    assert User.objects.get(username="alice").check_password(NEW_PASSWORD)
    assert get_user(csrf_client).is_authenticated
    assert "Your password is changed." in csrf_client.get(URL).content.decode()


def test_a_wrong_old_password_changes_nothing(send, alice) -> None:
    response = send(
        "password", old_password="wrong", new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert User.objects.get(username="alice").check_password(PASSWORD)


def test_a_weak_new_password_is_refused(send, alice) -> None:
    response = send("password", old_password=PASSWORD, new_password1="abc", new_password2="abc")
    assert "too short" in response.content.decode()
    assert User.objects.get(username="alice").check_password(PASSWORD)


def test_every_form_requires_a_csrf_token(csrf_client, alice) -> None:
    response = csrf_client.post(URL, {"form": "profile", "fullname": "Mallory", "bio": ""})
    assert response.status_code == 403
    alice.profile.refresh_from_db()
    assert alice.profile.fullname == "Alice Liddell"


def test_saving_is_rate_limited(send, alice) -> None:
    for n in range(20):
        assert send("profile", fullname=f"Alice {n}", bio="").status_code == 302
    assert send("profile", fullname="Alice again", bio="").status_code == 429
    alice.profile.refresh_from_db()
    assert alice.profile.fullname == "Alice 19"

"""Email verification: Nora follows her link; expired, tampered and stale links are refused."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.utils import timezone

from paperwire.accounts import tokens
from tests.personas import PASSWORD, CsrfClient, make_user

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    match = re.search(r"http://testserver(/accounts/verify/\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def nora_signed_up(csrf_client, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        csrf_client.post_form(
            "/accounts/signup",
            {
                "username": "nora",
                "email": "nora@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert len(mailoutbox) == 1
    return mailoutbox[0]


def test_the_email_has_a_text_and_an_html_part_with_the_link(nora_signed_up) -> None:
    path = link_in(nora_signed_up)
    html, mimetype = nora_signed_up.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="http://testserver{path}"' in html
    # The address is not hers until she follows the link: nothing she typed is in it.
    assert "nora," not in nora_signed_up.body.lower()
    assert nora_signed_up.body.startswith("Hello,\n")


def test_following_the_link_verifies_the_address(nora_signed_up, client) -> None:
    response = client.get(link_in(nora_signed_up))
    assert response.status_code == 200
    assert b"Email verified" in response.content
    nora = User.objects.get(username="nora")
    assert nora.profile.email_verified_at is not None


def test_following_it_twice_keeps_the_first_time(nora_signed_up, client) -> None:
    client.get(link_in(nora_signed_up))
    first = User.objects.get(username="nora").profile.email_verified_at
    assert client.get(link_in(nora_signed_up)).status_code == 200
    assert User.objects.get(username="nora").profile.email_verified_at == first


def test_an_expired_link_is_refused_with_a_button_for_a_new_one(client) -> None:
    nora = make_user("nora", verified=False)
    token = tokens.make_token(nora.pk, nora.email)
    later = timezone.now() + timedelta(seconds=tokens.MAX_AGE + 60)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: later.timestamp())
        response = client.get(f"/accounts/verify/{token}")
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert b"Send a new link" in response.content
    nora.profile.refresh_from_db()
    assert nora.profile.email_verified_at is None


def test_the_button_on_an_expired_link_sends_a_new_one_without_logging_in(
    csrf_client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    nora = make_user("nora", verified=False)
    token = tokens.make_token(nora.pk, nora.email)
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post_form("/accounts/verify/resend", {"token": token})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nora@example.org"]
    assert csrf_client.get(link_in(mailoutbox[0])).status_code == 200
    nora.profile.refresh_from_db()
    assert nora.profile.email_verified_at is not None


def test_a_tampered_link_is_refused(client) -> None:
    nora = make_user("nora", verified=False)
    token = tokens.make_token(nora.pk, nora.email)
    response = client.get(f"/accounts/verify/{token[:-3]}abc")
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert b"Log in to get a new link" in response.content
    nora.profile.refresh_from_db()
    assert nora.profile.email_verified_at is None


def test_a_link_signed_for_another_purpose_is_refused(client) -> None:
    nora = make_user("nora", verified=False)
    forged = signing.dumps({"u": nora.pk, "e": nora.email}, salt="something else")
    assert client.get(f"/accounts/verify/{forged}").status_code == 400
    nora.profile.refresh_from_db()
    assert nora.profile.email_verified_at is None


def test_a_link_for_an_address_changed_since_is_stale(client) -> None:
    nora = make_user("nora", verified=False)
    token = tokens.make_token(nora.pk, "old@example.org")
    response = client.get(f"/accounts/verify/{token}")
    assert response.status_code == 400
    assert "has changed since it was sent" in response.content.decode()
    nora.profile.refresh_from_db()
    assert nora.profile.email_verified_at is None


def test_a_logged_in_member_gets_a_resend_button_on_a_bad_link(client) -> None:
    client.force_login(make_user("nora", verified=False))
    response = client.get("/accounts/verify/nonsense")
    assert response.status_code == 400
    assert b"Send a new link to nora@example.org" in response.content


def test_an_unverified_member_sees_a_reminder_in_her_menu(client) -> None:
    client.force_login(make_user("nora", verified=False))
    page = client.get("/settings").content.decode()
    assert "Verify your email to submit, upvote and comment." in page
    assert "Not verified" in page


def test_a_verified_member_sees_no_reminder(client) -> None:
    client.force_login(make_user("alice"))
    page = client.get("/settings").content.decode()
    assert "Verify your email" not in page
    assert "Verified" in page


def test_resending_mails_a_fresh_link(
    csrf_client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    csrf_client.force_login(make_user("nora", verified=False))
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post_form("/accounts/verify/resend", {"next": "/papers"})
    assert response.status_code == 302
    assert response["Location"] == "/papers"
    assert len(mailoutbox) == 1
    assert "We sent a new link" in csrf_client.get("/settings").content.decode()


def test_resending_to_a_verified_member_says_so(csrf_client, mailoutbox) -> None:
    csrf_client.force_login(make_user("alice"))
    csrf_client.post_form("/accounts/verify/resend")
    assert len(mailoutbox) == 0
    assert "already verified" in csrf_client.get("/settings").content.decode()


def test_resending_requires_post_and_csrf(csrf_client) -> None:
    csrf_client.force_login(make_user("nora", verified=False))
    assert csrf_client.get("/accounts/verify/resend").status_code == 405
    assert csrf_client.post("/accounts/verify/resend").status_code == 403


def test_a_visitor_with_no_link_is_sent_to_log_in(csrf_client, mailoutbox) -> None:
    response = csrf_client.post_form("/accounts/verify/resend", {"token": "nonsense"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login")
    assert len(mailoutbox) == 0


def test_resending_is_rate_limited(csrf_client, mailoutbox) -> None:
    csrf_client.force_login(make_user("nora", verified=False))
    for _ in range(5):
        assert csrf_client.post_form("/accounts/verify/resend").status_code == 302
    assert csrf_client.post_form("/accounts/verify/resend").status_code == 429


def test_a_banned_member_cannot_verify(client) -> None:
    nora = make_user("nora", verified=False)
    nora.profile.banned_at = timezone.now()
    nora.profile.save()
    token = tokens.make_token(nora.pk, nora.email)
    response = client.get(f"/accounts/verify/{token}")
    assert response.status_code == 400
    assert "suspended" in response.content.decode()


def test_a_fresh_client_is_not_needed_for_the_link(nora_signed_up) -> None:
    # The link works in another browser too: it carries who and which address.
    assert CsrfClient().get(link_in(nora_signed_up)).status_code == 200

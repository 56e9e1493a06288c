"""The email helper (template triplet, sent after commit) and the SMTP URL setting."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import RequestFactory

from paperwire.emails import send_email
from paperwire.env import SettingError
from paperwire.mail import smtp_settings

CONTEXT = {
    "user": User(username="nora", email="nora&nox@example.org"),
    "link": "http://example.org/accounts/verify/abc?x=1&y=2",
    "days": 3,
}


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """send_email, with the test's transaction standing in for a committed one."""

    def send(*args, **kwargs) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            send_email(*args, **kwargs)

    return send


@pytest.mark.django_db
def test_it_renders_the_subject_text_and_html(sent, mailoutbox, settings) -> None:
    settings.SITE_NAME = "Papers & Co"
    sent("verify-email", "nora@example.org", CONTEXT)
    [message] = mailoutbox
    assert message.subject == "Verify your email address for Papers & Co"
    assert message.to == ["nora@example.org"]
    # The text part is not HTML-escaped; the HTML part is.
    assert "confirm that nora&nox@example.org is your email address" in message.body
    assert "http://example.org/accounts/verify/abc?x=1&y=2" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>nora&amp;nox@example.org</strong>" in html
    assert 'href="http://example.org/accounts/verify/abc?x=1&amp;y=2"' in html


@pytest.mark.django_db
def test_links_use_the_base_url_without_a_request(sent, mailoutbox, settings) -> None:
    settings.BASE_URL = "https://papers.example.org/"
    sent("verify-email", "nora@example.org", CONTEXT)
    assert "https://papers.example.org/\n" in mailoutbox[0].body


@pytest.mark.django_db
def test_links_use_the_requests_address_when_there_is_one(sent, mailoutbox) -> None:
    request = RequestFactory().get("/", HTTP_HOST="localhost")
    sent("verify-email", ["nora@example.org"], CONTEXT, request=request)
    assert "http://localhost/\n" in mailoutbox[0].body


@pytest.mark.django_db(transaction=True)
def test_it_sends_only_after_commit(mailoutbox) -> None:
    with transaction.atomic():
        send_email("verify-email", "nora@example.org", CONTEXT)
        assert mailoutbox == []
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(mailoutbox) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email("verify-email", "nora@example.org", CONTEXT)
        raise RuntimeError("the change failed")
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_mail_server_that_is_down_is_logged_not_raised(sent, settings, caplog) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    sent("verify-email", "nora@example.org", CONTEXT)
    assert "could not send the verify-email email" in caplog.text


# ---------- PAPERWIRE_SMTP_URL ----------

MAIL_DIR = Path("var/mail")


def test_no_url_means_the_console_and_files() -> None:
    config = smtp_settings("", MAIL_DIR)
    assert config["EMAIL_BACKEND"] == "paperwire.mail.DevelopmentBackend"
    assert config["EMAIL_FILE_PATH"] == str(MAIL_DIR)


def test_smtp_is_plain_on_port_25() -> None:
    config = smtp_settings("smtp://mail.example.org", MAIL_DIR)
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["EMAIL_HOST"] == "mail.example.org"
    assert config["EMAIL_PORT"] == 25
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (False, False)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("", "")


def test_starttls_defaults_to_port_587() -> None:
    config = smtp_settings("smtp+starttls://user:secret@mail.example.org", MAIL_DIR)
    assert config["EMAIL_PORT"] == 587
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (True, False)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("user", "secret")


def test_smtps_defaults_to_port_465_and_takes_another_port() -> None:
    assert smtp_settings("smtps://mail.example.org", MAIL_DIR)["EMAIL_PORT"] == 465
    config = smtp_settings("smtps://mail.example.org:2465", MAIL_DIR)
    assert config["EMAIL_PORT"] == 2465
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (False, True)


def test_user_and_password_are_percent_decoded() -> None:
    config = smtp_settings(
        "smtp+starttls://me%40example.org:p%40ss%3Aw%2Fd@mail.example.org", MAIL_DIR
    )
    assert config["EMAIL_HOST_USER"] == "me@example.org"
    assert config["EMAIL_HOST_PASSWORD"] == "p@ss:w/d"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "use smtp://, smtp+starttls:// or smtps://"),
        ("mail.example.org", "without a scheme"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.org:port", "port is not a number"),
    ],
)
def test_a_bad_url_stops_start_up_with_a_message(url: str, message: str) -> None:
    with pytest.raises(SettingError, match="PAPERWIRE_SMTP_URL") as error:
        smtp_settings(url, MAIL_DIR)
    assert message in str(error.value)

"""Behind HTTPS and a reverse proxy: the documented production settings pass Django's
deployment check, the client's address and protocol are believed only from a trusted
proxy, and links in emails use https."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from pytest_django import Settings

from paperwire.proxies import TrustedProxyMiddleware, client_address, networks
from tests.personas import PASSWORD, CsrfClient

ROOT = Path(__file__).resolve().parents[1]


def documented_environment() -> dict[str, str]:
    """The settings block of docs/deploy.md, as an operator would write /etc/paperwire/env."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    block = guide.split("# /etc/paperwire/env", 1)[1].split("```", 1)[0]
    return dict(
        line.split("=", 1) for line in block.splitlines() if re.match(r"PAPERWIRE_\w+=", line)
    )


def test_the_documented_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    documented = documented_environment()
    assert documented["PAPERWIRE_BASE_URL"].startswith("https://")
    # The files the guide keeps secrets in, made here.
    (tmp_path / "secret_key").write_text(secrets.token_urlsafe(50))
    (tmp_path / "smtp_url").write_text("smtp://mail.example.org:587")
    documented["PAPERWIRE_SECRET_KEY_FILE"] = str(tmp_path / "secret_key")
    documented["PAPERWIRE_SMTP_URL_FILE"] = str(tmp_path / "smtp_url")
    documented["PAPERWIRE_VAR_DIR"] = str(tmp_path / "var")
    # Only what a service's environment holds (no test-run variables such as the browser
    # tests' DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env |= documented | {"PYTHONPATH": str(ROOT)}

    done = subprocess.run(
        [sys.executable, "-m", "paperwire.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def seen_by_the_site(settings: Settings, remote: str, **headers: str) -> HttpRequest:
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    request = RequestFactory().get("/papers", REMOTE_ADDR=remote, **headers)
    TrustedProxyMiddleware(lambda r: HttpResponse())(request)
    return request


def test_a_trusted_proxy_names_the_client_and_the_protocol(settings: Settings) -> None:
    request = seen_by_the_site(
        settings,
        "127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 10.1.2.3",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert request.META["REMOTE_ADDR"] == "198.51.100.7"
    assert request.is_secure()


def test_anyone_else_cannot_pretend_to_be_someone_else(settings: Settings) -> None:
    request = seen_by_the_site(
        settings,
        "203.0.113.50",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert request.META["REMOTE_ADDR"] == "203.0.113.50"
    assert not request.is_secure()
    assert "HTTP_X_FORWARDED_FOR" not in request.META


def test_a_client_cannot_hide_behind_a_forged_first_hop() -> None:
    trusted = networks(("127.0.0.1",))
    # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    assert client_address("127.0.0.1", "1.2.3.4, 198.51.100.7", trusted) == "198.51.100.7"
    assert client_address("127.0.0.1", "not-an-address", trusted) == "127.0.0.1"


@pytest.mark.django_db
def test_behind_https_plain_http_is_redirected_but_health_checks_are_not(
    client, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    plain = client.get("/papers", HTTP_X_FORWARDED_PROTO="http")
    secure = client.get("/papers", HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert secure.status_code == 200
    assert client.get("/healthz", HTTP_X_FORWARDED_PROTO="http").status_code == 200


@pytest.mark.django_db
def test_rate_limits_count_per_real_client_behind_the_proxy(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    browsers = {ip: CsrfClient(HTTP_X_FORWARDED_FOR=ip) for ip in ("198.51.100.1", "198.51.100.2")}
    signups = [
        browsers[ip].post_form("/accounts/signup", {"username": ""}).status_code
        for ip in ["198.51.100.1"] * 6 + ["198.51.100.2"]
    ]

    # Five an hour per client: the sixth from the first is refused, the second is not.
    assert signups == [200] * 5 + [429, 200]


@pytest.mark.django_db
def test_links_in_emails_use_https_behind_the_proxy(
    settings: Settings, django_capture_on_commit_callbacks, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    browser = CsrfClient(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="papers.example.org")
    settings.ALLOWED_HOSTS = ["papers.example.org"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://papers.example.org"]
    form = {
        "username": "nora",
        "email": "nora@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post_form(
            "/accounts/signup", form, HTTP_REFERER="https://papers.example.org/accounts/signup"
        )

    assert response.status_code == 302, response.content[:300]
    assert "https://papers.example.org/accounts/verify/" in mailoutbox[0].body

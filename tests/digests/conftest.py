from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from pytest_django import Settings

from paperwire.digests.models import Subscriber
from paperwire.papers.models import Paper
from tests.builders import make_paper, put_on_feed
from tests.smtp_sink import SmtpServer, start_sink

# A Tuesday: its daily edition covers Monday 2026-11-23.
TUESDAY = date(2026, 11, 24)
MONDAY = date(2026, 11, 23)
AFTER_TUESDAY = datetime(2026, 11, 24, 12, tzinfo=UTC)


def make_subscriber(email: str, *, confirmed: bool = True, **fields: object) -> Subscriber:
    return Subscriber.objects.create(
        email=email,
        confirmed_at=datetime(2026, 11, 1, tzinfo=UTC) if confirmed else None,
        **fields,
    )


def monday_papers(count: int = 3) -> list[Paper]:
    """Papers on Monday's feed, the first most upvoted."""
    papers = []
    for n in range(count):
        paper = make_paper(
            f"2611.{n + 1:05d}",
            f"Paper number {n + 1} on sparse attention",
            upvotes=100 - n,
            abstract=f"We study sparse attention, case {n + 1}. It works well.",
        )
        put_on_feed(paper, MONDAY)
        papers.append(paper)
    return papers


@pytest.fixture
def smtp(settings: Settings) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, and Django sending to it."""
    server = start_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.BASE_URL = "http://testserver"
    yield server
    server.sink.released.set()
    server.stop()

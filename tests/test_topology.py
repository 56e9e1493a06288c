"""The scaled-out topology of docs/deploy.md on loopback: PostgreSQL, Redis, two server
processes and two workers. A member signs up on one server, verifies her address and
submits a paper on the other, upvotes on the first, and reads the digest with her paper;
visitors of either server see every change at once.

Runs in the PostgreSQL run (the topology is PostgreSQL's), on the test database with the
test's rows committed; the servers and workers are real processes.
"""

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from paperwire.digests import schedule
from paperwire.digests.models import Subscriber
from paperwire.feed import days
from paperwire.feed.models import DailyEntry
from paperwire.papers.models import Paper
from tests.builders import make_paper
from tests.personas import PASSWORD
from tests.servers import (  # noqa: F401  (redis_url: a fixture)
    PAPERWIRE,
    ROOT,
    database_url,
    redis_url,
    start_server,
    stop,
)
from tests.smtp_sink import SmtpServer, start_sink

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the scaled-out topology is PostgreSQL's: it runs in the PostgreSQL run",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_sink()
    yield server
    server.stop()


@pytest.fixture
def topology(tmp_path: Path, redis_url: str, smtp: SmtpServer) -> Iterator[tuple[list[str], dict]]:  # noqa: F811
    env = {
        **os.environ,
        "PAPERWIRE_VAR_DIR": str(tmp_path),
        "PAPERWIRE_DATABASE_URL": database_url(tmp_path),
        "PAPERWIRE_CACHE_URL": redis_url,
        "PAPERWIRE_SMTP_URL": smtp.url,
        "PAPERWIRE_SECRET_KEY": "one-secret-for-every-machine-" + "x" * 40,
        "PAPERWIRE_SEARCH_EMBEDDER": "off",
        "PYTHONPATH": str(ROOT),
    }
    workers = [
        subprocess.Popen(
            [*PAPERWIRE, "worker", "--trending-every", "2", "--digests-every", "2"],
            env=env,
            cwd=ROOT,
            stdout=(tmp_path / f"worker{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n in range(2)
    ]
    servers: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for n in range(2):
            servers.append(start_server(env, tmp_path / f"server{n}.log"))
        yield [url for url, _process in servers], env
    finally:
        stop([*(process for _url, process in servers), *workers])


def token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]  # type: ignore[index]


def test_a_member_walks_across_two_servers_and_two_workers(
    topology: tuple[list[str], dict], smtp: SmtpServer
) -> None:
    (first, second), env = topology
    paper = make_paper(
        "2612.00042",
        "Sparse attention across machines",
        published_at=timezone.now() - timedelta(days=1),
    )
    visitor = httpx.Client(headers={"Host": "localhost"})
    feed = "/papers/date/" + days.today().isoformat()
    visitor.get(first + feed)  # stored for visitors before anything happens

    with httpx.Client() as nora:
        # Sign up on the first server.
        page = nora.get(first + "/accounts/signup").text
        signed_up = nora.post(
            first + "/accounts/signup",
            data={
                "csrfmiddlewaretoken": token(page),
                "username": "nora",
                "email": "nora@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert signed_up.status_code == 302, signed_up.text[:500]

        # Verify on the second: the link from the email, the session from the first.
        smtp.sink.wait_for(lambda: smtp.sink.to("nora@example.org"), timeout=30)
        link = re.search(
            r"https?://\S+/accounts/verify/\S+", smtp.sink.to("nora@example.org")[0].text
        )[0]  # type: ignore[index]
        verified = nora.get(second + urlsplit(link).path, follow_redirects=True)
        assert verified.status_code == 200

        # Submit on the second server.
        page = nora.get(second + "/papers/submit").text
        submitted = nora.post(
            second + "/papers/submit",
            data={"csrfmiddlewaretoken": token(page), "paper": "2612.00042"},
        )
        assert submitted.status_code == 302, submitted.text[:500]
        assert DailyEntry.objects.filter(paper=paper, day=days.today()).exists()

        # Upvote on the first.
        page = nora.get(first + "/papers/2612.00042").text
        voted = nora.post(
            first + "/papers/2612.00042/upvote",
            data={"csrfmiddlewaretoken": token(page), "vote": "on", "next": "/papers/2612.00042"},
        )
        assert voted.status_code in (200, 302)
        assert Paper.objects.get(pk=paper.pk).upvotes == 1

        # Visitors of either server see the paper and its vote at once.
        for server in (first, second):
            html = visitor.get(server + feed).text
            assert "Sparse attention across machines" in html

        # Subscribe from her settings, then the digest that covers today goes out.
        page = nora.get(second + "/settings").text
        subscribed = nora.post(
            second + "/digest/subscribe/me", data={"csrfmiddlewaretoken": token(page)}
        )
        assert subscribed.status_code in (200, 302)
        assert Subscriber.objects.get(email="nora@example.org").confirmed_at is not None

    # A digest covers feed days already over: as if Nora had done all this on the last
    # day the latest daily edition covers, her entry and subscription move back there.
    edition = schedule.latest_date("daily", days.today())
    last_day = schedule.period("daily", edition)[1]
    DailyEntry.objects.filter(paper=paper).update(day=last_day)
    Subscriber.objects.filter(email="nora@example.org").update(
        confirmed_at=timezone.now() - timedelta(days=30)
    )
    sent = subprocess.run(
        [*PAPERWIRE, "digest", "send", "--kind", "daily", "--no-progress"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert sent.returncode == 0, sent.stderr
    smtp.sink.wait_for(lambda: len(smtp.sink.to("nora@example.org")) >= 2, timeout=30)
    digest = smtp.sink.to("nora@example.org")[-1]
    assert "Sparse attention across machines" in digest.text
    # Both workers ran their loops against the one database.
    health = httpx.get(first + "/healthz").json()
    assert health["status"] == "ok" and health["worker"]["workers_alive"] == 2

"""Two real server processes (`paperwire serve`) on one SQLite file share their state: a
rate limit counts across both, and a page one stored is served by the other until any
process writes. Once with the default cache in files, once with a real redis-server."""

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.servers import PAPERWIRE, ROOT, redis_url, start_server, stop  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="runs its own processes on a SQLite file: the PostgreSQL run would repeat it",
)

SETUP = """
from datetime import date
from tests.builders import make_paper, put_on_feed
put_on_feed(make_paper("2611.00001", "Sparse attention at scale", upvotes=7), date(2026, 11, 24))
"""

RETITLE = """
from paperwire.papers.models import Paper
Paper.objects.filter(arxiv_id="2611.00001").update(title="Dense attention after all")
"""


@pytest.fixture(params=["files", "redis"])
def two_servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, dict]]:
    env = {
        **os.environ,
        "PAPERWIRE_VAR_DIR": str(tmp_path),
        "PAPERWIRE_DATABASE_URL": f"sqlite:///{tmp_path / 'paperwire.sqlite3'}",
        "PAPERWIRE_SEARCH_EMBEDDER": "off",
        "PYTHONPATH": str(ROOT),
    }
    if request.param == "redis":
        env["PAPERWIRE_CACHE_URL"] = request.getfixturevalue("redis_url")
    for args in (["migrate", "--no-input", "-v0"], ["shell", "-c", SETUP]):
        done = subprocess.run(
            [*PAPERWIRE, *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    servers: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for n in range(2):
            servers.append(start_server(env, tmp_path / f"server{n}.log"))
        yield servers[0][0], servers[1][0], env
    finally:
        stop(process for _url, process in servers)


def test_a_rate_limit_counts_across_both_processes(two_servers: tuple[str, str, dict]) -> None:
    first, second, _ = two_servers
    with httpx.Client() as browser:
        page = browser.get(first + "/accounts/signup").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]  # type: ignore[index]
        statuses = [
            browser.post(
                (first, second)[n % 2] + "/accounts/signup",
                data={"csrfmiddlewaretoken": token, "username": ""},
            ).status_code
            for n in range(6)
        ]

    # Sign-ups (here each refused for its empty form) are limited to 5 an hour per address:
    # 3 on one process and 2 on the other, then the next is refused on either.
    assert statuses == [200] * 5 + [429], statuses


def test_a_page_stored_by_one_process_is_fresh_after_a_write_by_any(
    two_servers: tuple[str, str, dict],
) -> None:
    first, second, env = two_servers
    page = "/papers/date/2026-11-24"
    # Behind one proxy, both processes are asked for the same site.
    site = {"Host": "localhost"}

    assert httpx.get(first + page, headers=site).headers["X-Paperwire-Cache"] == "miss"
    served = httpx.get(second + page, headers=site)
    assert served.headers["X-Paperwire-Cache"] == "hit"
    assert "Sparse attention at scale" in served.text

    done = subprocess.run(
        [*PAPERWIRE, "shell", "-c", RETITLE], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

    for url in (first, second):
        assert "Dense attention after all" in httpx.get(url + page, headers=site).text

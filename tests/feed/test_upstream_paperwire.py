"""Another Paperwire as the upstream: a real `paperwire serve` on 127.0.0.1, filled with a
month of real Hugging Face items, mirrored through its API into this database. What one
Paperwire serves, another reads back whole: the same papers on the same days, with the
same upvotes, submitters and organizations."""

import os
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperwire.feed import upstream
from paperwire.feed.models import DailyEntry
from paperwire.papers.models import Paper
from tests.servers import PAPERWIRE, ROOT, start_server, stop

TODAY = date(2026, 8, 21)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def other_paperwire(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("upstream")
    env = {
        **os.environ,
        "PAPERWIRE_VAR_DIR": str(var),
        "PAPERWIRE_DATABASE_URL": f"sqlite:///{var / 'paperwire.sqlite3'}",
        "PAPERWIRE_SEARCH_EMBEDDER": "off",
        "PAPERWIRE_RATELIMIT": "false",
        "PYTHONPATH": str(ROOT),
    }
    month = str(shared_data / "hf-daily-papers" / "2026-08.jsonl.gz")
    for args in (["migrate", "--no-input", "-v0"], ["import-hf-daily", month, "--no-progress"]):
        done = subprocess.run(
            [*PAPERWIRE, *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    url, server = start_server(env, var / "server.log")
    yield url
    stop([server])


def test_a_paperwire_mirrors_another(other_paperwire: str, settings: Any) -> None:
    settings.UPSTREAM_URL = other_paperwire
    settings.UPSTREAM_DAYS = 3

    summary = upstream.mirror_job(today=TODAY)

    assert "unreadable" not in summary
    for back in range(3):
        day = TODAY - timedelta(days=back)
        served = httpx.get(
            f"{other_paperwire}/api/daily_papers", params={"date": day.isoformat(), "limit": 100}
        ).json()
        assert served, day
        theirs = {item["paper"]["id"]: item for item in served}
        ours = {
            entry.paper.arxiv_id: entry
            for entry in DailyEntry.objects.filter(day=day).select_related("paper", "organization")
        }
        assert set(ours) == set(theirs), day
        for arxiv_id, item in theirs.items():
            entry = ours[arxiv_id]
            assert entry.paper.upvotes == item["paper"]["upvotes"], arxiv_id
            assert entry.paper.title == item["paper"]["title"]
            organization = item["paper"].get("organization") or item.get("organization")
            assert (entry.organization.name if entry.organization else None) == (
                organization["name"] if organization else None
            ), arxiv_id
    assert Paper.objects.count() == DailyEntry.objects.values("paper").distinct().count()

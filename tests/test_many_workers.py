"""Three `paperwire worker` processes on one database never do the same work twice, and
one killed in the middle of a job loses nothing: the others finish it.

The job watched is the arXiv queue: ids wait in the database, and a real HTTP server on
127.0.0.1 answers for arXiv, counting what is asked, slowly enough that a worker can be
killed while it holds the job. Runs on SQLite (a file the processes share) and on
PostgreSQL (the test database, with the test's rows committed).
"""

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection

from paperwire.ingest.models import ArxivLookup
from paperwire.ops.models import JobLease
from paperwire.papers.models import Paper
from tests.builders import arxiv_feed
from tests.replay_server import ReplayServer, Reply, SeenRequest
from tests.servers import PAPERWIRE, ROOT, database_url, stop

IDS = [f"2611.{n:05d}" for n in range(1, 13)]

pytestmark = pytest.mark.django_db(transaction=True)


def test_three_workers_fetch_each_queued_paper_once_even_when_one_is_killed(
    tmp_path: Path, replay_server: ReplayServer
) -> None:
    asked: list[str] = []

    def arxiv(request: SeenRequest) -> Reply:
        arxiv_id = request.query["id_list"][0]
        asked.append(arxiv_id)
        published = datetime(2026, 11, 20, tzinfo=UTC)
        return Reply(arxiv_feed(arxiv_id, published), delay=0.4)

    replay_server.route = arxiv
    env = {
        **os.environ,
        "PAPERWIRE_VAR_DIR": str(tmp_path),
        "PAPERWIRE_DATABASE_URL": database_url(tmp_path),
        "PAPERWIRE_SEARCH_EMBEDDER": "off",
        "PAPERWIRE_ARXIV_API_URL": replay_server.url + "/api/query",
        "PAPERWIRE_ARXIV_DELAY": "0",
        "PYTHONPATH": str(ROOT),
    }
    if connection.vendor == "sqlite":
        done = subprocess.run([*PAPERWIRE, "migrate", "--no-input", "-v0"], env=env, cwd=ROOT)
        assert done.returncode == 0
        setup = "from paperwire.ingest.models import ArxivLookup\n" + "".join(
            f"ArxivLookup.objects.create(arxiv_id={i!r})\n" for i in IDS
        )
        assert subprocess.run([*PAPERWIRE, "shell", "-c", setup], env=env, cwd=ROOT).returncode == 0
    else:
        ArxivLookup.objects.bulk_create(ArxivLookup(arxiv_id=i) for i in IDS)

    fast = ["--arxiv-every", "1", "--trending-every", "2"]
    rare = ["--index-every", "3600", "--digests-every", "3600", "--logos-every", "3600"]
    logs = [tmp_path / f"worker{n}.log" for n in range(3)]
    workers = [
        subprocess.Popen(
            [*PAPERWIRE, "worker", *fast, *rare],
            env=env,
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        # Kill whichever worker holds the arXiv job once it is a few papers in.
        deadline = time.monotonic() + 60
        while len(asked) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        holder = sql_value(env, HOLDER)
        victim = next(w for w in workers if holder.endswith(f":{w.pid}"))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        before_kill = len(asked)

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and sql_value(env, COUNT_QUEUED) != "0":
            time.sleep(0.3)
    finally:
        stop(workers)

    stored = sql_value(env, STORED)
    assert stored == str(sorted(IDS))
    assert sql_value(env, COUNT_QUEUED) == "0"
    # Each id asked once; only the one in flight when the worker died may be asked again.
    assert sorted(set(asked)) == IDS
    assert len(asked) <= len(IDS) + 1, asked
    assert before_kill < len(IDS)  # the kill really was mid-job
    # The survivors stopped cleanly, and one of them finished the dead one's job.
    finished = [log.read_text() for log in logs if "queued paper" in log.read_text()]
    assert finished, [log.read_text()[-500:] for log in logs]


HOLDER = (
    "from paperwire.ops.models import JobLease; print(JobLease.objects.get(job='arxiv').holder)"
)
STORED = (
    "from paperwire.papers.models import Paper; "
    "print(sorted(Paper.objects.values_list('arxiv_id', flat=True)))"
)
COUNT_QUEUED = "from paperwire.ingest.models import ArxivLookup; print(ArxivLookup.objects.count())"


def sql_value(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [*PAPERWIRE, "shell", "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_lease_goes_to_one_worker_at_a_time() -> None:
    from paperwire.ops import leases

    assert leases.take("trending", "host-a:1")
    assert not leases.take("trending", "host-b:2")
    leases.give_up("trending", "host-a:1")
    assert leases.take("trending", "host-b:2")
    assert JobLease.objects.get(job="trending").holder == "host-b:2"
    assert not Paper.objects.exists()

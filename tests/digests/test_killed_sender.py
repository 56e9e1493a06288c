"""A `paperwire digest send` killed (SIGKILL) mid-batch, then run again: every
subscriber gets the edition once. Real processes, a real SQLite file, a real SMTP server."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.smtp_sink import start_sink

ROOT = Path(__file__).resolve().parents[2]
PAPERWIRE = [sys.executable, "-m", "paperwire.cli"]
READERS = [f"reader{n:02d}@example.org" for n in range(40)]

SETUP = """
from datetime import UTC, datetime
from paperwire.digests.models import Subscriber
from tests.digests.conftest import MONDAY
from tests.builders import make_paper, put_on_feed

put_on_feed(make_paper("2611.00001", "Sparse attention at scale", upvotes=9), MONDAY)
Subscriber.objects.bulk_create(
    Subscriber(email=e, confirmed_at=datetime(2026, 11, 1, tzinfo=UTC)) for e in {readers!r}
)
"""

COUNT = """
from collections import Counter
from paperwire.digests.models import Delivery
print(dict(Counter(Delivery.objects.values_list("status", flat=True))))
"""


def sent_in(database: Path) -> int:
    with sqlite3.connect(database, timeout=10) as db:
        return int(
            db.execute("SELECT count(*) FROM digests_delivery WHERE status = 'sent'").fetchone()[0]
        )


pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="runs its own processes on a SQLite file: the PostgreSQL run would repeat it",
)


def test_a_killed_sender_run_again_sends_each_copy_once(tmp_path: Path) -> None:
    smtp = start_sink()
    env = {
        **os.environ,
        "PAPERWIRE_VAR_DIR": str(tmp_path),
        "PAPERWIRE_DATABASE_URL": f"sqlite:///{tmp_path / 'paperwire.sqlite3'}",
        "PAPERWIRE_SMTP_URL": smtp.url,
        "PAPERWIRE_SEARCH_EMBEDDER": "off",
        "PYTHONPATH": str(ROOT),
    }

    def paperwire(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PAPERWIRE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    try:
        assert paperwire("migrate", "--no-input", "-v0").returncode == 0
        setup = paperwire("shell", "-c", SETUP.format(readers=READERS))
        assert setup.returncode == 0, setup.stderr
        send = ["digest", "send", "--kind", "daily", "--date", "2026-11-24", "--no-progress"]

        # The server takes 15 messages, then holds every next one at MAIL FROM: the
        # sender has recorded what was accepted and waits on the network when it dies.
        smtp.sink.hold_after = 15
        process = subprocess.Popen(
            [*PAPERWIRE, *send], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        smtp.sink.wait_for(lambda: smtp.sink.mail_commands >= 16, timeout=60)
        # Connections in flight may each have passed the check: 15 or a few more.
        database = tmp_path / "paperwire.sqlite3"
        smtp.sink.wait_for(lambda: sent_in(database) == len(smtp.sink.received), timeout=10)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
        before = len(smtp.sink.received)
        assert 15 <= before < 40
        smtp.sink.hold_after = None
        smtp.sink.released.set()

        again = paperwire(*send)
        assert again.returncode == 0, again.stderr
        assert f"{40 - before} sent" in again.stdout
        assert sorted(smtp.sink.recipients()) == READERS  # each once: no duplicate, no gap
        assert paperwire("shell", "-c", COUNT).stdout.splitlines()[-1] == "{'sent': 40}"
        assert "0 sent" in paperwire(*send).stdout  # and a third run is a no-op
        assert len(smtp.sink.received) == 40
    finally:
        smtp.sink.released.set()
        smtp.stop()

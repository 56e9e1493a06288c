"""`paperwire backup` while Paperwire writes, then `paperwire restore` on a fresh install:
everything committed before the copy is back. Real processes on a real SQLite file; on
PostgreSQL, pg_dump's copy of the database lists every table."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
PAPERWIRE = [sys.executable, "-m", "paperwire.cli"]

SETUP = """
from datetime import date
from tests.builders import make_paper, put_on_feed
for n in range(200):
    put_on_feed(make_paper(f"2611.{n:05d}", f"Paper number {n}", upvotes=n), date(2026, 11, 24))
"""
# Keeps writing while the copy is taken: new papers, one transaction each.
WRITER = """
import time
from tests.builders import make_paper
deadline = time.monotonic() + 4
n = 0
while time.monotonic() < deadline:
    make_paper(f"2612.{n:05d}", f"Written during the backup {n}")
    n += 1
print(n)
"""
COUNT = "from paperwire.papers.models import Paper; print(Paper.objects.count())"


def install(var: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PAPERWIRE_VAR_DIR": str(var),
        "PAPERWIRE_DATABASE_URL": f"sqlite:///{var / 'paperwire.sqlite3'}",
        "PAPERWIRE_SEARCH_EMBEDDER": "off",
        "PYTHONPATH": str(ROOT),
    }


def paperwire(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PAPERWIRE, *args], env=env, cwd=ROOT, capture_output=True, text=True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own backup; see below")
def test_a_copy_taken_while_writing_restores_on_a_fresh_install(tmp_path: Path) -> None:
    live = install(tmp_path / "live")
    assert paperwire(live, "migrate", "--no-input", "-v0").returncode == 0
    assert paperwire(live, "shell", "-c", SETUP).returncode == 0
    writer = subprocess.Popen(
        [*PAPERWIRE, "shell", "-c", WRITER], env=live, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    time.sleep(1)
    copy = tmp_path / "backups" / "paperwire.sqlite3"
    taken = paperwire(live, "backup", str(copy))
    written = int(writer.communicate(timeout=60)[0].split()[-1])
    assert taken.returncode == 0, taken.stderr
    assert "MiB" in taken.stdout
    assert written > 0

    fresh = install(tmp_path / "fresh")
    restored = paperwire(fresh, "restore", str(copy))
    assert restored.returncode == 0, restored.stderr
    count = int(paperwire(fresh, "shell", "-c", COUNT).stdout.split()[-1])
    # All 200 from before, and the papers written during the copy up to its moment.
    assert 200 <= count <= 200 + written
    assert paperwire(fresh, "migrate", "--check").returncode == 0
    # Search finds what was restored once its index is rebuilt from the restored database
    # (the worker's index job does it; `reindex` at once).
    assert paperwire(fresh, "reindex", "--no-progress").returncode == 0
    found = paperwire(fresh, "papers", "search", "Paper number 150", "--json")
    assert '"2611.00150"' in found.stdout, found.stderr

    # A second copy to the same file is refused; a file that is not a copy restores nothing.
    again = paperwire(live, "backup", str(copy))
    assert again.returncode != 0 and "exists" in again.stderr
    (tmp_path / "junk").write_text("not a database")
    bad = paperwire(fresh, "restore", str(tmp_path / "junk"))
    assert bad.returncode != 0 and "not an SQLite database" in bad.stderr
    assert int(paperwire(fresh, "shell", "-c", COUNT).stdout.split()[-1]) == count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is PostgreSQL's")
@pytest.mark.django_db
def test_pg_dump_copies_every_table(tmp_path: Path) -> None:
    copy = tmp_path / "paperwire.dump"
    call_command("backup", str(copy))

    listing = subprocess.run(
        ["pg_restore", "--list", str(copy)], capture_output=True, text=True, check=True
    ).stdout
    for table in ("papers_paper", "feed_dailyentry", "accounts_organization", "ops_heartbeat"):
        assert f"TABLE public {table}" in listing
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(copy))

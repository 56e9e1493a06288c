"""`paperwire harvest`: in process for its output, and as a real process for the kill test."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.core.management import CommandError, call_command
from psycopg.sql import SQL, Identifier

from paperwire.ingest.models import HarvestCheckpoint
from paperwire.ingest.oai_parse import parse_list_records
from paperwire.papers.models import Paper
from tests.ingest.fixtures.oai.pages import chain, chain_route, split, token_for
from tests.replay_server import ReplayServer

TRIMMED5 = "listrecords_oai_dc_cs_from2024-01-25_page1_trimmed5.xml"
PAGE153 = "listrecords_oai_dc_cs_from2024-01-26_cursor1000_153rec.xml"


@pytest.fixture
def arxiv_pages(shared_data: Path) -> list[bytes]:
    folder = shared_data / "arxiv" / "fixtures" / "oai_pmh_arxiv"
    return [(folder / TRIMMED5).read_bytes(), (folder / PAGE153).read_bytes()]


@pytest.fixture
def rejected(shared_data: Path) -> bytes:
    return (
        shared_data / "arxiv" / "fixtures" / "oai_pmh_generic_sickle" / "badResumptionToken.xml"
    ).read_bytes()


# --- In process ---------------------------------------------------------------


def run_harvest(*argv: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("harvest", *argv, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_harvests_and_prints_a_one_line_summary(
    replay_server: ReplayServer, settings: Any, arxiv_pages: list[bytes], rejected: bytes
) -> None:
    settings.ARXIV_OAI_URL = replay_server.url
    replay_server.route = chain_route(chain(arxiv_pages), rejected=rejected)

    out, _ = run_harvest("--set", "cs", "--from", "2024-01-25", "--delay", "0")

    assert out.count("\n") == 1
    assert out.startswith(
        "Harvested set cs from 2024-01-25 (oai_dc): 158 records in 2 pages "
        "(158 new, 0 updated, 0 unchanged; 0 deleted and 0 non-paper records skipped); complete"
    )
    assert Paper.objects.count() == 158


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-13-01"], "--from '2026-13-01' is not a date (use YYYY-MM-DD)"),
        (["--until", "yesterday"], "--until 'yesterday' is not a date (use YYYY-MM-DD)"),
        (["--from", "20261101"], "--from '20261101' is not a date (use YYYY-MM-DD)"),
        (["--from", "2026-11-05", "--until", "2026-11-01"], "from 2026-11-05 is after until"),
        (["--metadata-prefix", "marc21"], "unknown metadata prefix 'marc21' (use oai_dc or arXiv)"),
        (["--set", "c s"], "'c s' is not an OAI-PMH set"),
        (["--delay", "-1"], "--delay '-1' is not a number of seconds (0 or more)"),
        (["--delay", "nan"], "--delay 'nan' is not a number of seconds"),
    ],
)
@pytest.mark.django_db
def test_bad_arguments_are_a_one_line_error_that_changes_nothing(
    replay_server: ReplayServer, settings: Any, argv: list[str], message: str
) -> None:
    settings.ARXIV_OAI_URL = replay_server.url

    with pytest.raises(CommandError) as caught:
        run_harvest(*argv)

    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert replay_server.requests == [] and not HarvestCheckpoint.objects.exists()


@pytest.mark.django_db
def test_a_failing_harvest_is_a_command_error_naming_the_page(
    replay_server: ReplayServer, settings: Any, arxiv_pages: list[bytes], rejected: bytes
) -> None:
    settings.ARXIV_OAI_URL = replay_server.url
    replay_server.route = chain_route({"": chain(arxiv_pages)[""]}, rejected=b"broken")

    with pytest.raises(
        CommandError, match=r"^ListRecords page 2 \(resumptionToken=7001234\|1001\)"
    ):
        run_harvest("--set", "cs", "--delay", "0")


# --- As a real process ------------------------------------------------------------


@dataclass
class ScratchDatabase:
    """An empty database of the run's kind, for `paperwire` processes of their own."""

    url: str

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite:"):
            with sqlite3.connect(urlsplit(self.url).path) as connection:
                return connection.execute(sql).fetchall()
        with psycopg.connect(self.url) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[ScratchDatabase]:
    # Not the test database: the process must commit for real, and be killed mid-way.
    server_url = os.environ.get("PAPERWIRE_DATABASE_URL", "")
    if not server_url.startswith(("postgres:", "postgresql:", "pgsql:")):
        yield ScratchDatabase(f"sqlite:///{tmp_path / 'harvest.sqlite3'}")
        return
    name = f"paperwire_harvest_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))
    try:
        yield ScratchDatabase(urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name)))


def process_env(database: ScratchDatabase, server: ReplayServer, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PAPERWIRE_DATABASE_URL": database.url,
        "PAPERWIRE_VAR_DIR": str(tmp_path / "var"),
        "PAPERWIRE_ARXIV_OAI_URL": f"{server.url}/oai",
        "PAPERWIRE_ARXIV_DELAY": "0",
    }


PAPERWIRE = [sys.executable, "-m", "paperwire.cli"]
HARVEST = [*PAPERWIRE, "harvest", "--set", "cs", "--from", "2024-01-25"]


def wait_for_requests(server: ReplayServer, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while len(server.requests) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the harvest never asked for the page"
        time.sleep(0.02)


def test_a_killed_harvest_resumes_at_the_first_page_not_committed(
    replay_server: ReplayServer,
    scratch_database: ScratchDatabase,
    tmp_path: Path,
    arxiv_pages: list[bytes],
    rejected: bytes,
) -> None:
    env = process_env(scratch_database, replay_server, tmp_path)
    subprocess.run([*PAPERWIRE, "migrate", "--no-input"], env=env, check=True, capture_output=True)
    pages = [arxiv_pages[0], *split(arxiv_pages[1], 3)]  # 5 + 51 + 51 + 51 genuine records
    served = chain(pages)
    page3 = token_for(2)
    replay_server.route = chain_route(served, rejected=rejected, hang=page3)

    # Page 3 never comes: the process waits on it and is killed there.
    process = subprocess.Popen(HARVEST, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_requests(replay_server, 3, process)
        process.send_signal(signal.SIGKILL)
    finally:
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    # The page 2 commit happened before page 3 was asked for.
    papers_of = [{r.arxiv_id for r in parse_list_records(p, "").records} for p in pages]
    stored = {row[0] for row in scratch_database.rows("SELECT arxiv_id FROM papers_paper")}
    assert stored == papers_of[0] | papers_of[1]
    [(token, saved_pages, records, completed)] = scratch_database.rows(
        "SELECT resumption_token, pages, records, completed_at FROM ingest_harvestcheckpoint"
    )
    assert (token, saved_pages, records, completed) == (page3, 2, 56, None)

    replay_server.route = chain_route(served, rejected=rejected)
    before = len(replay_server.requests)
    rerun = subprocess.run(HARVEST, env=env, capture_output=True, text=True, timeout=60)

    assert rerun.returncode == 0, rerun.stderr
    after = [seen.query for seen in replay_server.requests[before:]]
    assert after == [
        {"verb": ["ListRecords"], "resumptionToken": [page3]},
        {"verb": ["ListRecords"], "resumptionToken": [token_for(3)]},
    ]
    assert "Resuming at page 3 with the saved resumption token." in rerun.stderr
    assert "102 records in 2 pages" in rerun.stdout and "resumed at page 3" in rerun.stdout
    ids = [row[0] for row in scratch_database.rows("SELECT arxiv_id FROM papers_paper")]
    assert sorted(ids) == sorted(set().union(*papers_of)) and len(ids) == 158
    [(token, saved_pages, records, completed)] = scratch_database.rows(
        "SELECT resumption_token, pages, records, completed_at FROM ingest_harvestcheckpoint"
    )
    # Every record counted once: no page was committed twice.
    assert (token, saved_pages, records) == ("", 4, 158) and completed is not None


def test_bad_arguments_exit_non_zero_with_one_line(
    replay_server: ReplayServer, scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    env = process_env(scratch_database, replay_server, tmp_path)

    done = subprocess.run(
        [*PAPERWIRE, "harvest", "--from", "2026-13-01"], env=env, capture_output=True, text=True
    )

    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr == "CommandError: --from '2026-13-01' is not a date (use YYYY-MM-DD)\n"
    assert replay_server.requests == []

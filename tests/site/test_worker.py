import importlib
import logging
import os
import signal
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from paperwire.feed.models import TrendingScore
from tests.builders import make_paper, put_on_feed

worker = importlib.import_module("paperwire.site.management.commands.worker")

pytestmark = pytest.mark.django_db


def recent_paper_with_upvotes(arxiv_id: str = "2608.00001", upvotes: int = 5) -> None:
    """A paper that went on today's feed an hour ago."""
    at = timezone.now() - timedelta(hours=1)
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    put_on_feed(make_paper(arxiv_id, upvotes=upvotes), at.date(), after=at - midnight)


def test_refresh_trending_recomputes_every_score_and_says_how_many() -> None:
    recent_paper_with_upvotes("2608.00001")
    recent_paper_with_upvotes("2608.00002")
    out = StringIO()

    call_command("refresh-trending", stdout=out)

    assert out.getvalue() == (
        "Refreshed 2 trending scores (papers first on the feed in the last 7 days, with upvotes).\n"
    )
    assert TrendingScore.objects.count() == 2


def test_refresh_trending_on_an_empty_site_refreshes_nothing() -> None:
    out = StringIO()

    call_command("refresh-trending", stdout=out)

    assert out.getvalue().startswith("Refreshed 0 trending scores")


def test_worker_once_runs_each_job_once_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    recent_paper_with_upvotes()

    with caplog.at_level(logging.INFO, logger="paperwire.worker"):
        call_command("worker", "--once")

    assert TrendingScore.objects.count() == 1
    assert any(m.startswith("trending: 1 trending score refreshed in ") for m in caplog.messages)


def test_worker_once_fails_with_a_message_when_a_job_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> str:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(worker, "PERIODIC_JOBS", [worker.PeriodicJob("broken", broken, 60, "x")])

    with pytest.raises(CommandError, match="these jobs failed: broken"):
        call_command("worker", "--once")

    assert "broken: failed after" in caplog.text and "the database went away" in caplog.text


def test_every_job_gets_its_own_interval_option() -> None:
    with pytest.raises(CommandError, match="--trending-every"):
        call_command("worker", "--once", "--trending-every", "0")


def job_recorder(monkeypatch: pytest.MonkeyPatch, during: object = None) -> list[str]:
    """Replace the jobs by one that records each run, calling `during` inside it."""
    runs: list[str] = []

    def job() -> str:
        runs.append("started")
        if callable(during):
            during()
        runs.append("finished")
        return "recorded"

    monkeypatch.setattr(worker, "PERIODIC_JOBS", [worker.PeriodicJob("record", job, 1, "x")])
    return runs


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_running_job_finish_then_the_worker_stops(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runs = job_recorder(monkeypatch, during=lambda: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)

    with caplog.at_level(logging.INFO, logger="paperwire.worker"):
        call_command("worker")  # returns, so `paperwire worker` exits 0

    assert runs == ["started", "finished"]
    assert "worker: SIGTERM received, stopping" in caplog.messages
    assert "worker: stopped" in caplog.messages
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.django_db(transaction=True)
def test_a_signal_wakes_the_worker_while_it_waits_for_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = job_recorder(monkeypatch)
    threading.Timer(0.3, os.kill, [os.getpid(), signal.SIGINT]).start()

    # An hour between runs: only the signal can end this call quickly.
    call_command("worker", "--record-every", "3600")

    assert runs == ["started", "finished"]


@pytest.mark.django_db(transaction=True)
def test_a_job_with_a_backlog_runs_again_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    left = [3]  # rounds of work waiting
    runs: list[float] = []

    def job() -> str:
        runs.append(time.monotonic())
        left[0] -= 1
        if left[0] == 0:
            os.kill(os.getpid(), signal.SIGTERM)  # the last round: stop after it
        return "did a round"

    backlog_job = worker.PeriodicJob("drain", job, 3600, "x", backlog=lambda: left[0] > 0)
    monkeypatch.setattr(worker, "PERIODIC_JOBS", [backlog_job])
    guard = threading.Timer(30, os.kill, [os.getpid(), signal.SIGINT])  # should it wait
    guard.start()
    try:
        call_command("worker")
    finally:
        guard.cancel()

    # Three rounds back to back: none waited for the hour between runs.
    assert len(runs) == 3 and runs[-1] - runs[0] < 20

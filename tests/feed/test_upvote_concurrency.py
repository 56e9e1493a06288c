"""Many members voting at once: the shown count always equals the stored votes.

Each thread has its own database connection, as each request of a real server
does, and all of them start together at a barrier.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections

from paperwire.feed.days import today
from paperwire.feed.models import Upvote
from paperwire.feed.services import do_set_upvote
from paperwire.papers.models import Paper
from tests.builders import make_paper, put_on_feed
from tests.personas import make_user

MEMBERS = 20
BASES = {"2502.08021": 0, "2502.08022": 41, "2502.08023": 7}


def run_together(jobs: list[Callable[[], None]]) -> None:
    """Run each job in its own thread, released at once; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as e:  # re-raised in the test thread below
            failures.append(e)
        finally:
            connection.close()  # this thread's connection, not the test's

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a voter is still waiting"
    if failures:
        raise failures[0]


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[None]:
    """Connections opened by other threads meet the test's data in a real database file.

    SQLite's test database lives in memory in shared-cache mode, where a second
    writer fails at once with "database table is locked" instead of waiting on
    busy_timeout as writers to the real database file do. So on SQLite the data
    is copied to a file for the threads, which run as the site does: WAL,
    IMMEDIATE transactions, busy_timeout. PostgreSQL needs nothing.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    path = tmp_path / "voters.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    settings_dict = connections.settings[connection.alias]
    memory_name = settings_dict["NAME"]
    # New connections (one per thread) read NAME; the test thread keeps its open
    # in-memory connection, whose closing would drop the test database.
    settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        settings_dict["NAME"] = memory_name


def in_a_thread(job: Callable[[], None]) -> None:
    run_together([job])


@pytest.mark.django_db(transaction=True)
def test_counts_stay_exact_when_many_members_vote_and_toggle_at_once(tmp_path: Path) -> None:
    papers = [make_paper(arxiv_id, upvotes=base) for arxiv_id, base in BASES.items()]
    for paper in papers:
        put_on_feed(paper, today())
    members = [make_user(f"member{n:02}") for n in range(MEMBERS)]
    # Member n presses the button of paper p (n + p) % 3 + 1 times: an odd count
    # leaves a vote, an even one takes it back.
    presses = {
        (member.pk, paper.pk): (n + p) % 3 + 1
        for n, member in enumerate(members)
        for p, paper in enumerate(papers)
    }

    def voter(member: User) -> Callable[[], None]:
        def vote() -> None:
            for paper in papers:
                for press in range(presses[(member.pk, paper.pk)]):
                    do_set_upvote(member, paper, press % 2 == 0)

        return vote

    # The first member also double-clicks the first paper: two requests at once, both
    # asking for the vote the button showed (on): they cannot undo each other.
    double_click = [lambda: do_set_upvote(members[0], papers[0], True)] * 2
    observed: dict[str, object] = {}

    def observe() -> None:
        observed["counts"] = dict(Paper.objects.values_list("arxiv_id", "upvotes"))
        observed["votes"] = set(Upvote.objects.values_list("user_id", "paper_id"))
        observed["rows"] = Upvote.objects.count()

    with shared_database(tmp_path):
        run_together([voter(member) for member in members] + double_click)
        in_a_thread(observe)

    votes = observed["votes"]
    assert isinstance(votes, set)
    assert observed["rows"] == len(votes), "a member has two votes for one paper"
    for paper in papers:
        cast = sum(1 for _, paper_id in votes if paper_id == paper.pk)
        assert observed["counts"][paper.arxiv_id] == BASES[paper.arxiv_id] + cast  # type: ignore[index]
    # Each member's own presses ran one after another, and the double click asked for
    # the vote that member's one press leaves: every outcome is certain.
    expected = {key for key, n in presses.items() if n % 2 == 1}
    assert (members[0].pk, papers[0].pk) in expected
    assert votes == expected


@pytest.mark.django_db(transaction=True)
def test_api_votes_sent_at_once_end_in_the_state_asked_for(tmp_path: Path) -> None:
    from django.test import Client

    from paperwire.accounts.api_tokens import do_create_token

    paper = make_paper("2502.08021", upvotes=41)
    _, secret = do_create_token(make_user("alice"), "script", "write")
    url = f"/api/papers/{paper.arxiv_id}/upvote"
    headers = {"Authorization": f"Bearer {secret}"}
    answers: list[dict[str, object]] = []

    def request(method: str) -> Callable[[], None]:
        def send() -> None:
            response = getattr(Client(), method)(url, headers=headers)
            assert response.status_code == 200, response.content
            answers.append(response.json())

        return send

    counts: list[tuple[int, int]] = []

    def observe() -> None:
        counts.append((Paper.objects.get(pk=paper.pk).upvotes, Upvote.objects.count()))

    with shared_database(tmp_path):
        run_together([request("post")] * 6)
        in_a_thread(observe)
        assert answers == [{"upvoted": True, "upvotes": 42}] * 6
        answers.clear()
        run_together([request("delete")] * 6)
        in_a_thread(observe)
        assert answers == [{"upvoted": False, "upvotes": 41}] * 6
    assert counts == [(42, 1), (41, 0)]

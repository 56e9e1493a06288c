"""Compose and send a daily digest edition to 10,000 subscribers with personal sections.

A fresh SQLite database gets a busy feed day (80 real arXiv records from
../shared/data/arxiv, random upvotes) and N subscribers: every one takes the top
5 or 10 papers; about half also follow 1-3 of the day's categories, a third keep a
saved search, a fifth follow authors of the day. The SMTP server is aiosmtpd on
127.0.0.1 in a separate process that counts what it accepts, so the figure is the
sender's own: compose, enqueue, render each message and hand it over SMTP, and
record it in the send log.

    .venv/bin/python bench/digest_send.py [--subscribers 10000] [--runs 3]
"""

import argparse
import gzip
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT.parent / "shared" / "data" / "arxiv" / "arxiv-abs-kaggle-like.jsonl.gz"
TUESDAY, MONDAY = date(2026, 11, 24), date(2026, 11, 23)
QUERIES = [
    "neural network", "quantum", "magnetic field", "black hole", "graph", "lattice",
    '"dark matter"', "spin", "entropy", "random", "optimization", "gauge theory",
    "superconductivity", "galaxy", "scattering", "algorithm", "learning", "symmetry",
    "phase transition", "cosmology",
]  # fmt: skip


def sink(port: int, count: Any, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(subscribers: int, seed: int = 11) -> None:
    from paperwire.digests.models import SavedSearch, Subscriber
    from paperwire.feed.models import DailyEntry
    from paperwire.ingest.kaggle import paper_record
    from paperwire.ingest.upsert import upsert_papers
    from paperwire.papers.models import Author, Paper

    rng = random.Random(seed)
    lines = gzip.decompress(RECORDS.read_bytes()).splitlines()
    records = [paper_record(json.loads(line)) for line in rng.sample(lines, 80)]
    upsert_papers(records)
    papers = list(Paper.objects.all())
    for paper in papers:
        paper.upvotes = rng.randint(0, 120)
    Paper.objects.bulk_update(papers, ["upvotes"])
    DailyEntry.objects.bulk_create(
        DailyEntry(paper=p, day=MONDAY, submitted_at=datetime(2026, 11, 23, 9, tzinfo=UTC))
        for p in papers
    )
    codes = sorted(
        {c for p in papers for c in p.paper_categories.values_list("category_id", flat=True)}
    )
    authors = list(Author.objects.filter(authorships__paper__in=papers).distinct())
    confirmed = datetime(2026, 11, 1, tzinfo=UTC)
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"reader{n:05d}@example.org", confirmed_at=confirmed, top_n=rng.choice([5, 10])
        )
        for n in range(subscribers)
    )
    through_categories, through_authors, searches = [], [], []
    for subscriber in Subscriber.objects.all():
        if rng.random() < 0.5:
            for code in rng.sample(codes, rng.randint(1, 3)):
                through_categories.append(
                    Subscriber.categories.through(subscriber_id=subscriber.pk, category_id=code)
                )
        if rng.random() < 0.33:
            searches.append(SavedSearch(subscriber=subscriber, query=rng.choice(QUERIES)))
        if rng.random() < 0.2:
            for author in rng.sample(authors, rng.randint(1, 3)):
                through_authors.append(
                    Subscriber.authors.through(subscriber_id=subscriber.pk, author_id=author.pk)
                )
    Subscriber.categories.through.objects.bulk_create(through_categories)
    Subscriber.authors.through.objects.bulk_create(through_authors)
    SavedSearch.objects.bulk_create(searches)


def one_run() -> dict[str, float]:
    from paperwire.digests.compose import compose
    from paperwire.digests.models import DigestEdition
    from paperwire.digests.sending import enqueue, receiving, send_edition

    DigestEdition.objects.all().delete()
    started = time.perf_counter()
    edition = compose("daily", TUESDAY)
    enqueue(edition, receiving("daily"))
    queued = time.perf_counter()
    report = send_edition(edition)
    finished = time.perf_counter()
    assert report.ok and report.waiting == 0, report.summary()
    return {
        "sent": report.sent,
        "skipped": report.skipped,
        "compose_enqueue_s": queued - started,
        "send_s": finished - queued,
        "total_s": finished - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not RECORDS.exists():
        print(f"needs {RECORDS} (../shared/data beside the checkout)", file=sys.stderr)
        return 1

    port = free_port()
    count, ready, stop = (
        multiprocessing.Value("i", 0),
        multiprocessing.Event(),
        multiprocessing.Event(),
    )
    server = multiprocessing.Process(target=sink, args=(port, count, ready, stop), daemon=True)
    server.start()
    ready.wait(10)

    var = Path(tempfile.mkdtemp(prefix="paperwire-bench-digest-"))
    os.environ.update(
        PAPERWIRE_VAR_DIR=str(var),
        PAPERWIRE_DATABASE_URL=f"sqlite:///{var / 'bench.sqlite3'}",
        PAPERWIRE_SMTP_URL=f"smtp://127.0.0.1:{port}",
        PAPERWIRE_SEARCH_EMBEDDER="off",
        DJANGO_SETTINGS_MODULE="paperwire.settings",
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(args.subscribers)
    took = time.perf_counter() - started
    print(f"filled: 80 papers on one feed day, {args.subscribers} subscribers in {took:.1f} s")

    results = []
    for run in range(args.runs):
        before = count.value
        result = one_run()
        received = count.value - before
        assert received == result["sent"], (received, result)
        rate = result["sent"] / result["send_s"]
        results.append({**result, "rate": rate, "overall": result["sent"] / result["total_s"]})
        print(
            f"run {run + 1}: {int(result['sent'])} sent, {int(result['skipped'])} with nothing "
            f"for them; compose+enqueue {result['compose_enqueue_s']:.2f} s, "
            f"send {result['send_s']:.1f} s = {rate:.0f} messages/s "
            f"({results[-1]['overall']:.0f}/s overall); the server received {received}"
        )
    sending = statistics.median(r["rate"] for r in results)
    overall = statistics.median(r["overall"] for r in results)
    print(
        f"median of {args.runs}: {sending:.0f} messages/s sending, "
        f"{overall:.0f} messages/s including composing (target >= 200/s)"
    )
    stop.set()
    server.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())

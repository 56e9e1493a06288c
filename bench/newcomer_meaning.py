"""How long a newcomer waits for search by meaning: `make run`, then the README's import of the
Hugging Face daily papers, timed from the start of the import until every paper has a vector
(a draft first, see paperwire.search.dense), a search is by meaning and a paper page lists
similar papers; then, until every draft is replaced by a full vector (--no-full: not waited for).

Run it in a fresh clone (its own .venv is made by `make run`, and counted apart), with port 8000
free:

    git clone . /tmp/newcomer && cd /tmp/newcomer
    python3 bench/newcomer_meaning.py [--data ../shared/data/hf-daily-papers]

One run (the import is the first of a new database); the target, 3 minutes, is printed beside.
"""

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "hf-daily-papers"
TARGET_MINUTES = 3
BASE = "http://127.0.0.1:8000"


def get(path: str) -> str:
    with urllib.request.urlopen(BASE + path, timeout=30) as response:  # noqa: S310 (loopback)
        return str(response.read().decode())


def counts(database: Path) -> tuple[int, int, int]:
    """(papers, papers with a vector, papers with a full vector) from the install's SQLite."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        papers = db.execute("SELECT count(*) FROM papers_paper").fetchone()[0]
        embedded = db.execute("SELECT count(*) FROM search_paperembedding").fetchone()[0]
        full = db.execute(
            "SELECT count(*) FROM search_paperembedding WHERE model = 'all-MiniLM-L6-v2'"
        ).fetchone()[0]
    return papers, embedded, full


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--timeout", type=int, default=1800, help="give up after (seconds)")
    parser.add_argument("--no-full", action="store_true", help="do not wait for full vectors")
    args = parser.parse_args()
    files = sorted(args.data.glob("*.jsonl.gz"))
    if not files:
        print(f"skipped: no {args.data}/*.jsonl.gz beside this checkout")
        return 0
    if (ROOT / "var").exists():
        print(f"{ROOT / 'var'} exists: run this in a fresh clone (a newcomer has no var/)")
        return 1
    started = time.monotonic()
    server = subprocess.Popen(["make", "run"], cwd=ROOT, start_new_session=True)  # noqa: S607
    try:
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() - started > args.timeout:
                    print("make run did not start serving")
                    return 1
                time.sleep(1)
        print(f"make run: serving after {time.monotonic() - started:.0f} s (install included)")
        database = ROOT / "var" / "paperwire.sqlite3"
        paperwire = str(ROOT / ".venv" / "bin" / "paperwire")
        begun = time.monotonic()
        command = [paperwire, "import-hf-daily", "--no-progress", *map(str, files)]
        subprocess.run(command, cwd=ROOT, check=True)
        imported = time.monotonic() - begun
        papers, embedded, _ = counts(database)
        print(f"import: {papers} papers in {imported:.0f} s; {embedded} embedded by then")
        while True:
            papers, embedded, full = counts(database)
            if embedded >= papers or time.monotonic() - begun > args.timeout:
                break
            time.sleep(2)
        everything = time.monotonic() - begun
        # What a visitor sees: a search by meaning, a paper page's similar papers.
        arxiv_id = (
            sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            .execute("SELECT arxiv_id FROM papers_paper ORDER BY id DESC LIMIT 1")
            .fetchone()[0]
        )
        page = get(f"/papers/{arxiv_id}")
        results = get("/search?q=teaching+robots+to+grasp+objects")
        similar = "similar__pending" not in page and 'id="similar-title"' in page
        by_meaning = "search-notice--lexical" not in results
        print(
            f"meaning search for all {papers} papers: {everything / 60:.1f} min after the import "
            f"began (target <= {TARGET_MINUTES} min; import {imported:.0f} s, then "
            f"{everything - imported:.0f} s of embedding); {embedded} embedded; "
            f"similar papers shown: {similar}; search by meaning: {by_meaning}; "
            f"{full} with full vectors by then"
        )
        if not (embedded >= papers and similar and by_meaning):
            return 1
        while not args.no_full and full < papers and time.monotonic() - begun < args.timeout:
            time.sleep(5)
            papers, embedded, full = counts(database)
        if not args.no_full:
            done = time.monotonic() - begun
            print(
                f"full vectors for {full} of {papers} papers: {done / 60:.1f} min after the "
                "import began"
            )
        return 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())

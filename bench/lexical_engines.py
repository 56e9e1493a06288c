"""Embedded lexical engines for SQLite installs: SQLite FTS5 bm25() against tantivy.

Both index the same generated corpus (bench/search_latency.py's: real abstracts of SciFact
and arXiv cs, recombined) and answer SciFact's real training queries as Paperwire asks them:
the query's words as alternatives (stop words dropped), the best 1,000 by BM25.

    .venv/bin/python bench/lexical_engines.py [--papers 1000000] [--queries 200]
"""

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import DATA, base_documents, percentile

DEPTH = 1000


def corpus(size: int) -> list[tuple[int, str, str]]:
    import numpy as np

    docs = base_documents()
    rng = np.random.default_rng(5)
    out = []
    for i in range(size):
        a, b = (i, i) if i < len(docs) else (int(x) for x in rng.integers(0, len(docs), 2))
        title, abstract = docs[a]
        if a != b:
            left, right = abstract.split(". "), docs[b][1].split(". ")
            abstract = ". ".join(left[: max(1, len(left) // 2)] + right[len(right) // 2 :])
        out.append((i + 1, title, abstract))
    return out


def word_lists(count: int) -> list[list[str]]:
    from paperwire.search.beir import load_beir
    from paperwire.search.lexical import split_query
    from paperwire.search.query import parse_query

    texts = list(load_beir(DATA / "scifact", "train").queries.values())[:count]
    return [[t.text for t in split_query(parse_query(text)).optional] for text in texts]


def timed(run, queries: list[list[str]]) -> list[float]:  # type: ignore[no-untyped-def]
    for words in queries[:5]:
        run(words)
    out = []
    for words in queries:
        started = time.perf_counter()
        run(words)
        out.append((time.perf_counter() - started) * 1000)
    return out


def fts5(papers: list[tuple[int, str, str]], scratch: Path, queries: list[list[str]]) -> None:
    db = sqlite3.connect(scratch / "fts5.sqlite3")
    db.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, abstract, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    started = time.perf_counter()
    db.executemany("INSERT INTO f (rowid, title, abstract) VALUES (?, ?, ?)", papers)
    db.commit()
    build = time.perf_counter() - started

    def run(words: list[str]) -> None:
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        db.execute(
            "SELECT rowid, bm25(f, 3, 1) FROM f WHERE f MATCH ? ORDER BY bm25(f, 3, 1) LIMIT ?",
            [match, DEPTH],
        ).fetchall()

    report("sqlite fts5", build, timed(run, queries))


def tantivy_engine(
    papers: list[tuple[int, str, str]], scratch: Path, queries: list[list[str]]
) -> None:
    import tantivy

    from paperwire.search.lexical_index import LexicalIndex, weighted_text

    index = LexicalIndex(scratch / "tantivy")
    started = time.perf_counter()
    writer = index.index.writer(256_000_000, 2)
    for pk, title, abstract in papers:
        writer.add_document(
            tantivy.Document(
                id=pk, title=title, abstract=abstract, text=weighted_text(title, "", abstract)
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - started

    def run(words: list[str]) -> None:
        clauses = [
            (tantivy.Occur.Should, index.parse('"' + w.replace('"', " ") + '"', ["text"], {}))
            for w in words
        ]
        index.search(tantivy.Query.boolean_query(clauses), DEPTH)

    report("tantivy", build, timed(run, queries))


def report(name: str, build: float, ms: list[float]) -> None:
    print(
        f"  {name:<12} build {build:7.1f} s   top-{DEPTH}: p50={statistics.median(ms):7.1f} ms  "
        f"p95={percentile(ms, 95):7.1f} ms  (n={len(ms)})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engines", default="tantivy,fts5")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"bench/lexical_engines.py: {DATA} is absent; it needs the shared data")
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    django.setup()
    papers = corpus(args.papers)
    queries = word_lists(args.queries)
    print(f"== {args.papers:,} papers, {len(queries)} SciFact train queries (words OR'd)")
    with tempfile.TemporaryDirectory(prefix="paperwire-bench-") as scratch:
        for engine in args.engines.split(","):
            {"fts5": fts5, "tantivy": tantivy_engine}[engine](papers, Path(scratch), queries)


if __name__ == "__main__":
    main()

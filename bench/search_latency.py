"""Hybrid search latency at scale, query embedding time, embedding throughput, index build.

Each corpus size gets its own scratch SQLite database (and VAR_DIR) in a child process, so
the configured database is never touched. Papers are generated from real abstracts (the
SciFact corpus and the cs OAI records in ../shared/data): each synthetic paper joins the
first half of one real abstract to the second half of another. Vectors are real MiniLM
embeddings of the base abstracts (taken from eval-search's cache when present); a generated
paper's vector is the normalized mean of its two parents' plus noise, so the ANN index sees
realistic, clustered data. Queries are SciFact's real training queries; their embeddings
are computed once and timed separately, and search latency excludes them.

    .venv/bin/python bench/search_latency.py [--sizes 10000,100000,1000000] [--queries 200]
        [--keep bench/out/search]  (keep the corpora and rerun only the queries next time)
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EVAL_CACHE = ROOT / "var" / "eval-cache"
INSERT_BATCH = 20_000


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def base_documents() -> list[tuple[str, str]]:
    """(title, abstract) of every real abstract at hand, SciFact first."""
    docs = []
    with gzip.open(DATA / "scifact" / "corpus.jsonl.gz", "rt") as lines:
        for line in lines:
            doc = json.loads(line)
            docs.append((" ".join(doc["title"].split()), " ".join(doc["text"].split())))
    with gzip.open(DATA / "arxiv" / "cs-oai-records.jsonl.gz", "rt") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("abstract"):
                docs.append(
                    (" ".join(record["title"].split()), " ".join(record["abstract"].split()))
                )
    return docs


def base_vectors(docs: list[tuple[str, str]]) -> tuple[np.ndarray, str]:
    """Real embeddings of the base documents: from eval-search's SciFact cache, else encoded."""
    from paperwire.search import dense

    cached = sorted(EVAL_CACHE.glob("*.npz")) if EVAL_CACHE.is_dir() else []
    for path in cached:
        vectors = np.load(path)["vectors"]
        if len(vectors) >= 5000:
            return vectors.astype(np.float32), f"{len(vectors)} real (eval-search cache)"
    embedder = dense.get_embedder()
    assert embedder is not None
    texts = [dense.paper_text(t, a) for t, a in docs[:1000]]
    return embedder.encode(texts), "1000 real (encoded now)"


def generate(size: int, docs: list[tuple[str, str]], vectors: np.ndarray, seed: int = 5):
    """Papers (title, abstract, days ago, upvotes) and their vectors, `size` of each."""
    rng = np.random.default_rng(seed)
    n_real = len(vectors)
    papers, out = [], np.empty((size, vectors.shape[1]), dtype=np.float32)
    for i in range(size):
        if i < n_real:
            a = b = i
        else:
            a, b = (int(x) for x in rng.integers(0, n_real, 2))
        title_a, abstract_a = docs[a]
        _title_b, abstract_b = docs[b]
        if a == b:
            abstract = abstract_a
            out[i] = vectors[a]
        else:
            left, right = abstract_a.split(". "), abstract_b.split(". ")
            abstract = ". ".join(left[: max(1, len(left) // 2)] + right[len(right) // 2 :])
            mixed = vectors[a] + vectors[b] + rng.standard_normal(vectors.shape[1]) * 0.02
            out[i] = mixed / np.linalg.norm(mixed)
        papers.append((title_a, abstract, int(rng.integers(0, 3000)), int(rng.integers(0, 60))))
    return papers, out


def load(size: int, papers: list, vectors: np.ndarray) -> dict[str, float]:
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction

    from paperwire.search import dense
    from paperwire.search.beir import synthetic_arxiv_id
    from paperwire.search.lexical import catch_up_lexical
    from paperwire.search.vector_index import get_vector_index

    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None).isoformat(" ")
    times: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, size, INSERT_BATCH):
            cursor.executemany(
                "INSERT INTO papers_paper (id, arxiv_id, version, title, abstract, published_at, "
                "doi, journal_ref, comments, report_no, license, code_url, project_url, ai_summary,"
                " ai_keywords, upvotes, created_at, modified_at) VALUES (%s, %s, 1, %s, %s, %s, '',"
                " '', '', '', '', %s, '', '', '[]', %s, %s, %s)",
                [
                    (
                        i + 1,
                        synthetic_arxiv_id(i),
                        title,
                        abstract,
                        (now - timedelta(days=days)).replace(tzinfo=None).isoformat(" "),
                        "https://github.com/x/y" if i % 7 == 0 else "",
                        upvotes,
                        stamp,
                        stamp,
                    )
                    for i, (title, abstract, days, upvotes) in enumerate(
                        papers[start : start + INSERT_BATCH], start=start
                    )
                ],
            )
    times["insert papers"] = time.perf_counter() - started

    started = time.perf_counter()
    catch_up_lexical()
    times["lexical index"] = time.perf_counter() - started

    started = time.perf_counter()
    embedded_at = (now + timedelta(seconds=1)).replace(tzinfo=None).isoformat(" ")
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, size, INSERT_BATCH):
            cursor.executemany(
                "INSERT INTO search_paperembedding (paper_id, vector, model, text_hash, "
                "embedded_at) VALUES (%s, %s, %s, %s, %s)",
                [
                    (
                        i + 1,
                        vectors[i].tobytes(),
                        dense.MODEL_NAME,
                        dense.text_hash(dense.paper_text(title, abstract)),
                        embedded_at,
                    )
                    for i, (title, abstract, _d, _u) in enumerate(
                        papers[start : start + INSERT_BATCH], start=start
                    )
                ],
            )
    times["store vectors"] = time.perf_counter() - started

    started = time.perf_counter()
    get_vector_index().refresh(persist=True)
    times["vector index build"] = time.perf_counter() - started
    return times


def measure(size: int, queries: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from paperwire.search import dense, service
    from paperwire.search.beir import load_beir
    from paperwire.search.query import parse_query

    built = Path(os.environ["PAPERWIRE_VAR_DIR"]) / "built.json"
    docs = base_documents()
    vectors, origin = base_vectors(docs)
    if built.exists():  # --keep: the corpus of an earlier run, indexes included
        build = json.loads(built.read_text())
    else:
        call_command("migrate", verbosity=0, interactive=False)
        papers, paper_vectors = generate(size, docs, vectors)
        build = load(size, papers, paper_vectors)
        built.write_text(json.dumps(build))

    texts = list(load_beir(DATA / "scifact", "train").queries.values())[:queries]
    embedder = dense.get_embedder()
    assert embedder is not None
    embedder.encode(["warm up"])
    embed_ms, query_vectors = [], {}
    for text in texts:
        started = time.perf_counter()
        query_vectors[text] = dense.query_vector(parse_query(text).dense_text())
        embed_ms.append((time.perf_counter() - started) * 1000)
    # Search latency excludes the query's embedding: hand back the one computed above.
    by_dense_text = {parse_query(t).dense_text(): v for t, v in query_vectors.items()}
    dense.query_vector = lambda text: by_dense_text[text]  # type: ignore[assignment]

    def timed(run) -> list[float]:  # type: ignore[no-untyped-def]
        for text in texts[:5]:
            run(text)  # warm caches and the index
        out = []
        for text in texts:
            started = time.perf_counter()
            run(text)
            out.append((time.perf_counter() - started) * 1000)
        return out

    runs = {
        "lexical candidates": lambda t: service.rank_papers(parse_query(t), "lexical"),
        "dense candidates": lambda t: service.rank_papers(parse_query(t), "dense"),
        "hybrid ranking": lambda t: service.rank_papers(parse_query(t), "hybrid"),
        "hybrid search_papers (page of cards)": lambda t: service.search_papers(t),
        "hybrid + filters (has code, 10+ upvotes)": lambda t: service.search_papers(
            t, service.SearchFilters(has_code=True, min_upvotes=10)
        ),
        "empty query, newest (page 50)": lambda t: service.search_papers("", page=50),
    }
    print(f"== {size:,} papers  (base vectors: {origin}; others generated)")
    for step, seconds in build.items():
        print(f"  build: {step:<22} {seconds:8.1f} s")
    print(
        f"  query embedding: p50={percentile(embed_ms, 50):.1f} ms "
        f"p95={percentile(embed_ms, 95):.1f} ms  (n={len(embed_ms)})"
    )
    for name, run in runs.items():
        ms = timed(run)
        print(
            f"  {name:<42} p50={percentile(ms, 50):6.1f} ms  p95={percentile(ms, 95):6.1f} ms  "
            f"(n={len(ms)}, excluding query embedding)"
        )
    sys.stdout.flush()


def throughput(count: int) -> None:
    import django

    django.setup()
    from paperwire.search import dense

    docs = base_documents()[:count]
    embedder = dense.get_embedder()
    assert embedder is not None
    embedder.encode(["warm up"])
    started = time.perf_counter()
    embedder.encode([dense.paper_text(t, a) for t, a in docs])
    seconds = time.perf_counter() - started
    print(f"== embedding throughput: {count / seconds:.1f} papers/s ({count} real abstracts)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--throughput", type=int, default=256, help="abstracts to embed")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build each corpus in DIR/<size>/ and reuse it when there (rerun queries only)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"bench/search_latency.py: {DATA} is absent; it needs the shared data")
    if args.child == "throughput":
        return throughput(args.throughput)
    if args.child:
        return measure(int(args.child), args.queries)
    jobs = ["throughput", *args.sizes.split(",")] if args.throughput else args.sizes.split(",")
    for job in jobs:
        with tempfile.TemporaryDirectory(prefix="paperwire-bench-") as temporary:
            scratch = temporary
            if args.keep:
                scratch = str((args.keep / job).resolve())
                Path(scratch).mkdir(parents=True, exist_ok=True)
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "paperwire.settings",
                "PAPERWIRE_DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3",
                "PAPERWIRE_VAR_DIR": scratch,
            }
            command = [sys.executable, __file__, "--child", job, "--queries", str(args.queries)]
            command += ["--throughput", str(args.throughput)]
            subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()

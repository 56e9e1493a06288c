"""Embedding throughput of all-MiniLM-L6-v2 on real arXiv abstracts, and HNSW build time.

Encodes title + abstract of real cs papers (../shared/data/arxiv/cs-oai-records.jsonl.gz)
exactly as `paperwire reindex` does (Embedder from paperwire.search.dense: 2 torch threads,
256 tokens), then builds the SQLite install's HNSW index over the vectors, scaled up to
--build-vectors by adding small noise to the real ones.

    .venv/bin/python bench/embed_throughput.py [--papers 256] [--runs 3] [--build-vectors 100000]
"""

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT.parent / "shared" / "data" / "arxiv" / "cs-oai-records.jsonl.gz"


def abstracts(count: int) -> list[tuple[str, str]]:
    papers = []
    with gzip.open(RECORDS) as lines:
        for line in lines:
            record = orjson.loads(line)
            papers.append((" ".join(record["title"].split()), record["abstract"].strip()))
            if len(papers) == count:
                break
    return papers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--build-vectors", type=int, default=100_000)
    args = parser.parse_args()
    if not RECORDS.is_file():
        print(f"skipped: {RECORDS} is not present beside this checkout")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    from paperwire.search import dense, vector_index

    started = time.perf_counter()
    embedder = dense.Embedder()
    print(f"model load (torch import included): {time.perf_counter() - started:.1f} s")
    texts = [dense.paper_text(title, abstract) for title, abstract in abstracts(args.papers)]
    embedder.encode(texts[:8])  # warm-up
    rates = []
    vectors = np.zeros((0, dense.DIMENSIONS), dtype=np.float32)
    for _ in range(args.runs):
        started = time.perf_counter()
        batches = [
            embedder.encode(texts[i : i + args.batch_size])
            for i in range(0, len(texts), args.batch_size)
        ]
        rates.append(len(texts) / (time.perf_counter() - started))
        vectors = np.vstack(batches)
    print(
        f"embedding: {statistics.median(rates):.1f} papers/s (median of {args.runs} runs of "
        f"{len(texts)} real abstracts, batches of {args.batch_size}, 2 torch threads)"
    )
    query_times = []
    for text in ("graph neural networks for molecules", "diffusion models", "protein folding"):
        for _ in range(5):
            started = time.perf_counter()
            embedder.encode([text])
            query_times.append((time.perf_counter() - started) * 1000)
    print(f"query embedding: {statistics.median(query_times):.1f} ms median")

    rng = np.random.default_rng(7)
    picks = vectors[rng.integers(0, len(vectors), args.build_vectors)]
    picks = picks + 0.02 * rng.standard_normal(picks.shape).astype(np.float32)
    picks /= np.linalg.norm(picks, axis=1, keepdims=True)
    for size in sorted({min(10_000, args.build_vectors), args.build_vectors}):
        index = vector_index.HnswIndex(None)
        started = time.perf_counter()
        index._upsert(np.arange(size, dtype=np.int64), picks[:size])
        print(f"HNSW index build, {size} vectors: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

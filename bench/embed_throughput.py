"""Embedding throughput of all-MiniLM-L6-v2 on real arXiv abstracts, and HNSW build time.

Encodes title + abstract of real cs papers (../shared/data/arxiv/cs-oai-records.jsonl.gz)
exactly as `paperwire reindex` does (Embedder from paperwire.search.dense: 2 threads for a
batch, 1 for a query, 256 tokens; drafts 128) with each backend, the ONNX int8 default and
torch, and prints each figure beside its target; then builds the SQLite install's HNSW index
over the vectors, scaled up to --build-vectors by adding small noise to the real ones.

    .venv/bin/python bench/embed_throughput.py [--papers 256] [--runs 3] [--backends onnx,torch]
"""

import argparse
import gzip
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


PAPERS_PER_SECOND = 35  # target on 2 cores
QUERY_MS = 10  # target for one query's vector


def measure(
    make: Callable[[str], Any], backend: str, texts: list[str], runs: int, batch_size: int
) -> np.ndarray:
    """Prints one backend's load time, batch throughput and query latency; its vectors."""
    started = time.perf_counter()
    embedder = make(backend)
    print(
        f"[{backend}] model load (imports and a first export included): "
        f"{time.perf_counter() - started:.1f} s"
    )
    embedder.encode(texts[:8])  # warm-up
    vectors = np.zeros((0, 384), dtype=np.float32)
    from paperwire.search.dense import DRAFT_TOKENS, MAX_SEQ_LENGTH

    for tokens, what in ((MAX_SEQ_LENGTH, "embedding"), (DRAFT_TOKENS, "drafts")):
        rates = []
        for _ in range(runs):
            started = time.perf_counter()
            batches = [
                embedder.encode(texts[i : i + batch_size], tokens)
                for i in range(0, len(texts), batch_size)
            ]
            rates.append(len(texts) / (time.perf_counter() - started))
            if tokens == MAX_SEQ_LENGTH:
                vectors = np.vstack(batches)
        print(
            f"[{backend}] {what} ({tokens} tokens): {statistics.median(rates):.1f} papers/s "
            f"(target >= {PAPERS_PER_SECOND}; median of {runs} runs of {len(texts)} real "
            f"abstracts, batches of {batch_size}, 2 threads; runs "
            f"{min(rates):.1f}..{max(rates):.1f})"
        )
    query_times = []
    for _ in range(5):
        for text in ("graph neural networks for molecules", "diffusion models", "protein folding"):
            started = time.perf_counter()
            embedder.encode([text])
            query_times.append((time.perf_counter() - started) * 1000)
    print(
        f"[{backend}] query embedding: {statistics.median(query_times):.1f} ms "
        f"(target <= {QUERY_MS}; median of {len(query_times)}, 1 thread; "
        f"{min(query_times):.1f}..{max(query_times):.1f})"
    )
    return vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--build-vectors", type=int, default=100_000)
    parser.add_argument("--backends", default="onnx,torch", help="onnx, torch or both")
    args = parser.parse_args()
    if not RECORDS.is_file():
        print(f"skipped: {RECORDS} is not present beside this checkout")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    from paperwire.search import dense, vector_index

    texts = [dense.paper_text(title, abstract) for title, abstract in abstracts(args.papers)]
    vectors = np.zeros((0, dense.DIMENSIONS), dtype=np.float32)
    for backend in args.backends.split(","):
        vectors = measure(dense.Embedder, backend, texts, args.runs, args.batch_size)

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

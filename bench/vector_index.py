"""Embedded ANN libraries for the SQLite install: usearch vs hnswlib vs faiss-cpu (HNSW).

Builds each index over the same clustered 384-d unit vectors (a mixture of Gaussians, which
is closer to real sentence embeddings than uniform noise), then measures build time, query
latency (one query at a time, one thread: what a web request sees) at k=100 and k=1000,
recall@100 against exact search, and the memory each index adds. Each library runs in its
own process so that memory figures do not mix.

    .venv/bin/python bench/vector_index.py [--vectors 100000] [--queries 200] [--threads 2]
        [--libraries usearch,hnswlib,faiss]

hnswlib is Paperwire's own dependency; the other two are measured when installed
(`.venv/bin/pip install usearch faiss-cpu`), and otherwise reported as not installed.
"""

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

DIM = 384
LIBRARIES = ("usearch", "hnswlib", "faiss")
# The same graph parameters for all three, so the comparison is of implementations.
M = 16
EF_CONSTRUCTION = 128


def vectors(count: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((max(count // 100, 10), DIM)).astype(np.float32)
    data = centers[rng.integers(0, len(centers), count)]
    data += 0.6 * rng.standard_normal((count, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    return data


def queries(data: np.ndarray, count: int, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picked = data[rng.integers(0, len(data), count)].copy()
    picked += 0.3 * rng.standard_normal(picked.shape).astype(np.float32) / np.sqrt(DIM)
    picked /= np.linalg.norm(picked, axis=1, keepdims=True)
    return picked


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(library: str, data: np.ndarray, threads: int) -> Any:
    keys = np.arange(len(data), dtype=np.int64)
    if library == "usearch":
        from usearch.index import Index

        index = Index(
            ndim=DIM, metric="ip", dtype="f32", connectivity=M, expansion_add=EF_CONSTRUCTION
        )
        index.add(keys, data, threads=threads)
        return index
    if library == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=DIM)
        index.init_index(max_elements=len(data), M=M, ef_construction=EF_CONSTRUCTION)
        index.add_items(data, keys, num_threads=threads)
        return index
    import faiss

    faiss.omp_set_num_threads(threads)
    inner = faiss.IndexHNSWFlat(DIM, M, faiss.METRIC_INNER_PRODUCT)
    inner.hnsw.efConstruction = EF_CONSTRUCTION
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(data, keys)
    faiss.omp_set_num_threads(1)
    return index


def search(library: str, index: Any, query: np.ndarray, k: int) -> np.ndarray:
    ef = max(k, 64)
    if library == "usearch":
        index.expansion_search = ef
        return np.asarray(index.search(query, k, threads=1).keys)
    if library == "hnswlib":
        index.set_ef(ef)
        labels, _ = index.knn_query(query, k=k, num_threads=1)
        return labels[0]
    import faiss

    params = faiss.SearchParametersHNSW(efSearch=ef)
    _, labels = index.search(query[None, :], k, params=params)
    return labels[0]


def measure(library: str, count: int, query_count: int, threads: int) -> dict[str, Any]:
    data = vectors(count)
    probes = queries(data, query_count)
    exact = np.argsort(-(probes @ data.T), axis=1)[:, :100]
    # Import first, so that the memory figure is the index's own.
    __import__({"faiss": "faiss", "hnswlib": "hnswlib", "usearch": "usearch.index"}[library])
    before = rss_mib()
    started = time.perf_counter()
    index = build(library, data, threads)
    build_s = time.perf_counter() - started
    memory = rss_mib() - before
    row: dict[str, Any] = {"library": library, "build_s": build_s, "memory_mib": memory}
    for k in (100, 1000):
        times, hits = [], 0
        for i, probe in enumerate(probes):
            started = time.perf_counter()
            found = search(library, index, probe, k)
            times.append((time.perf_counter() - started) * 1000)
            if k == 100:
                hits += len(set(found[:100].tolist()) & set(exact[i].tolist()))
        times.sort()
        row[f"p50_k{k}"] = statistics.median(times)
        row[f"p95_k{k}"] = times[int(0.95 * (len(times) - 1))]
        if k == 100:
            row["recall100"] = hits / (100 * len(probes))
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2, help="threads for building")
    parser.add_argument(
        "--libraries", default=",".join(LIBRARIES), help="which to measure, comma separated"
    )
    parser.add_argument("--only", choices=LIBRARIES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only, args.vectors, args.queries, args.threads)))
        return 0
    print(
        f"{args.vectors} vectors x {DIM} (clustered, unit length), M={M}, "
        f"efConstruction={EF_CONSTRUCTION}, ef=max(k, 64); {args.queries} queries, 1 thread; "
        f"build with {args.threads} threads"
    )
    print(
        f"{'library':<9} {'build s':>8} {'mem MiB':>8} {'p50@100':>8} {'p95@100':>8} "
        f"{'p50@1000':>9} {'p95@1000':>9} {'recall@100':>10}"
    )
    for library in args.libraries.split(","):
        if library not in LIBRARIES:
            parser.error(f"unknown library {library!r}: choose from {', '.join(LIBRARIES)}")
        module = {"faiss": "faiss", "hnswlib": "hnswlib", "usearch": "usearch"}[library]
        if importlib.util.find_spec(module) is None:
            print(
                f"{library:<9} not installed (pip install {library}"
                f"{'-cpu' if library == 'faiss' else ''} to compare it)",
                flush=True,
            )
            continue
        command = [sys.executable, __file__, "--only", library]
        command += ["--vectors", str(args.vectors), "--queries", str(args.queries)]
        command += ["--threads", str(args.threads)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        row = json.loads(output.strip().splitlines()[-1])
        print(
            f"{row['library']:<9} {row['build_s']:>8.1f} {row['memory_mib']:>8.0f} "
            f"{row['p50_k100']:>7.2f}ms {row['p95_k100']:>7.2f}ms "
            f"{row['p50_k1000']:>8.2f}ms {row['p95_k1000']:>8.2f}ms {row['recall100']:>10.4f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

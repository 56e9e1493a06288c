"""The search page as a reader gets it, on a real install: whole requests to /search
(query embedding, hybrid search, a page of cards) and the top results of each query.

Run it on a database filled with real papers, for instance the Hugging Face daily papers:

    export PAPERWIRE_VAR_DIR=/tmp/hf PAPERWIRE_DATABASE_URL=sqlite:////tmp/hf/hf.sqlite3
    .venv/bin/paperwire migrate
    .venv/bin/paperwire import-hf-daily ../shared/data/hf-daily-papers/*.jsonl.gz
    .venv/bin/paperwire reindex
    .venv/bin/python bench/search_page.py [--rounds 3]
"""

import argparse
import os
import statistics
import sys
import time

QUERIES = [
    "diffusion models for video generation",
    "reinforcement learning from human feedback",
    "mixture of experts routing",
    "making language models reason step by step",
    "robot manipulation from video",
    "speculative decoding",
    "long context attention",
    "text to 3d",
    "hallucination in vision language models",
    "how to make llm inference cheaper",
    "ti:llama",
    '"chain of thought" -survey',
    "au:kaiming",
    "protein structure",
    "注意力",
    "🚀 rockets",
    "agents that use a web browser",
    "watermarking generated text",
    "small models distilled from large ones",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each query is asked")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    os.environ.setdefault("PAPERWIRE_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.test import Client

    from paperwire.papers.models import Paper
    from paperwire.search import dense
    from paperwire.search.service import search_papers

    papers = Paper.objects.count()
    if not papers:
        sys.exit("bench/search_page.py: the database has no papers; see the usage above")
    client = Client()
    embedder = dense.get_embedder()
    if embedder is not None:
        embedder.encode(["warm up"])
    client.get("/search", {"q": "warm up"})
    times = []
    for _ in range(args.rounds):
        for query in QUERIES:
            started = time.perf_counter()
            response = client.get("/search", {"q": query})
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"{query!r}: HTTP {response.status_code}")
    times.sort()
    print(f"== /search on {papers:,} papers, {len(QUERIES)} queries x {args.rounds}")
    print(
        f"  whole request, query embedding included: p50={statistics.median(times):.0f} ms  "
        f"p95={times[int(0.95 * (len(times) - 1))]:.0f} ms  (n={len(times)})"
    )
    for query in QUERIES:
        results = search_papers(query)
        print(f"  {query!r}: {results.total:,} results")
        for paper in results.papers[:3]:
            print(f"      {paper.title[:96]}")


if __name__ == "__main__":
    main()

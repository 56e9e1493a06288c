"""The JSON API, the feeds and the Markdown pages as clients get them, on a real install:
whole requests through Django (routing, queries, shaping, JSON), median and p95 per endpoint.

Run it on a database filled with real papers, for instance the Hugging Face daily papers:

    export PAPERWIRE_VAR_DIR=/tmp/hf PAPERWIRE_DATABASE_URL=sqlite:////tmp/hf/hf.sqlite3
    .venv/bin/paperwire migrate
    .venv/bin/paperwire import-hf-daily ../shared/data/hf-daily-papers/*.jsonl.gz
    .venv/bin/python bench/api_requests.py [--rounds 20]

Search is timed with whatever embedder the install has (PAPERWIRE_SEARCH_EMBEDDER).
"""

import argparse
import os
import random
import statistics
import sys
import time


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[int(share * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="requests per endpoint")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    os.environ.setdefault("PAPERWIRE_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("PAPERWIRE_RATELIMIT", "false")
    import django

    django.setup()
    from django.test import Client

    from paperwire.feed.days import latest_day
    from paperwire.feed.periods import month_of, week_of
    from paperwire.papers.models import Paper

    papers = Paper.objects.count()
    day = latest_day()
    if not papers or day is None:
        sys.exit("bench/api_requests.py: the database has no papers on the feed; see the usage")
    rng = random.Random(5)
    ids = list(Paper.objects.values_list("arxiv_id", flat=True))
    week, month = week_of(day).slug, month_of(day).slug
    endpoints = {
        "GET /api/daily_papers": lambda: "/api/daily_papers",
        "GET /api/daily_papers?date": lambda: f"/api/daily_papers?date={day}",
        "GET /api/daily_papers?week": lambda: f"/api/daily_papers?week={week}",
        "GET /api/daily_papers?month&limit=100": lambda: (
            f"/api/daily_papers?month={month}&limit=100"
        ),
        "GET /api/daily_papers?sort=trending": lambda: "/api/daily_papers?sort=trending",
        "GET /api/papers/{id}": lambda: f"/api/papers/{rng.choice(ids)}",
        "GET /api/papers?limit=100": lambda: "/api/papers?limit=100",
        "GET /api/papers/search?q": lambda: "/api/papers/search?q=speculative+decoding&limit=50",
        "GET /feeds/daily.rss": lambda: "/feeds/daily.rss",
        "GET /feeds/weekly.atom": lambda: "/feeds/weekly.atom",
        "GET /papers/{id}.md": lambda: f"/papers/{rng.choice(ids)}.md",
    }
    client = Client()
    print(f"== {papers:,} papers, latest feed day {day}; {args.rounds} requests each")
    for name, path in endpoints.items():
        client.get(path())  # warm caches (templates, the embedding model)
        times = []
        for _ in range(args.rounds):
            url = path()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"{url}: HTTP {response.status_code}")
        print(
            f"  {name:<40} p50 {statistics.median(times):6.1f} ms   "
            f"p95 {percentile(times, 0.95):6.1f} ms   {len(response.content) / 1024:7.1f} KiB"
        )


if __name__ == "__main__":
    main()

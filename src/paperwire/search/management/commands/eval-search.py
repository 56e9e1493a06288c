"""Retrieval quality on a BEIR-layout benchmark, measured in a scratch database.

The command re-runs itself in a child process whose database and VAR_DIR point into a
temporary directory: the configured database (and its vector index) is never touched,
and Django's settings need no patching at run time.
"""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperwire.search.beir import (
    BeirError,
    BeirSet,
    Scores,
    load_beir,
    paper_records,
    score_run,
)
from paperwire.search.fusion import fuse

SCRATCH = "PAPERWIRE_EVAL_SCRATCH"  # set in the child: this process owns a scratch database
CACHE = "PAPERWIRE_EVAL_CACHE"
IMPORT_BATCH = 1000
Run = list[tuple[int, float]]


class Command(BaseCommand):
    help = (
        "Evaluate search on a BEIR directory (corpus.jsonl[.gz], queries.jsonl, "
        "qrels/SPLIT.tsv) in a scratch database: one line per method with nDCG@10 and recall@100."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", required=True, type=Path, help="the BEIR directory")
        parser.add_argument("--split", required=True, help="qrels/<split>.tsv to evaluate")
        parser.add_argument("--methods", default="lexical,dense,hybrid")
        parser.add_argument("--limit-queries", type=int, default=None, metavar="N")
        parser.add_argument("--fusion", default=None, help="rrf, minmax or zscore")
        parser.add_argument("--k", type=float, default=None, help="RRF's constant")
        parser.add_argument("--alpha", type=float, default=None, help="weight of lexical")
        parser.add_argument("--lexical-depth", type=int, default=None)
        parser.add_argument("--dense-depth", type=int, default=None)
        parser.add_argument(
            "--cache-dir",
            type=Path,
            default=None,
            help="where corpus vectors are kept between runs (default VAR_DIR/eval-cache)",
        )
        parser.add_argument(
            "--tune", action="store_true", help="also score a grid of fusion settings"
        )
        parser.add_argument(
            "--database-url",
            default=None,
            help="an empty database to evaluate in, such as a scratch PostgreSQL one to score "
            "its full-text search (default: a scratch SQLite file)",
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="search draft vectors only (each text's first tokens), as a large import is "
            "searched before its full vectors are made",
        )
        parser.add_argument(
            "--embedders",
            default=None,
            metavar="E1,E2",
            help="compare SEARCH_EMBEDDER values (minilm, minilm-torch): one run each, side "
            "by side, each line named by its embedder (default: the configured one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        methods = [m.strip() for m in options["methods"].split(",") if m.strip()]
        unknown = [m for m in methods if m not in ("lexical", "dense", "hybrid")]
        if not methods or unknown:
            raise CommandError(
                f"unknown method(s) {', '.join(unknown) or '(none)'}: use lexical, dense, hybrid"
            )
        if options["fusion"] not in (None, "rrf", "minmax", "zscore"):
            raise CommandError(f"unknown fusion {options['fusion']!r}: use rrf, minmax or zscore")
        try:
            benchmark = load_beir(options["beir"], options["split"])
        except (BeirError, OSError) as error:
            raise CommandError(str(error)) from None
        if os.environ.get(SCRATCH) == "1":
            self._evaluate(benchmark, methods, options)
            return
        if options["embedders"] is None:
            self._run_in_scratch(options)
            return
        embedders = [e.strip() for e in options["embedders"].split(",") if e.strip()]
        if not embedders or set(embedders) - {"minilm", "minilm-torch"}:
            raise CommandError("--embedders takes minilm, minilm-torch or both")
        outputs = {e: self._run_in_scratch(options, e, echo=False) for e in embedders}
        for row in zip(*(outputs[e].splitlines() for e in embedders), strict=True):
            for embedder, line in zip(embedders, row, strict=True):
                self.stdout.write(f"[{embedder}] {line}")

    def _run_in_scratch(
        self, options: dict[str, Any], embedder: str | None = None, echo: bool = True
    ) -> str:
        cache = options["cache_dir"] or settings.VAR_DIR / "eval-cache"
        argv = ["--beir", str(options["beir"].resolve()), "--split", options["split"]]
        argv += ["--methods", options["methods"]]
        for name in ("limit_queries", "fusion", "k", "alpha", "lexical_depth", "dense_depth"):
            if options[name] is not None:
                argv += [f"--{name.replace('_', '-')}", str(options[name])]
        flags = ("no-progress", "tune", "draft")
        argv += [f"--{flag}" for flag in flags if options[flag.replace("-", "_")]]
        with tempfile.TemporaryDirectory(prefix="paperwire-eval-") as scratch:
            env = {
                **os.environ,
                SCRATCH: "1",
                CACHE: str(Path(cache).resolve()),
                "PAPERWIRE_DATABASE_URL": options["database_url"]
                or f"sqlite:///{scratch}/eval.sqlite3",
                "PAPERWIRE_VAR_DIR": scratch,
                # The exported model is reused from its usual place, not made again.
                "PAPERWIRE_MODEL_DIR": str(settings.SEARCH_MODEL_DIR),
                "DJANGO_SETTINGS_MODULE": "paperwire.settings",
                "PAPERWIRE_SEARCH_EMBEDDER": embedder or settings.SEARCH_EMBEDDER,
            }
            # The child is this very command, with arguments already validated above.
            child = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "paperwire.cli", "eval-search", *argv],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
        if echo:
            self.stdout.write(child.stdout, ending="")
        if child.returncode != 0:
            raise CommandError(f"the evaluation failed (exit status {child.returncode})")
        return child.stdout

    def _evaluate(self, benchmark: BeirSet, methods: list[str], options: dict[str, Any]) -> None:
        from paperwire.papers.models import Paper
        from paperwire.search import service

        progress = not options["no_progress"]
        call_command("migrate", verbosity=0, interactive=False)
        if Paper.objects.exists():
            raise CommandError("the database holds papers: evaluate in an empty one")
        doc_ids = _import(benchmark)
        if {"dense", "hybrid"} & set(methods) or options["tune"]:
            _embed(benchmark, Path(os.environ[CACHE]), progress, options["draft"])

        queries = dict(list(benchmark.queries.items())[: options["limit_queries"]])
        lexical_depth = options["lexical_depth"] or service.LEXICAL_DEPTH
        dense_depth = options["dense_depth"] or service.DENSE_DEPTH
        started = time.perf_counter()
        runs = _runs(
            queries,
            set(methods) | ({"hybrid"} if options["tune"] else set()),
            max(lexical_depth, 1000 if options["tune"] else 0),
            max(dense_depth, 300 if options["tune"] else 0),
        )
        self.stderr.write(f"retrieval: {time.perf_counter() - started:.1f} s")

        fusion = options["fusion"] or service.FUSION_METHOD
        params = dict(service.FUSION_PARAMS) if options["fusion"] is None else {}
        params.update({n: options[n] for n in ("k", "alpha") if options[n] is not None})
        for method in methods:
            ranked = {
                "lexical": lambda q: runs[q][0][:lexical_depth],
                "dense": lambda q: runs[q][1][:dense_depth],
                # What rank_papers does for hybrid, from the same two runs: fuse them.
                "hybrid": lambda q: fuse(
                    [runs[q][0][:lexical_depth], runs[q][1][:dense_depth]], fusion, **params
                ),
            }[method]
            self.stdout.write(_score(queries, benchmark, ranked, doc_ids).line(method))
        if options["tune"]:
            self._tune(queries, benchmark, runs, doc_ids)

    def _tune(
        self,
        queries: dict[str, str],
        benchmark: BeirSet,
        runs: dict[str, tuple[Run, Run]],
        doc_ids: dict[int, str],
    ) -> None:
        """Every fusion setting of a small grid, best nDCG@10 last: tune on a train split."""
        grid: list[tuple[str, dict[str, float]]] = []
        for k in (5, 10, 20, 40, 60, 100):
            for alpha in (0.3, 0.4, 0.5, 0.6, 0.7):
                grid.append(("rrf", {"k": k, "alpha": alpha}))
        for normalization in ("minmax", "zscore"):
            for alpha in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
                grid.append((normalization, {"alpha": alpha}))
        results = []
        for lexical_depth, dense_depth in ((1000, 300), (1000, 100), (300, 300), (100, 100)):
            for method, params in grid:

                def ranked(
                    q: str,
                    m: str = method,
                    p: dict = params,
                    ld: int = lexical_depth,
                    dd: int = dense_depth,
                ) -> Run:
                    return fuse([runs[q][0][:ld], runs[q][1][:dd]], m, **p)

                label = " ".join(f"{n}={v}" for n, v in params.items())
                name = f"hybrid[{method} {label} lexical={lexical_depth} dense={dense_depth}]"
                results.append((_score(queries, benchmark, ranked, doc_ids), name))
        for scores, name in sorted(results, key=lambda r: r[0].ndcg_at_10):
            self.stdout.write(scores.line(name))


def _runs(
    queries: dict[str, str], methods: set[str], lexical_depth: int, dense_depth: int
) -> dict[str, tuple[Run, Run]]:
    """Each query's lexical and dense candidates, retrieved once for every method and setting."""
    from paperwire.search.query import parse_query
    from paperwire.search.service import rank_papers

    runs = {}
    for text in queries.values():
        query = parse_query(text)
        lexical: Run = []
        dense: Run = []
        if methods & {"lexical", "hybrid"}:
            lexical = rank_papers(query, "lexical", lexical_depth=lexical_depth).ranked
        if methods & {"dense", "hybrid"}:
            dense = rank_papers(query, "dense", dense_depth=dense_depth).ranked
        runs[text] = (lexical, dense)
    return runs


def _score(
    queries: dict[str, str],
    benchmark: BeirSet,
    ranked: Callable[[str], Run],
    doc_ids: dict[int, str],
) -> Scores:
    return score_run(
        queries, benchmark.qrels, lambda text: [doc_ids[pk] for pk, _ in ranked(text)[:100]]
    )


def _import(benchmark: BeirSet) -> dict[int, str]:
    """Store every document as a paper; the map from paper pk back to BEIR doc id."""
    from paperwire.ingest.upsert import upsert_papers
    from paperwire.search.lexical import catch_up_lexical

    records = list(paper_records(benchmark.documents))
    doc_ids: dict[int, str] = {}
    names = list(benchmark.documents)
    by_arxiv = {record.arxiv_id: name for record, name in zip(records, names, strict=True)}
    for start in range(0, len(records), IMPORT_BATCH):
        result = upsert_papers(records[start : start + IMPORT_BATCH])
        doc_ids.update((pk, by_arxiv[arxiv_id]) for arxiv_id, pk in result.ids.items())
    # The scratch database must be searchable by words before the first query.
    catch_up_lexical()
    return doc_ids


def _embed(benchmark: BeirSet, cache_dir: Path, progress: bool, draft: bool = False) -> None:
    """Embed the corpus (as drafts with `draft`), or load the vectors of an earlier run of the
    same corpus and model."""
    from paperwire.papers.models import Paper
    from paperwire.search import dense
    from paperwire.search.models import PaperEmbedding
    from paperwire.search.vector_index import get_vector_index, write_pgvector

    model = dense.DRAFT_MODEL if draft else dense.MODEL_NAME
    # Each backend's vectors are kept apart, so that a run measures the backend it names.
    backend = dense.embedder_backend()
    cache = cache_dir / f"{benchmark.corpus_hash}-{model.replace('/', '_')}-{backend}.npz"
    if cache.is_file():
        stored = np.load(cache, allow_pickle=False)
        ids = dict(Paper.objects.values_list("arxiv_id", "pk"))
        arxiv_ids, vectors = stored["arxiv_ids"].tolist(), stored["vectors"]
        paper_ids = [ids[arxiv_id] for arxiv_id in arxiv_ids]
        PaperEmbedding.objects.bulk_create(
            PaperEmbedding(paper_id=pk, vector=vector.tobytes(), model=model, text_hash=text_hash)
            for pk, vector, text_hash in zip(
                paper_ids, vectors, stored["text_hashes"].tolist(), strict=True
            )
        )
        # PostgreSQL searches its pgvector column; elsewhere the index follows the stored
        # rows, and refreshing it takes them in.
        write_pgvector(paper_ids, vectors)
        get_vector_index().refresh(persist=True)
    dense.embed_pending(progress=progress, draft=draft)
    rows = list(
        PaperEmbedding.objects.order_by("paper_id").values_list(
            "paper__arxiv_id", "vector", "text_hash"
        )
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(
        cache,
        arxiv_ids=np.array([row[0] for row in rows]),
        vectors=np.stack([np.frombuffer(bytes(row[1]), dtype=np.float32) for row in rows]),
        text_hashes=np.array([row[2] for row in rows]),
    )

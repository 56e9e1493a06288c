"""Vector indexes behind one interface, chosen by settings.VECTOR_INDEX.

- "auto": pgvector's HNSW index on PostgreSQL; an hnswlib HNSW graph on SQLite, kept in a
  file under VAR_DIR/search/ (hnswlib won the measurement in bench/vector_index.py against
  usearch and faiss-cpu: fastest queries and build at the same recall).
- "exact": a numpy matrix searched by brute force, on either database.

The stored PaperEmbedding rows are the truth; a local index is a cache of them. Every query
asks the database for MAX(embedded_at) (one indexed lookup) and, when it moved, pulls the
rows at or after the last time it saw, so a web process sees what the worker embedded.
A count that disagrees (papers deleted, rows written out of order) rebuilds from scratch.
"""

import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from paperwire.search.minilm import DIMENSIONS, MODEL_NAME, SEARCHABLE_MODELS

# HNSW graph parameters, as measured in bench/vector_index.py.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
MIN_EF_SEARCH = 64
# pgvector refuses a larger hnsw.ef_search.
PGVECTOR_MAX_EF_SEARCH = 1000
# Deletions do not move MAX(embedded_at); the row count is compared this often regardless.
COUNT_CHECK_SECONDS = 60.0
# The worker rewrites the index file at most this often (see LocalIndex.refresh).
PERSIST_SECONDS = 600.0


class VectorIndex(Protocol):
    def search(self, vector: np.ndarray, limit: int) -> list[tuple[int, float]]: ...

    def refresh(self, persist: bool = False, now: bool = False) -> None: ...


def write_pgvector(ids: Sequence[int], vectors: np.ndarray) -> None:
    """Copy freshly stored embeddings into the pgvector column (PostgreSQL only)."""
    if connection.vendor != "postgresql" or not len(ids):
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE search_paperembedding SET embedding = %s::vector WHERE paper_id = %s",
            [(_vector_literal(v), pk) for pk, v in zip(ids, vectors, strict=True)],
        )


def _vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


class PgvectorIndex:
    """pgvector HNSW (cosine); nothing to keep in memory or refresh."""

    def search(self, vector: np.ndarray, limit: int) -> list[tuple[int, float]]:
        literal = _vector_literal(vector)
        # ef_search bounds what one HNSW scan can return: at least the rows asked for.
        ef_search = min(max(limit, MIN_EF_SEARCH), PGVECTOR_MAX_EF_SEARCH)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            cursor.execute(
                "SELECT paper_id, 1 - (embedding <=> %s::vector) FROM search_paperembedding"
                " WHERE model = ANY(%s) AND embedding IS NOT NULL"
                " ORDER BY embedding <=> %s::vector LIMIT %s",
                [literal, list(SEARCHABLE_MODELS), literal, limit],
            )
            return [(int(pk), float(similarity)) for pk, similarity in cursor.fetchall()]

    def refresh(self, persist: bool = False, now: bool = False) -> None:
        pass


class LocalIndex:
    """An in-process index kept in step with the stored rows (see the module's docstring)."""

    kind = "local"

    def __init__(self, path: Path | None) -> None:
        self.path = path  # where to persist; None for an in-memory database
        self.high: datetime | None = None  # the latest embedded_at taken in
        self.counted_at = 0.0
        self.unsaved = False  # taken in rows the file does not have yet
        self.saved_at = -PERSIST_SECONDS
        self.lock = threading.Lock()
        self._reset()
        if path is not None:
            self._load_file(path)

    # What a concrete index provides.
    def _reset(self) -> None:
        raise NotImplementedError

    def _upsert(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        raise NotImplementedError

    def _query(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        raise NotImplementedError

    def _size(self) -> int:
        raise NotImplementedError

    def _save(self, path: Path) -> None:
        raise NotImplementedError

    def _load(self, path: Path) -> None:
        raise NotImplementedError

    # The shared part.
    def search(self, vector: np.ndarray, limit: int) -> list[tuple[int, float]]:
        with self.lock:
            self.unsaved |= self._catch_up()
            k = min(limit, self._size())
            return self._query(vector, k) if k > 0 else []

    def refresh(self, persist: bool = False, now: bool = False) -> None:
        """Catch up with the stored rows; with `persist`, also write the file, at most every
        PERSIST_SECONDS unless `now`: a running process catches up from the database anyway,
        and rewriting a large graph after every few papers would cost more than it saves."""
        with self.lock:
            self.unsaved |= self._catch_up(force_count=True)
            due = now or time.monotonic() - self.saved_at >= PERSIST_SECONDS
            if persist and self.unsaved and due and self.path is not None:
                self._save_file(self.path)
                self.unsaved = False
                self.saved_at = time.monotonic()

    def _catch_up(self, force_count: bool = False) -> bool:
        from paperwire.search.models import PaperEmbedding

        rows = PaperEmbedding.objects.filter(model__in=SEARCHABLE_MODELS)
        latest = rows.order_by("-embedded_at").values_list("embedded_at", flat=True).first()
        count_due = force_count or time.monotonic() - self.counted_at > COUNT_CHECK_SECONDS
        if latest == self.high and not count_due:
            return False
        changed = False
        if latest != self.high:
            newer = rows if self.high is None else rows.filter(embedded_at__gte=self.high)
            self._take(newer.values_list("paper_id", "vector"))
            self.high = latest
            changed = True
        self.counted_at = time.monotonic()
        if rows.count() != self._size():
            self._reset()
            self._take(rows.values_list("paper_id", "vector"))
            self.high = latest
            changed = True
        return changed

    def _take(self, pairs: Any) -> None:
        chunk: list[tuple[int, bytes]] = []
        for pair in pairs.iterator(chunk_size=5000):
            chunk.append(pair)
            if len(chunk) == 5000:
                self._take_chunk(chunk)
                chunk = []
        if chunk:
            self._take_chunk(chunk)

    def _take_chunk(self, chunk: list[tuple[int, bytes]]) -> None:
        ids = np.fromiter((pk for pk, _ in chunk), dtype=np.int64, count=len(chunk))
        vectors = np.frombuffer(b"".join(bytes(v) for _, v in chunk), dtype=np.float32)
        self._upsert(ids, vectors.reshape(len(chunk), DIMENSIONS))

    def _meta_path(self, path: Path) -> Path:
        return path.with_suffix(".json")

    def _save_file(self, path: Path) -> None:
        # The graph first, then its description (high-water mark and digest) beside it.
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + f".{os.getpid()}.partial")
        self._save(partial)
        meta = {
            "model": MODEL_NAME,
            "high": self.high.isoformat() if self.high else None,
            "digest": _digest(partial),
        }
        os.replace(partial, path)
        partial_meta = partial.with_suffix(".json.partial")
        partial_meta.write_text(json.dumps(meta))
        os.replace(partial_meta, self._meta_path(path))

    def _load_file(self, path: Path) -> None:
        # A writer may replace the pair between our two reads: a digest that does not match
        # is read once more before the stored rows rebuild the index instead. The check also
        # keeps a damaged file away from hnswlib, which would crash on it.
        for _ in range(2):
            try:
                meta = json.loads(self._meta_path(path).read_text())
                if meta.get("model") != MODEL_NAME or not meta.get("high"):
                    return
                if meta.get("digest") != _digest(path):
                    continue
                self._load(path)
                self.high = parse_datetime(meta["high"])
                return
            except (OSError, ValueError, RuntimeError):
                break
        self._reset()
        self.high = None


def _digest(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "blake2b").hexdigest()


class ExactIndex(LocalIndex):
    """Brute force over a numpy matrix: exact, and fast enough for small installs and tests."""

    kind = "exact"

    def _reset(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.row_of: dict[int, int] = {}

    def _upsert(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        fresh = []
        for i, pk in enumerate(ids.tolist()):
            row = self.row_of.get(pk)
            if row is None:
                fresh.append(i)
            else:
                self.matrix[row] = vectors[i]
        if fresh:
            start = len(self.ids)
            self.ids = np.concatenate([self.ids, ids[fresh]])
            self.matrix = np.vstack([self.matrix, vectors[fresh]])
            for offset, i in enumerate(fresh):
                self.row_of[int(ids[i])] = start + offset

    def _query(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        scores = self.matrix @ vector
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    def _size(self) -> int:
        return len(self.ids)

    def _save(self, path: Path) -> None:
        with open(path, "wb") as file:
            np.savez(file, ids=self.ids, matrix=self.matrix)

    def _load(self, path: Path) -> None:
        with np.load(path) as data:
            self._reset()
            self._upsert(data["ids"], data["matrix"])


class HnswIndex(LocalIndex):
    """hnswlib's HNSW graph (inner product on unit vectors = cosine)."""

    kind = "hnsw"

    def _reset(self) -> None:
        import hnswlib

        self.graph = hnswlib.Index(space="ip", dim=DIMENSIONS)
        self.graph.init_index(max_elements=1024, M=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION)

    def _upsert(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        needed = self.graph.get_current_count() + len(ids)
        if needed > self.graph.get_max_elements():
            self.graph.resize_index(max(needed, 2 * self.graph.get_max_elements()))
        # An existing label gets its vector replaced.
        self.graph.add_items(vectors, ids, num_threads=_threads())

    def _query(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        self.graph.set_ef(max(k, MIN_EF_SEARCH))
        labels, distances = self.graph.knn_query(vector, k=k, num_threads=1)
        return [(int(pk), 1.0 - float(d)) for pk, d in zip(labels[0], distances[0], strict=True)]

    def _size(self) -> int:
        return int(self.graph.get_current_count())

    def _save(self, path: Path) -> None:
        self.graph.save_index(str(path))

    def _load(self, path: Path) -> None:
        import hnswlib

        graph = hnswlib.Index(space="ip", dim=DIMENSIONS)
        graph.load_index(str(path), max_elements=0)
        self.graph = graph


def _threads() -> int:
    return min(2, os.cpu_count() or 1)


_indexes: dict[tuple[str, ...], VectorIndex] = {}
_indexes_lock = threading.Lock()


def _file_for(kind: str) -> Path | None:
    name = str(connection.settings_dict["NAME"])
    if "mode=memory" in name or ":memory:" in name:
        return None  # an in-memory database (the tests'): nothing worth keeping
    database = hashlib.blake2b(name.encode(), digest_size=6).hexdigest()
    suffix = "hnsw" if kind == "hnsw" else "npz"
    return Path(settings.VAR_DIR) / "search" / f"{kind}-{MODEL_NAME}-{database}.{suffix}"


def get_vector_index() -> VectorIndex:
    """The index the settings choose, one per process and database."""
    choice = getattr(settings, "VECTOR_INDEX", "auto")
    if choice == "auto":
        kind = "pgvector" if connection.vendor == "postgresql" else "hnsw"
    else:
        kind = "exact"
    key = (kind, connection.vendor, str(connection.settings_dict["NAME"]), str(settings.VAR_DIR))
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            if kind == "pgvector":
                index = PgvectorIndex()
            elif kind == "hnsw":
                index = HnswIndex(_file_for(kind))
            else:
                index = ExactIndex(_file_for(kind))
            _indexes[key] = index
    return index

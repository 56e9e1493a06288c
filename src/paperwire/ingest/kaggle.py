"""The Kaggle arXiv metadata snapshot: one JSON object per line, 2.8M lines.

Each line carries id, title, authors (a string) and authors_parsed
([last, first, suffix, affiliation...]), abstract, categories (space separated,
primary first), versions ([{version: "v2", created: "Tue, 24 Jul 2007 20:10:27 GMT"}])
and the journal fields. The file may be gzip-compressed, or the zip archive Kaggle
serves, whatever its name.
"""

import gc
import gzip
import io
import logging
import multiprocessing
import os
import re
import threading
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson
from django.db import OperationalError, connection, connections
from pylatexenc.latex2text import LatexNodes2Text
from tqdm import tqdm

from paperwire.ingest.bulk import STAGE_SCHEMA, Staged, stage
from paperwire.ingest.records import (
    AuthorName,
    PaperRecord,
    RecordError,
    clean_abstract,
    clean_line,
)
from paperwire.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id

if TYPE_CHECKING:
    from paperwire.ingest.upsert import UpsertResult

# No Django model is imported here at the top: the worker processes that parse a large
# snapshot import this module without setting Django up (see _parse_block).

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
WAL_CHECKPOINT_PAGES = 50_000  # about 200 MB of write-ahead log between checkpoints
PARALLEL_BYTES = 16 << 20  # a smaller file is parsed in the importing process
MAX_WORKERS = 4  # more than the writer keeps up with on SQLite
PG_WRITERS = 4  # batches PostgreSQL writes at once, each on its own connection
DEADLOCK_RETRIES = 5
# A bulk import builds the secondary indexes at its end when it adds at least this many
# papers, and more than twice as many as the database holds (see ingest.indexes).
DEFER_INDEXES_FROM = 50_000
BYTES_PER_RECORD = 1600  # of the uncompressed snapshot: 2.8M lines in 4.5 GB
GZIP_RATIO = 3  # how much larger the snapshot's text is than its gzip file
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
# Splits an authors string: "A, B and C", "A, B, and C", "A & B".
_NAME_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_NOT_A_NAME = re.compile(r"(?:et al\.?|others)?", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_SUFFIX = re.compile(r"(?:Jr|Sr|I{2,3}|IV)\.?", re.IGNORECASE)
# "(1)", "(2,3)", "(1 and 2)": numbered references to a trailing "((1) Univ A, (2) Univ B)".
_REFERENCES = re.compile(r"\d+(?:\s*(?:,|and|&)\s*\d+)*")
_NUMBER = re.compile(r"\d+")
_PARENTHESIS = re.compile(r"([()])")
_NUMBERED_AFFILIATION = re.compile(r"\((\d+)\)")


class ImportStopped(RecordError):
    """A snapshot import stopped at a bad line; earlier batches are committed."""

    def __init__(self, error: RecordError, committed: int) -> None:
        super().__init__(str(error))
        self.committed = committed


@dataclass
class ImportStats:
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    return LatexNodes2Text()


@lru_cache(maxsize=100_000)
def _detex(text: str) -> str:
    # Converting costs about 0.4 ms, so it runs only on text that has TeX in it,
    # and a prolific author's name is converted once.
    return clean_line(_latex().latex_to_text(text))


def plain_text(text: str) -> str:
    """One line of text with TeX accents (Bal\\'azs) turned into letters (Balázs)."""
    if "\\" in text or "{" in text or "~" in text:
        return _detex(text)
    return clean_line(text)


def parse_created(text: str) -> datetime:
    """'Mon, 2 Apr 2007 19:18:42 GMT' as an aware UTC datetime."""
    # strptime would take ten times as long; this runs twice per line.
    _, day, month, year, clock, *_ = text.split()
    hour, minute, second = clock.split(":")
    return datetime(
        int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
    )


def _affiliation(parts: list[str]) -> str:
    # arXiv's parser keeps "(1 and 2)" references it could not resolve: drop those.
    texts = (plain_text(p) for p in parts if p and not _REFERENCES.fullmatch(p.strip()))
    return "; ".join(t for t in texts if t)


def parsed_authors(parsed: list[list[str]]) -> list[AuthorName]:
    """Authors from authors_parsed: [last, first, suffix, affiliation...] each."""
    authors = []
    for last, first, suffix, *affiliations in parsed:
        # arXiv's parser spaces out hyphenated initials ("C.-P." -> "C. -P.").
        # split/join also collapses whitespace, at a third of clean_line's cost.
        name = " ".join(f"{first.replace('. -', '.-')} {last} {suffix}".split())
        if "\\" in name or "{" in name or "~" in name:
            name = _detex(name)
        if name:
            authors.append(AuthorName(name, _affiliation(affiliations) if affiliations else ""))
    return authors


def split_authors(text: str) -> list[AuthorName]:
    """Authors from a free-text authors string, affiliations in parentheses kept apart.

    "A (X), B and C (Y)" gives A at X and B, C at Y (an affiliation belongs to every
    author before it that has none, as on arXiv); "A (1), B (1,2) ((1) X, (2) Y)"
    resolves the numbered references.
    """
    names: list[str] = []
    affiliations: list[str] = []
    references: dict[int, list[str]] = {}
    numbered: dict[str, str] = {}
    waiting = 0  # the first author who may still get the next affiliation

    def parenthesis(inner: str) -> None:
        nonlocal waiting
        if inner.startswith("("):
            pieces = _NUMBERED_AFFILIATION.split(inner)
            for number, label in zip(pieces[1::2], pieces[2::2], strict=True):
                numbered[number] = label.strip(" ,;")
        elif _REFERENCES.fullmatch(inner):
            if names:
                references[len(names) - 1] = _NUMBER.findall(inner)
        elif inner:
            for index in range(waiting, len(names)):
                if not affiliations[index] and index not in references:
                    affiliations[index] = inner
            waiting = len(names)

    depth, inside = 0, []
    for piece in _PARENTHESIS.split(text):
        if piece == "(":
            depth += 1
            if depth > 1:
                inside.append(piece)
        elif piece == ")" and depth:
            depth -= 1
            if depth:
                inside.append(piece)
            else:
                parenthesis(clean_line("".join(inside)))
                inside = []
        elif depth:
            inside.append(piece)
        else:
            for name in _NAME_SEPARATOR.split(piece):
                name = clean_line(name)
                # "\\," (a TeX thin space) and "et al." are not authors.
                if _NOT_A_NAME.fullmatch(name) or not _LETTER.search(name):
                    continue
                if names and _SUFFIX.fullmatch(name):
                    names[-1] = f"{names[-1]} {name}"
                    continue
                names.append(name)
                affiliations.append("")
    if inside:  # an unclosed parenthesis at the end
        parenthesis(clean_line("".join(inside)))

    authors = []
    for index, name in enumerate(names):
        labels = [numbered[n] for n in references.get(index, ()) if n in numbered]
        affiliation = _affiliation(labels) if labels else plain_text(affiliations[index])
        author = AuthorName(plain_text(name), affiliation)
        if author.name:
            authors.append(author)
    return authors


def paper_record(data: Any) -> PaperRecord:
    """One snapshot object as a PaperRecord; RecordError (or a type error) when unusable."""
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    try:
        arxiv_id = normalize_arxiv_id(data["id"])
    except KeyError:
        raise RecordError("no id") from None
    except InvalidArxivId as e:
        raise RecordError(str(e)) from None
    title = clean_line(data.get("title"))
    if not title:
        raise RecordError(f"{arxiv_id}: no title")
    versions = data.get("versions") or []
    parsed = data.get("authors_parsed")
    doi = data.get("doi")
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        version=int(versions[-1]["version"].lstrip("v")) if versions else None,
        abstract=clean_abstract(data.get("abstract")),
        authors=parsed_authors(parsed) if parsed else split_authors(data.get("authors") or ""),
        categories=(data.get("categories") or "").split(),
        published_at=parse_created(versions[0]["created"]) if versions else None,
        updated_at=parse_created(versions[-1]["created"]) if versions else None,
        # A few records list several DOIs; the column holds one.
        doi=doi.split()[0] if doi and doi.strip() else "",
        journal_ref=clean_line(data.get("journal-ref")),
        comments=clean_line(data.get("comments")),
        report_no=clean_line(data.get("report-no")),
        license=clean_line(data.get("license")),
    )


class Snapshot:
    """A snapshot file opened for reading; `position` is how far into the file on disk."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self._raw = self.path.open("rb")
        self._archive: zipfile.ZipFile | None = None
        self.lines: io.BufferedIOBase | IO[bytes] = self._raw
        self.text_size = self.size  # of the text inside, estimated for gzip
        magic = self._raw.read(4)
        self._raw.seek(0)
        try:
            if magic.startswith(GZIP_MAGIC):
                self.lines = gzip.GzipFile(fileobj=self._raw, mode="rb")
                self.text_size = self.size * GZIP_RATIO
            elif magic == ZIP_MAGIC:
                # Kaggle's download: a zip archive holding the one JSON-lines file.
                self._archive = zipfile.ZipFile(self._raw)
                files = [i for i in self._archive.infolist() if not i.is_dir()]
                if len(files) != 1:
                    raise RecordError(
                        f"{self.path}: a zip archive must hold exactly one file; "
                        f"this one holds {len(files)}"
                    )
                self.lines = self._archive.open(files[0])
                self.text_size = files[0].file_size
        except (OSError, zipfile.BadZipFile) as e:
            self.close()
            raise RecordError(f"{self.path}: cannot read the archive: {e}") from e
        except RecordError:
            self.close()
            raise

    @property
    def position(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self.lines.close()
        if self._archive is not None:
            self._archive.close()
        self._raw.close()

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(
        self, on_error: Callable[[RecordError], None] | None = None
    ) -> Iterator[PaperRecord]:
        """The papers in file order. A bad line raises RecordError naming file:line,
        or is passed to on_error when one is given."""
        number = 0
        try:
            for number, line in enumerate(self.lines, start=1):
                try:
                    yield paper_record(orjson.loads(line))
                except _BAD_LINE as e:
                    if not line.strip():
                        continue
                    error = RecordError(_line_error(self.path, number, e))
                    if on_error is None:
                        raise error from e
                    on_error(error)
        except _UNREADABLE as e:
            raise RecordError(_read_error(self.path, number + 1, e)) from e

    def blocks(self, size: int) -> Iterator[tuple[int, list[bytes], str | None]]:
        """(number of the first line, lines, error) `size` lines at a time; a block cut
        short by a read error carries the error, file:line, and is the last."""
        first, block = 1, []
        try:
            for line in self.lines:
                block.append(line)
                if len(block) == size:
                    yield first, block, None
                    first, block = first + size, []
        except _UNREADABLE as e:
            yield first, block, _read_error(self.path, first + len(block), e)
            return
        if block:
            yield first, block, None


# What a line that is not a usable record raises: RecordError and orjson's
# JSONDecodeError are ValueErrors with a readable message; the others come from a field
# of the wrong shape.
_BAD_LINE = (ValueError, KeyError, TypeError, AttributeError, IndexError)
# A truncated or corrupt download: nothing after this point can be read.
_UNREADABLE = (OSError, EOFError, zlib.error)


def _line_error(path: Path | str, number: int, error: Exception) -> str:
    reason = str(error) if isinstance(error, ValueError) else f"malformed record ({error!r})"
    return f"{path}:{number}: {reason}"


def _read_error(path: Path | str, number: int, error: Exception) -> str:
    return f"{path}:{number}: cannot read the file: {error}"


def _stage_block(path: str, first: int, lines: list[bytes], vendor: str) -> Staged:
    """The papers of the lines, staged for `vendor`'s database; each bad line's error
    (file:line) is kept in its place, a blank line is skipped. Runs in worker processes."""
    records: list[tuple[int, PaperRecord]] = []
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=first):
        try:
            records.append((number, paper_record(orjson.loads(line))))
        except _BAD_LINE as e:
            if line.strip():
                errors.append((len(records), _line_error(path, number, e)))
    return stage(vendor, records, errors)


def iter_snapshot(path: str | Path) -> Iterator[PaperRecord]:
    """Stream the papers of a snapshot file (plain or gzip) without loading it."""
    with Snapshot(path) as snapshot:
        yield from snapshot.records()


def import_snapshot(
    path: str | Path,
    *,
    batch_size: int = 5000,
    limit: int | None = None,
    progress: bool = True,
    skip_invalid: bool = False,
    workers: int | None = None,
    writers: int | None = None,
    defer_indexes: bool | None = None,
) -> ImportStats:
    """Upsert the papers of a snapshot file, one transaction per batch of `batch_size`
    lines.

    A bad line stops the import with ImportStopped (file:line) before its batch is
    written; the batches before it stay committed, and since the upsert is
    idempotent a re-run after fixing the file completes the job. With
    skip_invalid, bad lines are logged and skipped instead.

    `workers` processes parse the file and stage its batches (bulk.stage) while this one
    writes them (0: this one does it all; None: one per processor, up to MAX_WORKERS, for
    a file of PARALLEL_BYTES or more). On PostgreSQL `writers` batches are written at
    once, each in its own transaction and connection (None: PG_WRITERS; SQLite writes one
    at a time, and so does an import that runs inside a transaction). With
    `defer_indexes` the secondary indexes of the paper tables are dropped and built at
    the end (None: when the file holds at least DEFER_INDEXES_FROM papers and twice as
    many as the database holds; see ingest.indexes).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if limit is not None and limit < 0:
        raise ValueError("limit must not be negative")
    if workers is not None and workers < 0:
        raise ValueError("workers must not be negative")
    if writers is not None and writers < 1:
        raise ValueError("writers must be at least 1")
    if connection.vendor == "sqlite" or connection.in_atomic_block:
        writers = 1
    from paperwire.ingest import indexes

    stats = ImportStats()
    started = time.perf_counter()
    with Snapshot(path) as snapshot:
        if defer_indexes is None:
            defer_indexes = _worth_deferring(snapshot, limit)
        if workers is None:
            workers = _default_workers(snapshot.size)
    with (
        _bulk_writes(),
        indexes.deferred(defer_indexes),
        _no_cycle_collection(),
        Snapshot(path) as snapshot,
        closing(_staged(snapshot, connection.vendor, workers, batch_size)) as batches,
        _Writers(PG_WRITERS if writers is None else writers, stats) as write,
        _Progress(
            total=snapshot.size,
            unit="B",
            unit_scale=True,
            desc=snapshot.path.name,
            # None: a bar where stderr is a terminal, nothing in logs.
            disable=None if progress else True,
        ) as bar,
    ):
        read = 0  # papers handed to the writers
        for position, first, lines, staged, read_error in batches:
            if read == limit:
                break
            keep = staged.records if limit is None else min(staged.records, limit - read)
            # What comes after the limit-th paper is never read, as if the file ended there.
            ends = limit is not None and read + keep == limit
            for before, error in staged.errors:
                if ends and before >= keep:
                    break
                if not skip_invalid:
                    raise ImportStopped(RecordError(error), write.committed())
                stats.skipped += 1
                logger.warning("skipped %s", error)
            if read_error is not None and not ends:
                raise ImportStopped(RecordError(read_error), write.committed())
            if keep:
                write(staged, _reader(first, lines), keep)
                read += keep
            bar.update(position - bar.n)
        write.committed()
        bar.update(snapshot.position - bar.n)
    stats.seconds = time.perf_counter() - started
    return stats


def _reader(first: int, lines: list[bytes]) -> Callable[[list[int]], list[PaperRecord]]:
    """The records at some line numbers of a batch of lines that starts at line `first`."""

    def records_at(numbers: list[int]) -> list[PaperRecord]:
        return [paper_record(orjson.loads(lines[number - first])) for number in numbers]

    return records_at


class _Writers:
    """Writes staged batches, each in one transaction, and counts what they did.

    With one writer, in this thread. With more (PostgreSQL), in as many threads, each
    with its own connection, so that the database works on several batches at once
    (building their search documents is most of its work). Two batches that hold the
    same paper are never written at the same time: the later one waits for the other,
    so a paper's records are written in file order, as by one writer. A batch that
    deadlocks with another (new authors shared by both) is written again.
    """

    def __init__(self, count: int, stats: ImportStats) -> None:
        self.count = count
        self.stats = stats
        self.running: list[tuple[Future[UpsertResult], int, set[str]]] = []
        self.pool = (
            ThreadPoolExecutor(count, thread_name_prefix="import-writer") if count > 1 else None
        )

    def __enter__(self) -> "_Writers":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is None:
            return
        try:
            if exc[0] is None:
                self.committed()
            else:  # an error is on its way: let the batches under way finish
                wait([future for future, _, _ in self.running])
        finally:
            # Each thread closes its connection: one task each, held at a barrier.
            barrier = threading.Barrier(self.count)
            for _ in range(self.count):
                self.pool.submit(_close_connection, barrier)
            self.pool.shutdown()

    def __call__(
        self, staged: Staged, records_at: Callable[[list[int]], list[PaperRecord]], keep: int
    ) -> None:
        limit = keep if keep < staged.records else None
        if self.pool is None:
            self._count(_write_staged(staged, records_at, limit), keep)
            return
        papers = set(staged.arxiv_ids[:keep])
        for future, _, others in self.running:
            if not papers.isdisjoint(others):
                future.result()  # errors are raised by _collect
        self._collect(done_only=True)
        while len(self.running) >= self.count:
            wait([future for future, _, _ in self.running], return_when=FIRST_COMPLETED)
            self._collect(done_only=True)
        future = self.pool.submit(_write_staged, staged, records_at, limit)
        self.running.append((future, keep, papers))

    def committed(self) -> int:
        """Wait for the batches under way; how many papers the written batches hold."""
        self._collect(done_only=False)
        return self.stats.records

    def _collect(self, done_only: bool) -> None:
        for entry in list(self.running):
            future, keep, _ = entry
            if done_only and not future.done():
                continue
            result = future.result()
            self.running.remove(entry)
            self._count(result, keep)

    def _count(self, result: "UpsertResult", keep: int) -> None:
        self.stats.records += keep
        self.stats.created += len(result.created)
        self.stats.updated += len(result.updated)
        self.stats.unchanged += result.unchanged


def _write_staged(
    staged: Staged, records_at: Callable[[list[int]], list[PaperRecord]], keep: int | None
) -> "UpsertResult":
    from paperwire.ingest.upsert import upsert_staged

    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return upsert_staged(staged, records_at, keep)
        except OperationalError as e:
            if attempt == DEADLOCK_RETRIES or not _deadlocked(e):
                raise
            logger.info("a batch deadlocked with another; writing it again")
    raise AssertionError("unreachable")


def _deadlocked(error: Exception) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in ("40P01", "40001")


def _close_connection(barrier: threading.Barrier) -> None:
    barrier.wait()
    connections.close_all()


class _Progress(tqdm):
    # No monitor thread: the parsing processes are forked from a process of one thread
    # (see _start_method), and the bar is updated after every batch anyway.
    monitor_interval = 0


def _worth_deferring(snapshot: Snapshot, limit: int | None) -> bool:
    from paperwire.ingest import indexes

    if indexes.pending():
        return True  # an import that was stopped: go on as it did
    coming = snapshot.text_size // BYTES_PER_RECORD
    if limit is not None:
        coming = min(coming, limit)
    if coming < DEFER_INDEXES_FROM:
        return False
    with connection.cursor() as cursor:
        # The largest id: as good as a count, and instant.
        cursor.execute("SELECT max(id) FROM papers_paper")
        (stored,) = cursor.fetchone()
    return 2 * (stored or 0) < coming


def _default_workers(size: int) -> int:
    if size < PARALLEL_BYTES:
        return 0
    try:
        processors = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        processors = os.cpu_count() or 1
    # As many as processors: the writer spends much of its time waiting for them.
    return max(1, min(MAX_WORKERS, processors))


def _start_method() -> str:
    """fork where this process runs one thread (a command's): the workers start at once,
    with this module loaded. Otherwise forkserver: forking a process whose other threads
    may hold locks is unsafe. (forkserver and spawn run the main script again, which must
    then keep its work under `if __name__ == "__main__":`.)"""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _staged(
    snapshot: Snapshot, vendor: str, workers: int, batch_size: int
) -> Generator[tuple[int, int, list[bytes], Staged, str | None], None, None]:
    """(file position, number of the first line, lines, their staged batch, read error)
    for each batch of lines, in file order."""
    path = str(snapshot.path)
    if workers < 1:
        for first, lines, error in snapshot.blocks(batch_size):
            yield snapshot.position, first, lines, _stage_block(path, first, lines, vendor), error
        return
    context = multiprocessing.get_context(_start_method())
    pending: deque[tuple[Future[Staged], int, int, list[bytes], str | None]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        try:
            for first, lines, error in snapshot.blocks(batch_size):
                future = pool.submit(_stage_block, path, first, lines, vendor)
                pending.append((future, snapshot.position, first, lines, error))
                # Each worker busy, and one batch ready for the writer: not the file.
                while len(pending) > workers + 1:
                    yield _ready(pending.popleft())
            while pending:
                yield _ready(pending.popleft())
        finally:
            for future, *_ in pending:
                future.cancel()


def _ready(
    entry: tuple[Future[Staged], int, int, list[bytes], str | None],
) -> tuple[int, int, list[bytes], Staged, str | None]:
    future, position, first, lines, error = entry
    return position, first, lines, future.result(), error


@contextmanager
def _bulk_writes() -> Iterator[None]:
    """SQLite: fewer checkpoints, and no foreign key checks, while the import runs.

    Every batch dirties pages all over the author indexes; checkpointing after
    each commit (the default, at 1000 pages) copies them into the database file
    and syncs it each time. Letting the write-ahead log grow to about 200 MB
    first makes a 200k-paper import about an eighth faster. Durability is what
    synchronous=NORMAL gives: a power cut may lose the last batches, which a
    re-run restores; an application crash loses nothing.

    Checking foreign keys looks up the paper and the author of every authorship
    (a sixth of the time). The import's rows refer only to papers, authors and
    categories that the same transaction wrote or read, under SQLite's one write lock.
    (Inside a transaction, such as a test's, the pragma changes nothing.)
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA foreign_keys")
        (foreign_keys,) = cursor.fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
            if not connection.in_atomic_block:
                # The last staged batch (see upsert.upsert_staged) goes from memory.
                cursor.execute("PRAGMA database_list")
                if STAGE_SCHEMA in {row[1] for row in cursor.fetchall()}:
                    cursor.execute(f"DETACH DATABASE {STAGE_SCHEMA}")
                # Hands the log back to the database file and truncates it.
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the import runs.

    The records are freed by reference counting (a collection after a 200k import
    finds nothing to collect), but the millions of objects they allocate keep
    triggering full collections that re-scan the whole heap: a sixth of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

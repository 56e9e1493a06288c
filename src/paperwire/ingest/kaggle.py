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
import itertools
import logging
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import orjson
from django.db import connection
from pylatexenc.latex2text import LatexNodes2Text
from tqdm import tqdm

from paperwire.ingest.records import (
    AuthorName,
    PaperRecord,
    RecordError,
    clean_abstract,
    clean_line,
)
from paperwire.ingest.upsert import upsert_papers
from paperwire.papers.arxiv_ids import InvalidArxivId, normalize_arxiv_id

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
WAL_CHECKPOINT_PAGES = 50_000  # about 200 MB of write-ahead log between checkpoints
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
        magic = self._raw.read(4)
        self._raw.seek(0)
        try:
            if magic.startswith(GZIP_MAGIC):
                self.lines = gzip.GzipFile(fileobj=self._raw, mode="rb")
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
                except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
                    if not line.strip():
                        continue
                    # RecordError and orjson's JSONDecodeError are ValueErrors with a
                    # readable message; the others come from a field of the wrong shape.
                    reason = str(e) if isinstance(e, ValueError) else f"malformed record ({e!r})"
                    error = RecordError(f"{self.path}:{number}: {reason}")
                    if on_error is None:
                        raise error from e
                    on_error(error)
        except (OSError, EOFError, zlib.error) as e:
            # A truncated or corrupt download: nothing after this point can be read.
            raise RecordError(f"{self.path}:{number + 1}: cannot read the file: {e}") from e


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
) -> ImportStats:
    """Upsert the papers of a snapshot file, one transaction per batch.

    A bad line stops the import with ImportStopped (file:line) before its batch is
    written; the batches before it stay committed, and since the upsert is
    idempotent a re-run after fixing the file completes the job. With
    skip_invalid, bad lines are logged and skipped instead.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if limit is not None and limit < 0:
        raise ValueError("limit must not be negative")
    stats = ImportStats()
    started = time.perf_counter()

    def skip(error: RecordError) -> None:
        stats.skipped += 1
        logger.warning("skipped %s", error)

    with (
        _bulk_writes(),
        _no_cycle_collection(),
        Snapshot(path) as snapshot,
        tqdm(
            total=snapshot.size,
            unit="B",
            unit_scale=True,
            desc=snapshot.path.name,
            # None: a bar where stderr is a terminal, nothing in logs.
            disable=None if progress else True,
        ) as bar,
    ):
        batch: list[PaperRecord] = []
        records = snapshot.records(on_error=skip if skip_invalid else None)
        try:
            for record in itertools.islice(records, limit):
                batch.append(record)
                if len(batch) >= batch_size:
                    _write(batch, stats)
                    batch = []
                    bar.update(snapshot.position - bar.n)
            if batch:
                _write(batch, stats)
        except RecordError as e:
            raise ImportStopped(e, stats.records) from e
        bar.update(snapshot.position - bar.n)
    stats.seconds = time.perf_counter() - started
    return stats


@contextmanager
def _bulk_writes() -> Iterator[None]:
    """Fewer SQLite checkpoints while the import runs.

    Every batch dirties pages all over the author indexes; checkpointing after
    each commit (the default, at 1000 pages) copies them into the database file
    and syncs it each time. Letting the write-ahead log grow to about 200 MB
    first makes a 200k-paper import about an eighth faster. Durability is what
    synchronous=NORMAL gives: a power cut may lose the last batches, which a
    re-run restores; an application crash loses nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")
            if not connection.in_atomic_block:
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


def _write(batch: list[PaperRecord], stats: ImportStats) -> None:
    result = upsert_papers(batch)
    stats.records += len(batch)
    stats.created += len(result.created)
    stats.updated += len(result.updated)
    stats.unchanged += result.unchanged

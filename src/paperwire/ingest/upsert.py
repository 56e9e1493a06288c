"""One way into the database for papers from every source.

`upsert_papers` writes one batch in one transaction. A paper is keyed by its
arXiv id; a record whose version is at least the stored one replaces each field
it carries (the newest version wins), an older record only fills in the
fields sources add on top of arXiv (code, project page, AI summary). Writing
the same batch twice changes nothing the second time.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from paperwire.ingest.records import AuthorName, PaperRecord
from paperwire.papers.models import Author, Category
from paperwire.papers.taxonomy import category_name

# Columns that follow the newest version of the paper.
CORE = (
    "title",
    "abstract",
    "published_at",
    "updated_at",
    "doi",
    "journal_ref",
    "comments",
    "report_no",
    "license",
)
# Columns that other sources add; any record that carries one fills it in.
EXTRA = ("code_url", "code_stars", "project_url", "ai_summary", "ai_keywords", "withdrawn_at")
COLUMNS = ("version", "primary_category_id", *CORE, *EXTRA)
CHUNK = 500  # ids per IN (...) query, well under every database's parameter limit


@dataclass
class UpsertResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> list[int]:
        return self.created + self.updated


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(n: int) -> str:
    return ",".join(["%s"] * n)


def _is_set(value: object) -> bool:
    return value is not None and value != "" and value != []


def _merge_records(old: PaperRecord, new: PaperRecord) -> PaperRecord:
    """Two records of one paper in the same batch: the later version wins."""
    winner, loser = (new, old) if (new.version or 0) >= (old.version or 0) else (old, new)
    for name in (*CORE, "authors", "categories", *EXTRA):
        if not _is_set(getattr(winner, name)) and _is_set(getattr(loser, name)):
            setattr(winner, name, getattr(loser, name))
    return winner


def _row(record: PaperRecord) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(record, name) for name in (*CORE, *EXTRA)}
    row["version"] = record.version or 0
    row["primary_category_id"] = record.categories[0] if record.categories else None
    return row


def _db_value(name: str, value: Any) -> Any:
    if name == "ai_keywords":
        return orjson.dumps(value or []).decode()
    if isinstance(value, datetime) and connection.vendor == "sqlite":
        # Django stores aware datetimes on SQLite as naive UTC text.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _load_existing(cursor: Any, arxiv_ids: list[str]) -> dict[str, dict[str, Any]]:
    existing: dict[str, dict[str, Any]] = {}
    select = ", ".join(("id", "arxiv_id", *COLUMNS))
    for chunk in _chunks(arxiv_ids):
        cursor.execute(
            f"SELECT {select} FROM papers_paper WHERE arxiv_id IN ({_placeholders(len(chunk))})",
            list(chunk),
        )
        for values in cursor.fetchall():
            row = dict(zip(("id", "arxiv_id", *COLUMNS), values, strict=True))
            if isinstance(row["ai_keywords"], str):
                row["ai_keywords"] = orjson.loads(row["ai_keywords"])
            existing[row["arxiv_id"]] = row
    return existing


def _load_relations(cursor: Any, paper_ids: list[int]) -> tuple[dict[int, list], dict[int, list]]:
    authors: dict[int, list] = {pid: [] for pid in paper_ids}
    categories: dict[int, list] = {pid: [] for pid in paper_ids}
    for chunk in _chunks(paper_ids):
        marks = _placeholders(len(chunk))
        cursor.execute(
            "SELECT s.paper_id, a.name, s.affiliation FROM papers_authorship s "
            f"JOIN papers_author a ON a.id = s.author_id WHERE s.paper_id IN ({marks}) "
            "ORDER BY s.paper_id, s.position",
            list(chunk),
        )
        for paper_id, name, affiliation in cursor.fetchall():
            authors[paper_id].append(AuthorName(name, affiliation))
        cursor.execute(
            f"SELECT paper_id, category_id FROM papers_papercategory WHERE paper_id IN ({marks}) "
            "ORDER BY paper_id, position",
            list(chunk),
        )
        for paper_id, code in cursor.fetchall():
            categories[paper_id].append(code)
    return authors, categories


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _same(stored: Any, value: Any) -> bool:
    return bool(_comparable(stored) == _comparable(value))


def upsert_papers(records: Iterable[PaperRecord]) -> UpsertResult:
    """Insert or update a batch of papers in one transaction."""
    batch: dict[str, PaperRecord] = {}
    for record in records:
        previous = batch.get(record.arxiv_id)
        batch[record.arxiv_id] = _merge_records(previous, record) if previous else record
    result = UpsertResult()
    if not batch:
        return result

    with transaction.atomic(), connection.cursor() as cursor:
        existing = _load_existing(cursor, list(batch))
        stored_authors, stored_categories = _load_relations(
            cursor, [row["id"] for row in existing.values()]
        )
        new_rows: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        relations: dict[str, PaperRecord] = {}  # papers whose authors/categories are rewritten

        for arxiv_id, record in batch.items():
            incoming = _row(record)
            stored = existing.get(arxiv_id)
            if stored is None:
                incoming["arxiv_id"] = arxiv_id
                new_rows.append(incoming)
                relations[arxiv_id] = record
                continue
            wins = incoming["version"] >= stored["version"]
            merged = dict(stored)
            for name in (*CORE, "primary_category_id") if wins else ():
                if _is_set(incoming[name]):
                    merged[name] = incoming[name]
            if wins:
                merged["version"] = incoming["version"]
            for name in EXTRA:
                if _is_set(incoming[name]):
                    merged[name] = incoming[name]
            changes = {
                name: merged[name] for name in COLUMNS if not _same(stored[name], merged[name])
            }
            pid = stored["id"]
            rel_changed = wins and (
                (record.authors and record.authors != stored_authors[pid])
                or (record.categories and record.categories != stored_categories[pid])
            )
            if rel_changed:
                relations[arxiv_id] = record
            if changes or rel_changed:
                updates.append((pid, changes))
            else:
                result.unchanged += 1
            result.ids[arxiv_id] = pid

        _ensure_categories(cursor, {c for r in batch.values() for c in r.categories})
        now = _db_value("created_at", timezone.now())
        if new_rows:
            names = ("arxiv_id", *COLUMNS, "upvotes", "created_at", "modified_at")
            marks = _placeholders(len(names))
            cursor.executemany(
                f"INSERT INTO papers_paper ({', '.join(names)}) VALUES ({marks})",
                [
                    [*(_db_value(n, row[n]) for n in ("arxiv_id", *COLUMNS)), 0, now, now]
                    for row in new_rows
                ],
            )
            new_ids = [row["arxiv_id"] for row in new_rows]
            for chunk in _chunks(new_ids):
                cursor.execute(
                    "SELECT arxiv_id, id FROM papers_paper "
                    f"WHERE arxiv_id IN ({_placeholders(len(chunk))})",
                    list(chunk),
                )
                for arxiv_id, pid in cursor.fetchall():
                    result.ids[arxiv_id] = pid
                    result.created.append(pid)
        for pid, changes in updates:
            sets = ", ".join(f"{name} = %s" for name in (*changes, "modified_at"))
            cursor.execute(
                f"UPDATE papers_paper SET {sets} WHERE id = %s",
                [*(_db_value(n, v) for n, v in changes.items()), now, pid],
            )
            result.updated.append(pid)
        _write_relations(cursor, {result.ids[a]: r for a, r in relations.items()})
    return result


def _ensure_categories(cursor: Any, codes: set[str]) -> None:
    if not codes:
        return
    cursor.executemany(
        "INSERT INTO papers_category (code, name, group_name) VALUES (%s, %s, %s) "
        "ON CONFLICT (code) DO NOTHING",
        [(code, *category_name(code)) for code in sorted(codes)],
    )


def _write_relations(cursor: Any, records: dict[int, PaperRecord]) -> None:
    with_authors = [pid for pid, r in records.items() if r.authors]
    with_categories = [pid for pid, r in records.items() if r.categories]
    for chunk in _chunks(with_authors):
        cursor.execute(
            f"DELETE FROM papers_authorship WHERE paper_id IN ({_placeholders(len(chunk))})",
            list(chunk),
        )
    for chunk in _chunks(with_categories):
        cursor.execute(
            f"DELETE FROM papers_papercategory WHERE paper_id IN ({_placeholders(len(chunk))})",
            list(chunk),
        )
    authors: dict[int, str] = {}
    authorships = []
    for pid in with_authors:
        for position, author in enumerate(records[pid].authors):
            author_id = Author.id_for(author.name)
            authors[author_id] = author.name
            authorships.append((pid, author_id, position, author.affiliation))
    if authors:
        cursor.executemany(
            "INSERT INTO papers_author (id, name) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING",
            list(authors.items()),
        )
        cursor.executemany(
            "INSERT INTO papers_authorship (paper_id, author_id, position, affiliation) "
            "VALUES (%s, %s, %s, %s)",
            authorships,
        )
    cursor.executemany(
        "INSERT INTO papers_papercategory (paper_id, category_id, position) VALUES (%s, %s, %s) "
        "ON CONFLICT (paper_id, category_id) DO NOTHING",
        [
            (pid, code, position)
            for pid in with_categories
            for position, code in enumerate(records[pid].categories)
        ],
    )


__all__ = ["Category", "UpsertResult", "upsert_papers"]

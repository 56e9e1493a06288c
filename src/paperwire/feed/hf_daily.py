"""Import the Hugging Face daily papers feed.

Each item is one element of `GET /api/daily_papers` (see docs/HF-API.md), optionally
with `_list_date`, the feed day it was listed on. A file holds one item per line
(JSON lines) or one JSON array of items, plain or gzip-compressed. Items of every
vintage are accepted: fields such as githubRepo, ai_summary or organization only
appear from 2025 on.

Items are written in batches, one transaction each: the papers, their
organizations, the feed entries and the upvote counts of a batch land together
or not at all. Importing the same files again changes nothing.
"""

import gzip
import io
import re
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.db import connection, transaction
from tqdm import tqdm

from paperwire.feed.models import DailyEntry
from paperwire.ingest.records import (
    AuthorName,
    PaperRecord,
    RecordError,
    clean_abstract,
    clean_line,
    utc_timestamp,
)
from paperwire.ingest.upsert import upsert_papers
from paperwire.orgs.merge import fullname_key
from paperwire.orgs.models import Organization, OrganizationAlias
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Paper

SOURCE = "hf"
HF_SITE = "https://huggingface.co"
BATCH_SIZE = 1000
CHUNK = 500  # ids per IN (...) query
GZIP_MAGIC = b"\x1f\x8b"
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_ORGANIZATION_NAME = re.compile(r"[-a-zA-Z0-9_]{1,100}")
# The columns an import writes; `hidden` and `source` are not among them, so a
# moderator's decision and a locally submitted entry stay as they are.
ENTRY_FIELDS = (
    "submitted_at",
    "submitter_name",
    "submitter_fullname",
    "submitter_avatar_url",
    "organization",
    "discussion_id",
)


@dataclass(slots=True)
class HfOrganization:
    name: str
    fullname: str
    avatar_url: str


@dataclass(slots=True)
class HfEntry:
    day: date
    submitted_at: datetime
    submitter_name: str = ""
    submitter_fullname: str = ""
    submitter_avatar_url: str = ""
    organization: HfOrganization | None = None
    discussion_id: str = ""


@dataclass(slots=True)
class HfItem:
    record: PaperRecord
    entry: HfEntry
    upvotes: int


@dataclass
class ImportStats:
    items: int = 0
    created_papers: set[int] = field(default_factory=set)
    changed_papers: set[int] = field(default_factory=set)
    entries_created: int = 0
    entries_updated: int = 0
    upvotes_raised: int = 0
    days: set[date] = field(default_factory=set)
    organizations: set[str] = field(default_factory=set)
    organizations_created: int = 0

    @property
    def papers_created(self) -> int:
        return len(self.created_papers)

    @property
    def papers_updated(self) -> int:
        return len(self.changed_papers - self.created_papers)

    def summary(self) -> str:
        return (
            f"{self.items} items: {self.papers_created} papers created, "
            f"{self.papers_updated} updated; {self.entries_created} feed entries created, "
            f"{self.entries_updated} updated, on {len(self.days)} feed days; "
            f"{len(self.organizations)} organizations ({self.organizations_created} new); "
            f"upvotes raised on {self.upvotes_raised} papers"
        )


def import_hf_daily(
    paths: Iterable[Path | str], *, batch_size: int = BATCH_SIZE, progress: bool = True
) -> ImportStats:
    """Import the items of each file, `batch_size` items per transaction.

    A malformed item raises RecordError naming its file and line (or array
    index); the batches before it stay imported, nothing of its own batch does.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    files = [Path(path) for path in paths]
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
    zone = ZoneInfo(settings.PAPERWIRE_TIMEZONE)
    stats = ImportStats()
    batch: list[HfItem] = []
    with tqdm(unit=" items", file=sys.stderr, disable=not progress) as bar:
        try:
            for path in files:
                bar.set_description_str(path.name)
                for where, raw in read_items(path):
                    batch.append(item_from_json(raw, where, zone))
                    bar.update()
                    if len(batch) >= batch_size:
                        write_batch(batch, stats)
                        batch = []
            write_batch(batch, stats)
        except RecordError as e:
            raise RecordError(
                f"{e} (nothing from its batch was imported; {stats.items} items before it were)"
            ) from None
    return stats


# Reading ------------------------------------------------------------------------------


def read_items(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, item) for each item of a JSON lines or JSON array file, plain or gzip."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            yield from _parse(stream, path.name)
        except (OSError, EOFError, zlib.error) as e:
            # A truncated or corrupt gzip stream surfaces while reading.
            raise RecordError(f"{path.name}: cannot read the file ({e})") from None


def _parse(stream: io.BufferedIOBase, name: str) -> Iterator[tuple[str, Any]]:
    seen_item = False
    for number, line in enumerate(stream, 1):
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
        if not line.strip():
            continue
        if not seen_item and line.lstrip().startswith(b"["):
            # A JSON array (one API response, a saved list) is small enough to read whole.
            # Blank lines before it are kept so that error line numbers stay true.
            yield from _parse_array(b"\n" * (number - 1) + line + stream.read(), name)
            return
        seen_item = True
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            raise RecordError(f"{name}:{number}: not valid JSON ({e.msg})") from None
        yield f"{name}:{number}", item


def _parse_array(body: bytes, name: str) -> Iterator[tuple[str, Any]]:
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise RecordError(f"{name}:{e.lineno}: not valid JSON ({e.msg})") from None
    for index, item in enumerate(items):
        yield f"{name}[{index}]", item


# Mapping ------------------------------------------------------------------------------


def item_from_json(item: Any, where: str, zone: ZoneInfo) -> HfItem:
    """The paper record and feed entry of one daily item; RecordError naming `where`."""
    try:
        return _item(item, zone)
    except RecordError as e:
        raise RecordError(f"{where}: {e}") from None


def _item(item: Any, zone: ZoneInfo) -> HfItem:
    item = _object(item, "the item")
    paper = _object(item.get("paper"), "paper")
    try:
        arxiv_id = parse_arxiv_id(_text(paper, "id")).id
    except InvalidArxivId as e:
        raise RecordError(f"paper.id: {e}") from None
    title = clean_line(_text(paper, "title")) or clean_line(_text(item, "title"))
    if not title:
        raise RecordError(f"paper {arxiv_id} has no title")
    record = PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=clean_abstract(_text(paper, "summary") or _text(item, "summary")),
        authors=_authors(paper),
        published_at=_timestamp(paper, "publishedAt"),
        code_url=_link(paper, "githubRepo"),
        code_stars=_count(paper, "githubStars"),
        project_url=_link(paper, "projectPage"),
        ai_summary=clean_line(_text(paper, "ai_summary")),
        ai_keywords=_keywords(paper),
        withdrawn_at=_timestamp(paper, "withdrawnAt"),
    )
    on_daily_at = _timestamp(paper, "submittedOnDailyAt")
    listed_at = _timestamp(item, "publishedAt")
    submitted_at = on_daily_at or listed_at
    if submitted_at is None:
        raise RecordError("neither paper.submittedOnDailyAt nor publishedAt is given")
    on_daily_by = _object(paper.get("submittedOnDailyBy"), "paper.submittedOnDailyBy")
    submitted_by = _object(item.get("submittedBy"), "submittedBy")
    organization = _organization(paper.get("organization") or item.get("organization"))
    entry = HfEntry(
        day=_feed_day(item, on_daily_at, submitted_at, zone),
        submitted_at=submitted_at,
        submitter_name=clean_line(
            _text(on_daily_by, "user") or _text(on_daily_by, "name") or _text(submitted_by, "name")
        )[:150],
        submitter_fullname=clean_line(
            _text(on_daily_by, "fullname") or _text(submitted_by, "fullname")
        )[:200],
        submitter_avatar_url=_link(on_daily_by, "avatarUrl") or _link(submitted_by, "avatarUrl"),
        organization=organization,
        discussion_id=_text(paper, "discussionId").strip()[:40],
    )
    return HfItem(record, entry, _count(paper, "upvotes") or 0)


def _feed_day(
    item: dict[str, Any], on_daily_at: datetime | None, at: datetime, zone: ZoneInfo
) -> date:
    if listed := _text(item, "_list_date"):
        try:
            return date.fromisoformat(listed)
        except ValueError:
            raise RecordError(f"_list_date {listed!r} is not a date (YYYY-MM-DD)") from None
    if on_daily_at is not None and on_daily_at.timetz() == time(0, tzinfo=UTC):
        # Since 2026-05 Hugging Face gives the feed day alone, as midnight UTC: a date,
        # not an instant, so no time zone may move it to the day before.
        return on_daily_at.date()
    return at.astimezone(zone).date()


def _authors(paper: dict[str, Any]) -> list[AuthorName]:
    authors = paper.get("authors")
    if authors is None:
        return []
    if not isinstance(authors, list):
        raise RecordError("paper.authors is not a list")
    names = []
    # Hidden authors (an author asked not to be linked to a profile) are still authors.
    for position, author in enumerate(authors):
        name = clean_line(_text(_object(author, f"paper.authors[{position}]"), "name"))
        if not name:
            raise RecordError(f"paper.authors[{position}] has no name")
        names.append(AuthorName(name))
    return names


def _keywords(paper: dict[str, Any]) -> list[str]:
    keywords = paper.get("ai_keywords")
    if keywords is None:
        return []
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise RecordError("paper.ai_keywords is not a list of strings")
    return [k for k in map(clean_line, keywords) if k]


def _organization(value: Any) -> HfOrganization | None:
    organization = _object(value, "organization")
    if not organization:
        return None
    name = _text(organization, "name").strip()
    if not _ORGANIZATION_NAME.fullmatch(name):
        raise RecordError(f"organization name {name!r} is not a slug of at most 100 characters")
    return HfOrganization(
        name=name,
        fullname=clean_line(_text(organization, "fullname"))[:200] or name,
        avatar_url=_link(organization, "avatar"),
    )


def _object(value: Any, label: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"{label} is not a JSON object")
    return value


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key} is not a string: {value!r:.80}")
    return value


def _count(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(f"{key} is not a count: {value!r:.80}")
    return value


def _timestamp(obj: dict[str, Any], key: str) -> datetime | None:
    text = _text(obj, key)
    try:
        return utc_timestamp(text)
    except ValueError:
        raise RecordError(f"{key} {text.strip()!r:.80} is not an ISO 8601 timestamp") from None


def _link(obj: dict[str, Any], key: str) -> str:
    # Some links carry stray spaces or a line break; avatars may be site-relative.
    url = "".join(_text(obj, key).split())
    if url.startswith("//"):
        url = "https:" + url
    elif url.startswith("/"):
        url = HF_SITE + url
    elif url and not _SCHEME.match(url):
        url = "https://" + url  # a bare host and path: github.com/...
    # Only web links are kept: they end up in href attributes.
    if not url.lower().startswith(("https://", "http://")) or len(url) > 500:
        return ""
    return url


# Writing ------------------------------------------------------------------------------


def write_batch(batch: Sequence[HfItem], stats: ImportStats) -> None:
    """Papers, organizations, feed entries and upvotes of a batch, in one transaction."""
    if not batch:
        return
    with transaction.atomic():
        result = upsert_papers(item.record for item in batch)
        organization_ids = _save_organizations(batch, stats)
        paper_ids = {item.record.arxiv_id: result.ids[item.record.arxiv_id] for item in batch}
        _save_entries(batch, paper_ids, organization_ids, stats)
        _raise_upvotes(batch, paper_ids, stats)
    stats.items += len(batch)
    stats.created_papers.update(result.created)
    stats.changed_papers.update(result.updated)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _save_organizations(batch: Sequence[HfItem], stats: ImportStats) -> dict[str, int]:
    """Store the batch's organizations; returns the id each of their names leads to.

    A name that is an alias leads to the organization it was merged into; a new name whose
    full name an imported organization already has becomes one of its aliases (see
    orgs.merge), so one institution is one organization however upstream names it.
    """
    incoming = {o.name: o for item in batch if (o := item.entry.organization)}  # the last wins
    if not incoming:
        return {}
    ids = dict(
        OrganizationAlias.objects.filter(name__in=list(incoming)).values_list(
            "name", "organization_id"
        )
    )
    stored = {o.name: o for o in Organization.objects.filter(name__in=list(incoming))}
    unknown = {
        name: org for name, org in incoming.items() if name not in ids and name not in stored
    }
    same_name: dict[str, int] = {}
    if unknown:
        # Hundreds of organizations, read once when a batch brings a new name.
        imported = Organization.objects.filter(created_by__isnull=True).exclude(fullname="")
        for pk, fullname in imported.order_by("-pk").values_list("pk", "fullname"):
            same_name[fullname_key(fullname)] = pk  # the oldest wins
    new: dict[str, Organization] = {}  # by full-name key (or name when it has none)
    aliases: dict[str, str] = {}  # name → the key of the organization it joins
    for name, org in unknown.items():
        key = fullname_key(org.fullname) or f"\0{name}"
        if key in same_name or key in new:
            aliases[name] = key
            continue
        # A curated source: its organizations need no approval.
        new[key] = Organization(
            name=name, fullname=org.fullname, avatar_url=org.avatar_url, approved=True
        )
    changed = []
    for name, row in stored.items():
        org = incoming[name]
        fullname, avatar_url = org.fullname, org.avatar_url or row.avatar_url
        if (row.fullname, row.avatar_url) != (fullname, avatar_url):
            row.fullname, row.avatar_url = fullname, avatar_url
            changed.append(row)
    Organization.objects.bulk_create(new.values(), ignore_conflicts=True)
    Organization.objects.bulk_update(changed, ["fullname", "avatar_url"])
    created = dict(
        Organization.objects.filter(name__in=[o.name for o in new.values()]).values_list(
            "name", "id"
        )
    )
    for key, new_org in new.items():
        same_name[key] = created[new_org.name]
    OrganizationAlias.objects.bulk_create(
        [
            OrganizationAlias(name=name, organization_id=same_name[key])
            for name, key in aliases.items()
        ],
        ignore_conflicts=True,
    )
    ids.update({name: row.pk for name, row in stored.items()})
    ids.update(created)
    ids.update({name: same_name[key] for name, key in aliases.items()})
    stats.organizations.update(incoming)
    stats.organizations_created += len(new)
    return ids


def _save_entries(
    batch: Sequence[HfItem],
    paper_ids: dict[str, int],
    organization_ids: dict[str, int],
    stats: ImportStats,
) -> None:
    incoming: dict[tuple[int, date], DailyEntry] = {}
    for item in batch:
        hf = item.entry
        pid = paper_ids[item.record.arxiv_id]
        incoming[(pid, hf.day)] = DailyEntry(
            paper_id=pid,
            day=hf.day,
            submitted_at=hf.submitted_at,
            submitter_name=hf.submitter_name,
            submitter_fullname=hf.submitter_fullname,
            submitter_avatar_url=hf.submitter_avatar_url,
            organization_id=organization_ids[hf.organization.name] if hf.organization else None,
            source=SOURCE,
            discussion_id=hf.discussion_id,
        )
        stats.days.add(hf.day)
    stored: dict[tuple[int, date], DailyEntry] = {}
    for chunk in _chunks(sorted({pid for pid, _ in incoming})):
        for row in DailyEntry.objects.filter(paper_id__in=chunk):
            stored[(row.paper_id, row.day)] = row
    writes = []
    for key, entry in incoming.items():
        current = stored.get(key)
        if current is None:
            stats.entries_created += 1
        elif current.source != SOURCE:
            continue  # a paper submitted here keeps its own entry
        elif _imported_values(current) == _imported_values(entry):
            continue
        else:
            stats.entries_updated += 1
        writes.append(entry)
    DailyEntry.objects.bulk_create(
        writes, update_conflicts=True, unique_fields=["paper", "day"], update_fields=ENTRY_FIELDS
    )


def _imported_values(entry: DailyEntry) -> tuple[object, ...]:
    # ENTRY_FIELDS, as stored.
    return (
        entry.submitted_at,
        entry.submitter_name,
        entry.submitter_fullname,
        entry.submitter_avatar_url,
        entry.organization_id,
        entry.discussion_id,
    )


def _raise_upvotes(batch: Sequence[HfItem], paper_ids: dict[str, int], stats: ImportStats) -> None:
    # The files hold the count on the day they were saved: keep the highest ever seen.
    counts: dict[int, int] = {}
    for item in batch:
        pid = paper_ids[item.record.arxiv_id]
        counts[pid] = max(counts.get(pid, 0), item.upvotes)
    table = connection.ops.quote_name(Paper._meta.db_table)
    if connection.vendor == "postgresql":
        # One statement for the batch, not a round trip per paper raised.
        ids = sorted(counts)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} p SET upvotes = v.upvotes "
                "FROM unnest(%s::bigint[], %s::integer[]) AS v (id, upvotes) "
                "WHERE p.id = v.id AND p.upvotes < v.upvotes",
                [ids, [counts[pid] for pid in ids]],
            )
            stats.upvotes_raised += cursor.rowcount
        return
    raises = []
    for chunk in _chunks(sorted(counts)):
        for pid, upvotes in Paper.objects.filter(id__in=chunk).values_list("id", "upvotes"):
            if counts[pid] > upvotes:
                raises.append((counts[pid], pid, counts[pid]))
    if raises:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET upvotes = %s WHERE id = %s AND upvotes < %s", raises
            )
    stats.upvotes_raised += len(raises)

"""The normalized paper record that every source produces."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from paperwire.inputs import without_controls

# arXiv abstracts are hard-wrapped; a new paragraph starts on an indented line.
_PARAGRAPH = re.compile(r"\n[ \t]+(?=\S)")


class RecordError(ValueError):
    """A source record that cannot be turned into a paper; the message says why."""


@dataclass(slots=True)
class AuthorName:
    name: str
    affiliation: str = ""


@dataclass(slots=True)
class PaperRecord:
    arxiv_id: str
    title: str
    version: int | None = None
    abstract: str = ""
    authors: list[AuthorName] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # primary first
    published_at: datetime | None = None
    updated_at: datetime | None = None
    doi: str = ""
    journal_ref: str = ""
    comments: str = ""
    report_no: str = ""
    license: str = ""
    code_url: str = ""
    code_stars: int | None = None
    project_url: str = ""
    ai_summary: str = ""
    ai_keywords: list[str] = field(default_factory=list)
    withdrawn_at: datetime | None = None


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a timestamp without an offset is read as UTC, not local time."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_timestamp(text: str) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime; None for blank text, ValueError for
    text that is not one (each source words its own error)."""
    text = text.strip()
    return as_utc(datetime.fromisoformat(text)) if text else None


def clean_line(text: str | None) -> str:
    """Collapse all whitespace (titles, names, one-line fields); drop control characters."""
    if not text:
        return ""
    # Most text needs no more than its line breaks made spaces: when what is left is
    # printable (no whitespace but the space, no control character) without two spaces
    # in a row, the split and join below would give it back stripped. Checking costs a
    # tenth of splitting an abstract into words.
    flat = text.replace("\n", " ").strip(" ")
    if flat.isprintable() and "  " not in flat:
        return flat
    # str.split() splits on exactly the characters \s matches, and is several times faster.
    return " ".join(without_controls(text).split())


def clean_abstract(text: str | None) -> str:
    """Unwrap hard line breaks, keeping arXiv's indented paragraph starts."""
    if not text:
        return ""
    paragraphs = _PARAGRAPH.split(text.strip("\n"))
    return "\n\n".join(p for p in (clean_line(p) for p in paragraphs) if p)

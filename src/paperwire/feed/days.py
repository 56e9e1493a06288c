"""Feed days: which days have papers, and the papers of one day in feed order."""

import re
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from paperwire.feed.cards import card_papers
from paperwire.feed.models import DailyEntry

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
LAST_YEAR = 9998


class BadDay(ValueError):
    """Text that is not a feed day; the message can be shown to a reader."""


class Neighbours(NamedTuple):
    previous: date | None
    next: date | None


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date; anything else (20260821, 2026-02-30) raises BadDay."""
    # fromisoformat alone also takes 20260821 and 2026-W34-4: one spelling keeps one URL per day.
    if not _ISO_DAY.fullmatch(text):
        raise BadDay(f"“{text}” is not a date. Days are written like 2026-08-21.")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadDay(f"{text} is not a day on the calendar.") from None
    # The week of a day in 9999 may end in the year 10000, which no date can hold.
    if day.year > LAST_YEAR:
        raise BadDay(f"{text} is past the last year Paperwire keeps, {LAST_YEAR}.")
    return day


def visible_entries() -> QuerySet[DailyEntry]:
    """Entries public pages show: not hidden by staff, not submitted by a banned user."""
    return DailyEntry.objects.filter(hidden=False).filter(
        Q(submitted_by__isnull=True) | Q(submitted_by__profile__banned_at__isnull=True)
    )


def latest_day() -> date | None:
    return visible_entries().aggregate(day=Max("day"))["day"]


def today() -> date:
    """Today's feed day: the date now in PAPERWIRE_TIMEZONE."""
    return timezone.localdate(timezone=ZoneInfo(settings.PAPERWIRE_TIMEZONE))


def neighbours(day: date, last: date | None = None) -> Neighbours:
    """The nearest days with papers before `day` and after `last` (default: `day`).

    Empty days are skipped; with `last`, the days in between (a week, a month) are too.
    """
    before = visible_entries().filter(day__lt=day).aggregate(day=Max("day"))["day"]
    after = visible_entries().filter(day__gt=last or day).aggregate(day=Min("day"))["day"]
    return Neighbours(before, after)


def entries_of_day(day: date) -> QuerySet[DailyEntry]:
    """A day's entries, most upvoted first; ties go to the earlier submission."""
    return (
        visible_entries()
        .filter(day=day)
        .select_related("organization")
        .prefetch_related(Prefetch("paper", queryset=card_papers()))
        .order_by("-paper__upvotes", "submitted_at", "pk")
    )


def first_appearances(paper_ids: Iterable[int]) -> dict[int, DailyEntry]:
    """Each paper's first visible entry (who brought it, for which organization), in one query."""
    first: dict[int, DailyEntry] = {}
    entries = (
        visible_entries()
        .filter(paper_id__in=list(paper_ids))
        .select_related("organization")
        .order_by("day", "submitted_at", "pk")
    )
    for entry in entries:
        first.setdefault(entry.paper_id, entry)
    return first

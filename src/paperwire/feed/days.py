"""Feed days: which days have papers, and the papers of one day in feed order."""

import re
from datetime import date
from typing import NamedTuple

from django.db.models import Max, Min, Prefetch, QuerySet

from paperwire.feed.models import DailyEntry
from paperwire.papers.cards import card_papers

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


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
        return date.fromisoformat(text)
    except ValueError:
        raise BadDay(f"{text} is not a day on the calendar.") from None


def visible_entries() -> QuerySet[DailyEntry]:
    return DailyEntry.objects.filter(hidden=False)


def latest_day() -> date | None:
    return visible_entries().aggregate(day=Max("day"))["day"]


def neighbours(day: date) -> Neighbours:
    """The nearest earlier and later days that have papers (empty days are skipped)."""
    before = visible_entries().filter(day__lt=day).aggregate(day=Max("day"))["day"]
    after = visible_entries().filter(day__gt=day).aggregate(day=Min("day"))["day"]
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

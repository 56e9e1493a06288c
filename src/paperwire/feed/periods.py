"""Feed periods longer than a day: ISO weeks and calendar months, and their papers."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.urls import reverse

from paperwire.feed import days
from paperwire.feed.cards import card_papers
from paperwire.feed.models import DailyEntry

_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Ranges of days read "Aug 17 to 23" with an en dash between, as typesetters write them.
_TO = " \N{EN DASH} "


class BadPeriod(ValueError):
    """Text that is not a week or a month; the message can be shown to a reader."""


@dataclass(frozen=True)
class Period:
    """An ISO week (Monday to Sunday) or a calendar month, first and last day included."""

    kind: Literal["week", "month"]
    first: date
    last: date

    @property
    def slug(self) -> str:
        """How the period is written in its URL: 2026-W34 or 2026-08."""
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first.year}-{self.first.month:02d}"

    @property
    def label(self) -> str:
        """Week 34, 2026 or August 2026."""
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"Week {week}, {year}"
        return f"{calendar.month_name[self.first.month]} {self.first.year}"

    @property
    def span(self) -> str:
        """The days it covers as a reader says them: "Aug 17 - 23, 2026" (with an en dash)."""
        first, last = self.first, self.last
        if self.kind == "month":
            return self.label
        if first.year != last.year:
            return f"{first:%b} {first.day}, {first.year}{_TO}{last:%b} {last.day}, {last.year}"
        if first.month != last.month:
            return f"{first:%b} {first.day}{_TO}{last:%b} {last.day}, {last.year}"
        return f"{first:%b} {first.day}{_TO}{last.day}, {last.year}"

    @property
    def short(self) -> str:
        """A label for a link beside the period: "Aug 10 - 16" or "July 2026"."""
        if self.kind == "month":
            return self.label
        first, last = self.first, self.last
        if first.month != last.month:
            return f"{first:%b} {first.day}{_TO}{last:%b} {last.day}"
        return f"{first:%b} {first.day}{_TO}{last.day}"

    def get_absolute_url(self) -> str:
        return reverse(f"feed:{self.kind}", args=[self.slug])

    def containing(self, day: date) -> "Period":
        """The period of the same kind that contains `day`."""
        return week_of(day) if self.kind == "week" else month_of(day)


class PeriodNeighbours(NamedTuple):
    previous: Period | None
    next: Period | None


def week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period("week", monday, monday + timedelta(days=6))


def month_of(day: date) -> Period:
    length = calendar.monthrange(day.year, day.month)[1]
    return Period("month", day.replace(day=1), day.replace(day=length))


def parse_week(text: str) -> Period:
    """An ISO week written 2026-W34; anything else (2026-W54, 2025-W53, 2026-34) raises."""
    match = _ISO_WEEK.fullmatch(text)
    if not match:
        raise BadPeriod(f"“{text}” is not a week. Weeks are written like 2026-W34.")
    year, week = int(match[1]), int(match[2])
    if year < 1:
        raise BadPeriod(f"{text} is not a week on the calendar.")
    # 28 December is always in the last ISO week of its year: long years have 53 weeks.
    weeks = date(year, 12, 28).isocalendar().week
    if not 1 <= week <= weeks:
        raise BadPeriod(f"{text} is not a week on the calendar: {year} has {weeks} weeks.")
    try:
        return week_of(date.fromisocalendar(year, week, 1))
    except OverflowError:  # the last week of the year 9999 ends in the year 10000
        raise BadPeriod(f"{text} is not a week on the calendar.") from None


def parse_month(text: str) -> Period:
    """A month written 2026-08; anything else (2026-13, 2026-8, August) raises BadPeriod."""
    match = _MONTH.fullmatch(text)
    if not match:
        raise BadPeriod(f"“{text}” is not a month. Months are written like 2026-08.")
    year, month = int(match[1]), int(match[2])
    if year < 1 or not 1 <= month <= 12:
        raise BadPeriod(f"{text} is not a month on the calendar.")
    return month_of(date(year, month, 1))


def _entries_in(period: Period) -> QuerySet[DailyEntry]:
    return days.visible_entries().filter(day__range=(period.first, period.last))


def entries_of_period(period: Period) -> QuerySet[DailyEntry]:
    """Each paper of the period once, by its first entry there; most upvoted first.

    A paper on the feed on two days of a week is one paper of that week; its first
    entry there says who brought it. Equal upvotes go to the earlier first appearance.
    """
    first_entry = (
        _entries_in(period)
        .filter(paper=OuterRef("paper"))
        .order_by("day", "submitted_at", "pk")
        .values("pk")[:1]
    )
    return (
        _entries_in(period)
        .filter(pk=Subquery(first_entry))
        .select_related("organization")
        .prefetch_related(Prefetch("paper", queryset=card_papers()))
        .order_by("-paper__upvotes", "day", "submitted_at", "pk")
    )


def last_day_with_papers(period: Period) -> date | None:
    return _entries_in(period).aggregate(day=Max("day"))["day"]


def neighbours(period: Period) -> PeriodNeighbours:
    """The nearest earlier and later periods of the same kind that have papers."""
    before, after = days.neighbours(period.first, period.last)
    return PeriodNeighbours(
        period.containing(before) if before else None,
        period.containing(after) if after else None,
    )

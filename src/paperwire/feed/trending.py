"""Trending: the recent papers gathering upvotes fastest.

The formula is gravity, as Hacker News ranks stories:

    score = upvotes / (hours on the feed + HOUR_OFFSET) ** GRAVITY

`upvotes` is the paper's count (Paper.upvotes: votes cast here plus any count an
import brought from another hub) and `hours on the feed` runs from its first visible
appearance on the daily feed. Why gravity rather than counting recent votes:

- it needs one number per paper, not a timestamp per vote, so imported papers, whose
  votes were cast elsewhere and have no Upvote rows, rank by the same rule as local ones;
- the score is cheap to keep: recomputed for one paper when it gets a vote, and for
  every recent paper by the worker, in a few set-based queries, never by reading votes;
- it is easy to explain next to each paper: its upvotes and its hours on the feed.

The offset keeps a paper's first hours from dividing by almost nothing; the gravity
sets how fast age wins: at 1.5 a day-old paper needs about six times the upvotes of a
six-hour-old one to rank level with it (upvotes_to_match). Only papers first on the
feed within WINDOW and with at least one upvote are eligible. Scores are stored in
TrendingScore and the trending page only reads them, ordered by the indexed score.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from paperwire.feed.cards import card_papers
from paperwire.feed.days import first_appearances, visible_entries
from paperwire.feed.models import DailyEntry, TrendingScore

GRAVITY = 1.5
HOUR_OFFSET = 2
WINDOW = timedelta(days=7)
# How often the worker recomputes every score (`paperwire worker --trending-every`).
REFRESH_SECONDS = 600


def hours_on_feed(first_on_feed_at: datetime, now: datetime) -> float:
    # An entry dated ahead of the clock (a feed day in a zone east of UTC) counts as new.
    return max((now - first_on_feed_at).total_seconds() / 3600, 0.0)


def score_for(upvotes: int, hours: float) -> float:
    return max(upvotes, 0) / (max(hours, 0.0) + HOUR_OFFSET) ** GRAVITY


def gravity_score(upvotes: int, first_on_feed_at: datetime, now: datetime) -> float:
    return score_for(upvotes, hours_on_feed(first_on_feed_at, now))


def upvotes_to_match(older_hours: float, newer_hours: float) -> float:
    """How many times the upvotes of a newer paper an older one needs to rank level."""
    return ((older_hours + HOUR_OFFSET) / (newer_hours + HOUR_OFFSET)) ** GRAVITY


def describe_hours(hours: float) -> str:
    return "under 1 h" if hours < 1 else f"{hours:.0f} h"


def describe_score(score: float) -> str:
    # Three significant digits: scores run from thousandths (old, few votes) to hundreds.
    return f"{score:.0f}" if score >= 100 else f"{score:.3g}"


@dataclass(frozen=True)
class Example:
    """A paper of the worked example on /about/trending."""

    upvotes: int
    hours: int

    @property
    def score(self) -> float:
        return score_for(self.upvotes, self.hours)


# A paper from yesterday with many votes against this morning's paper with a few.
WORKED_EXAMPLE = (Example(upvotes=300, hours=30), Example(upvotes=40, hours=6))


def _eligible(cutoff: datetime) -> QuerySet:
    """Per paper with upvotes: its first visible appearance on the feed, if after `cutoff`."""
    return (
        visible_entries()
        .filter(paper__upvotes__gt=0)
        .values("paper")
        .annotate(first_on_feed_at=Min("submitted_at"), upvotes=Max("paper__upvotes"))
        .filter(first_on_feed_at__gte=cutoff)
        .order_by("paper")
    )


def refresh_scores(paper_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """Recompute the stored scores of these papers (every recent paper when None).

    Papers that left the window, were hidden or lost their last upvote lose their row.
    Returns how many rows were written. Call it after the change commits.
    """
    now = now or timezone.now()
    cutoff = now - WINDOW
    eligible = _eligible(cutoff)
    stale = TrendingScore.objects.all()
    if paper_ids is not None:
        ids = list(paper_ids)
        eligible = eligible.filter(paper__in=ids)
        stale = stale.filter(paper__in=ids)
    with transaction.atomic():
        rows = [
            TrendingScore(
                paper_id=row["paper"],
                score=gravity_score(row["upvotes"], row["first_on_feed_at"], now),
                first_on_feed_at=row["first_on_feed_at"],
                refreshed_at=now,
            )
            for row in eligible
        ]
        stale.exclude(paper__in=eligible.values("paper")).delete()
        TrendingScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["paper"],
            update_fields=["score", "first_on_feed_at", "refreshed_at"],
        )
    return len(rows)


def ranked(now: datetime | None = None) -> QuerySet[TrendingScore]:
    """The trending list, highest score first, read from the stored scores only.

    Rows past the window are left out even before the worker deletes them, and so
    are papers staff hid since the last refresh.
    """
    now = now or timezone.now()
    return (
        TrendingScore.objects.filter(first_on_feed_at__gte=now - WINDOW)
        .filter(Exists(visible_entries().filter(paper=OuterRef("paper"))))
        .prefetch_related(Prefetch("paper", queryset=card_papers()))
        .order_by("-score", "-first_on_feed_at", "paper")
    )


def with_first_entries(
    scores: Iterable[TrendingScore],
) -> list[tuple[TrendingScore, DailyEntry | None]]:
    """Each trending paper (a slice of `ranked()`) with its first visible entry, which says
    who brought it: what the trending page, the API and `papers ls --trending` list."""
    scores = list(scores)
    first = first_appearances(score.paper_id for score in scores)
    for score in scores:
        if (entry := first.get(score.paper_id)) is not None:
            entry.paper = score.paper  # already loaded, with what a card needs
    return [(score, first.get(score.paper_id)) for score in scores]

"""Composing editions (once) and cutting each subscriber's message from one.

compose: an edition freezes the period's papers, most upvoted first.
EditionContent: loads an edition's papers once per sending run, with what every
section needs (categories, author ids, organizations, analyzed text), and gives each
subscriber their sections: the top papers, then papers in their categories, matching
their saved searches, by authors and organizations they follow. A paper appears in
one section only, the first that has it; an edition with nothing for a subscriber
gives them no sections, and they get no message.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from paperwire.digests import schedule
from paperwire.digests.matching import PaperText, SavedSearchMatcher
from paperwire.digests.models import DigestEdition, Subscriber
from paperwire.digests.summary import one_line
from paperwire.emails import absolute_url
from paperwire.feed import periods
from paperwire.feed.days import visible_entries
from paperwire.papers.models import Authorship, Paper, PaperCategory

# A week of a busy hub has a few hundred papers; no reader scrolls past this many.
POOL_LIMIT = 500
# Papers a personal section lists before "and N more".
SECTION_LIMIT = 15
MAX_TOP_N = 50
ITEM_AUTHORS = 4


class NotYet(ValueError):
    """The edition's period has not closed: it cannot be composed for good yet."""


def pool(first_day: date, last_day: date) -> list[int]:
    """The papers on the feed in those days, most upvoted first (ties: first submitted)."""
    rows = (
        visible_entries()
        .filter(day__range=(first_day, last_day))
        .order_by("-paper__upvotes", "submitted_at", "pk")
        .values_list("paper_id", flat=True)
    )
    return list(dict.fromkeys(rows))[:POOL_LIMIT]


def draft(kind: str, day: date) -> DigestEdition:
    """The edition as it would be composed now, unsaved (for previews)."""
    first_day, last_day = schedule.period(kind, day)
    return DigestEdition(
        kind=kind,
        date=day,
        first_day=first_day,
        last_day=last_day,
        papers=pool(first_day, last_day),
        composed_at=timezone.now(),
    )


def compose(kind: str, day: date, now: datetime | None = None) -> DigestEdition:
    """The edition of that kind and date, composed now if it was not yet. Idempotent."""
    schedule.check_edition_date(kind, day)
    existing = DigestEdition.objects.filter(kind=kind, date=day).first()
    if existing:
        return existing
    closes = schedule.period_closes_at(day)
    if (now or timezone.now()) < closes:
        raise NotYet(
            f"The {kind} digest of {day} covers papers until {closes:%Y-%m-%d %H:%M %Z}; "
            "it can be sent from then on (preview it meanwhile)."
        )
    edition = draft(kind, day)
    try:
        with transaction.atomic():
            edition.save()
    except IntegrityError:
        # Another process composed it meanwhile: theirs is the edition.
        return DigestEdition.objects.get(kind=kind, date=day)
    return edition


def preview(kind: str, day: date) -> DigestEdition:
    """The stored edition, or a draft of it without storing anything."""
    schedule.check_edition_date(kind, day)
    return DigestEdition.objects.filter(kind=kind, date=day).first() or draft(kind, day)


@dataclass(frozen=True)
class Item:
    """A paper as a digest shows it."""

    id: int
    title: str
    authors: str
    upvotes: int
    summary: str
    url: str
    abs_url: str
    pdf_url: str
    code_url: str
    project_url: str
    categories: frozenset[str]
    author_ids: frozenset[int]
    organization_ids: frozenset[int]
    text: PaperText = field(repr=False, compare=False)


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]
    more: int = 0  # papers left out of a long section
    more_url: str = ""

    @property
    def key(self) -> tuple[object, ...]:
        return (self.title, tuple(item.id for item in self.items), self.more, self.more_url)


def _authors_line(names: list[str]) -> str:
    if len(names) <= ITEM_AUTHORS:
        return ", ".join(names)
    return ", ".join(names[:ITEM_AUTHORS]) + f" and {len(names) - ITEM_AUTHORS} more"


def _day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


class EditionContent:
    """An edition's papers, loaded once, and each subscriber's sections."""

    def __init__(self, edition: DigestEdition) -> None:
        self.edition = edition
        ids = [int(pk) for pk in edition.papers]
        papers = Paper.objects.in_bulk(ids)
        authors: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for paper_id, author_id, name in (
            Authorship.objects.filter(paper_id__in=ids)
            .order_by("paper_id", "position")
            .values_list("paper_id", "author_id", "author__name")
        ):
            authors[paper_id].append((author_id, name))
        categories: dict[int, set[str]] = defaultdict(set)
        for paper_id, code in PaperCategory.objects.filter(paper_id__in=ids).values_list(
            "paper_id", "category_id"
        ):
            categories[paper_id].add(code)
        organizations: dict[int, set[int]] = defaultdict(set)
        for paper_id, org_id in (
            visible_entries()
            .filter(paper_id__in=ids, day__range=(edition.first_day, edition.last_day))
            .exclude(organization=None)
            .values_list("paper_id", "organization_id")
        ):
            organizations[paper_id].add(org_id)
        self.items: list[Item] = []
        for pk in ids:
            paper = papers.get(pk)
            if paper is None:  # deleted since the edition was composed
                continue
            if paper.primary_category_id:
                categories[pk].add(paper.primary_category_id)
            names = [name for _, name in authors[pk]]
            self.items.append(
                Item(
                    id=pk,
                    title=" ".join(paper.title.split()),
                    authors=_authors_line(names),
                    upvotes=paper.upvotes,
                    summary=one_line(paper),
                    url=absolute_url(paper.get_absolute_url()),
                    abs_url=paper.abs_url,
                    pdf_url=paper.pdf_url,
                    code_url=paper.code_url,
                    project_url=paper.project_url,
                    categories=frozenset(categories[pk]),
                    author_ids=frozenset(a for a, _ in authors[pk]),
                    organization_ids=frozenset(organizations[pk]),
                    text=PaperText.of(paper.title, paper.abstract, names, categories[pk]),
                )
            )
        self._searches: dict[str, list[Item]] = {}

    # What the edition covers, in words and as a link ------------------------------------

    @property
    def period_label(self) -> str:
        first, last = self.edition.first_day, self.edition.last_day
        if self.edition.kind == schedule.WEEKLY:
            return f"the week of {first.day} {first:%B %Y}"
        if first == last:
            return _day_label(last)
        return f"{_day_label(first)} to {_day_label(last)}"

    @property
    def period_url(self) -> str:
        last = self.edition.last_day
        if self.edition.kind == schedule.WEEKLY:
            return absolute_url(periods.week_of(last).get_absolute_url())
        return absolute_url(reverse("feed:day", args=[last.isoformat()]))

    # Sections -----------------------------------------------------------------------------

    def matching(self, query: str) -> list[Item]:
        if query not in self._searches:
            matcher = SavedSearchMatcher(query)
            self._searches[query] = [i for i in self.items if matcher.matches(i.text)]
        return self._searches[query]

    def sections_for(self, wishes: "Wishes") -> list[Section]:
        """Everything the edition has for these wishes, each paper once."""
        shown: set[int] = set()
        sections: list[Section] = []

        def add(title: str, items: list[Item], limit: int, more_url: str = "") -> None:
            fresh = [item for item in items if item.id not in shown]
            if not fresh:
                return
            kept = fresh[:limit]
            shown.update(item.id for item in kept)
            more = len(fresh) - len(kept)
            sections.append(Section(title, tuple(kept), more, more_url if more else ""))

        if wishes.top_n:
            add(f"Top papers of {self.period_label}", self.items, wishes.top_n, self.period_url)
        if codes := wishes.categories:
            add(
                "In your categories: " + ", ".join(sorted(codes)),
                [i for i in self.items if i.categories & codes],
                SECTION_LIMIT,
                self.period_url,
            )
        for query in wishes.searches:
            add(f"Matching “{query}”", self.matching(query), SECTION_LIMIT)
        if wishes.authors:
            add(
                "By authors you follow",
                [i for i in self.items if i.author_ids & wishes.authors],
                SECTION_LIMIT,
            )
        if wishes.organizations:
            add(
                "From organizations you follow",
                [i for i in self.items if i.organization_ids & wishes.organizations],
                SECTION_LIMIT,
            )
        return sections


@dataclass(frozen=True)
class Wishes:
    """What a subscriber asked for, as sets to intersect with papers."""

    top_n: int = 10
    categories: frozenset[str] = frozenset()
    searches: tuple[str, ...] = ()
    authors: frozenset[int] = frozenset()
    organizations: frozenset[int] = frozenset()

    @classmethod
    def of(cls, subscriber: Subscriber) -> "Wishes":
        """Read from the subscriber's (prefetched) choices: this runs once per message."""
        return cls(
            top_n=subscriber.top_n,
            categories=frozenset(c.code for c in subscriber.categories.all()),
            searches=tuple(s.query for s in subscriber.saved_searches.all()),
            authors=frozenset(a.pk for a in subscriber.authors.all()),
            organizations=frozenset(o.pk for o in subscriber.organizations.all()),
        )

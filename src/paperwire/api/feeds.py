"""RSS 2.0 and Atom feeds of the pages that list papers.

Each kind of feed is a source: a function from the request and the URL's arguments to a
Listing (a title, the page it mirrors, its items). One Feed class writes any Listing in
either format, so a list is built once and its RSS and Atom versions cannot drift apart.

Items are the paper: its title, its page (the link and the guid), its abstract, its
authors, its arXiv categories, and a date: when it went on the feed for lists of feed
entries, when arXiv published it for the others.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.syndication.views import Feed
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from paperwire.feed import days, periods
from paperwire.feed import trending as ranking
from paperwire.feed.cards import card_papers
from paperwire.feed.models import DailyEntry
from paperwire.feed.periods import Period
from paperwire.inputs import without_controls
from paperwire.orgs import services as orgs
from paperwire.orgs.models import Organization
from paperwire.papers.models import Authorship, Category, Paper, PaperCategory
from paperwire.search.forms import SearchForm
from paperwire.search.query import parse_query
from paperwire.search.service import search_papers

# Items per feed: a busy day's papers, a week's best. Readers keep what they have seen,
# so a feed only needs what is new since the last poll.
ITEMS = 50
# Authors named per item; a collaboration's hundreds end in "et al.".
FEED_AUTHORS = 10


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, list | tuple):
        return [_xml_safe(part) for part in value]
    return value


class XmlSafe(SyndicationFeed):
    """Drops the characters XML 1.0 cannot hold from every text the feed writes.

    Text that came in before names and queries were checked (a member's name, an
    imported title) must not break a feed for good.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class SafeRss(XmlSafe, Rss201rev2Feed):
    pass


class SafeAtom(XmlSafe, Atom1Feed):
    pass


FORMATS: dict[str, type[SyndicationFeed]] = {"rss": SafeRss, "atom": SafeAtom}


@dataclass(frozen=True)
class Item:
    paper: Paper
    pubdate: datetime
    authors: str
    categories: list[str]


@dataclass(frozen=True)
class Listing:
    title: str
    link: str  # the page the feed mirrors
    description: str
    items: list[Item]
    feed_url: str = ""


Source = Callable[..., Listing]


class PaperFeed(Feed):
    """Writes the Listing a source builds, as RSS 2.0 or Atom (`feed_type`).

    No item_guid: the syndication framework then uses the absolute link, the paper's page.
    """

    def __init__(self, source: Source, feed_type: type[SyndicationFeed]) -> None:
        super().__init__()
        self.source = source
        self.feed_type = feed_type

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Listing:
        # The full URL keeps a search feed's query in its self link.
        return replace(self.source(request, **kwargs), feed_url=request.build_absolute_uri())

    def title(self, listing: Listing) -> str:
        return f"{listing.title} · {settings.SITE_NAME}"

    def link(self, listing: Listing) -> str:
        return listing.link

    def feed_url(self, listing: Listing) -> str:
        return listing.feed_url

    def feed_guid(self, listing: Listing) -> str:
        # Atom's feed id, by default the page's link; the weekly feed's page changes every
        # week, its own URL never does.
        return listing.feed_url

    def description(self, listing: Listing) -> str:
        return listing.description

    def subtitle(self, listing: Listing) -> str:
        return listing.description  # Atom's name for it; RSS leaves it out

    def items(self, listing: Listing) -> list[Item]:
        return listing.items

    def item_title(self, item: Item) -> str:
        return item.paper.title

    def item_link(self, item: Item) -> str:
        return item.paper.get_absolute_url()

    def item_description(self, item: Item) -> str:
        # Readers render an RSS description and an Atom summary as HTML, so the abstract
        # is escaped as HTML before the framework escapes it as XML: "x < y" stays text.
        return escape(item.paper.abstract)

    def item_author_name(self, item: Item) -> str | None:
        return item.authors or None

    def item_pubdate(self, item: Item) -> datetime:
        return item.pubdate

    def item_updateddate(self, item: Item) -> datetime:
        # Atom requires an entry's <updated>; the item has not changed since it was listed.
        return item.pubdate

    def item_categories(self, item: Item) -> list[str]:
        return item.categories


def view(source: Source) -> Callable[..., HttpResponse]:
    """The view for one source: RSS or Atom as the URL's `format` says."""
    feeds = {name: PaperFeed(source, feed_type) for name, feed_type in FORMATS.items()}

    @require_safe
    def feed_view(request: HttpRequest, format: str, **kwargs: Any) -> HttpResponse:
        return feeds[format](request, **kwargs)

    return feed_view


# Items ---------------------------------------------------------------------------------


def _items(papers: Iterable[tuple[Paper, datetime | None]]) -> list[Item]:
    """Items for papers from card_papers(), each with its date; two queries in all."""
    pairs = list(papers)
    ids = [paper.pk for paper, _ in pairs]
    names = _author_names(ids)
    codes = _category_codes(ids)
    return [
        Item(
            paper=paper,
            pubdate=when or paper.published_at or paper.created_at,
            authors=_byline(names[paper.pk], getattr(paper, "author_count", 0)),
            categories=codes[paper.pk],
        )
        for paper, when in pairs
    ]


def _entry_items(entries: Iterable[DailyEntry]) -> list[Item]:
    """Items for feed entries, dated when each went on the feed."""
    return _items((entry.paper, entry.submitted_at) for entry in entries)


def _author_names(paper_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        Authorship.objects.filter(paper_id__in=paper_ids, position__lt=FEED_AUTHORS)
        .order_by("paper_id", "position")
        .values_list("paper_id", "author__name")
    )
    for paper_id, name in rows:
        names[paper_id].append(name)
    return names


def _category_codes(paper_ids: list[int]) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = defaultdict(list)
    rows = (
        PaperCategory.objects.filter(paper_id__in=paper_ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "category_id")
    )
    for paper_id, code in rows:
        codes[paper_id].append(code)
    return codes


def _byline(names: list[str], author_count: int) -> str:
    byline = ", ".join(names)
    return f"{byline} et al." if author_count > len(names) else byline


# The feed's days and periods -------------------------------------------------------------


def daily(request: HttpRequest) -> Listing:
    """The latest day with papers, most upvoted first."""
    day = days.latest_day()
    return Listing(
        title="Daily Papers",
        link=reverse("feed:latest"),
        description="The papers of the latest day on the feed, most upvoted first.",
        items=_day_items(day) if day else [],
    )


def on_day(request: HttpRequest, day: str) -> Listing:
    try:
        parsed = days.parse_day(day)
    except days.BadDay as e:
        raise Http404(str(e)) from None
    spelled = f"{parsed:%A, %B} {parsed.day}, {parsed.year}"
    return Listing(
        title=f"Daily Papers — {spelled}",
        link=reverse("feed:day", args=[parsed.isoformat()]),
        description=f"The papers picked on {spelled}, most upvoted first.",
        items=_day_items(parsed),
    )


def _day_items(day: date) -> list[Item]:
    return _entry_items(days.entries_of_day(day)[:ITEMS])


def weekly(request: HttpRequest) -> Listing:
    """The week of the latest day with papers: it does not go empty on a Monday morning."""
    return _period_listing(periods.week_of(days.latest_day() or days.today()), latest=True)


def week(request: HttpRequest, week: str) -> Listing:
    return _period_listing(_period_or_404(periods.parse_week, week))


def monthly(request: HttpRequest) -> Listing:
    return _period_listing(periods.month_of(days.latest_day() or days.today()), latest=True)


def month(request: HttpRequest, month: str) -> Listing:
    return _period_listing(_period_or_404(periods.parse_month, month))


def _period_or_404(parse: Callable[[str], Period], text: str) -> Period:
    try:
        return parse(text)
    except periods.BadPeriod as e:
        raise Http404(str(e)) from None


def _period_listing(period: Period, *, latest: bool = False) -> Listing:
    kind = "Weekly" if period.kind == "week" else "Monthly"
    # A subscription to the latest period keeps one title while the period moves on.
    title = f"{kind} Papers" if latest else f"{kind} Papers — {period.span}"
    which = f"the latest {period.kind} on the feed" if latest else period.span
    return Listing(
        title=title,
        link=period.get_absolute_url(),
        description=f"The most upvoted papers of {which}.",
        items=_entry_items(periods.entries_of_period(period)[:ITEMS]),
    )


def trending(request: HttpRequest) -> Listing:
    """The trending page's first papers, dated when each went on the feed."""
    rows = ranking.ranked()[:ITEMS]
    return Listing(
        title="Trending papers",
        link=reverse("feed:trending"),
        description=(
            f"The papers gathering upvotes fastest in the last {ranking.WINDOW.days} days."
        ),
        items=_items((row.paper, row.first_on_feed_at) for row in rows),
    )


# Search and categories -------------------------------------------------------------------


def search(request: HttpRequest) -> Listing:
    """The first results of the search page for the same parameters (query, filters, order).

    An empty or invalid query is a valid feed with no items rather than an error: a feed
    reader polls what it was given, and an error page only gets retried.
    """
    params = request.GET.copy()
    params.pop("page", None)  # a feed is always the first page
    form = SearchForm(params)
    papers: list[Paper] = []
    text = ""
    if form.is_valid() and (form.cleaned_data["q"] or form.has_filters()):
        text = form.cleaned_data["q"]
        papers = _search_results(form)
    encoded = params.urlencode()
    return Listing(
        title=f"Papers matching “{text}”" if text else "Search results",
        link=reverse("search:search") + (f"?{encoded}" if encoded else ""),
        description=f"The first {ITEMS} search results" + (f" for “{text}”." if text else "."),
        items=_items((paper, paper.published_at) for paper in papers),
    )


def _search_results(form: SearchForm) -> list[Paper]:
    text = form.cleaned_data["q"]
    arxiv_id = parse_query(text).arxiv_id
    if arxiv_id:
        # The search page fetches an unknown id from arXiv and goes to its page; a feed
        # reader polling must not make this site call arXiv, so only a stored paper is listed.
        return list(card_papers().filter(arxiv_id=arxiv_id))
    results = search_papers(text, form.filters(), sort=form.chosen_sort(), per_page=ITEMS)
    return results.papers


def category(request: HttpRequest, code: str) -> Listing:
    """Papers with this primary or cross-listed category, newest first."""
    found = Category.objects.filter(code=code).first()
    if found is None:
        raise Http404(f"There is no arXiv category “{code}”.")
    cross_listed = PaperCategory.objects.filter(paper=OuterRef("pk"), category=found)
    papers = (
        card_papers()
        .filter(Q(primary_category=found) | Exists(cross_listed))
        .order_by(F("published_at").desc(nulls_last=True), "-pk")[:ITEMS]
    )
    named = f"{found.code} — {found.name}" if found.name and found.name != found.code else code
    return Listing(
        title=named,
        # No page per category: the search page filtered by it lists the same papers.
        link=f"{reverse('search:search')}?{urlencode({'category': code, 'sort': 'newest'})}",
        description=f"The newest papers in {named}, primary or cross-listed.",
        items=_items((paper, paper.published_at) for paper in papers),
    )


# Organizations and members ---------------------------------------------------------------


def _with_cards(entries: QuerySet[DailyEntry]) -> QuerySet[DailyEntry]:
    return entries.prefetch_related(Prefetch("paper", queryset=card_papers()))


def organization(request: HttpRequest, name: str) -> Listing:
    """An organization's papers, newest day first, as its page lists them by default."""
    org = Organization.objects.filter(name__iexact=name).first()
    # The page's rule: a pending organization only for its members and staff.
    if org is None or not orgs.can_view(org, request.user):
        raise Http404(f"There is no organization called “{name}”.")
    entries = _with_cards(days.visible_entries().filter(organization=org)).order_by(
        "-day", "-paper__upvotes", "pk"
    )[:ITEMS]
    return Listing(
        title=f"Papers of {org}",
        link=org.get_absolute_url(),
        description=f"Papers submitted on behalf of {org}, newest first.",
        items=_entry_items(entries),
    )


def member(request: HttpRequest, username: str) -> Listing:
    """A member's submissions, newest first: the profile's Submitted tab."""
    user = User.objects.filter(username__iexact=username).select_related("profile").first()
    # A suspended member's submissions are off public pages, so the feed is gone for all.
    if user is None or not user.is_active or user.profile.banned_at is not None:
        raise Http404(f"There is no member called “{username}”.")
    entries = _with_cards(days.visible_entries().filter(submitted_by=user)).order_by(
        "-submitted_at", "-pk"
    )[:ITEMS]
    named = f"{user.profile.fullname or user.username} (@{user.username})"
    return Listing(
        title=f"Papers submitted by {named}",
        link=reverse("profiles:profile", args=[user.username]),
        description=f"The papers {named} put on the feed, newest first.",
        items=_entry_items(entries),
    )

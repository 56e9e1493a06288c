from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from paperwire.feed import days, periods
from paperwire.feed import trending as ranking  # `trending` names the view
from paperwire.feed.periods import Period
from paperwire.pagecache import remember

# Long enough for a busy week on one page, short enough to stay quick on a phone.
PER_PAGE = 50


class Tab(NamedTuple):
    label: str
    url: str
    current: bool


def _tabs(current: str, day: date | None) -> list[Tab]:
    """Daily / Weekly / Monthly / Trending, each going to the period that holds `day`."""
    anchor = day or days.today()
    daily = reverse("feed:day", args=[day.isoformat()]) if day and current != "trending" else None
    return [
        Tab("Daily", daily or reverse("feed:latest"), current == "day"),
        Tab("Weekly", periods.week_of(anchor).get_absolute_url(), current == "week"),
        Tab("Monthly", periods.month_of(anchor).get_absolute_url(), current == "month"),
        Tab("Trending", reverse("feed:trending"), current == "trending"),
    ]


def _page_or_404(request: HttpRequest, items: QuerySet) -> Page:
    paginator = Paginator(items, PER_PAGE)
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        raise Http404(f"“{number}” is not a page number.") from None
    except EmptyPage:
        raise Http404(
            f"There is no page {number} here: the pages go from 1 to {paginator.num_pages}."
        ) from None


def _canonical_url(request: HttpRequest, path: str, page: Page | None = None) -> str:
    if page is not None and page.number > 1:
        path = f"{path}?page={page.number}"
    return request.build_absolute_uri(path)


# The latest page calls its newest day old after this many days without papers.
OLD_AFTER_DAYS = 2


def _render_day(request: HttpRequest, day: date | None, latest: bool = False) -> HttpResponse:
    # What everyone sees of the day, read once per state of the database (members too).
    entries = remember(lambda: list(days.entries_of_day(day)), "day", day) if day else []
    context = {
        "day": day,
        "entries": entries,
        "nearby": (
            remember(lambda: days.neighbours(day), "nearby", day)
            if day
            else days.Neighbours(None, None)
        ),
        "tabs": _tabs("day", day),
        # Nothing new for days (no import, no submission): say how old the newest day is.
        "days_old": (
            (days.today() - day).days
            if latest and day and (days.today() - day).days > OLD_AFTER_DAYS
            else None
        ),
        "canonical_url": (
            _canonical_url(request, reverse("feed:day", args=[day.isoformat()])) if day else None
        ),
    }
    return render(request, "feed/day.html", context)


def latest(request: HttpRequest) -> HttpResponse:
    if request.GET.get("date", "").strip():
        # The "jump to a day" form submits here, so that it works without JavaScript.
        return redirect("feed:day", _parse_or_404(request.GET["date"]).isoformat())
    return _render_day(request, remember(days.latest_day, "latest day"), latest=True)


def day_page(request: HttpRequest, day: str) -> HttpResponse:
    return _render_day(request, _parse_or_404(day))


def _parse_or_404(text: str) -> date:
    try:
        return days.parse_day(text.strip())
    except days.BadDay as e:
        raise Http404(str(e)) from None


def _period_or_404(parse: Callable[[str], Period], text: str) -> Period:
    try:
        return parse(text.strip())
    except periods.BadPeriod as e:
        raise Http404(str(e)) from None


def _period_page(request: HttpRequest, period: Period) -> Page:
    """The page of the period's entries, read from the database: its entries a list."""
    page = _page_or_404(request, periods.entries_of_period(period))
    page.object_list = list(page.object_list)
    page.paginator.count  # noqa: B018  (counted now, not by each request that shares it)
    return page


def _render_period(request: HttpRequest, period: Period) -> HttpResponse:
    # What everyone sees of the period, read once per state of the database (members too).
    number = request.GET.get("page", "1")
    page = remember(lambda: _period_page(request, period), "period", period, number)
    # The Daily tab goes to the period's last day with papers, or to its first day.
    anchor = (
        remember(lambda: periods.last_day_with_papers(period), "last day", period)
        if page.object_list
        else None
    ) or period.first
    context = {
        "period": period,
        "page": page,
        "entries": page.object_list,
        "nearby": remember(lambda: periods.neighbours(period), "period nearby", period),
        "tabs": _tabs(period.kind, anchor),
        "canonical_url": _canonical_url(request, period.get_absolute_url(), page),
    }
    return render(request, "feed/period.html", context)


def week_page(request: HttpRequest, week: str) -> HttpResponse:
    return _render_period(request, _period_or_404(periods.parse_week, week))


def month_page(request: HttpRequest, month: str) -> HttpResponse:
    return _render_period(request, _period_or_404(periods.parse_month, month))


def trending(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = _page_or_404(request, ranking.ranked(now))
    latest_day = days.latest_day()
    items = [
        {
            "paper": row.paper,
            "entry": entry,
            "score": ranking.describe_score(row.score),
            # The hours the stored score was computed with, so the sum on the page adds up.
            "hours": ranking.describe_hours(
                ranking.hours_on_feed(row.first_on_feed_at, row.refreshed_at)
            ),
            "first_on_feed_at": row.first_on_feed_at,
        }
        for row, entry in ranking.with_first_entries(page.object_list)
    ]
    context = {
        "page": page,
        "items": items,
        "offset": page.start_index() - 1 if items else 0,
        "window_days": ranking.WINDOW.days,
        "latest_day": latest_day,
        "tabs": _tabs("trending", latest_day),
        "canonical_url": _canonical_url(request, reverse("feed:trending"), page),
    }
    return render(request, "feed/trending.html", context)


def about_trending(request: HttpRequest) -> HttpResponse:
    context = {
        "gravity": ranking.GRAVITY,
        "hour_offset": ranking.HOUR_OFFSET,
        "window_days": ranking.WINDOW.days,
        "refresh_minutes": ranking.REFRESH_SECONDS // 60,
        "examples": [
            {"upvotes": e.upvotes, "hours": e.hours, "score": ranking.describe_score(e.score)}
            for e in ranking.WORKED_EXAMPLE
        ],
        "newer_wins": ranking.WORKED_EXAMPLE[1].score > ranking.WORKED_EXAMPLE[0].score,
        "day_old_needs": f"{ranking.upvotes_to_match(24, 6):.1f}",
    }
    return render(request, "about/trending.html", context)

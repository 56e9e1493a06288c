from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from paperwire.feed.models import DailyEntry


def _render_day(request: HttpRequest, day: date | None) -> HttpResponse:
    entries = (
        DailyEntry.objects.filter(day=day, hidden=False)
        .select_related("paper", "organization")
        .order_by("-paper__upvotes", "submitted_at")
        if day
        else DailyEntry.objects.none()
    )
    return render(request, "feed/day.html", {"day": day, "entries": entries})


def latest_day(request: HttpRequest) -> HttpResponse:
    latest = DailyEntry.objects.filter(hidden=False).order_by("-day").values_list("day", flat=True)
    return _render_day(request, latest.first())


def day_page(request: HttpRequest, day: str) -> HttpResponse:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise Http404(f"{day!r} is not a date (YYYY-MM-DD)") from None
    return _render_day(request, parsed)

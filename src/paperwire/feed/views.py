from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from paperwire.feed import days


def _render_day(request: HttpRequest, day: date | None) -> HttpResponse:
    entries = list(days.entries_of_day(day)) if day else []
    context = {
        "day": day,
        "entries": entries,
        "nearby": days.neighbours(day) if day else days.Neighbours(None, None),
        "canonical_url": (
            request.build_absolute_uri(reverse("feed:day", args=[day.isoformat()])) if day else None
        ),
    }
    return render(request, "feed/day.html", context)


def latest(request: HttpRequest) -> HttpResponse:
    if request.GET.get("date", "").strip():
        # The "jump to a day" form submits here, so that it works without JavaScript.
        return redirect("feed:day", _parse_or_404(request.GET["date"]).isoformat())
    return _render_day(request, days.latest_day())


def day_page(request: HttpRequest, day: str) -> HttpResponse:
    return _render_day(request, _parse_or_404(day))


def _parse_or_404(text: str) -> date:
    try:
        return days.parse_day(text.strip())
    except days.BadDay as e:
        raise Http404(str(e)) from None

"""Where one address is served by two apps."""

from django.http import HttpRequest, HttpResponse

from paperwire.feed import views as feed_views
from paperwire.search import views as search_views


def papers(request: HttpRequest) -> HttpResponse:
    """/papers is the latest feed day, and /papers?q=… the search page (as on Hugging Face)."""
    if "q" in request.GET:
        return search_views.search(request)
    return feed_views.latest(request)

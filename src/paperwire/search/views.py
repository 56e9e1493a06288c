from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from paperwire.search.forms import SearchForm
from paperwire.search.query import MAX_QUERY_LENGTH
from paperwire.search.service import SearchResults, search_papers
from paperwire.search.templatetags.search_tags import highlight

PER_PAGE = 20


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """/search?q=… (and /papers?q=…): results for a query and filters, or search tips."""
    form = SearchForm(request.GET)
    results: SearchResults | None = None
    if form.is_valid() and (form.cleaned_data["q"] or form.has_filters()):
        results = search_papers(
            form.cleaned_data["q"],
            form.filters(),
            sort=form.chosen_sort(),
            page=form.cleaned_data["page"] or 1,
            per_page=PER_PAGE,
            # Only a member's search may wait (briefly) on arXiv for an unknown id.
            fetch_unknown=request.user.is_authenticated,
        )
        if results.redirect_to:
            return redirect(results.redirect_to)
        for paper in results.papers:
            # The feed's card prints paper.title; an already escaped, marked title passes
            # through it unchanged.
            paper.title = highlight(paper.title, results.query)
    query = _without_page(request)
    context = {
        "form": form,
        "search_page": True,
        "results": results,
        "shown_query": results.query.text if results else request.GET.get("q", ""),
        "max_query_length": MAX_QUERY_LENGTH,
        "first_number": (results.page - 1) * results.per_page + 1 if results else 1,
        "pending_count": _pending_count(results),
        # Every parameter but the page, for the pager's links and the feed of these results.
        "pager_query": f"{query}&" if query else "",
        "feed_query": query,
    }
    return render(request, "search/results.html", context)


def _pending_count(results: SearchResults | None) -> int | None:
    """How many papers still wait for an embedding, when the page says results are by words."""
    if results is None or not results.lexical_only:
        return None
    from paperwire.search import dense  # numpy and the ANN index: only when needed

    if not dense.embedder_enabled():
        return None  # search by meaning is off on this site, not pending
    return dense.waiting_count()


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

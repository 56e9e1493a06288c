from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
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
        "meaning_note": _meaning_note(results),
        # Every parameter but the page, for the pager's links and the feed of these results.
        "pager_query": f"{query}&" if query else "",
        "feed_query": query,
    }
    return render(request, "search/results.html", context)


def _meaning_note(results: SearchResults | None) -> str | None:
    """What the page says about search by meaning, when it did not rank every match."""
    if results is None or results.redirect_to or results.meaning in ("moot",):
        return None
    if results.meaning == "off":
        return "Results are by words only: search by meaning is turned off on this site."
    if results.meaning == "failed":
        return "Results are by words only: search by meaning is unavailable right now."
    if results.meaning == "used" and not results.unindexed:
        return None
    from paperwire.search import dense  # numpy and the ANN index: only when needed

    waiting = dense.pending_count_for_pages()
    papers = f"{waiting:,} paper{pluralize(waiting)}"
    if results.meaning == "unused":
        if waiting:
            waits = "waits" if waiting == 1 else "wait"
            return f"Results are by words only while {papers} {waits} to be indexed by meaning."
        return "Results are by words only: search by meaning found nothing more."
    if not waiting:  # indexed between the search and this sentence
        return None
    return (
        f"{papers} {_are(waiting)} not indexed by meaning yet: until then "
        f"{'it is' if waiting == 1 else 'they are'} found by {'its' if waiting == 1 else 'their'}"
        " words only."
    )


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

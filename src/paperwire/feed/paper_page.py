from typing import NamedTuple

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from paperwire.discussion.thread import thread_of
from paperwire.feed import markdown
from paperwire.feed.paper_detail import detailed_paper
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Authorship

# Author lists longer than this show the rest behind a "show all" toggle.
AUTHORS_SHOWN = 25


class Byline(NamedTuple):
    """An author as the paper page lists them, with the number of their affiliation and
    the username of the member verified as this author, if any."""

    name: str
    affiliation_number: int | None
    username: str = ""


def _bylines(authorships: list[Authorship]) -> tuple[list[Byline], list[str]]:
    """Authors with numbered affiliations, as journals print them: each affiliation once."""
    affiliations = list(dict.fromkeys(a.affiliation for a in authorships if a.affiliation))
    # Everyone at one place: the affiliation line says it, numbers would only be noise.
    numbered = not (len(affiliations) == 1 and all(a.affiliation for a in authorships))
    numbers = {affiliation: n for n, affiliation in enumerate(affiliations, start=1)}
    bylines = [
        Byline(
            a.author.name,
            numbers.get(a.affiliation) if numbered else None,
            getattr(a, "verified_username", None) or "",
        )
        for a in authorships
    ]
    return bylines, affiliations


def _prefers_markdown(request: HttpRequest) -> bool:
    """Whether the Accept header ranks Markdown above HTML (an agent's, not a browser's:
    browsers send */*, which HTML, listed first, wins)."""
    return request.get_preferred_type(["text/html", "text/markdown"]) == "text/markdown"


def _markdown_response(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, content_type=markdown.CONTENT_TYPE, status=status)


def _paper_as_markdown(request: HttpRequest, arxiv_id: str, route: str) -> HttpResponse:
    """The paper as Markdown; a versioned id redirects to `route` with the bare id, and
    a missing paper is a 404 in Markdown too, so a script reads why."""
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as e:
        return _markdown_response(markdown.not_found(f"{e}."), status=404)
    if parsed.id != arxiv_id:
        return redirect(route, parsed.id, permanent=True)
    detail = detailed_paper(parsed.id)
    if detail is None:
        message = f"The paper {parsed.id} is not on this site yet."
        return _markdown_response(markdown.not_found(message), status=404)
    page_url = request.build_absolute_uri(detail.paper.get_absolute_url())
    response = _markdown_response(markdown.render_paper(detail, thread_of(detail.paper), page_url))
    # The paper page is the one address to index; this is another form of it.
    response["Link"] = f'<{page_url}>; rel="canonical"'
    return response


@require_safe
def paper_markdown(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """/papers/<id>.md: the paper as Markdown whatever the Accept header says."""
    return _paper_as_markdown(request, arxiv_id, "papers:markdown")


@vary_on_headers("Accept")
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    if _prefers_markdown(request):
        return _paper_as_markdown(request, arxiv_id, "papers:detail")
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as e:
        raise Http404(f"{e}.") from e
    if parsed.id != arxiv_id:
        return redirect("papers:detail", parsed.id, permanent=True)
    detail = detailed_paper(parsed.id)
    if detail is None:
        raise Http404(f"The paper {parsed.id} is not on this site yet.")
    paper = detail.paper
    bylines, affiliations = _bylines(detail.authorships)
    cross_lists = [c for c in detail.categories if c.code != paper.primary_category_id]
    context = {
        "paper": paper,
        "canonical_url": request.build_absolute_uri(paper.get_absolute_url()),
        "authors_shown": bylines[:AUTHORS_SHOWN],
        "authors_more": bylines[AUTHORS_SHOWN:],
        "author_count": len(bylines),
        "affiliations": affiliations,
        "affiliations_numbered": any(b.affiliation_number for b in bylines),
        "cross_lists": cross_lists,
        "entries": detail.entries,
    }
    return render(request, "papers/detail.html", context)

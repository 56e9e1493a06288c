from typing import NamedTuple

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from paperwire.accounts.claims import verified_username
from paperwire.feed.days import visible_entries
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Authorship, Paper, PaperCategory

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


def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as e:
        raise Http404(f"{e}.") from e
    if parsed.id != arxiv_id:
        return redirect("papers:detail", parsed.id, permanent=True)
    paper = (
        Paper.objects.select_related("primary_category")
        .prefetch_related(
            # Each author with the member verified as them, if any: no query per author.
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("author").annotate(
                    verified_username=verified_username()
                ),
            ),
            Prefetch(
                "paper_categories",
                queryset=PaperCategory.objects.select_related("category"),
            ),
            Prefetch(
                "daily_entries",
                queryset=visible_entries().select_related("organization").order_by("day"),
                to_attr="feed_entries",
            ),
        )
        .filter(arxiv_id=parsed.id)
        .first()
    )
    if paper is None:
        raise Http404(f"The paper {parsed.id} is not on this site yet.")
    bylines, affiliations = _bylines(list(paper.authorships.all()))
    cross_lists = [
        pc.category
        for pc in paper.paper_categories.all()
        if pc.category_id != paper.primary_category_id
    ]
    context = {
        "paper": paper,
        "canonical_url": request.build_absolute_uri(paper.get_absolute_url()),
        "authors_shown": bylines[:AUTHORS_SHOWN],
        "authors_more": bylines[AUTHORS_SHOWN:],
        "author_count": len(bylines),
        "affiliations": affiliations,
        "affiliations_numbered": any(b.affiliation_number for b in bylines),
        "cross_lists": cross_lists,
        "entries": paper.feed_entries,
    }
    return render(request, "papers/detail.html", context)

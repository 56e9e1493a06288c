from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Paper


def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as e:
        raise Http404(str(e)) from e
    if parsed.id != arxiv_id:
        return redirect("papers:detail", parsed.id, permanent=True)
    paper = Paper.objects.select_related("primary_category").filter(arxiv_id=parsed.id).first()
    if paper is None:
        raise Http404(f"Paper {parsed.id} is not on this site")
    return render(request, "papers/detail.html", {"paper": paper})

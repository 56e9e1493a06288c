"""One paper with everything its page shows, for the page, its Markdown and the CLI."""

from dataclasses import dataclass

from django.db.models import Prefetch

from paperwire.feed.days import visible_entries
from paperwire.feed.models import DailyEntry
from paperwire.papers.claims import verified_username
from paperwire.papers.models import Authorship, Category, Paper, PaperCategory


@dataclass
class PaperDetail:
    paper: Paper
    # In order; each with `verified_username`: the member verified as that author, or None.
    authorships: list[Authorship]
    # The primary category first, then the cross-lists, as arXiv lists them.
    categories: list[Category]
    # The feed days the public sees it on, earliest first, with their organizations.
    entries: list[DailyEntry]


def detailed_paper(arxiv_id: str) -> PaperDetail | None:
    """The paper by its canonical id, in four queries however long its author list."""
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
                # Its own attribute: paper.daily_entries keeps meaning every entry.
                to_attr="feed_entries",
            ),
        )
        .filter(arxiv_id=arxiv_id)
        .first()
    )
    if paper is None:
        return None
    categories = [pc.category for pc in paper.paper_categories.all()]
    # sorted() keeps the rest in arXiv's order.
    categories.sort(key=lambda category: category.code != paper.primary_category_id)
    return PaperDetail(paper, list(paper.authorships.all()), categories, paper.feed_entries)

"""The data a paper card shows, fetched in a fixed number of queries for any list."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from paperwire.discussion.visibility import visible_comments
from paperwire.papers.models import Authorship, Paper

# A card names this many authors, then "et al. (N authors)".
CARD_AUTHORS = 3


def card_papers() -> QuerySet[Paper]:
    """Papers with what a card needs: primary category, lead authors, the author count and
    the number of comments the public sees.

    Only the lead authorships are loaded: a collaboration paper can have
    hundreds, and a list of cards must not pay for them.
    """
    author_count = (
        Authorship.objects.filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(n=Count("pk"))
        .values("n")
    )
    comment_count = (
        visible_comments()
        .filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(n=Count("pk"))
        .values("n")
    )
    lead = (
        Authorship.objects.filter(position__lt=CARD_AUTHORS)
        .select_related("author")
        .order_by("position")
    )
    return (
        Paper.objects.select_related("primary_category")
        .annotate(
            author_count=Coalesce(Subquery(author_count, output_field=IntegerField()), 0),
            comment_count=Coalesce(Subquery(comment_count, output_field=IntegerField()), 0),
        )
        .prefetch_related(Prefetch("authorships", queryset=lead, to_attr="lead_authorships"))
    )

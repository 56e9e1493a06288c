"""{% upvote_button paper %}: the vote count that is also the button to upvote."""

from typing import Any

from django import template
from django.http import HttpRequest

from paperwire.feed.services import voted_paper_ids
from paperwire.papers.models import Paper

register = template.Library()

_VOTED = "_paperwire_voted_ids"


def voted_ids(request: HttpRequest | None) -> set[int]:
    """Every paper the viewer has upvoted, fetched once per request.

    A list page renders dozens of buttons without knowing its papers up front:
    one query for all of the viewer's votes (a set of ids, small even for
    prolific voters) beats one query per card.
    """
    if request is None:
        return set()
    if not hasattr(request, _VOTED):
        setattr(request, _VOTED, voted_paper_ids(request.user))
    return getattr(request, _VOTED)


@register.inclusion_tag("feed/_upvote_button.html", takes_context=True)
def upvote_button(context: template.Context, paper: Paper, look: str = "inline") -> dict[str, Any]:
    """`look` is "inline" (a button beside others, on the paper page) or "card" (a box)."""
    request = context.get("request")
    signed_in = bool(request is not None and request.user.is_authenticated)
    back = request.get_full_path() if request is not None else paper.get_absolute_url()
    if look == "card":
        back += f"#card-{paper.pk}"
    return {
        "paper": paper,
        "look": look,
        "signed_in": signed_in,
        "voted": signed_in and paper.pk in voted_ids(request),
        "next": back,
        "csrf_token": context.get("csrf_token"),
    }

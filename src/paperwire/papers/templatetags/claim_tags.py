"""{% claim_authorship paper %}: the "Are you an author?" panel on a paper page."""

from typing import Any

from django import template

from paperwire.accounts.rules import NotAllowed, check_active_member
from paperwire.papers import claims
from paperwire.papers.models import AuthorClaim, Paper

register = template.Library()


@register.inclusion_tag("claims/_panel.html", takes_context=True)
def claim_authorship(context: template.Context, paper: Paper) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # The page view has the authorships with their authors prefetched: no query per author.
    authorships = list(paper.authorships.all()) if paper.pk else []
    if user is None or not authorships:
        return {"show": False}
    panel: dict[str, Any] = {"show": True, "paper": paper, "request": request}
    if not user.is_authenticated:
        return panel
    try:
        check_active_member(user)
    except NotAllowed as e:
        panel["not_allowed"] = e.message
        return panel
    mine = claims.claims_on_paper(user, paper)
    open_claims = [c for c in mine if c.status != AuthorClaim.Status.REJECTED]
    turned_down = {c.author_id for c in mine if c.status == AuthorClaim.Status.REJECTED}
    panel["claims"] = mine
    panel["can_claim"] = not open_claims
    panel["authors"] = [a.author for a in authorships if a.author_id not in turned_down]
    return panel

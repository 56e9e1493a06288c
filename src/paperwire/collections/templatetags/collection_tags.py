"""{% add_to_collection paper %}: the Save menu in a paper page's actions row."""

from typing import Any

from django import template

from paperwire.accounts.rules import NotAllowed, check_active_member
from paperwire.collections.services import saved_in
from paperwire.papers.models import Paper

register = template.Library()


@register.inclusion_tag("collections/_save.html", takes_context=True)
def add_to_collection(context: template.Context, paper: Paper) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not paper.pk:
        return {"show": False}
    menu: dict[str, Any] = {"show": True, "paper": paper, "request": request}
    if user.is_authenticated:
        try:
            check_active_member(user)
        except NotAllowed as e:
            menu["not_allowed"] = e.message
        else:
            menu["choices"] = saved_in(user, paper)
            menu["saved"] = any(held for _, held in menu["choices"])
    return menu

"""{% discussion_thread paper %}: the comments under a paper's abstract, and the forms."""

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from paperwire.accounts.rules import NotAllowed, check_active_member
from paperwire.discussion.services import MAX_BODY_LENGTH
from paperwire.discussion.thread import thread_of
from paperwire.papers.models import Paper

register = template.Library()


@register.inclusion_tag("discussion/_thread.html", takes_context=True)
def discussion_thread(context: template.Context, paper: Paper) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or AnonymousUser()
    thread = thread_of(paper)
    signed_in = user.is_authenticated
    not_allowed = ""
    if signed_in:
        try:
            check_active_member(user)
        except NotAllowed as e:
            not_allowed = e.message
    return {
        "paper": paper,
        "thread": thread,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "signed_in": signed_in,
        # Replying, editing: only members who may post see those forms.
        "can_post": signed_in and not not_allowed,
        "not_allowed": not_allowed,
        "viewer_id": user.pk if signed_in else None,
        "is_staff": signed_in and getattr(user, "is_staff", False),
        "max_length": MAX_BODY_LENGTH,
    }

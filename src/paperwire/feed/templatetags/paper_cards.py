"""{% card paper entry %}: a paper's card, rendered once per state of the database.

A list page shows dozens of cards, and rendering them is most of its cost. Members see a
card as everyone does but for their own vote and their CSRF token; so a card is kept, in
this process, by what it shows (paper, feed entry, the page it links back to, signed in or
not, voted or not) and by the page cache's generation, which any write to the database
moves (paperwire.pagecache). The member's CSRF token is put in after.
"""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from paperwire import pagecache
from paperwire.feed.templatetags.feed_actions import voted_ids
from paperwire.papers.models import Paper

register = template.Library()

# Stands for the viewer's CSRF token in a kept card; no text of a card can contain it.
_TOKEN = "\x00csrf-token\x00"  # noqa: S105 (a placeholder, not a secret)


@register.simple_tag(takes_context=True)
def card(context: template.Context, paper: Paper, entry: Any = None) -> SafeString:
    request = context.get("request")
    if request is None:  # rendered outside a request (an email, a test of the template)
        return render_to_string("papers/_card.html", {"paper": paper, "entry": entry})
    signed_in = request.user.is_authenticated
    voted = signed_in and paper.pk in voted_ids(request)
    html: str = pagecache.remember(
        lambda: render_to_string(
            "papers/_card.html",
            {"paper": paper, "entry": entry, "csrf_token": _TOKEN},
            request=request,
        ),
        "card",
        paper.pk,
        paper.title,  # search marks the words it matched in it
        getattr(entry, "pk", entry),
        getattr(paper, "comment_count", None),
        request.get_full_path(),
        signed_in,
        voted,
    )
    if _TOKEN in html:  # a member's card: its vote form needs their token (read only then)
        html = html.replace(_TOKEN, str(context.get("csrf_token", "")))
    return mark_safe(html)  # noqa: S308 (rendered by the template, which escaped it)

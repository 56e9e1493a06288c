"""Claiming authorship of a paper from its page, and withdrawing a pending claim."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from paperwire.errors import Refusal
from paperwire.inputs import parse_id
from paperwire.papers import claims
from paperwire.papers.models import Author, AuthorClaim, Paper
from paperwire.ratelimits import limited


def _back_to(paper: Paper) -> HttpResponse:
    return redirect(paper.get_absolute_url() + "#claim")


@require_POST
@login_required
@limited(("user_or_ip", "20/h"))
def claim_author(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    author_id = parse_id(request.POST.get("author", ""))
    author = Author.objects.filter(pk=author_id).first() if author_id else None
    if author is None:
        messages.error(request, "Choose your name from the paper's authors.")
        return _back_to(paper)
    try:
        claims.do_claim_authorship(request.user, paper, author)
    except Refusal as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request, f"Thanks! Staff will check that you are {author.name} and confirm it."
        )
    return _back_to(paper)


@require_POST
@login_required
@limited(("user_or_ip", "30/h"))
def withdraw_claim(request: HttpRequest, arxiv_id: str, claim_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    # Someone else's claim is "not found": its existence is not anyone else's business.
    claim = get_object_or_404(AuthorClaim, pk=claim_id, paper=paper, user_id=request.user.pk)
    try:
        claims.do_withdraw_claim(request.user, claim)
    except Refusal as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "Your claim was withdrawn.")
    return _back_to(paper)

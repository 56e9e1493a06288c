"""The writes behind a paper's discussion: post, reply, edit, delete.

Each form sits on the paper page and posts here; success goes back to the comment
on that page. A refused write changes nothing and shows the form again on a page
of its own, with the reason and the text kept, so nothing typed is lost.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render

from paperwire.accounts.rules import NotAllowed, display_name
from paperwire.discussion import services
from paperwire.discussion.forms import CommentForm
from paperwire.discussion.models import Comment
from paperwire.discussion.visibility import is_visible
from paperwire.errors import Refusal
from paperwire.papers.models import Paper
from paperwire.ratelimits import limited

# Enough for a lively conversation, too few for a script flooding a page. Posting a
# comment and replying share one count per member, as do editing and deleting.
POST_RATE = "10/m"
CHANGE_RATE = "30/m"


def _at(comment: Comment) -> HttpResponseRedirect:
    return redirect(comment.get_absolute_url())


def _to_discussion(paper: Paper) -> HttpResponseRedirect:
    return redirect(f"{paper.get_absolute_url()}#discussion")


SUBMIT_LABELS = {"post": "Post comment", "reply": "Reply", "edit": "Save changes"}


def _compose(
    request: HttpRequest,
    action: str,
    paper: Paper,
    *,
    error: str = "",
    forbidden: bool = False,
    comment: Comment | None = None,
    parent: Comment | None = None,
    body: str = "",
) -> HttpResponse:
    """The form on its own page: for edit and delete links, and for a refused write, with
    its reason and the text kept (403 when the person may not, 400 for the input)."""
    # What is answered or deleted is quoted, if the public may still read it.
    quote = parent if action == "reply" else comment if action == "delete" else None
    if quote is not None and action == "reply" and not is_visible(quote):
        quote = None
    about = comment or parent
    back_url = about.get_absolute_url() if about else f"{paper.get_absolute_url()}#discussion"
    context = {
        "action": action,
        "paper": paper,
        "error": error,
        "forbidden": forbidden,
        "comment": comment,
        "parent": parent,
        "body": body,
        "quote": quote,
        "quote_author": display_name(quote.author) if quote is not None else "",
        "submit_label": SUBMIT_LABELS.get(action, ""),
        "back_url": back_url,
        "max_length": services.MAX_BODY_LENGTH,
    }
    status = 403 if forbidden else 400 if error else 200
    return render(request, "discussion/compose.html", context, status=status)


def _post(request: HttpRequest, paper: Paper, parent: Comment | None) -> HttpResponse:
    form = CommentForm(request.POST)
    body = request.POST.get("body", "")
    action = "reply" if parent is not None else "post"
    if not form.is_valid():
        return _compose(
            request, action, paper, error=form.error_message(), body=body, parent=parent
        )
    try:
        comment = services.do_post_comment(request.user, paper, form.cleaned_data["body"], parent)
    except NotAllowed as e:
        return _compose(request, action, paper, error=e.message, forbidden=True, parent=parent)
    except services.CommentError as e:
        return _compose(request, action, paper, error=e.message, body=body, parent=parent)
    messages.success(request, "Your reply is posted." if parent else "Your comment is posted.")
    return _at(comment)


@login_required
@limited(("user_or_ip", POST_RATE), group="discussion.post")
def post_comment(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    if request.method != "POST":
        return _to_discussion(paper)
    return _post(request, paper, None)


@login_required
@limited(("user_or_ip", POST_RATE), group="discussion.post")
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_object_or_404(Comment.objects.select_related("paper", "author__profile"), pk=pk)
    if request.method != "POST":
        return _at(parent)
    return _post(request, parent.paper, parent)


@login_required
@limited(("user_or_ip", CHANGE_RATE), group="discussion.change")
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper", "author__profile"), pk=pk)
    paper = comment.paper
    if request.method != "POST":
        # The edit form on a page of its own: where the paper page's inline form is awkward.
        try:
            services.check_edit_comment(request.user, comment, comment.body)
        except Refusal as e:
            messages.error(request, e.message)
            return _to_discussion(paper)
        return _compose(request, "edit", paper, comment=comment, body=comment.body)
    form = CommentForm(request.POST)
    body = request.POST.get("body", "")
    if not form.is_valid():
        return _compose(
            request, "edit", paper, error=form.error_message(), comment=comment, body=body
        )
    try:
        services.do_edit_comment(request.user, comment, form.cleaned_data["body"])
    except NotAllowed as e:
        return _compose(request, "edit", paper, error=e.message, forbidden=True, comment=comment)
    except services.CommentError as e:
        return _compose(request, "edit", paper, error=e.message, comment=comment, body=body)
    messages.success(request, "Your comment is updated.")
    return _at(comment)


@login_required
@limited(("user_or_ip", CHANGE_RATE), group="discussion.change")
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper", "author__profile"), pk=pk)
    paper = comment.paper
    try:
        services.check_delete_comment(request.user, comment)
    except Refusal as e:
        if request.method != "POST":
            messages.error(request, e.message)
            return _to_discussion(paper)
        # Nothing to send again: the reason is all the page has to say.
        return _compose(request, "delete", paper, error=e.message, forbidden=True, comment=comment)
    if request.method != "POST":
        # The confirmation as a page, for a link followed without the inline one.
        return _compose(request, "delete", paper, comment=comment)
    services.do_delete_comment(request.user, comment)
    messages.success(request, "Your comment is deleted.")
    if comment.parent_id:
        return redirect(f"{paper.get_absolute_url()}#comment-{comment.parent_id}")
    return _to_discussion(paper)

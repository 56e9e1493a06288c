"""Posting, editing and deleting comments.

check_* functions validate and authorize (raising NotAllowed or CommentError with a
message for the reader); do_* functions change the database. Views call them now;
the JSON API and the submission form (a comment with a submitted paper) call them too.

Replies are one level deep. A reply to a reply is kept, attached to the top-level
comment it answers, so a conversation under one comment stays in one place.
"""

from datetime import timedelta
from typing import NamedTuple, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from paperwire.accounts.rules import AnyUser, NotAllowed, check_active_member
from paperwire.discussion.models import Comment
from paperwire.discussion.rendering import render_comment
from paperwire.discussion.visibility import is_visible, visible_comments
from paperwire.errors import InputError
from paperwire.inputs import controls_message, has_controls
from paperwire.papers.models import Paper

MAX_BODY_LENGTH = 10_000
# The same words posted twice this quickly are one comment sent twice (a double
# click, a resent form): the second post returns the first comment.
DUPLICATE_WINDOW = timedelta(minutes=2)


class CommentError(InputError):
    """Input a comment cannot be made of; the message is shown to the user."""


class Draft(NamedTuple):
    """A comment that passed its checks: the text to store and the comment it answers."""

    body: str
    parent: Comment | None


def clean_body(body: str) -> str:
    """The text as it will be stored: line endings unified, blank edges trimmed."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    # Leading spaces can be Markdown (an indented code block): only blank lines go.
    text = text.rstrip().lstrip("\n")
    if not text.strip():
        raise CommentError("Write something first: the comment is empty.")
    if len(text) > MAX_BODY_LENGTH:
        raise CommentError(
            f"A comment can be at most {MAX_BODY_LENGTH:,} characters; this one has {len(text):,}."
        )
    if has_controls(text):
        raise CommentError(controls_message("The comment"))
    return text


def _thread_of(parent: Comment, paper: Paper) -> Comment:
    """The top-level comment a reply to `parent` belongs under, if it may take one."""
    if parent.paper_id != paper.pk:
        raise CommentError("You can only reply to a comment on the same paper.")
    gone = CommentError("That comment is no longer there, so it cannot take replies.")
    if parent.parent_id is None:
        # A deleted comment keeps its place while its replies show; the talk can go on there.
        if not is_visible(parent) and not visible_comments().filter(parent=parent).exists():
            raise gone
        return parent
    if not is_visible(parent):
        raise gone
    top = Comment.objects.select_related("author__profile").get(pk=parent.parent_id)
    return _thread_of(top, paper)


def check_post_comment(
    user: AnyUser, paper: Paper, body: str, parent: Comment | None = None
) -> Draft:
    check_active_member(user)
    text = clean_body(body)
    return Draft(text, _thread_of(parent, paper) if parent is not None else None)


def do_post_comment(
    user: AnyUser, paper: Paper, body: str, parent: Comment | None = None
) -> Comment:
    """A new comment on `paper` (a reply when `parent` is given), with its HTML rendered."""
    draft = check_post_comment(user, paper, body, parent)
    with transaction.atomic():
        resent = (
            Comment.objects.filter(
                paper=paper,
                author_id=user.pk,
                parent=draft.parent,
                body=draft.body,
                deleted_at__isnull=True,
                created_at__gte=timezone.now() - DUPLICATE_WINDOW,
            )
            .order_by("-created_at")
            .first()
        )
        if resent is not None:
            return resent
        return Comment.objects.create(
            paper=paper,
            author=cast(User, user),  # check_active_member: a signed-in user
            parent=draft.parent,
            body=draft.body,
            body_html=render_comment(draft.body),
        )


def check_edit_comment(user: AnyUser, comment: Comment, body: str) -> str:
    check_active_member(user)
    if comment.author_id != user.pk:
        raise NotAllowed("You can only edit your own comments.")
    if comment.deleted_at is not None:
        raise CommentError("This comment was deleted, so it cannot be edited.")
    if comment.hidden:
        raise NotAllowed("A moderator hid this comment, so it cannot be edited.")
    return clean_body(body)


def do_edit_comment(user: AnyUser, comment: Comment, body: str) -> Comment:
    """The comment with its new text; unchanged text leaves it (and "edited") as it was."""
    text = check_edit_comment(user, comment, body)
    if text == comment.body:
        return comment
    comment.body = text
    comment.body_html = render_comment(text)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def check_delete_comment(user: AnyUser, comment: Comment) -> None:
    # Taking back one's own words needs no verified address, only the right account.
    if not user.is_authenticated:
        raise NotAllowed("Log in to do that.")
    if comment.author_id != user.pk:
        raise NotAllowed("You can only delete your own comments.")
    if comment.deleted_at is not None:
        raise CommentError("This comment was already deleted.")


def do_delete_comment(user: AnyUser, comment: Comment) -> Comment:
    """Marks the comment deleted: it leaves the page, or shows as "[deleted]" above its
    replies. The row stays, for the replies' sake and for moderators."""
    check_delete_comment(user, comment)
    # Only the first of two concurrent deletes changes anything.
    now = timezone.now()
    Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(deleted_at=now)
    comment.deleted_at = now
    return comment


def render_again(comment: Comment) -> None:
    """body_html from body, for a text changed outside these functions (the admin)."""
    comment.body_html = render_comment(comment.body)


def do_set_comments_hidden(comments: QuerySet[Comment], hidden: bool) -> int:
    """Staff moderation: hidden comments leave public pages (their replies stay). Returns
    how many comments changed."""
    return comments.exclude(hidden=hidden).update(hidden=hidden)

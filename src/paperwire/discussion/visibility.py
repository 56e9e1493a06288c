"""Which comments the public sees: one definition for the thread, the counts and the API."""

from django.db.models import Q, QuerySet

from paperwire.discussion.models import Comment

# Not deleted by its author, not hidden by staff, not written by a banned member.
# (A banned member's comments come back if the ban is lifted: the rows stay.)
PUBLIC = Q(deleted_at__isnull=True, hidden=False, author__profile__banned_at__isnull=True)


def visible_comments() -> QuerySet[Comment]:
    return Comment.objects.filter(PUBLIC)


def is_visible(comment: Comment) -> bool:
    """The same rule for one comment already loaded (with its author's profile)."""
    profile = getattr(comment.author, "profile", None)
    banned = profile is not None and profile.banned_at is not None
    return comment.deleted_at is None and not comment.hidden and not banned

"""A paper's discussion as its page shows it, in one query however long it is."""

from dataclasses import dataclass, field

from paperwire.accounts.rules import display_name
from paperwire.discussion.models import Comment
from paperwire.discussion.visibility import is_visible
from paperwire.papers.models import Paper


@dataclass
class Entry:
    """A comment on the page. `shown` False is a placeholder ("[deleted]") kept because
    replies below it still show; a placeholder names no author and shows no text."""

    comment: Comment
    shown: bool
    author_name: str = ""
    replies: list["Entry"] = field(default_factory=list)

    @property
    def was_deleted(self) -> bool:
        return self.comment.deleted_at is not None


@dataclass
class Thread:
    entries: list[Entry]
    # Comments the public sees, as cards count them: placeholders are not comments.
    count: int


def _root(comment: Comment, by_id: dict[int, Comment]) -> Comment:
    """The top-level comment a comment shows under (itself when it is one).

    The services keep replies one level deep; rows written another way (the admin)
    could chain or point elsewhere, and still show in one sensible place.
    """
    root = comment
    seen = {root.pk}
    while root.parent_id is not None and root.parent_id in by_id and root.parent_id not in seen:
        root = by_id[root.parent_id]
        seen.add(root.pk)
    return root


def thread_of(paper: Paper) -> Thread:
    comments = list(
        Comment.objects.filter(paper=paper)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )
    by_id = {c.pk: c for c in comments}
    tops: dict[int, Entry] = {}
    replies: dict[int, list[Entry]] = {}
    count = 0
    for comment in comments:
        shown = is_visible(comment)
        count += shown
        entry = Entry(comment, shown, display_name(comment.author) if shown else "")
        root = _root(comment, by_id)
        if root is comment:
            tops[comment.pk] = entry
            continue
        if shown:
            replies.setdefault(root.pk, []).append(entry)
    entries = []
    for pk, entry in tops.items():
        entry.replies = replies.get(pk, [])
        if entry.shown or entry.replies:
            entries.append(entry)
    return Thread(entries, count)

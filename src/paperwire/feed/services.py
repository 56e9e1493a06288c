"""Putting papers on the feed and voting for them.

check_* functions validate and authorize and raise NotAllowed (who) or
SubmissionError (what); do_* functions change the database. The views, the admin
and the JSON API call the same ones.
"""

import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from paperwire.accounts.rules import AnyUser, check_active_member, display_name
from paperwire.discussion import services as discussion
from paperwire.errors import InputError
from paperwire.feed import trending
from paperwire.feed.days import today
from paperwire.feed.models import DailyEntry, Upvote
from paperwire.ingest.arxiv_api import ArxivPaperNotFound
from paperwire.ingest.lookups import PaperComing, paper_now
from paperwire.orgs.models import Membership, Organization
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Paper

# arXiv marks a withdrawal only in the comment of the last version; sources that know
# better (the Hugging Face import) set Paper.withdrawn_at.
_WITHDRAWN_COMMENT = re.compile(
    r"\b(?:paper|article|submission|manuscript) (?:has been|is|was) withdrawn\b", re.IGNORECASE
)


class SubmissionError(InputError):
    """A submission the rules refuse; the message is shown to the user as it is.

    `field` names the form field at fault (None: the submission as a whole) and
    `link` is an optional (url, text) pair that helps, such as the day the paper is on.
    """

    def __init__(
        self, message: str, *, field: str | None = None, link: tuple[str, str] | None = None
    ) -> None:
        super().__init__(message, field)
        self.link = link


@dataclass(frozen=True)
class Allowance:
    """How many papers a user may still submit on a feed day; `limit` None is unlimited."""

    used: int
    limit: int | None

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)


# --- Upvotes --------------------------------------------------------------


def _add_vote(user: AbstractBaseUser, paper: Paper) -> bool:
    """Record the user's vote unless it exists; True when this call added it.

    Call inside a transaction. The unique (user, paper) constraint decides a race
    between two requests of the same user: the loser's insert fails in its own
    savepoint and the count moves only for the row that was really written.
    """
    try:
        with transaction.atomic():
            Upvote.objects.create(user_id=user.pk, paper=paper)
    except IntegrityError:
        return False
    Paper.objects.filter(pk=paper.pk).update(upvotes=F("upvotes") + 1)
    return True


def do_set_upvote(user: AnyUser, paper: Paper, wanted: bool) -> tuple[bool, int]:
    """Make the user's vote for the paper `wanted` (on or off). Returns (voted, upvotes).

    Idempotent and atomic: asking twice, or two requests at once, ends in the state
    asked for with the count moved at most once. The page sends the state its button
    showed when pressed, the API the state its method names; neither reads the vote
    first, so no request can undo another's by toggling from a stale state.
    """
    check_active_member(user)
    assert isinstance(user, AbstractBaseUser)  # check_active_member refused anonymous users
    with transaction.atomic():
        if wanted:
            _add_vote(user, paper)
        else:
            removed, _ = Upvote.objects.filter(user_id=user.pk, paper=paper).delete()
            if removed:
                # Only the request that deleted the row takes the vote off the count.
                Paper.objects.filter(pk=paper.pk).update(upvotes=F("upvotes") - 1)
        voted = wanted
        # The count as of this transaction: a voter's row lock on the paper keeps it exact.
        count = Paper.objects.values_list("upvotes", flat=True).get(pk=paper.pk)
        transaction.on_commit(lambda: trending.refresh_scores([paper.pk]))
    paper.upvotes = count
    return voted, count


def voted_paper_ids(user: AnyUser, paper_ids: list[int] | None = None) -> set[int]:
    """The papers (of these, or of all) the user has upvoted, in one query."""
    if not user.is_authenticated:
        return set()
    votes = Upvote.objects.filter(user_id=user.pk)
    if paper_ids is not None:
        votes = votes.filter(paper_id__in=paper_ids)
    return set(votes.values_list("paper_id", flat=True))


# --- Submissions ----------------------------------------------------------


def allowance(user: AbstractBaseUser, day: date | None = None) -> Allowance:
    """The user's submissions on the feed day (today by default) and the daily limit."""
    used = DailyEntry.objects.filter(submitted_by_id=user.pk, day=day or today()).count()
    limit = None if getattr(user, "is_staff", False) else settings.SUBMISSIONS_PER_DAY
    return Allowance(used, limit)


def organizations_for(user: AnyUser) -> list[Organization]:
    """The organizations the user may tag a submission with: approved, and a member of."""
    if not user.is_authenticated:
        return []
    return list(
        Organization.objects.filter(approved=True, memberships__user_id=user.pk).order_by(
            "fullname", "name"
        )
    )


def _parse(text: str) -> str:
    try:
        return parse_arxiv_id(text).id
    except InvalidArxivId as e:
        message = str(e)
        raise SubmissionError(message[:1].upper() + message[1:] + ".", field="paper") from None


def _check_allowance(user: AbstractBaseUser, day: date) -> None:
    quota = allowance(user, day)
    if quota.left == 0:
        limit = quota.limit or 0
        raise SubmissionError(
            f"You have submitted {quota.used} paper{'s' if quota.used != 1 else ''} today, "
            f"and members can submit {limit} a day. You can submit again tomorrow."
            if limit
            else "Only staff submit papers on this site."
        )


def _check_organization(user: AbstractBaseUser, organization: Organization | None) -> None:
    if organization is None:
        return
    member = Membership.objects.filter(organization=organization, user_id=user.pk).exists()
    if not organization.approved or not member:
        raise SubmissionError(
            "You can submit for an organization only once staff have approved it "
            "and you are one of its members.",
            field="organization",
        )


def check_paper_can_go_on_feed(paper: Paper, day: date) -> None:
    """The rules about the paper itself: not withdrawn, recent, not on the feed already."""
    if paper.withdrawn_at is not None or _WITHDRAWN_COMMENT.search(paper.comments):
        raise SubmissionError(
            f"{paper.arxiv_id} was withdrawn from arXiv, so it can't go on the feed.",
            field="paper",
        )
    max_age = settings.SUBMISSION_MAX_AGE_DAYS
    if paper.published_at is None:
        raise SubmissionError(
            f"We don't know when {paper.arxiv_id} was first published, and only papers "
            f"from the last {max_age} days can be submitted.",
            field="paper",
        )
    published = timezone.localdate(
        paper.published_at, timezone=ZoneInfo(settings.PAPERWIRE_TIMEZONE)
    )
    if (day - published).days > max_age:
        raise SubmissionError(
            f"Only papers first published in the last {max_age} days can be submitted: "
            f"{paper.arxiv_id} was first published on {date_format(published, 'F j, Y')}.",
            field="paper",
        )
    entry = DailyEntry.objects.filter(paper=paper).order_by("day").first()
    if entry is not None:
        when = date_format(entry.day, "l, F j, Y")
        raise SubmissionError(
            f"{paper.arxiv_id} is already on the feed, on {when}.",
            field="paper",
            link=(reverse("feed:day", args=[entry.day.isoformat()]), "See that day's papers"),
        )


def check_submission(user: AnyUser, text: str, organization: Organization | None = None) -> str:
    """Everything that can be checked without arXiv; returns the paper's normalized id."""
    check_active_member(user)
    assert isinstance(user, AbstractBaseUser)
    arxiv_id = _parse(text)
    _check_organization(user, organization)
    day = today()
    _check_allowance(user, day)
    known = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if known is not None:
        check_paper_can_go_on_feed(known, day)
    return arxiv_id


def _check_comment(comment: str) -> None:
    try:
        discussion.clean_body(comment)
    except discussion.CommentError as e:
        raise SubmissionError(e.message, field="comment") from None


def _fetch(arxiv_id: str) -> Paper:
    """The paper, from arXiv if unknown (within a request's deadline)."""
    try:
        return paper_now(arxiv_id)
    except ArxivPaperNotFound:
        raise SubmissionError(
            f"arXiv has no paper {arxiv_id}. Check the id and try again.", field="paper"
        ) from None
    except PaperComing as error:
        raise SubmissionError(f"{error} Nothing was submitted yet.") from None


def do_submit(
    user: AnyUser,
    text: str,
    comment: str = "",
    organization: Organization | None = None,
) -> DailyEntry:
    """Put a paper on today's feed for the user, fetching it from arXiv when unknown.

    With a comment, the comment starts the paper's discussion; the submitter's
    upvote comes with the submission. All of it is written in one transaction,
    or nothing is.
    """
    arxiv_id = check_submission(user, text, organization)
    assert isinstance(user, User)
    if comment.strip():
        _check_comment(comment)
    # The network before the transaction: a slow arXiv must not hold the write lock.
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first() or _fetch(arxiv_id)
    day = today()
    try:
        with transaction.atomic():
            # Locking the user's row queues their concurrent submissions (PostgreSQL;
            # SQLite's IMMEDIATE transactions already run one at a time), so the
            # checks below see every earlier one and the daily limit holds.
            User.objects.select_for_update().filter(pk=user.pk).first()
            _check_allowance(user, day)
            check_paper_can_go_on_feed(paper, day)
            entry = DailyEntry.objects.create(
                paper=paper,
                day=day,
                submitted_at=timezone.now(),
                submitted_by=user,
                submitter_name=user.get_username(),
                submitter_fullname=display_name(user),
                organization=organization,
                source="local",
            )
            if comment.strip():
                discussion.do_post_comment(user, paper, comment)
            _add_vote(user, paper)
            transaction.on_commit(lambda: trending.refresh_scores([paper.pk]))
    except IntegrityError:
        # Someone else put the same paper on today's feed a moment ago.
        check_paper_can_go_on_feed(paper, day)
        raise
    return entry


# --- Moderation -----------------------------------------------------------


def do_set_entries_hidden(entries: QuerySet[DailyEntry], hidden: bool) -> int:
    """Hide entries from public pages (or show them again); returns how many changed."""
    with transaction.atomic():
        changed = list(entries.exclude(hidden=hidden).values_list("pk", "paper_id"))
        DailyEntry.objects.filter(pk__in=[pk for pk, _ in changed]).update(hidden=hidden)
        paper_ids = {paper_id for _, paper_id in changed}
        # A hidden entry may have been a paper's first appearance: its trending age moves.
        transaction.on_commit(lambda: trending.refresh_scores(paper_ids))
    return len(changed)

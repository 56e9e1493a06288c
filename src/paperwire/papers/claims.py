"""Authorship claims: a member says "this author name on this paper is me"; staff verify.

A verified claim links the author name on the paper page to the member's profile and lists
the paper among the papers they authored.
"""

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from paperwire.accounts.rules import AnyUser, NotAllowed, check_active_member
from paperwire.errors import InputError
from paperwire.papers.models import Author, AuthorClaim, Paper

Status = AuthorClaim.Status


class ClaimError(InputError):
    """A claim that cannot be made or reviewed; the message is shown to the user."""


def _verified_elsewhere(paper: Paper, author: Author, user_id: int) -> bool:
    return (
        AuthorClaim.objects.filter(paper=paper, author=author, status=Status.VERIFIED)
        .exclude(user_id=user_id)
        .exists()
    )


def check_claim_authorship(user: AnyUser, paper: Paper, author: Author) -> None:
    check_active_member(user)
    assert isinstance(user, User)
    if not paper.authorships.filter(author=author).exists():
        raise ClaimError(f"{author.name} is not an author of this paper.")
    mine = AuthorClaim.objects.filter(user_id=user.pk, paper=paper).exclude(status=Status.REJECTED)
    if mine.filter(author=author).exists():
        raise ClaimError(f"You have already claimed {author.name} on this paper.")
    # One person is one author of a paper: a second name would be a mistake or abuse.
    other = mine.select_related("author").first()
    if other is not None:
        raise ClaimError(
            f"You have already claimed {other.author.name} on this paper; "
            "withdraw that claim first."
        )
    if AuthorClaim.objects.filter(user_id=user.pk, paper=paper, author=author).exists():
        raise ClaimError(f"Your claim to be {author.name} on this paper was turned down.")
    if _verified_elsewhere(paper, author, user.pk):
        raise ClaimError(f"{author.name} on this paper is already verified as another member.")


def do_claim_authorship(user: AnyUser, paper: Paper, author: Author) -> AuthorClaim:
    """A pending claim, for staff to verify or reject in the admin."""
    check_claim_authorship(user, paper, author)
    assert isinstance(user, User)
    try:
        with transaction.atomic():
            return AuthorClaim.objects.create(user=user, paper=paper, author=author)
    except IntegrityError:
        # The same claim sent twice at once (a double click): the first one stands.
        raise ClaimError(f"You have already claimed {author.name} on this paper.") from None


def do_withdraw_claim(user: AnyUser, claim: AuthorClaim) -> None:
    if not user.is_authenticated or claim.user_id != user.pk:
        raise NotAllowed("You can only withdraw your own claims.")
    if claim.status != Status.PENDING:
        raise ClaimError("Only a claim waiting for review can be withdrawn.")
    claim.delete()


def _review(reviewer: AnyUser, claim: AuthorClaim, status: str) -> None:
    if not getattr(reviewer, "is_staff", False):
        raise NotAllowed("Only staff review authorship claims.")
    assert isinstance(reviewer, User)
    claim.status = status
    claim.reviewed_at = timezone.now()
    claim.reviewed_by = reviewer
    claim.save(update_fields=["status", "reviewed_at", "reviewed_by"])


def do_verify_claim(reviewer: AnyUser, claim: AuthorClaim) -> None:
    if claim.status == Status.VERIFIED:
        return
    message = (
        f"{claim.author.name} on {claim.paper.arxiv_id} is already verified as another member; "
        "reject that claim first."
    )
    if _verified_elsewhere(claim.paper, claim.author, claim.user_id):
        raise ClaimError(message)
    try:
        with transaction.atomic():
            _review(reviewer, claim, Status.VERIFIED)
    except IntegrityError:
        # Another reviewer verified a rival claim at the same moment; the constraint decides.
        claim.refresh_from_db()
        raise ClaimError(message) from None


def do_reject_claim(reviewer: AnyUser, claim: AuthorClaim) -> None:
    _review(reviewer, claim, Status.REJECTED)


def verified_username() -> Subquery:
    """For an Authorship row: the username of the member verified as that author on that
    paper, or NULL. A correlated subquery, so the author list needs no query of its own;
    the partial unique index on verified (paper, author) answers it.

    Banned or deactivated members are left out: their profile is not public.
    """
    claim = AuthorClaim.objects.filter(
        paper_id=OuterRef("paper_id"),
        author_id=OuterRef("author_id"),
        status=Status.VERIFIED,
        user__is_active=True,
        user__profile__banned_at__isnull=True,
    )
    return Subquery(claim.values("user__username")[:1])


def authored_papers(user: AbstractBaseUser) -> QuerySet[Paper]:
    """Papers a member is a verified author of, for their profile."""
    return Paper.objects.filter(
        author_claims__user_id=user.pk, author_claims__status=Status.VERIFIED
    ).distinct()


def claims_on_paper(user: AnyUser, paper: Paper) -> list[AuthorClaim]:
    if not isinstance(user, User):
        return []
    return list(AuthorClaim.objects.filter(user=user, paper=paper).select_related("author"))

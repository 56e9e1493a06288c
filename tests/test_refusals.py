"""Every refusal a check_* function raises is one of two kinds: InputError for what was
sent, NotAllowed for who sent it. Callers catch Refusal, the two of them."""

import pytest

from paperwire.accounts import rules
from paperwire.accounts.api_tokens import TokenError
from paperwire.accounts.services import AccountError
from paperwire.accounts.tokens import BadToken
from paperwire.collections.services import CollectionError
from paperwire.digests.matching import BadSavedSearch
from paperwire.digests.services import SubscriptionError
from paperwire.digests.tokens import BadLink
from paperwire.discussion.services import CommentError
from paperwire.errors import InputError, NotAllowed, Refusal
from paperwire.feed.services import SubmissionError
from paperwire.orgs.services import OrgError
from paperwire.papers.claims import ClaimError

INPUT_ERRORS = [
    AccountError,
    BadLink,
    BadSavedSearch,
    BadToken,
    ClaimError,
    CollectionError,
    CommentError,
    OrgError,
    SubmissionError,
    SubscriptionError,
    TokenError,
]


@pytest.mark.parametrize("error", INPUT_ERRORS)
def test_each_input_error_is_an_input_error(error: type[InputError]) -> None:
    refused = error("Too long.")

    assert isinstance(refused, InputError) and isinstance(refused, ValueError)
    assert isinstance(refused, Refusal) and not isinstance(refused, NotAllowed)
    assert refused.message == "Too long." == str(refused)


def test_an_input_error_names_its_field() -> None:
    assert CommentError("Empty.").field is None
    assert OrgError("Taken.", "name").field == "name"


def test_a_submission_error_keeps_its_field_and_link() -> None:
    refused = SubmissionError("Already on the feed.", field="paper", link=("/day", "that day"))

    assert (refused.message, refused.field, refused.link) == (
        "Already on the feed.",
        "paper",
        ("/day", "that day"),
    )


def test_not_allowed_is_the_other_kind() -> None:
    refused = NotAllowed("Log in to do that.")

    assert isinstance(refused, Refusal) and not isinstance(refused, ValueError)
    assert refused.message == "Log in to do that." and refused.field is None
    assert rules.NotAllowed is NotAllowed  # where the checks of who may take part import it

"""A paper's address with a version (2502.08025v2) means the paper (2502.08025) for every
action on it: one URL converter says so for all of them."""

import pytest
from django.contrib.auth.models import User

from paperwire.collections import services as collections
from paperwire.discussion.models import Comment
from paperwire.feed.models import Upvote
from paperwire.papers.models import Author, AuthorClaim, Paper
from tests.builders import make_paper
from tests.personas import CsrfClient, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention", authors=["Alice Liddell"])


@pytest.fixture
def signed_in(csrf_client: CsrfClient, alice: User) -> CsrfClient:
    return logged_in(csrf_client, alice)


def test_an_upvote_by_a_versioned_id_counts_for_the_paper(
    signed_in: CsrfClient, paper: Paper
) -> None:
    signed_in.post_form("/papers/2502.08025v2/upvote", {"vote": "on"})

    assert Upvote.objects.filter(paper=paper).count() == 1


def test_a_comment_by_a_versioned_id_is_on_the_paper(signed_in: CsrfClient, paper: Paper) -> None:
    signed_in.post_form("/comments/on/2502.08025v3", {"body": "Which version is this about?"})

    assert Comment.objects.get().paper == paper


def test_saving_by_a_versioned_id_saves_the_paper(
    signed_in: CsrfClient, alice: User, paper: Paper
) -> None:
    reading = collections.do_create_collection(alice, collections.CollectionFields("Reading"))

    signed_in.post_form("/papers/2502.08025v1/save", {"collection": reading.pk})

    assert list(reading.items.values_list("paper", flat=True)) == [paper.pk]


def test_a_claim_by_a_versioned_id_is_on_the_paper(signed_in: CsrfClient, paper: Paper) -> None:
    author = Author.objects.get(name="Alice Liddell")

    signed_in.post_form("/papers/2502.08025v2/claim", {"author": str(author.pk)})

    assert AuthorClaim.objects.get().paper == paper


def test_the_paper_page_still_sends_a_versioned_id_to_its_one_address(
    csrf_client: CsrfClient, paper: Paper
) -> None:
    response = csrf_client.get("/papers/2502.08025v2")

    assert response.status_code == 301 and response["Location"] == "/papers/2502.08025"

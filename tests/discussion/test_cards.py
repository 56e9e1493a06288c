"""Comment counts on paper cards: the comments the public sees, counted in the card query."""

import pytest
from django.contrib.auth.models import User

from paperwire.discussion.models import Comment
from paperwire.discussion.services import (
    do_delete_comment,
    do_post_comment,
    do_set_comments_hidden,
)
from paperwire.feed.cards import card_papers
from paperwire.papers.models import Paper
from tests.builders import make_paper
from tests.personas import ban

pytestmark = pytest.mark.django_db


def count_of(paper: Paper) -> int:
    return card_papers().get(pk=paper.pk).comment_count


def test_a_paper_without_comments_counts_zero(paper: Paper) -> None:
    assert count_of(paper) == 0


def test_comments_and_replies_both_count(alice: User, bob: User, paper: Paper) -> None:
    question = do_post_comment(alice, paper, "Q")
    do_post_comment(bob, paper, "A", parent=question)
    do_post_comment(bob, paper, "Another")

    assert count_of(paper) == 3


def test_deleted_hidden_and_banned_comments_do_not_count(
    alice: User, bob: User, mallory: User, paper: Paper
) -> None:
    do_post_comment(alice, paper, "Stays")
    do_delete_comment(alice, do_post_comment(alice, paper, "Deleted"))
    do_set_comments_hidden(
        Comment.objects.filter(pk=do_post_comment(bob, paper, "Hidden").pk), True
    )
    do_post_comment(mallory, paper, "Spam")
    ban(mallory)

    assert count_of(paper) == 1


def test_each_paper_counts_its_own(alice: User, paper: Paper) -> None:
    other = make_paper("2502.09999")
    do_post_comment(alice, paper, "Here")
    do_post_comment(alice, other, "There")
    do_post_comment(alice, other, "And there")

    counts = dict(card_papers().values_list("arxiv_id", "comment_count"))

    assert counts == {"2502.08025": 1, "2502.09999": 2}


def test_counting_adds_no_query_per_card(alice: User, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(8):
        do_post_comment(alice, make_paper(f"2502.0{n}001"), "Hi")

    # One query for the cards with their counts, one for their lead authors.
    with django_assert_num_queries(2):
        papers = list(card_papers())

    assert [p.comment_count for p in papers] == [1] * 8

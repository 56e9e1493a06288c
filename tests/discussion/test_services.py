"""The rules of the discussion, as the services enforce them for every caller
(the pages, the submission form, the API to come)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from paperwire.accounts.rules import NotAllowed
from paperwire.discussion.models import Comment
from paperwire.discussion.services import (
    MAX_BODY_LENGTH,
    CommentError,
    do_delete_comment,
    do_edit_comment,
    do_post_comment,
    do_set_comments_hidden,
)
from paperwire.papers.models import Paper
from tests.builders import make_paper
from tests.personas import ban, make_user

pytestmark = pytest.mark.django_db


# ---------- Who may post ----------


def test_a_verified_member_posts_a_comment(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Does this hold for **long** contexts?")

    assert comment.author == alice
    assert comment.paper == paper
    assert comment.parent is None
    assert comment.body == "Does this hold for **long** contexts?"
    assert comment.body_html == "<p>Does this hold for <strong>long</strong> contexts?</p>\n"


def test_visitors_cannot_post(paper: Paper) -> None:
    with pytest.raises(NotAllowed, match="Log in"):
        do_post_comment(AnonymousUser(), paper, "Hello")


def test_a_member_with_an_unverified_email_cannot_post(nora: User, paper: Paper) -> None:
    with pytest.raises(NotAllowed, match="Verify your email address"):
        do_post_comment(nora, paper, "Hello")
    assert not Comment.objects.exists()


def test_a_banned_member_cannot_post(mallory: User, paper: Paper) -> None:
    ban(mallory)

    with pytest.raises(NotAllowed, match="suspended"):
        do_post_comment(mallory, paper, "Hello")


# ---------- What may be posted ----------


@pytest.mark.parametrize("body", ["", "   ", "\n\n\t\n", "\r\n"])
def test_an_empty_comment_is_refused(alice: User, paper: Paper, body: str) -> None:
    with pytest.raises(CommentError, match="empty"):
        do_post_comment(alice, paper, body)
    assert not Comment.objects.exists()


def test_a_comment_may_be_ten_thousand_characters_long(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "a" * MAX_BODY_LENGTH)

    assert len(comment.body) == 10_000


def test_a_longer_comment_is_refused_with_its_length(alice: User, paper: Paper) -> None:
    with pytest.raises(CommentError, match="at most 10,000 characters; this one has 10,001"):
        do_post_comment(alice, paper, "a" * 10_001)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("control", ["\x00", "\x1b[31m", "\x07", "\x85"])
def test_control_characters_are_refused(alice: User, paper: Paper, control: str) -> None:
    with pytest.raises(CommentError, match="contains control characters"):
        do_post_comment(alice, paper, f"a{control}b")


def test_line_endings_are_unified_and_blank_edges_trimmed(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "\r\n\r\n    indented code\r\nnext\r\n  \n")

    assert comment.body == "    indented code\nnext"
    assert comment.body_html.startswith("<pre><code>indented code")


def test_the_same_words_sent_twice_make_one_comment(alice: User, paper: Paper) -> None:
    first = do_post_comment(alice, paper, "Great paper!")
    again = do_post_comment(alice, paper, "Great paper!")

    assert again.pk == first.pk
    assert Comment.objects.count() == 1


def test_the_same_words_later_are_a_new_comment(alice: User, paper: Paper) -> None:
    first = do_post_comment(alice, paper, "Great paper!")
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    do_post_comment(alice, paper, "Great paper!")

    assert Comment.objects.count() == 2


# ---------- Replies: one level ----------


def test_a_member_replies_to_a_comment(alice: User, bob: User, paper: Paper) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")

    answer = do_post_comment(bob, paper, "Yes, linked above.", parent=question)

    assert answer.parent == question


def test_a_reply_to_a_reply_joins_the_same_thread(alice: User, bob: User, paper: Paper) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")
    answer = do_post_comment(bob, paper, "Yes.", parent=question)

    follow_up = do_post_comment(alice, paper, "@bob thanks!", parent=answer)

    assert follow_up.parent == question


def test_a_reply_must_be_on_the_same_paper(alice: User, bob: User, paper: Paper) -> None:
    elsewhere = do_post_comment(alice, make_paper("2502.09999"), "Elsewhere")

    with pytest.raises(CommentError, match="same paper"):
        do_post_comment(bob, paper, "Reply", parent=elsewhere)
    assert Comment.objects.count() == 1


def test_a_deleted_comment_without_replies_takes_no_reply(
    alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")
    do_delete_comment(alice, question)

    with pytest.raises(CommentError, match="no longer there"):
        do_post_comment(bob, paper, "Reply", parent=question)


def test_a_deleted_comment_whose_replies_show_still_takes_replies(
    alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")
    answer = do_post_comment(bob, paper, "Yes.", parent=question)
    do_delete_comment(alice, question)

    more = do_post_comment(alice, paper, "Thanks.", parent=answer)

    assert more.parent == question


def test_a_hidden_reply_takes_no_reply(alice: User, bob: User, paper: Paper) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")
    rude = do_post_comment(bob, paper, "Rude words.", parent=question)
    do_set_comments_hidden(Comment.objects.filter(pk=rude.pk), True)
    rude.refresh_from_db()

    with pytest.raises(CommentError, match="no longer there"):
        do_post_comment(alice, paper, "Reply", parent=rude)


def test_a_comment_by_a_banned_member_takes_no_reply(
    alice: User, mallory: User, paper: Paper
) -> None:
    spam = do_post_comment(mallory, paper, "Buy now")
    ban(mallory)
    spam = Comment.objects.select_related("author__profile").get(pk=spam.pk)

    with pytest.raises(CommentError, match="no longer there"):
        do_post_comment(alice, paper, "Reply", parent=spam)


# ---------- Editing ----------


def test_the_author_edits_their_comment(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Teh results")

    do_edit_comment(alice, comment, "The *results*")

    comment.refresh_from_db()
    assert comment.body == "The *results*"
    assert comment.body_html == "<p>The <em>results</em></p>\n"
    assert comment.edited_at is not None


def test_saving_the_same_text_is_not_an_edit(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Same")

    do_edit_comment(alice, comment, "Same\n")

    comment.refresh_from_db()
    assert comment.edited_at is None


def test_nobody_edits_someone_elses_comment(alice: User, bob: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Mine")

    with pytest.raises(NotAllowed, match="only edit your own"):
        do_edit_comment(bob, comment, "Yours now")
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_staff_do_not_edit_members_comments_on_the_site(
    alice: User, sam: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Mine")

    with pytest.raises(NotAllowed):
        do_edit_comment(sam, comment, "Moderated")


def test_an_edit_follows_the_same_rules_as_a_post(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Mine")

    with pytest.raises(CommentError, match="empty"):
        do_edit_comment(alice, comment, "  ")
    with pytest.raises(CommentError, match="at most"):
        do_edit_comment(alice, comment, "x" * 10_001)
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_a_deleted_comment_cannot_be_edited(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Mine")
    do_delete_comment(alice, comment)

    with pytest.raises(CommentError, match="deleted"):
        do_edit_comment(alice, comment, "Back")


def test_a_hidden_comment_cannot_be_edited(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Mine")
    do_set_comments_hidden(Comment.objects.all(), True)
    comment.refresh_from_db()

    with pytest.raises(NotAllowed, match="moderator hid"):
        do_edit_comment(alice, comment, "Sneaky")


def test_an_edit_renders_mentions_again(alice: User, bob: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Thanks")

    do_edit_comment(alice, comment, "Thanks @bob")

    assert 'href="/u/bob"' in comment.body_html


# ---------- Deleting ----------


def test_the_author_deletes_their_comment(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Oops")

    do_delete_comment(alice, comment)

    comment.refresh_from_db()
    assert comment.deleted_at is not None


def test_nobody_deletes_someone_elses_comment(alice: User, bob: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Mine")

    with pytest.raises(NotAllowed, match="only delete your own"):
        do_delete_comment(bob, comment)
    comment.refresh_from_db()
    assert comment.deleted_at is None


def test_a_comment_is_deleted_once(alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Oops")
    do_delete_comment(alice, comment)
    deleted_at = Comment.objects.get().deleted_at

    with pytest.raises(CommentError, match="already deleted"):
        do_delete_comment(alice, comment)
    assert Comment.objects.get().deleted_at == deleted_at


def test_a_member_whose_address_is_unverified_may_still_delete_their_words(
    alice: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Oops")
    alice.profile.email_verified_at = None
    alice.profile.save()

    do_delete_comment(alice, comment)

    assert Comment.objects.get().deleted_at is not None


# ---------- Moderation ----------


def test_staff_hide_and_unhide_comments(alice: User, paper: Paper) -> None:
    do_post_comment(alice, paper, "One")
    do_post_comment(alice, paper, "Two")

    assert do_set_comments_hidden(Comment.objects.all(), True) == 2
    assert do_set_comments_hidden(Comment.objects.all(), True) == 0
    assert do_set_comments_hidden(Comment.objects.filter(body="One"), False) == 1
    assert list(Comment.objects.filter(hidden=True).values_list("body", flat=True)) == ["Two"]


def test_staff_post_like_any_member(sam: User, paper: Paper) -> None:
    assert do_post_comment(sam, paper, "Welcome!").author == sam


def test_every_member_has_their_own_comments(paper: Paper) -> None:
    carol = make_user("carol")
    dave = make_user("dave")

    do_post_comment(carol, paper, "Same words")
    do_post_comment(dave, paper, "Same words")

    assert Comment.objects.count() == 2

"""The discussion on the paper page: what visitors, members and staff see."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from paperwire.discussion.models import Comment
from paperwire.discussion.services import (
    do_delete_comment,
    do_edit_comment,
    do_post_comment,
    do_set_comments_hidden,
)
from paperwire.discussion.thread import thread_of
from paperwire.papers.models import Paper
from tests.personas import ban, logged_in, make_user

pytestmark = pytest.mark.django_db

PAGE = "/papers/2502.08025"


def discussion(html: str) -> str:
    """The discussion section of a page."""
    match = re.search(r'<section class="discussion".*?</section>', html, re.S)
    assert match, "no discussion on the page"
    return match.group()


def shown_to(client: Client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return discussion(response.content.decode())


def comment_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="comment[^"]*" id="comment-(\d+)"', html)]


# ---------- Empty, visitors, members who cannot post ----------


def test_a_paper_without_comments_invites_the_first(client: Client, paper: Paper) -> None:
    html = shown_to(client)

    assert 'id="discussion"' in html
    assert "No comments yet. Start the discussion." in html
    assert '<span class="discussion__count" data-comment-count>0' in html


def test_visitors_are_invited_to_log_in_and_see_no_form(client: Client, paper: Paper) -> None:
    html = shown_to(client)

    assert "Log in to join the discussion" in html
    assert "?next=/papers/2502.08025%23discussion" in html
    assert "<textarea" not in html


def test_a_member_with_an_unverified_email_is_told_why_they_cannot_post(
    client: Client, nora: User, paper: Paper
) -> None:
    html = shown_to(logged_in(client, nora))

    assert "Verify your email address first" in html
    assert "<textarea" not in html


def test_a_verified_member_gets_the_comment_form(client: Client, alice: User, paper: Paper) -> None:
    html = shown_to(logged_in(client, alice))

    assert 'action="/comments/on/2502.08025"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Post comment" in html


# ---------- Comments and replies ----------


def test_comments_show_oldest_first_with_their_replies_beneath(
    client: Client, alice: User, bob: User, paper: Paper
) -> None:
    first = do_post_comment(alice, paper, "First question")
    second = do_post_comment(bob, paper, "Second thought")
    answer = do_post_comment(bob, paper, "An answer", parent=first)

    html = shown_to(client)

    assert comment_ids(html) == [first.pk, answer.pk, second.pk]
    assert '<span class="discussion__count" data-comment-count>3' in html
    replies = html.split('<ol class="comments comments--replies"', 1)[1].split("</ol>", 1)[0]
    assert f'id="comment-{answer.pk}"' in replies


def test_a_comment_shows_its_author_time_and_safe_html(
    client: Client, alice: User, paper: Paper
) -> None:
    do_post_comment(alice, paper, "Look: <script>alert(1)</script> **bold**")

    html = shown_to(client)

    assert "Alice Liddell" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <strong>bold</strong>" in html
    assert "<script>alert" not in html
    assert "<time datetime=" in html
    assert "now" in html


def test_the_author_name_links_to_the_profile(client: Client, alice: User, paper: Paper) -> None:
    do_post_comment(alice, paper, "Hi")

    assert '<a class="comment__author" href="/u/alice">Alice Liddell</a>' in shown_to(client)


def test_an_author_name_is_escaped(client: Client, paper: Paper) -> None:
    eve = make_user("eve", fullname="<img src=x onerror=alert(1)>")
    do_post_comment(eve, paper, "Hi")

    html = shown_to(client)

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_edited_comment_says_so(client: Client, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Teh")
    do_edit_comment(alice, comment, "The")

    assert '<span class="comment__edited"' in shown_to(client)


def test_relative_times_read_naturally(client: Client, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Old news")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=3))

    assert "3\xa0hours ago" in shown_to(client)


# ---------- Forms for members ----------


def test_members_can_reply_to_any_comment(
    client: Client, alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Q")
    answer = do_post_comment(bob, paper, "A", parent=question)

    html = shown_to(logged_in(client, alice))

    assert f'action="/comments/{question.pk}/reply"' in html
    assert f'action="/comments/{answer.pk}/reply"' in html
    # Replying to a reply starts with the name of the person answered.
    assert ">@bob </textarea>" in html


def test_only_the_author_sees_edit_and_delete(
    client: Client, alice: User, bob: User, paper: Paper
) -> None:
    mine = do_post_comment(alice, paper, "Mine")
    theirs = do_post_comment(bob, paper, "Theirs")

    html = shown_to(logged_in(client, alice))

    assert f'action="/comments/{mine.pk}/edit"' in html
    assert f'action="/comments/{mine.pk}/delete"' in html
    assert f'action="/comments/{theirs.pk}/edit"' not in html
    assert f'action="/comments/{theirs.pk}/delete"' not in html
    assert ">Mine</textarea>" in html


def test_visitors_see_comments_but_no_actions(client: Client, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Hi")

    html = shown_to(client)

    assert f'id="comment-{comment.pk}"' in html
    assert "/reply" not in html
    assert "/edit" not in html


def test_staff_get_a_link_to_moderate(client: Client, alice: User, sam: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Hi")

    html = shown_to(logged_in(client, sam))

    assert f'href="/admin/discussion/comment/{comment.pk}/change/"' in html


# ---------- What the public never sees ----------


def test_a_deleted_comment_without_replies_disappears(
    client: Client, alice: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Regrettable")
    do_delete_comment(alice, comment)

    html = shown_to(client)

    assert "Regrettable" not in html
    assert "[deleted]" not in html
    assert "No comments yet" in html


def test_a_deleted_comment_with_replies_leaves_a_placeholder(
    client: Client, alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Regrettable")
    do_post_comment(bob, paper, "A good answer", parent=question)
    do_delete_comment(alice, question)

    html = shown_to(client)

    assert "[deleted]" in html
    assert "Regrettable" not in html
    assert "Alice Liddell" not in html
    assert "A good answer" in html
    assert '<span class="discussion__count" data-comment-count>1' in html


def test_a_hidden_comment_never_shows(client: Client, alice: User, paper: Paper) -> None:
    do_post_comment(alice, paper, "Spam spam spam")
    do_set_comments_hidden(Comment.objects.all(), True)

    html = shown_to(client)

    assert "Spam spam spam" not in html
    assert "No comments yet" in html


def test_a_hidden_comment_with_replies_is_replaced_by_a_note(
    client: Client, alice: User, bob: User, paper: Paper
) -> None:
    rude = do_post_comment(alice, paper, "Rude words")
    do_post_comment(bob, paper, "Please be kind", parent=rude)
    do_set_comments_hidden(Comment.objects.filter(pk=rude.pk), True)

    html = shown_to(client)

    assert "Rude words" not in html
    assert "[removed by a moderator]" in html
    assert "Please be kind" in html


def test_a_hidden_comment_is_hidden_from_its_author_too(
    client: Client, alice: User, paper: Paper
) -> None:
    do_post_comment(alice, paper, "Spam")
    do_set_comments_hidden(Comment.objects.all(), True)

    assert "Spam" not in shown_to(logged_in(client, alice))


def test_comments_of_a_banned_member_leave_the_page(
    client: Client, alice: User, mallory: User, paper: Paper
) -> None:
    spam = do_post_comment(mallory, paper, "Buy followers")
    do_post_comment(mallory, paper, "Reply spam", parent=do_post_comment(alice, paper, "Real"))
    do_post_comment(alice, paper, "Answering spam", parent=spam)
    ban(mallory)

    html = shown_to(client)

    assert "Buy followers" not in html
    assert "Reply spam" not in html
    assert "Mallory" not in html
    assert "Real" in html
    assert "Answering spam" in html
    assert '<span class="discussion__count" data-comment-count>2' in html


def test_lifting_a_ban_brings_the_comments_back(
    client: Client, mallory: User, paper: Paper
) -> None:
    do_post_comment(mallory, paper, "Was it me?")
    ban(mallory)
    mallory.profile.banned_at = None
    mallory.profile.save()

    assert "Was it me?" in shown_to(client)


# ---------- Cost ----------


def test_the_thread_costs_one_query_however_long(
    alice: User, bob: User, paper: Paper, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(12):
        top = do_post_comment(alice if n % 2 else bob, paper, f"Comment {n}")
        do_post_comment(bob, paper, f"Reply {n}", parent=top)

    with django_assert_num_queries(1):
        thread = thread_of(paper)

    assert thread.count == 24
    assert len(thread.entries) == 12


def test_the_paper_page_costs_the_same_with_many_comments(
    client: Client, alice: User, bob: User, paper: Paper
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    logged_in(client, alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    do_post_comment(alice, paper, "One")
    few = queries()
    for n in range(10):
        top = do_post_comment(bob, paper, f"Comment {n}")
        do_post_comment(alice, paper, f"Reply {n} @bob", parent=top)

    assert queries() == few

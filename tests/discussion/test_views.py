"""The discussion's forms: post, reply, edit and delete, as a browser sends them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from paperwire.discussion.models import Comment
from paperwire.discussion.services import do_delete_comment, do_post_comment
from paperwire.papers.models import Paper
from tests.personas import CsrfClient, ban, logged_in

pytestmark = pytest.mark.django_db

POST = "/comments/on/2502.08025"


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---------- Posting ----------


def test_a_member_posts_a_comment_and_lands_on_it(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(POST, {"body": "Is the code out?"})

    comment = Comment.objects.get()
    assert comment.author == alice
    assert comment.body == "Is the code out?"
    assert response.status_code == 302
    assert response["Location"] == f"/papers/2502.08025#comment-{comment.pk}"


def test_the_paper_page_then_says_it_is_posted_and_shows_it(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(POST, {"body": "Is the code out?"}, follow=True)

    assert "Your comment is posted." in messages_of(response)
    assert "Is the code out?" in response.content.decode()


def test_posting_requires_login(csrf_client: CsrfClient, paper: Paper) -> None:
    response = csrf_client.post_form(POST, {"body": "Hello"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={POST}"
    assert not Comment.objects.exists()


def test_posting_requires_a_csrf_token(csrf_client: CsrfClient, alice: User, paper: Paper) -> None:
    logged_in(csrf_client, alice)

    response = csrf_client.post(POST, {"body": "Hello"})

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_an_empty_comment_comes_back_with_the_reason(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(POST, {"body": "   "})

    assert response.status_code == 400
    assert "Write something first: the comment is empty." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_too_long_comment_comes_back_with_its_text(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)
    text = "Long <b>words</b> " * 600

    response = csrf_client.post_form(POST, {"body": text})

    html = response.content.decode()
    assert response.status_code == 400
    assert "at most 10,000 characters" in html
    assert "Long &lt;b&gt;words&lt;/b&gt; Long" in html
    assert 'action="/comments/on/2502.08025"' in html
    assert not Comment.objects.exists()


def test_an_unverified_member_is_told_why_and_nothing_is_posted(
    csrf_client: CsrfClient, nora: User, paper: Paper
) -> None:
    logged_in(csrf_client, nora)

    response = csrf_client.post_form(POST, {"body": "Hello"})

    assert response.status_code == 403
    assert "Verify your email address first" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_comment_on_an_unknown_paper_is_not_found(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)

    response = csrf_client.post_form("/comments/on/2502.00001", {"body": "Hello"})

    assert response.status_code == 404


def test_an_old_style_arxiv_id_works(csrf_client: CsrfClient, alice: User) -> None:
    from tests.builders import make_paper

    make_paper("hep-th/9901001")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form("/comments/on/hep-th/9901001", {"body": "Classic"})

    assert response["Location"].startswith("/papers/hep-th/9901001#comment-")


def test_opening_the_post_address_goes_to_the_discussion(
    client: Client, alice: User, paper: Paper
) -> None:
    response = logged_in(client, alice).get(POST)

    assert response["Location"] == "/papers/2502.08025#discussion"


# ---------- Replying ----------


def test_a_member_replies(csrf_client: CsrfClient, alice: User, bob: User, paper: Paper) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")
    logged_in(csrf_client, bob)

    response = csrf_client.post_form(f"/comments/{question.pk}/reply", {"body": "Yes."})

    answer = Comment.objects.get(parent=question)
    assert answer.author == bob
    assert response["Location"] == f"/papers/2502.08025#comment-{answer.pk}"


def test_a_reply_to_a_reply_lands_in_the_same_thread(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")
    answer = do_post_comment(bob, paper, "Yes.", parent=question)
    logged_in(csrf_client, alice)

    csrf_client.post_form(f"/comments/{answer.pk}/reply", {"body": "@bob thanks"})

    assert Comment.objects.get(body="@bob thanks").parent == question


def test_a_reply_to_a_vanished_comment_is_refused_with_the_text_kept(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Is the code out?")
    do_delete_comment(alice, question)
    logged_in(csrf_client, bob)

    response = csrf_client.post_form(f"/comments/{question.pk}/reply", {"body": "Too late"})

    assert response.status_code == 400
    assert "no longer there" in response.content.decode()
    assert ">Too late</textarea>" in response.content.decode()
    assert "Is the code out?" not in response.content.decode()
    assert Comment.objects.count() == 1


def test_replying_requires_login_and_a_token(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Q")

    assert csrf_client.post_form(f"/comments/{question.pk}/reply", {"body": "A"}).status_code == 302
    logged_in(csrf_client, bob)
    assert csrf_client.post(f"/comments/{question.pk}/reply", {"body": "A"}).status_code == 403
    assert Comment.objects.count() == 1


# ---------- Editing ----------


def test_the_author_edits_a_comment(csrf_client: CsrfClient, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Teh")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(f"/comments/{comment.pk}/edit", {"body": "The"}, follow=True)

    comment.refresh_from_db()
    assert comment.body == "The"
    assert comment.edited_at is not None
    assert "Your comment is updated." in messages_of(response)


def test_nobody_edits_someone_elses_comment(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Mine")
    logged_in(csrf_client, bob)

    response = csrf_client.post_form(f"/comments/{comment.pk}/edit", {"body": "Yours"})

    assert response.status_code == 403
    assert "You can only edit your own comments." in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_an_edit_to_nothing_comes_back_and_changes_nothing(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Mine")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(f"/comments/{comment.pk}/edit", {"body": ""})

    assert response.status_code == 400
    assert "the comment is empty" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Mine"
    assert comment.edited_at is None


def test_the_edit_form_has_a_page_of_its_own(
    client: Client, alice: User, bob: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Mine & yours")

    own = logged_in(client, alice).get(f"/comments/{comment.pk}/edit")
    assert own.status_code == 200
    assert ">Mine &amp; yours</textarea>" in own.content.decode()

    other = logged_in(client, bob).get(f"/comments/{comment.pk}/edit", follow=True)
    assert "You can only edit your own comments." in messages_of(other)


def test_editing_requires_a_csrf_token(csrf_client: CsrfClient, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Mine")
    logged_in(csrf_client, alice)

    assert csrf_client.post(f"/comments/{comment.pk}/edit", {"body": "X"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine"


# ---------- Deleting ----------


def test_the_author_deletes_a_comment(csrf_client: CsrfClient, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Oops")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(f"/comments/{comment.pk}/delete", follow=True)

    assert Comment.objects.get().deleted_at is not None
    assert "Your comment is deleted." in messages_of(response)
    assert "Oops" not in response.content.decode()


def test_deleting_a_reply_goes_back_to_its_thread(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(alice, paper, "Q")
    answer = do_post_comment(bob, paper, "A", parent=question)
    logged_in(csrf_client, bob)

    response = csrf_client.post_form(f"/comments/{answer.pk}/delete")

    assert response["Location"] == f"/papers/2502.08025#comment-{question.pk}"


def test_nobody_deletes_someone_elses_comment(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Mine")
    logged_in(csrf_client, bob)

    response = csrf_client.post_form(f"/comments/{comment.pk}/delete")

    assert response.status_code == 403
    assert "You can only delete your own comments." in response.content.decode()
    assert Comment.objects.get().deleted_at is None


def test_deleting_asks_first_on_a_page_of_its_own(
    client: Client, alice: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Oops")

    response = logged_in(client, alice).get(f"/comments/{comment.pk}/delete")

    assert response.status_code == 200
    assert "Delete your comment?" in response.content.decode()
    assert Comment.objects.get().deleted_at is None


def test_deleting_requires_login_and_a_token(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Mine")

    assert csrf_client.post_form(f"/comments/{comment.pk}/delete").status_code == 302
    logged_in(csrf_client, alice)
    assert csrf_client.post(f"/comments/{comment.pk}/delete").status_code == 403
    assert Comment.objects.get().deleted_at is None


# ---------- Rate limits ----------


def test_an_eleventh_post_in_a_minute_is_refused(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)
    for n in range(10):
        assert csrf_client.post_form(POST, {"body": f"Comment {n}"}).status_code == 302

    response = csrf_client.post_form(POST, {"body": "One too many"})

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert Comment.objects.count() == 10


def test_replies_count_towards_the_same_limit(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    question = do_post_comment(bob, paper, "Q")
    logged_in(csrf_client, alice)
    for n in range(10):
        csrf_client.post_form(POST, {"body": f"Comment {n}"})

    response = csrf_client.post_form(f"/comments/{question.pk}/reply", {"body": "Reply"})

    assert response.status_code == 429
    assert not Comment.objects.filter(parent=question).exists()


def test_each_member_has_their_own_limit(
    csrf_client: CsrfClient, alice: User, bob: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)
    for n in range(11):
        csrf_client.post_form(POST, {"body": f"Comment {n}"})

    logged_in(csrf_client, bob)
    assert csrf_client.post_form(POST, {"body": "Mine"}).status_code == 302


def test_a_banned_member_is_logged_out_and_posts_nothing(
    csrf_client: CsrfClient, mallory: User, paper: Paper
) -> None:
    logged_in(csrf_client, mallory)
    ban(mallory)

    response = csrf_client.post_form(POST, {"body": "Still here?"})

    assert response.status_code == 302
    assert not Comment.objects.exists()

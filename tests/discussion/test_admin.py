"""Moderating comments in the admin: Sam (staff) finds, hides and unhides them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.discussion.models import Comment
from paperwire.discussion.services import do_delete_comment, do_post_comment
from paperwire.papers.models import Paper
from tests.personas import logged_in

pytestmark = pytest.mark.django_db

LIST = "/admin/discussion/comment/"


@pytest.fixture
def staff(client: Client, sam: User) -> Client:
    return logged_in(client, sam)


def test_staff_list_comments(staff: Client, alice: User, paper: Paper) -> None:
    do_post_comment(alice, paper, "Visible words")

    response = staff.get(LIST)

    assert response.status_code == 200
    assert "Visible words" in response.content.decode()


def test_staff_filter_hidden_and_deleted_comments(staff: Client, alice: User, paper: Paper) -> None:
    do_post_comment(alice, paper, "Kept words")
    do_delete_comment(alice, do_post_comment(alice, paper, "Deleted words"))

    deleted = staff.get(LIST, {"deleted": "yes"}).content.decode()
    hidden = staff.get(LIST, {"hidden__exact": "1"}).content.decode()

    assert "Deleted words" in deleted
    assert "Kept words" not in deleted
    assert "Kept words" not in hidden


def test_staff_search_comments(staff: Client, alice: User, paper: Paper) -> None:
    do_post_comment(alice, paper, "About transformers")
    do_post_comment(alice, paper, "About kernels")

    html = staff.get(LIST, {"q": "kernels"}).content.decode()

    assert "About kernels" in html
    assert "About transformers" not in html


def test_staff_hide_and_unhide_selected_comments(staff: Client, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Spam")

    staff.post(LIST, {"action": "hide", "_selected_action": [comment.pk]})
    assert Comment.objects.get().hidden

    staff.post(LIST, {"action": "unhide", "_selected_action": [comment.pk]})
    assert not Comment.objects.get().hidden


def test_a_comment_opens_with_its_text_as_shown(staff: Client, alice: User, paper: Paper) -> None:
    comment = do_post_comment(alice, paper, "Some **bold** claim")

    html = staff.get(f"{LIST}{comment.pk}/change/").content.decode()

    assert "<strong>bold</strong>" in html


def test_text_staff_change_is_rendered_and_sanitized_again(
    staff: Client, alice: User, paper: Paper
) -> None:
    comment = do_post_comment(alice, paper, "Original")

    staff.post(
        f"{LIST}{comment.pk}/change/",
        {
            "body": "Edited <script>x</script> *text*",
            "hidden": "",
            "deleted_at_0": "",
            "deleted_at_1": "",
        },
    )

    comment.refresh_from_db()
    assert comment.body == "Edited <script>x</script> *text*"
    assert comment.body_html == "<p>Edited &lt;script&gt;x&lt;/script&gt; <em>text</em></p>\n"


def test_comments_are_not_added_in_the_admin(staff: Client) -> None:
    assert staff.get(f"{LIST}add/").status_code == 403


def test_members_cannot_open_the_admin(client: Client, alice: User) -> None:
    response = logged_in(client, alice).get(LIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

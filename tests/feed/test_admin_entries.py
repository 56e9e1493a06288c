"""The feed's admin: Sam (staff) hides and shows entries and looks at votes and scores."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from paperwire.feed.days import today
from paperwire.feed.models import DailyEntry, TrendingScore, Upvote
from paperwire.feed.services import do_set_upvote
from paperwire.feed.trending import refresh_scores
from paperwire.papers.models import Paper
from tests.builders import make_paper, put_on_feed
from tests.personas import CsrfClient, logged_in

pytestmark = pytest.mark.django_db

ENTRIES = "/admin/feed/dailyentry/"


@pytest.fixture
def paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention", published_at=timezone.now())


def act(client: CsrfClient, action: str, entries: list[DailyEntry]):  # type: ignore[no-untyped-def]
    return client.post_form(
        ENTRIES, {"action": action, "_selected_action": [str(e.pk) for e in entries]}
    )


def test_staff_hide_an_entry_and_it_leaves_the_day_page(
    csrf_client: CsrfClient, sam: User, paper: Paper
) -> None:
    entry = put_on_feed(paper, today(), submitter="bob")
    logged_in(csrf_client, sam)

    response = act(csrf_client, "hide", [entry])

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.hidden
    assert "Hid 1 entry." in csrf_client.get(response["Location"]).content.decode()
    day_page = csrf_client.get(f"/papers/date/{today().isoformat()}").content.decode()
    assert "Sparse Attention" not in day_page


def test_staff_show_a_hidden_entry_again(csrf_client: CsrfClient, sam: User, paper: Paper) -> None:
    entry = put_on_feed(paper, today(), hidden=True)

    act(logged_in(csrf_client, sam), "show", [entry])

    entry.refresh_from_db()
    assert not entry.hidden


def test_hiding_an_entry_takes_its_paper_off_trending(
    csrf_client: CsrfClient,
    sam: User,
    alice: User,
    paper: Paper,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    entry = put_on_feed(paper, today(), after=timedelta(0))
    with django_capture_on_commit_callbacks(execute=True):
        do_set_upvote(alice, paper, True)
    assert TrendingScore.objects.filter(paper=paper).exists()

    with django_capture_on_commit_callbacks(execute=True):
        act(logged_in(csrf_client, sam), "hide", [entry])

    assert not TrendingScore.objects.filter(paper=paper).exists()


def test_the_entry_list_shows_who_submitted_and_filters_by_it(
    admin_client: Client, alice: User, paper: Paper
) -> None:
    put_on_feed(paper, today(), submitter="alice", submitted_by=alice)
    put_on_feed(make_paper("2502.08021", "Imported Paper"), today(), submitter="akhaliq")

    local = admin_client.get(ENTRIES, {"submitted_by__isempty": "0"}).content.decode()

    assert "Sparse Attention" in local and "Imported Paper" not in local


def test_an_entry_opens_with_the_submitter_as_a_raw_id(
    admin_client: Client, alice: User, paper: Paper
) -> None:
    entry = put_on_feed(paper, today(), submitted_by=alice)

    html = admin_client.get(f"{ENTRIES}{entry.pk}/change/").content.decode()

    assert 'name="submitted_by"' in html and "vForeignKeyRawIdAdminField" in html


def test_votes_can_be_searched_but_not_changed(
    admin_client: Client, alice: User, paper: Paper
) -> None:
    do_set_upvote(alice, paper, True)
    vote = Upvote.objects.get()

    listing = admin_client.get("/admin/feed/upvote/", {"q": "alice"}).content.decode()

    assert "2502.08025" in listing
    assert admin_client.get("/admin/feed/upvote/add/").status_code == 403
    assert admin_client.get(f"/admin/feed/upvote/{vote.pk}/delete/").status_code == 403
    assert (
        'name="user"'
        not in admin_client.get(f"/admin/feed/upvote/{vote.pk}/change/").content.decode()
    )


def test_trending_scores_are_read_only(admin_client: Client, alice: User, paper: Paper) -> None:
    put_on_feed(paper, today(), after=timedelta(0))
    do_set_upvote(alice, paper, True)
    refresh_scores()

    listing = admin_client.get("/admin/feed/trendingscore/")

    assert listing.status_code == 200 and "2502.08025" in listing.content.decode()
    assert admin_client.get("/admin/feed/trendingscore/add/").status_code == 403


def test_members_cannot_open_the_admin(client: Client, alice: User) -> None:
    response = logged_in(client, alice).get(ENTRIES)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]

"""Upvoting: Alice and Bob (verified) vote, Nora (unverified) may not, visitors log in first."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from paperwire.discussion.services import do_post_comment
from paperwire.feed.days import today
from paperwire.feed.models import TrendingScore, Upvote
from paperwire.feed.services import do_set_upvote
from paperwire.papers.models import Paper
from tests.builders import make_paper, put_on_feed
from tests.personas import CsrfClient, logged_in

pytestmark = pytest.mark.django_db

UPVOTE = "/papers/2502.08025/upvote"
JSON = {"HTTP_ACCEPT": "application/json"}
ON = {"vote": "on"}


@pytest.fixture
def paper() -> Paper:
    # Imported with 41 upvotes from another hub: votes here count on top of them.
    paper = make_paper("2502.08025", "Sparse Attention", upvotes=41)
    put_on_feed(paper, today())
    return paper


def stored_count(paper: Paper) -> int:
    return Paper.objects.values_list("upvotes", flat=True).get(pk=paper.pk)


def assert_counts_match_votes(paper: Paper, base: int = 41) -> None:
    assert stored_count(paper) == base + Upvote.objects.filter(paper=paper).count()


# --- The service ------------------------------------------------------------


def test_a_vote_adds_one_and_taking_it_back_takes_one_both_idempotent(
    alice: User, paper: Paper
) -> None:
    assert do_set_upvote(alice, paper, True) == (True, 42)
    assert do_set_upvote(alice, paper, True) == (True, 42)
    assert Upvote.objects.filter(user=alice, paper=paper).count() == 1

    assert do_set_upvote(alice, paper, False) == (False, 41)
    assert do_set_upvote(alice, paper, False) == (False, 41)
    assert not Upvote.objects.exists()


def test_the_count_is_the_base_plus_the_votes_cast_here(
    alice: User, bob: User, paper: Paper
) -> None:
    do_set_upvote(alice, paper, True)
    do_set_upvote(bob, paper, True)
    do_set_upvote(alice, paper, False)

    assert stored_count(paper) == 42
    assert_counts_match_votes(paper)


def test_a_vote_refreshes_the_trending_score_after_commit(
    alice: User, paper: Paper, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        do_set_upvote(alice, paper, True)

    assert len(callbacks) == 1
    assert TrendingScore.objects.filter(paper=paper).exists()


def test_an_unverified_member_cannot_vote(nora: User, paper: Paper) -> None:
    with pytest.raises(Exception, match="Verify your email address first"):
        do_set_upvote(nora, paper, True)
    assert_counts_match_votes(paper, base=41)
    assert stored_count(paper) == 41


# --- Without JavaScript ------------------------------------------------------


def test_the_form_toggles_the_vote_and_goes_back_to_the_page(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)
    back = f"/papers/date/{today().isoformat()}#card-{paper.pk}"

    response = csrf_client.post_form(UPVOTE, {"next": back, "vote": "on"})

    assert response.status_code == 302 and response["Location"] == back
    assert stored_count(paper) == 42
    html = csrf_client.get(f"/papers/date/{today().isoformat()}").content.decode()
    assert 'aria-pressed="true"' in html


def test_it_goes_back_to_the_paper_when_next_is_another_site(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    response = logged_in(csrf_client, alice).post_form(
        UPVOTE, {"next": "https://evil.example/phish"}
    )

    assert response["Location"] == "/papers/2502.08025"


def test_a_visitor_is_sent_to_log_in_and_back(csrf_client: CsrfClient, paper: Paper) -> None:
    response = csrf_client.post_form(UPVOTE, {"next": "/papers", "vote": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/papers"
    assert not Upvote.objects.exists()


def test_a_visitor_sees_a_link_to_log_in_instead_of_a_form(client: Client, paper: Paper) -> None:
    html = client.get("/papers/2502.08025").content.decode()

    assert f'href="{reverse("accounts:login")}?next=/papers/2502.08025"' in html
    assert 'action="/papers/2502.08025/upvote"' not in html


def test_an_unverified_member_is_told_why(
    csrf_client: CsrfClient, nora: User, paper: Paper
) -> None:
    response = logged_in(csrf_client, nora).post_form(
        UPVOTE, {"next": "/papers/2502.08025", "vote": "on"}
    )

    assert response.status_code == 302
    html = csrf_client.get(response["Location"]).content.decode()
    assert "Verify your email address first" in html
    assert stored_count(paper) == 41


def test_the_vote_needs_a_csrf_token(csrf_client: CsrfClient, alice: User, paper: Paper) -> None:
    response = logged_in(csrf_client, alice).post(UPVOTE)

    assert response.status_code == 403
    assert not Upvote.objects.exists()


def test_only_post_is_accepted(client: Client, alice: User, paper: Paper) -> None:
    assert logged_in(client, alice).get(UPVOTE).status_code == 405


def test_an_unknown_paper_is_not_found(csrf_client: CsrfClient, alice: User) -> None:
    response = logged_in(csrf_client, alice).post_form("/papers/2502.99999/upvote", ON)

    assert response.status_code == 404


def test_a_versioned_id_votes_for_the_paper(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice).post_form("/papers/2502.08025v2/upvote", ON)

    assert Upvote.objects.filter(user=alice, paper=paper).exists()


def test_votes_are_rate_limited(csrf_client: CsrfClient, alice: User, paper: Paper) -> None:
    logged_in(csrf_client, alice)
    statuses = [
        csrf_client.post_form(UPVOTE, {"vote": ["on", "off"][n % 2]}, **JSON).status_code
        for n in range(61)
    ]

    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    assert_counts_match_votes(paper)


# --- With JavaScript (JSON) -------------------------------------------------


def test_a_json_request_gets_the_new_state(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)

    first = csrf_client.post_form(UPVOTE, ON, **JSON)
    second = csrf_client.post_form(UPVOTE, {"vote": "off"}, **JSON)

    assert first.status_code == 200 and first.json() == {"voted": True, "upvotes": 42}
    assert second.json() == {"voted": False, "upvotes": 41}


def test_a_stale_page_that_does_not_say_which_way_changes_nothing(
    csrf_client: CsrfClient, alice: User, paper: Paper
) -> None:
    logged_in(csrf_client, alice)
    response = csrf_client.post_form(UPVOTE, **JSON)
    assert response.status_code == 400
    assert "reload the page" in response.json()["error"]
    assert not Upvote.objects.exists()


def test_a_json_request_from_a_visitor_gets_401(csrf_client: CsrfClient, paper: Paper) -> None:
    response = csrf_client.post_form(UPVOTE, ON, **JSON)

    assert response.status_code == 401
    assert response.json() == {"error": "Log in to upvote papers."}


def test_a_json_request_from_an_unverified_member_gets_the_reason(
    csrf_client: CsrfClient, nora: User, paper: Paper
) -> None:
    response = logged_in(csrf_client, nora).post_form(UPVOTE, ON, **JSON)

    assert response.status_code == 403
    assert "Verify your email address first" in response.json()["error"]


# --- The button --------------------------------------------------------------


def test_the_paper_page_shows_the_button_with_the_members_vote(
    client: Client, alice: User, paper: Paper
) -> None:
    logged_in(client, alice)
    html = client.get("/papers/2502.08025").content.decode()
    assert 'action="/papers/2502.08025/upvote"' in html
    assert 'aria-pressed="false"' in html and ">41<" in html

    do_set_upvote(alice, paper, True)

    html = client.get("/papers/2502.08025").content.decode()
    assert 'aria-pressed="true"' in html and ">42<" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_cards_show_each_papers_vote_state_in_one_query(
    client: Client, alice: User, paper: Paper
) -> None:
    others = [make_paper(f"2502.0802{n}", upvotes=n) for n in range(1, 5)]
    for other in others:
        put_on_feed(other, today())
    do_set_upvote(alice, others[0], True)
    do_set_upvote(alice, paper, True)
    logged_in(client, alice)
    url = f"/papers/date/{today().isoformat()}"

    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()

    assert html.count('aria-pressed="true"') == 2
    assert html.count('aria-pressed="false"') == 3
    assert sum("feed_upvote" in q["sql"] for q in queries.captured_queries) == 1


def test_cards_link_a_members_submission_to_their_profile(
    client: Client, alice: User, paper: Paper
) -> None:
    other = make_paper("2502.08021", published_at=timezone.now() - timedelta(days=1))
    put_on_feed(
        other, today(), submitter="alice", submitter_fullname="Alice Adams", submitted_by=alice
    )
    put_on_feed(make_paper("2502.08022"), today(), submitter="akhaliq")

    html = client.get(f"/papers/date/{today().isoformat()}").content.decode()

    profile = reverse("profiles:profile", args=["alice"])
    assert f'<a class="card__submitter" href="{profile}">Alice Adams</a>' in html
    assert "Submitted by akhaliq</li>" in html


def test_cards_link_to_the_discussion_with_its_comment_count(
    client: Client, alice: User, paper: Paper
) -> None:
    do_post_comment(alice, paper, "A first comment.")
    do_post_comment(alice, paper, "A second one.")

    html = client.get(f"/papers/date/{today().isoformat()}").content.decode()

    assert 'href="/papers/2502.08025#discussion"' in html
    assert '</svg> 2<span class="visually-hidden"> comments</span>' in html

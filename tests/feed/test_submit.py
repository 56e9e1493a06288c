"""/papers/submit: Alice (verified) submits, Nora (unverified) may not, Sam (staff) has no limit."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from paperwire.feed.days import today
from paperwire.feed.models import DailyEntry, Upvote
from paperwire.feed.services import SubmissionError, check_submission, do_submit
from paperwire.orgs.models import Membership, Organization
from paperwire.papers.models import Paper
from tests.builders import ATOM, arxiv_feed, make_organization, make_paper, put_on_feed
from tests.personas import CsrfClient, logged_in
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.django_db

SUBMIT = "/papers/submit"


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def recent_paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention", published_at=days_ago(2))


def submit(client: CsrfClient, text: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post_form(SUBMIT, {"paper": text, **data})


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- The page ---------------------------------------------------------------


def test_it_requires_login(client: Client) -> None:
    response = client.get(SUBMIT)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={SUBMIT}"


def test_it_explains_the_rules_with_the_configured_numbers(
    client: Client, alice: User, settings: Settings
) -> None:
    settings.SUBMISSIONS_PER_DAY = 5
    settings.SUBMISSION_MAX_AGE_DAYS = 10

    html = page_text(logged_in(client, alice).get(SUBMIT))

    assert "first published in the last <strong>10 days</strong>" in html
    assert "Up to <strong>5 papers a day</strong> per member." in html
    assert "You can submit <strong>5</strong> more papers today." in html
    assert 'name="paper"' in html and "arXiv id or URL" in html


def test_it_shows_how_many_submissions_are_left_today(client: Client, alice: User) -> None:
    for n in (1, 2):
        put_on_feed(make_paper(f"2502.0802{n}"), today(), submitted_by=alice)
    put_on_feed(make_paper("2502.08029"), today() - timedelta(days=1), submitted_by=alice)

    html = page_text(logged_in(client, alice).get(SUBMIT))

    assert "You can submit <strong>1</strong> more paper today." in html


def test_staff_see_that_they_have_no_limit(client: Client, sam: User) -> None:
    html = page_text(logged_in(client, sam).get(SUBMIT))

    assert "Staff can submit as many papers as they like." in html
    assert "more paper" not in html


def test_only_approved_organizations_of_the_member_are_offered(client: Client, alice: User) -> None:
    mine = Organization.objects.create(name="lab", fullname="Alice's Lab", approved=True)
    pending = Organization.objects.create(name="pending", fullname="Pending Lab")
    make_organization("other", "Someone Else's Lab")
    for org in (mine, pending):
        Membership.objects.create(organization=org, user=alice)

    html = page_text(logged_in(client, alice).get(SUBMIT))

    assert "Alice&#x27;s Lab" in html
    assert "Pending Lab" not in html and "Someone Else" not in html


def test_a_member_of_no_organization_is_not_asked_for_one(client: Client, alice: User) -> None:
    html = page_text(logged_in(client, alice).get(SUBMIT))

    assert 'name="organization"' not in html


def test_an_unverified_member_is_told_to_verify_first(client: Client, nora: User) -> None:
    html = page_text(logged_in(client, nora).get(SUBMIT))

    assert "Verify your email address first" in html
    assert 'name="paper"' not in html


# --- Submitting -------------------------------------------------------------


def test_a_member_puts_a_paper_on_todays_feed(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper
) -> None:
    response = submit(logged_in(csrf_client, alice), "2502.08025")

    assert response.status_code == 302
    assert response["Location"] == "/papers/2502.08025"
    entry = DailyEntry.objects.get(paper=recent_paper)
    assert entry.day == today()
    assert entry.submitted_by == alice
    assert (entry.submitter_name, entry.submitter_fullname) == ("alice", "Alice Liddell")
    assert entry.source == "local" and entry.organization is None and not entry.hidden
    html = page_text(csrf_client.get(response["Location"]))
    assert "“Sparse Attention” is on today&#x27;s feed." in html


def test_the_submitters_upvote_comes_with_the_submission(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper
) -> None:
    Paper.objects.filter(pk=recent_paper.pk).update(upvotes=7)

    submit(logged_in(csrf_client, alice), "2502.08025")

    assert Upvote.objects.filter(user=alice, paper=recent_paper).exists()
    assert Paper.objects.get(pk=recent_paper.pk).upvotes == 8


def test_an_earlier_upvote_by_the_submitter_is_not_counted_twice(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper
) -> None:
    Upvote.objects.create(user=alice, paper=recent_paper)
    Paper.objects.filter(pk=recent_paper.pk).update(upvotes=1)

    submit(logged_in(csrf_client, alice), "2502.08025")

    assert DailyEntry.objects.filter(paper=recent_paper).exists()
    assert Paper.objects.get(pk=recent_paper.pk).upvotes == 1


@pytest.mark.parametrize(
    "text",
    [
        "2502.08025",
        "arXiv:2502.08025v2",
        "  https://arxiv.org/abs/2502.08025  ",
        "https://arxiv.org/pdf/2502.08025v1",
        "arxiv.org/abs/2502.08025",
        "https://huggingface.co/papers/2502.08025",
    ],
)
def test_every_form_of_an_arxiv_id_is_accepted(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper, text: str
) -> None:
    response = submit(logged_in(csrf_client, alice), text)

    assert response.status_code == 302
    assert DailyEntry.objects.filter(paper=recent_paper, day=today()).exists()


def test_an_old_style_id_is_accepted(csrf_client: CsrfClient, alice: User) -> None:
    paper = make_paper("hep-th/9901001", published_at=days_ago(1))

    response = submit(logged_in(csrf_client, alice), "arXiv:hep-th/9901001v1")

    assert response["Location"] == "/papers/hep-th/9901001"
    assert DailyEntry.objects.filter(paper=paper).exists()


def test_text_that_is_not_an_arxiv_id_is_refused(csrf_client: CsrfClient, alice: User) -> None:
    response = submit(logged_in(csrf_client, alice), "my favourite paper")

    assert response.status_code == 200
    assert "is not an arXiv id or arXiv URL" in page_text(response)
    assert not DailyEntry.objects.exists()


def test_an_unverified_member_cannot_submit(
    csrf_client: CsrfClient, nora: User, recent_paper: Paper
) -> None:
    response = submit(logged_in(csrf_client, nora), "2502.08025")

    assert "Verify your email address first" in page_text(response)
    assert not DailyEntry.objects.exists()


def test_a_banned_member_cannot_submit(alice: User, recent_paper: Paper) -> None:
    alice.profile.banned_at = timezone.now()
    alice.profile.save()

    with pytest.raises(Exception, match="suspended"):
        do_submit(alice, "2502.08025")
    assert not DailyEntry.objects.exists()


def test_the_request_needs_a_csrf_token(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper
) -> None:
    response = logged_in(csrf_client, alice).post(SUBMIT, {"paper": "2502.08025"})

    assert response.status_code == 403
    assert not DailyEntry.objects.exists()


# --- The daily limit --------------------------------------------------------


def test_a_member_submits_at_most_three_papers_a_day(csrf_client: CsrfClient, alice: User) -> None:
    logged_in(csrf_client, alice)
    for n in range(1, 5):
        make_paper(f"2502.0802{n}", published_at=days_ago(1))
    for n in range(1, 4):
        assert submit(csrf_client, f"2502.0802{n}").status_code == 302

    response = submit(csrf_client, "2502.08024")

    html = page_text(response)
    assert "You have submitted 3 papers today, and members can submit 3 a day." in html
    assert "You can submit again tomorrow." in html
    assert DailyEntry.objects.filter(submitted_by=alice).count() == 3


def test_the_daily_limit_is_configurable(
    csrf_client: CsrfClient, alice: User, settings: Settings, recent_paper: Paper
) -> None:
    settings.SUBMISSIONS_PER_DAY = 1
    put_on_feed(make_paper("2502.08021"), today(), submitted_by=alice)

    response = submit(logged_in(csrf_client, alice), "2502.08025")

    assert "members can submit 1 a day" in page_text(response)
    assert not DailyEntry.objects.filter(paper=recent_paper).exists()


def test_yesterdays_submissions_do_not_count(alice: User, recent_paper: Paper) -> None:
    yesterday = today() - timedelta(days=1)
    for n in range(1, 4):
        put_on_feed(make_paper(f"2502.0802{n}"), yesterday, submitted_by=alice)

    entry = do_submit(alice, "2502.08025")

    assert entry.day == today()


def test_staff_are_not_limited(sam: User) -> None:
    for n in range(1, 6):
        make_paper(f"2502.0802{n}", published_at=days_ago(1))
        do_submit(sam, f"2502.0802{n}")

    assert DailyEntry.objects.filter(submitted_by=sam, day=today()).count() == 5


# --- Rules about the paper --------------------------------------------------


def test_a_paper_first_published_more_than_fourteen_days_ago_is_refused(
    csrf_client: CsrfClient, alice: User
) -> None:
    make_paper("2502.08025", published_at=days_ago(15))

    response = submit(logged_in(csrf_client, alice), "2502.08025")

    assert "Only papers first published in the last 14 days can be submitted" in page_text(response)
    assert not DailyEntry.objects.exists()


def test_a_paper_published_exactly_fourteen_days_ago_is_accepted(alice: User) -> None:
    make_paper("2502.08025", published_at=days_ago(14))

    assert do_submit(alice, "2502.08025").day == today()


def test_the_age_limit_is_configurable(alice: User, settings: Settings) -> None:
    settings.SUBMISSION_MAX_AGE_DAYS = 3
    make_paper("2502.08025", published_at=days_ago(4))

    with pytest.raises(SubmissionError, match="in the last 3 days"):
        check_submission(alice, "2502.08025")


def test_a_withdrawn_paper_is_refused(csrf_client: CsrfClient, alice: User) -> None:
    make_paper("2502.08025", published_at=days_ago(1), withdrawn_at=timezone.now())

    response = submit(logged_in(csrf_client, alice), "2502.08025")

    assert "2502.08025 was withdrawn from arXiv" in page_text(response)
    assert not DailyEntry.objects.exists()


def test_a_paper_arxiv_marks_withdrawn_in_its_comment_is_refused(alice: User) -> None:
    make_paper(
        "2502.08025",
        published_at=days_ago(1),
        comments="This paper has been withdrawn by the author due to an error in Lemma 2",
    )

    with pytest.raises(SubmissionError, match="withdrawn"):
        do_submit(alice, "2502.08025")


def test_a_paper_already_on_the_feed_is_refused_with_a_link_to_its_day(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper
) -> None:
    yesterday = today() - timedelta(days=1)
    put_on_feed(recent_paper, yesterday, submitter="akhaliq")

    response = submit(logged_in(csrf_client, alice), "2502.08025")

    html = page_text(response)
    assert "2502.08025 is already on the feed, on" in html
    assert f'href="/papers/date/{yesterday.isoformat()}"' in html
    assert DailyEntry.objects.count() == 1


def test_a_paper_staff_hid_from_the_feed_cannot_be_submitted_again(
    alice: User, recent_paper: Paper
) -> None:
    put_on_feed(recent_paper, today(), hidden=True)

    with pytest.raises(SubmissionError, match="already on the feed"):
        do_submit(alice, "2502.08025")


# --- Papers fetched from arXiv ----------------------------------------------


def test_an_unknown_paper_is_fetched_from_arxiv(
    csrf_client: CsrfClient, alice: User, arxiv: ReplayServer
) -> None:
    arxiv.queue(Reply(arxiv_feed("2511.01234", days_ago(3))))

    response = submit(logged_in(csrf_client, alice), "https://arxiv.org/abs/2511.01234v2")

    assert response["Location"] == "/papers/2511.01234"
    paper = Paper.objects.get(arxiv_id="2511.01234")
    assert paper.title == "A constructed entry"
    assert DailyEntry.objects.filter(paper=paper, submitted_by=alice).exists()
    assert arxiv.requests[0].query["id_list"] == ["2511.01234"]


def test_a_paper_arxiv_does_not_have_is_refused(
    csrf_client: CsrfClient, alice: User, arxiv: ReplayServer
) -> None:
    arxiv.queue(Reply((ATOM / "empty.xml").read_bytes()))

    response = submit(logged_in(csrf_client, alice), "2502.99999")

    assert "arXiv has no paper 2502.99999." in page_text(response)
    assert not Paper.objects.exists() and not DailyEntry.objects.exists()


def test_when_arxiv_cannot_be_reached_nothing_is_created(
    csrf_client: CsrfClient, alice: User, arxiv: ReplayServer
) -> None:
    arxiv.queue(Reply("busy", status=503))

    response = submit(logged_in(csrf_client, alice), "2511.01234", comment="A must read")

    assert response.status_code == 200
    assert "arXiv is slow to answer right now. Paperwire will fetch 2511.01234" in page_text(
        response
    )
    assert "Nothing was submitted yet." in page_text(response)
    assert not Paper.objects.exists()
    assert not DailyEntry.objects.exists() and not Upvote.objects.exists()


def test_a_fetched_paper_published_long_ago_is_stored_but_not_put_on_the_feed(
    alice: User, arxiv: ReplayServer
) -> None:
    arxiv.queue(Reply(arxiv_feed("2511.01234", days_ago(40))))

    with pytest.raises(SubmissionError, match="last 14 days"):
        do_submit(alice, "2511.01234")
    assert not DailyEntry.objects.exists()


def test_rules_that_need_no_arxiv_are_checked_before_asking_it(
    alice: User, arxiv: ReplayServer, settings: Settings
) -> None:
    settings.SUBMISSIONS_PER_DAY = 0

    with pytest.raises(SubmissionError, match="Only staff submit papers"):
        do_submit(alice, "2511.01234")
    assert arxiv.requests == []


# --- Organizations and comments ---------------------------------------------


def test_a_member_submits_for_their_organization(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper
) -> None:
    lab = Organization.objects.create(name="lab", fullname="Alice's Lab", approved=True)
    Membership.objects.create(organization=lab, user=alice)

    submit(logged_in(csrf_client, alice), "2502.08025", organization=lab.pk)

    assert DailyEntry.objects.get(paper=recent_paper).organization == lab


def test_an_organization_the_user_is_not_in_is_refused(alice: User, recent_paper: Paper) -> None:
    other = Organization.objects.create(name="other", fullname="Other Lab", approved=True)

    with pytest.raises(SubmissionError, match="one of its members"):
        do_submit(alice, "2502.08025", organization=other)
    assert not DailyEntry.objects.exists()


def test_an_organization_awaiting_approval_is_refused(alice: User, recent_paper: Paper) -> None:
    pending = Organization.objects.create(name="pending", fullname="Pending Lab")
    Membership.objects.create(organization=pending, user=alice)

    with pytest.raises(SubmissionError, match="approved"):
        do_submit(alice, "2502.08025", organization=pending)


def test_the_comment_starts_the_papers_discussion(
    csrf_client: CsrfClient, alice: User, recent_paper: Paper
) -> None:
    submit(logged_in(csrf_client, alice), "2502.08025", comment="Worth it for **section 3**.")

    comment = recent_paper.discussion.get()
    assert comment.author == alice and comment.body == "Worth it for **section 3**."


def test_submissions_are_rate_limited(csrf_client: CsrfClient, alice: User) -> None:
    logged_in(csrf_client, alice)
    statuses = [submit(csrf_client, "not an id").status_code for _ in range(21)]

    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_a_comment_that_cannot_be_posted_is_refused_before_asking_arxiv(
    alice: User, arxiv: ReplayServer
) -> None:
    with pytest.raises(SubmissionError, match="at most 10,000 characters"):
        do_submit(alice, "2511.01234", comment="x" * 10_001)
    assert arxiv.requests == [] and not Paper.objects.exists()


def test_a_site_without_member_submissions_says_so(
    client: Client, alice: User, settings: Settings
) -> None:
    settings.SUBMISSIONS_PER_DAY = 0

    html = page_text(logged_in(client, alice).get(SUBMIT))

    assert "Only staff submit papers on this site." in html
    assert "more paper" not in html

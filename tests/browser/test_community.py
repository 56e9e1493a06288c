"""A newcomer's first morning, in real Chromium on a desktop and on a phone: sign up, verify
the address from the email, submit a paper arXiv has to be asked about, upvote it, comment
on it, and keep it in a collection."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django import Settings

from paperwire.discussion.models import Comment
from paperwire.feed.models import DailyEntry, Upvote
from paperwire.papers.models import Paper
from tests.browser.conftest import (
    assert_no_horizontal_overflow,
    assert_touch_friendly,
    save_screenshot,
)
from tests.builders import arxiv_feed, make_paper, put_on_feed
from tests.personas import PASSWORD
from tests.replay_server import ReplayServer, Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_ID = "2611.04321"


@pytest.fixture
def arxiv(settings: Settings, replay_server: ReplayServer) -> ReplayServer:
    """arXiv, replayed on loopback: it knows one paper, first published two days ago."""
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_DELAY = 0
    settings.ARXIV_MAX_RETRIES = 0
    published = timezone.now() - timedelta(days=2)
    body = arxiv_feed(NEW_ID, published).replace(
        "A constructed\n      entry",
        "Sparse Attention at Scale: Linear-Time Transformers for Long Papers",
    )
    replay_server.route = lambda request: Reply(body)
    return replay_server


@pytest.fixture
def yesterday() -> date:
    """Yesterday's feed, so the newcomer arrives at a site with papers on it."""
    day = timezone.now().date() - timedelta(days=1)
    for n, (title, votes) in enumerate(
        [("Scaling Laws for Sparse Mixtures of Experts", 41), ("Agents That Read Papers", 12)]
    ):
        put_on_feed(make_paper(f"2611.0100{n}", title, upvotes=votes), day, submitter="mira")
    return day


def shot(page: Page, size: str, step: str) -> None:
    save_screenshot(page, f"community-{step}-{size}")
    assert_no_horizontal_overflow(page)


def test_a_newcomer_joins_submits_upvotes_comments_and_collects(
    page: Page, size: str, arxiv: ReplayServer, yesterday: date
) -> None:
    username = f"ada_{size}"

    # Sign up from the feed.
    page.goto("/papers")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    shot(page, size, "1-signup")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("main")).to_contain_text("inbox")
    shot(page, size, "2-check-inbox")

    # Verify the address with the link from the email.
    (message,) = [m for m in mail.outbox if m.to == [f"{username}@example.org"]]
    link = re.search(r"https?://\S+/verify/\S+", message.body)
    assert link, message.body
    page.goto(link.group(0))
    expect(page.locator("main")).to_contain_text("verified")
    shot(page, size, "3-verified")

    # Submit a paper this site has never seen, by its arXiv URL with a version.
    page.goto("/papers/submit")
    if size == "phone":
        assert_touch_friendly(page)
    page.get_by_label("arXiv id or URL").fill(f"https://arxiv.org/abs/{NEW_ID}v2")
    page.get_by_label("Comment").fill("Worth a read: **clear ablations**, code is out.")
    shot(page, size, "4-submit")
    page.get_by_role("button", name="Submit paper").click()
    expect(page).to_have_url(re.compile(rf"/papers/{NEW_ID}$"))
    expect(page.locator(".messages")).to_be_visible()
    [request] = arxiv.requests
    assert request.query["id_list"] == [NEW_ID]

    # The submission came with the submitter's upvote; un-vote and vote again, instantly.
    vote = page.locator(".paper__actions .upvote__button")
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote).to_contain_text("1")
    vote.click()
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote).to_contain_text("0")
    vote.click()
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote).to_contain_text("1")

    # Join the discussion under the submission comment.
    discussion = page.locator("#discussion")
    expect(discussion.locator("strong", has_text="clear ablations")).to_be_visible()
    page.get_by_label("Add a comment").fill(
        "Does the speed-up hold at **7B**? <script>x()</script>"
    )
    page.get_by_role("button", name="Post comment").click()
    expect(discussion.locator("strong", has_text="7B")).to_be_visible()
    expect(discussion).to_contain_text("<script>x()</script>")  # shown as text, never run

    # Keep the paper in a new collection.
    page.locator(".save-menu summary").click()
    page.get_by_label("New collection").fill("Reading group")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".save-menu summary")).to_contain_text("Saved")
    shot(page, size, "5-paper")

    # The collection is on the profile, with the paper in it.
    page.goto(f"/u/{username}?tab=collections")
    page.get_by_role("link", name="Reading group").click()
    expect(page.get_by_role("link", name=re.compile("Sparse Attention"))).to_be_visible()
    shot(page, size, "6-collection")

    # Today's feed shows the paper with its vote and its two comments.
    page.goto("/papers")
    card = page.locator("article.card", has_text="Sparse Attention")
    expect(card.locator(".upvote__button")).to_contain_text("1")
    expect(card.locator(".card__comments")).to_contain_text("2")
    if size == "phone":
        assert_touch_friendly(page)
    shot(page, size, "7-feed")

    # What the pages showed is what the database holds.
    paper = Paper.objects.get(arxiv_id=NEW_ID)
    assert paper.upvotes == Upvote.objects.filter(paper=paper).count() == 1
    assert DailyEntry.objects.get(paper=paper).submitted_by.username == username
    assert Comment.objects.filter(paper=paper).count() == 2

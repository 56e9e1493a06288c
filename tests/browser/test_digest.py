"""The digest in real Chromium, at desktop and phone sizes: subscribe from a feed page,
confirm from the email a real SMTP server received, choose what to receive, read the
digest, leave with the mail client's one-click POST, and come back."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django import Settings

from paperwire.digests.models import Subscriber
from tests.browser.conftest import (
    assert_no_horizontal_overflow,
    assert_touch_friendly,
    save_screenshot,
)
from tests.builders import make_paper, put_on_feed
from tests.digests.conftest import MONDAY, smtp  # noqa: F401  (the SMTP server fixture)
from tests.smtp_sink import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Page, size: str, step: str) -> None:
    save_screenshot(page, f"digest-{step}-{size}")
    assert_no_horizontal_overflow(page)


def test_subscribe_confirm_choose_read_and_leave_with_one_click(
    page: Page,
    size: str,
    smtp: SmtpServer,  # noqa: F811  (the fixture imported above)
    settings: Settings,
    live_server: object,
) -> None:
    settings.BASE_URL = str(live_server)
    for n, (title, votes, categories) in enumerate(
        [
            ("Sparse Attention at Scale", 41, ["cs.LG"]),
            ("Agents That Read Papers", 12, ["cs.CL"]),
            ("Robots That Fold Laundry", 3, ["cs.RO"]),
        ]
    ):
        put_on_feed(
            make_paper(f"2611.0100{n}", title, upvotes=votes, categories=categories), MONDAY
        )

    page.goto("/papers/date/2026-11-23")
    box = page.get_by_role("region", name="Get the best papers in your inbox")
    box.get_by_label("Email address").fill("reader@example.org")
    box.get_by_label("Weekly").check()
    shot(page, size, "0-feed-page")
    box.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    shot(page, size, "1-check-inbox")
    assert not Subscriber.objects.get().receiving

    smtp.sink.wait_for(lambda: len(smtp.sink.received) == 1)
    confirmation = smtp.sink.received[0]
    link = re.search(r"http://\S+/digest/confirm/\S+", confirmation.text)[0]  # type: ignore[index]
    page.goto(link)
    expect(page.get_by_role("heading", name="You're subscribed")).to_be_visible()
    page.get_by_role("link", name="Choose what you receive").click()

    expect(page.get_by_role("heading", name="Your digest")).to_be_visible()
    page.get_by_label("Top papers").fill("1")
    page.get_by_label("arXiv categories").fill("cs.CL")
    page.get_by_label("Saved searches").fill("laundry")
    page.get_by_label("Arrives at").select_option("08:00")
    if size == "phone":
        assert_touch_friendly(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. The next digest follows these choices.")).to_be_visible()
    shot(page, size, "2-manage")

    call_command("digest", "send", "--kind", "daily", "--date", "2026-11-24", "--no-progress")
    smtp.sink.wait_for(lambda: len(smtp.sink.received) == 2)
    digest = smtp.sink.received[1]
    assert digest.recipients == ["reader@example.org"]
    text = digest.text
    assert text.index("Sparse Attention at Scale") < text.index("Agents That Read Papers")
    assert text.index("Agents That Read Papers") < text.index("Robots That Fold Laundry")
    # The message as a phone's mail client shows it: nothing sticks out sideways.
    page.set_content(digest.html)
    expect(page.get_by_role("link", name="Robots That Fold Laundry")).to_be_visible()
    shot(page, size, "3-email")

    unsubscribe = str(digest.message["List-Unsubscribe"]).strip().strip("<>")
    response = page.request.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    assert not Subscriber.objects.get().receiving

    manage = re.search(r"Change what you receive: (\S+)", text)[1]  # type: ignore[index]
    page.goto(manage)
    expect(page.get_by_text("Unsubscribed", exact=True)).to_be_visible()
    shot(page, size, "4-unsubscribed")
    page.get_by_role("button", name="Subscribe again").click()
    expect(
        page.get_by_text("Welcome back: reader@example.org gets the digest again.")
    ).to_be_visible()
    assert Subscriber.objects.get().receiving

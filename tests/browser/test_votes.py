"""Upvotes pressed faster than the server answers: every press counts, and the vote that is
kept is the one the button shows last."""

import pytest
from playwright.sync_api import Page, expect

from paperwire.feed.models import Upvote
from paperwire.papers.models import Paper
from tests.browser.conftest import sign_in
from tests.builders import make_paper
from tests.personas import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page: Page, times: int) -> None:
    """Presses within one moment, all of them before the first answer can arrive."""
    page.evaluate(
        """times => {
            const button = document.querySelector(".paper__actions .upvote__button");
            for (let i = 0; i < times; i++) button.click();
        }""",
        times,
    )


@pytest.mark.parametrize(("times", "kept"), [(2, False), (3, True), (4, False)])
def test_quick_presses_keep_the_last_one(page: Page, live_server, times: int, kept: bool) -> None:  # type: ignore[no-untyped-def]
    paper = make_paper("2611.00001", "Sparse attention at scale", upvotes=4)
    sign_in(page, make_user("alice"), str(live_server))
    page.goto(paper.get_absolute_url())
    vote = page.locator(".paper__actions .upvote__button")
    expect(vote).to_have_attribute("aria-pressed", "false")
    answers: list[str] = []
    page.on("requestfinished", lambda r: r.url.endswith("/upvote") and answers.append(r.url))
    press(page, times)
    # What the button shows at once, and still shows once every answer is in: one toggle
    # when the last press keeps the vote, a second one when it takes it back.
    expected = ("true", "5") if kept else ("false", "4")
    expect(vote).to_have_attribute("aria-pressed", expected[0])
    expect(vote).to_contain_text(expected[1])
    toggles = 1 if kept else 2
    for _ in range(200):
        if len(answers) >= toggles:
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(300)  # time for a toggle too many to show up
    assert len(answers) == toggles
    expect(vote).to_have_attribute("aria-pressed", expected[0])
    expect(vote).to_contain_text(expected[1])

    assert Upvote.objects.filter(paper=paper).exists() is kept
    assert Paper.objects.get(pk=paper.pk).upvotes == (5 if kept else 4)
    page.reload()
    expect(vote).to_have_attribute("aria-pressed", expected[0])
    expect(vote).to_contain_text(expected[1])

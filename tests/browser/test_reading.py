"""A reader on a desktop and on a phone: the day's papers, a paper, the days around it."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from paperwire.ingest.records import AuthorName
from tests.browser.conftest import (
    assert_no_horizontal_overflow,
    assert_touch_friendly,
    save_screenshot,
)
from tests.builders import make_organization, make_paper, put_on_feed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRIDAY = date(2026, 8, 21)
# A title with a word longer than a phone is wide must wrap, not scroll the page.
LONG_WORD = "Hyper" + "parameterized" * 5
AFFILIATIONS = ["University of Example", "Google DeepMind", ""]


@pytest.fixture
def feed() -> None:
    google = make_organization("google", "Google")
    papers = [
        ("2608.19880", "EnvHarness: Awakening Static Worlds for Agent Learning", 163),
        ("2608.18580", "FACET: Preserving Source Intent in Terminal Task Synthesis", 54),
        ("2608.20335", f"4DAnyone: {LONG_WORD} Humans from a Casual Monocular Video", 38),
        ("2608.19799", "SWE-bench Science: Can Coding Agents Resolve Engineering Tasks?", 32),
        ("2608.20202", "MemTrapBench: Benchmarking Cognitive Traps in LLM Memory Use", 7),
    ]
    # Put on the feed in an order unrelated to the upvotes.
    for arxiv_id, title, upvotes in reversed(papers):
        paper = make_paper(
            arxiv_id,
            title,
            upvotes=upvotes,
            authors=[
                AuthorName(f"Researcher {n}", AFFILIATIONS[n % len(AFFILIATIONS)])
                for n in range(17)
            ],
            categories=["cs.LG", "cs.AI"],
            abstract="Agents learn by interacting with environments.\n\n"
            "Second paragraph: we reach $O(n \\log n)$ steps.",
            code_url="https://github.com/example/envharness",
            code_stars=1530,
            project_url="https://example.org/envharness",
            doi="10.48550/arXiv.2608.19880",
            ai_summary="EnvHarness reshapes static environments with programmable plugins.",
            ai_keywords=["LLM agents", "environment harness", "reinforcement learning"],
        )
        put_on_feed(paper, FRIDAY, submitter="taesiri", organization=google)
    put_on_feed(make_paper("2608.10001", "A Thursday paper"), date(2026, 8, 20))
    put_on_feed(make_paper("2608.10002", "A Monday paper"), date(2026, 8, 24))


def test_a_reader_opens_the_top_paper_of_a_day(page: Page, size: str, feed: None) -> None:
    page.goto("/papers/date/2026-08-21")

    expect(page.locator("h1")).to_have_text("Daily Papers — Friday, August 21, 2026")
    votes = [int(v) for v in page.locator(".card .votes__count").all_inner_texts()]
    assert votes == [163, 54, 38, 32, 7]
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert_touch_friendly(page)
    save_screenshot(page, f"day-{size}")

    page.get_by_role("link", name="EnvHarness: Awakening Static Worlds for Agent Learning").click()

    expect(page).to_have_url(re.compile(r"/papers/2608\.19880$"))
    expect(page.locator("h1")).to_have_text(
        "EnvHarness: Awakening Static Worlds for Agent Learning"
    )
    links = {
        "PDF": "https://arxiv.org/pdf/2608.19880",
        "arXiv page": "https://arxiv.org/abs/2608.19880",
        "GitHub 1.5k stars": "https://github.com/example/envharness",
        "Project page": "https://example.org/envharness",
        "10.48550/arXiv.2608.19880": "https://doi.org/10.48550/arXiv.2608.19880",
    }
    for name, href in links.items():
        expect(page.get_by_role("link", name=name, exact=True)).to_have_attribute("href", href)
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert_touch_friendly(page)
    save_screenshot(page, f"paper-{size}")
    page.emulate_media(color_scheme="dark")
    save_screenshot(page, f"paper-{size}-dark")

    page.get_by_role("link", name="Friday, August 21, 2026").click()

    expect(page).to_have_url(re.compile(r"/papers/date/2026-08-21$"))
    save_screenshot(page, f"day-{size}-dark")


def test_a_reader_moves_between_days_that_have_papers(page: Page, size: str, feed: None) -> None:
    page.goto("/papers/date/2026-08-21")

    page.locator(".day-header a[rel=next]").click()

    # Saturday and Sunday have no papers: the next day is Monday.
    expect(page).to_have_url(re.compile(r"/papers/date/2026-08-24$"))
    expect(page.locator(".card")).to_have_count(1)
    page.locator(".day-header a[rel=prev]").click()
    expect(page).to_have_url(re.compile(r"/papers/date/2026-08-21$"))

    page.get_by_label("Go to day").fill("2026-08-22")
    page.get_by_role("button", name="Go").click()

    expect(page).to_have_url(re.compile(r"/papers/date/2026-08-22$"))
    expect(page.get_by_role("heading", name="No papers on this day")).to_be_visible()
    expect(page.get_by_role("link", name="Monday, August 24, 2026")).to_be_visible()
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert_touch_friendly(page)
    save_screenshot(page, f"empty-day-{size}")

    response = page.goto("/papers/date/2026-02-30")

    assert response is not None and response.status == 404
    expect(page.get_by_text("2026-02-30 is not a day on the calendar.")).to_be_visible()
    save_screenshot(page, f"not-found-{size}")


def test_the_pages_work_from_the_keyboard(page: Page, feed: None) -> None:
    page.goto("/papers")

    assert page.evaluate("document.documentElement.lang") == "en"
    for landmark in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(landmark)).to_have_count(1)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

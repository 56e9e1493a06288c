"""A reader searching on a desktop and on a phone: the header's box, filters, pages."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from paperwire.search import dense
from tests.browser.conftest import (
    assert_no_horizontal_overflow,
    assert_touch_friendly,
    save_screenshot,
)
from tests.builders import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library() -> None:
    """30 papers about attention, 25 of them with code (two pages of 20), and one other."""
    for n in range(30):
        make_paper(
            f"2608.{n + 100:05d}",
            f"Sparse Attention for Long Documents, part {n}",
            upvotes=n,
            abstract="We make attention sparse so that transformers read whole books "
            + "and answer questions about them. " * 3,
            published_at=datetime(2026, 8, 1 + n % 28, tzinfo=UTC),
            code_url="https://github.com/example/sparse" if n < 25 else "",
        )
    make_paper("2608.00001", "Protein Folding with Diffusion")
    # The first search in a process loads the embedding model: not within a page load.
    embedder = dense.get_embedder()
    if embedder is not None:
        embedder.encode(["warm up"])


def test_a_reader_searches_filters_and_pages(page: Page, size: str, library: None) -> None:
    page.goto("/papers")

    if size == "desktop":
        page.get_by_role("search").get_by_label("Search papers").fill("attention")
        page.get_by_role("search").get_by_label("Search papers").press("Enter")
    else:
        # A phone's header has room for an icon: it opens the search page.
        page.get_by_role("link", name="Search papers").click()
        expect(page).to_have_url(re.compile(r"/search$"))
        expect(page.get_by_role("heading", name="How to search")).to_be_visible()
        assert_no_horizontal_overflow(page)
        save_screenshot(page, f"search-tips-{size}")
        page.get_by_label("Search papers").fill("attention")
        page.get_by_role("button", name="Search", exact=True).click()

    expect(page).to_have_url(re.compile(r"/search\?q=attention"))
    expect(page.locator(".search-summary")).to_contain_text("30 papers for “attention”")
    expect(page.locator(".card")).to_have_count(20)
    expect(page.locator(".card__title mark").first).to_have_text("Attention")
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert_touch_friendly(page)
    save_screenshot(page, f"search-results-{size}")

    has_code = page.get_by_label("Has code")
    if size == "phone":
        # On a phone the filters fold away under one line until asked for.
        expect(has_code).to_be_hidden()
        page.get_by_text("Filters and order").click()
    has_code.check()
    page.get_by_label("Sort by").select_option("upvotes")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"has_code=on"))
    expect(page.locator(".search-summary")).to_contain_text("25 papers")
    expect(page.locator(".search-summary")).to_contain_text("most upvoted first")
    expect(page.locator(".card .votes__count").first).to_have_text("24")
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert_touch_friendly(page)
    save_screenshot(page, f"search-filtered-{size}")

    page.get_by_role("link", name="Next").click()

    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(r"has_code=on"))
    expect(page.locator(".card")).to_have_count(5)
    expect(page.locator(".card .votes__count").last).to_have_text("0")
    expect(page.get_by_label("Has code")).to_be_checked()
    assert_no_horizontal_overflow(page)
    save_screenshot(page, f"search-page-2-{size}")


def test_a_search_that_finds_nothing_says_what_to_try(page: Page, size: str, library: None) -> None:
    page.goto("/search?q=%22unbalanced+zyzzyva+" + "x" * 300)

    expect(page.get_by_role("heading", name=re.compile("No papers match"))).to_be_visible()
    expect(page.get_by_text("A quote was not closed")).to_be_visible()
    expect(page.get_by_text("it was cut there")).to_be_visible()
    assert_no_horizontal_overflow(page)
    save_screenshot(page, f"search-nothing-{size}")


def test_a_reader_follows_a_similar_paper(page: Page, size: str) -> None:
    make_paper(
        "2608.00011",
        "Diffusion Models Fold Proteins",
        abstract="A denoising diffusion model predicts protein structures from sequences.",
    )
    make_paper(
        "2608.00012",
        "Generating Protein Backbones by Denoising",
        abstract="Score-based generative models design new protein backbones.",
    )
    make_paper(
        "2608.00013",
        "Compilers for Quantum Circuits",
        abstract="We route qubits on hardware with limited connectivity.",
    )
    dense.embed_pending()

    page.goto("/papers/2608.00011")

    similar = page.get_by_role("region", name="Similar papers")
    expect(similar.get_by_role("link")).to_have_count(2)
    expect(similar.get_by_role("link").first).to_have_text(
        "Generating Protein Backbones by Denoising"
    )
    expect(similar).not_to_contain_text("Diffusion Models Fold Proteins")
    assert_no_horizontal_overflow(page)
    save_screenshot(page, f"paper-similar-{size}")

    similar.get_by_role("link").first.click()

    expect(page).to_have_url(re.compile(r"/papers/2608\.00012$"))
    expect(
        page.get_by_role("region", name="Similar papers").get_by_role("link").first
    ).to_have_text("Diffusion Models Fold Proteins")

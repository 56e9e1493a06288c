"""Pages laid out as a reader sees them, at the widths where they used to break."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from paperwire.feed.hf_daily import import_hf_daily
from paperwire.feed.models import DailyEntry
from paperwire.orgs.models import Organization
from tests.browser.conftest import assert_no_horizontal_overflow, save_screenshot, sign_in
from tests.personas import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The placeholder's width against the room the field gives it, in CSS pixels.
PLACEHOLDER_ROOM = """() => {
    const field = document.querySelector('#header-search-q');
    const style = getComputedStyle(field);
    const context = document.createElement('canvas').getContext('2d');
    context.font = style.font;
    return [
        context.measureText(field.placeholder).width,
        field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    ];
}"""


@pytest.mark.parametrize("width", [1440, 1280, 1100, 1024, 961, 930, 700])
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_the_header_fits_and_its_search_box_shows_its_whole_placeholder(
    browser: Browser, live_server: object, width: int, signed_in: bool
) -> None:
    context = browser.new_context(
        base_url=str(live_server), viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    if signed_in:
        member: User = make_user("alice", fullname="Alexandra Konstantinopoulou-Whitfield")
        sign_in(page, member, str(live_server))
    page.goto("/papers")

    if width <= 960:  # no room for a box: an icon leads to the search page
        expect(page.locator(".header-search-link")).to_be_visible()
    else:
        text, room = page.evaluate(PLACEHOLDER_ROOM)
        assert text <= room, f"“Search” needs {text:.0f}px, the box gives {room:.0f}px"
    assert_no_horizontal_overflow(page)
    context.close()


def test_the_subscribe_form_lines_each_choice_up_with_its_label(page: Page, size: str) -> None:
    page.goto("/digest/subscribe")
    form = page.locator("main form").first
    email = form.get_by_label("Email")
    choices = [form.get_by_label("Daily", exact=False), form.get_by_label("Weekly", exact=False)]
    expect(email).to_be_visible()

    field_box = email.bounding_box()
    assert field_box is not None
    for choice in choices:
        box = choice.bounding_box()
        assert box is not None
        # Each checkbox starts the form's left edge, under the address field, not mid-form.
        assert abs(box["x"] - field_box["x"]) <= 4, (box, field_box)
        assert box["y"] > field_box["y"]
    save_screenshot(page, f"digest-subscribe-{size}")
    assert_no_horizontal_overflow(page)


def test_the_api_docs_fit_a_phone_and_lead_back_to_the_site(page: Page, size: str) -> None:
    page.goto("/api/docs")

    viewport = page.locator("meta[name=viewport]")
    expect(viewport).to_have_attribute("content", "width=device-width, initial-scale=1")
    home = page.get_by_role("link", name="Paperwire")
    expect(home).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    save_screenshot(page, f"api-docs-{size}")
    home.click()
    expect(page).to_have_url(re.compile(r"/papers"))


REAL_PAGES = [
    "/papers/date/2026-08-21",
    "/papers/week/2026-W34",
    "/papers/month/2026-08",
    "/papers/trending",
    "/about/trending",
    "/orgs",
    "/search?q=video+diffusion",
    "/digest/subscribe",
    "/accounts/login",
    "/accounts/signup",
    "/api/docs",
]


def test_every_kind_of_page_fits_the_screen_with_real_papers(
    page: Page, size: str, shared_data: Path
) -> None:
    """A month of real Hugging Face papers (long, non-ASCII titles, real organizations)."""
    import_hf_daily([shared_data / "hf-daily-papers" / "2026-08.jsonl.gz"], progress=False)
    titles = dict(DailyEntry.objects.values_list("paper__title", "paper__arxiv_id"))
    longest = titles[max(titles, key=len)]
    zetta = titles[next(title for title in titles if title.startswith("Zetta ζ"))]
    org = Organization.objects.filter(entries__isnull=False).order_by("name").first()
    assert org is not None

    for url in [*REAL_PAGES, f"/papers/{longest}", f"/papers/{zetta}", f"/orgs/{org.name}"]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert_no_horizontal_overflow(page)
    save_screenshot(page, f"org-page-{size}")

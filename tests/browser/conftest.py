"""Real Chromium through Playwright's sync API, against Django's live server.

Playwright's sync API keeps an asyncio loop running on the main thread, where
the tests also build their data through the ORM; Django would refuse that as
"async-unsafe" although nothing here runs concurrently.
"""

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, Page, expect, sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# expect() has its own timeout, 5 s by default: the same allowance as every other wait.
expect.set_options(timeout=10_000)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: `make chromium` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def size(request: pytest.FixtureRequest) -> str:
    """Each browser test runs at desktop and at phone size."""
    return str(request.param)


@pytest.fixture
def page(size: str, browser: Browser, live_server: object) -> Iterator[Page]:
    context = browser.new_context(
        viewport=VIEWPORTS[size],  # type: ignore[arg-type]
        base_url=str(live_server),
        reduced_motion="reduce",
    )
    # Generous for a loaded 2-core machine: a wait ends as soon as its condition holds.
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Every walk also checks that the Content-Security-Policy blocked nothing the site
    # itself needs: its own scripts and styles all run under it.
    refused: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    yield page
    context.close()
    assert refused == [], refused


def sign_in(page: Page, user: User, base_url: str) -> None:
    """A session made on the server side, handed to the browser as its cookie."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
    )


def save_screenshot(page: Page, name: str) -> None:
    """A full-page screenshot in test-artifacts/screenshots/, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def assert_no_horizontal_overflow(page: Page) -> None:
    """The page never scrolls sideways. Checked until it settles (a menu closing, a message
    sliding in); a layout that overflows for good fails, naming the elements that stick out."""
    deadline = time.monotonic() + 2
    while True:
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width <= inner_width or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    if scroll_width > inner_width:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
                .slice(-5).map(el => el.outerHTML.slice(0, 120))"""
        )
    assert scroll_width <= inner_width, (
        f"{page.url} scrolls sideways: {scroll_width}px; sticking out: {culprits}"
    )


def assert_touch_friendly(page: Page) -> None:
    """On a phone: every shown link outside the abstract is at least 32px tall, every
    button and field 44px (controls inside a closed menu are not shown, so not counted)."""
    too_small = page.evaluate(
        """() => [...document.querySelectorAll('a, button, summary, input, select, textarea')]
            .filter(el => !el.closest('.skip-link, .abstract') && el.checkVisibility()
                          && !el.matches('input[type=hidden], input[type=checkbox]'))
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.height < (el.matches('.button, button, input') ? 44 : 32))
            .map(([el, box]) => `${el.outerHTML.slice(0, 80)}: ${Math.round(box.height)}px`)"""
    )
    assert not too_small, "small touch targets:\n" + "\n".join(too_small)

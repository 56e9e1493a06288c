"""Alice, on a desktop and on a phone, makes a write token on her settings page, upvotes a
paper from a script with it, sees the token's use on the page, then revokes it."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_no_horizontal_overflow,
    assert_touch_friendly,
    save_screenshot,
    sign_in,
)
from tests.builders import make_paper
from tests.personas import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upvote_with(base_url: str, secret: str) -> tuple[int, dict[str, object]]:
    """What a script does: POST the upvote with the token, as a separate HTTP client."""
    request = urllib.request.Request(
        f"{base_url}/api/papers/2611.00001/upvote",
        method="POST",
        headers={"Authorization": f"Bearer {secret}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_member_makes_uses_and_revokes_a_token(page: Page, size: str, live_server) -> None:  # type: ignore[no-untyped-def]
    make_paper("2611.00001", "Sparse attention at scale", upvotes=4)
    sign_in(page, make_user("alice"), str(live_server))

    page.goto("/settings#tokens")
    tokens = page.locator("#tokens")
    expect(tokens).to_contain_text("No tokens yet.")
    tokens.get_by_label("Name").fill("morning-script")
    tokens.get_by_label("Read and write").check()
    tokens.get_by_role("button", name="Make a token").click()

    expect(page.get_by_role("heading", name="Copy your token now")).to_be_visible()
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("pw_")
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert_touch_friendly(page)
    save_screenshot(page, f"api-token-created-{size}")

    assert upvote_with(str(live_server), secret) == (200, {"upvoted": True, "upvotes": 5})

    page.get_by_role("link", name="Done").click()
    listed = page.locator(".token-list__item")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("morning-script")
    expect(listed).to_contain_text("Read and write")
    expect(listed).to_contain_text("last used")
    # Only the token's first characters are on the page again, never the whole secret.
    assert secret not in page.content()
    assert_no_horizontal_overflow(page)
    save_screenshot(page, f"api-tokens-{size}")

    listed.get_by_role("button", name="Revoke morning-script").click()
    expect(page.get_by_text("The token is revoked")).to_be_visible()
    expect(page.locator(".token-list__item")).to_have_count(0)
    status, body = upvote_with(str(live_server), secret)
    assert status == 401 and "token" in str(body["error"])

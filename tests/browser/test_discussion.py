"""The discussion in real Chromium: Alice and Bob talk about a paper, on a desktop and a phone,
with JavaScript (no reloads, Ctrl+Enter) and without it (plain forms)."""

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from paperwire.discussion.services import do_post_comment
from paperwire.papers.models import Paper
from tests.browser.conftest import (
    VIEWPORTS,
    assert_no_horizontal_overflow,
    save_screenshot,
    sign_in,
)
from tests.builders import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/papers/2502.08025"


@pytest.fixture
def paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention Is All You Need")


def assert_discussion_touch_friendly(page: Page) -> None:
    """Links and toggles of the discussion (outside comment text) at least 32px tall,
    buttons and text boxes 44px."""
    too_small = page.evaluate(
        """() => [...document.querySelectorAll('#discussion :is(a, button, summary, textarea)')]
            .filter(el => !el.closest('.comment__body') && el.getClientRects().length)
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.height < (el.matches('.button, button, textarea') ? 44 : 32))
            .map(([el, box]) => `${el.outerHTML.slice(0, 80)}: ${Math.round(box.height)}px`)"""
    )
    assert not too_small, "small touch targets:\n" + "\n".join(too_small)


@pytest.fixture
def talk(paper: Paper, alice: User, bob: User) -> Paper:
    question = do_post_comment(
        bob,
        paper,
        "Does the sparsity pattern hold for **long contexts**? The ablation in "
        "Table 3 only goes to 8k tokens.\n\nCode: https://github.com/example/sparse-attention",
    )
    do_post_comment(
        alice, paper, "We tried 32k — see `configs/long.yaml`. Works, @bob.", parent=question
    )
    return paper


def test_a_member_talks_without_reloading_the_page(
    page: Page, size: str, live_server: object, talk: Paper, alice: User
) -> None:
    sign_in(page, alice, str(live_server))
    page.goto(PAGE)
    page.evaluate("window.sameDocument = true")
    discussion = page.locator("#discussion")
    expect(discussion.locator(".discussion__count")).to_contain_text("2")

    box = discussion.get_by_label("Add a comment")
    box.fill("Great paper! A *table* of results:\n\n| model | ppl |\n|---|--:|\n| ours | 9.1 |")
    box.press("Control+Enter")

    new = discussion.locator("article.comment").last
    expect(new).to_contain_text("Great paper!")
    expect(discussion.locator(".discussion__count")).to_contain_text("3")
    assert page.evaluate("window.sameDocument") is True
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))

    first = discussion.locator("article.comment").first
    first.locator("summary", has_text="Reply").click()
    reply = discussion.get_by_label("Reply to Bob Chen")
    expect(reply).to_be_focused()
    reply.fill("And at 64k it degrades gracefully.")
    first.get_by_role("button", name="Reply", exact=True).click()

    expect(discussion.locator(".comments--replies article.comment")).to_have_count(2)
    assert page.evaluate("window.sameDocument") is True

    mine = discussion.locator("article.comment").last
    mine.locator("summary", has_text="Edit").click()
    editor = mine.get_by_label("Edit your comment")
    expect(editor).to_be_focused()  # the box is open and ready: then it is emptied
    editor.fill("   ")
    expect(editor).to_have_value("   ")
    mine.get_by_role("button", name="Save changes").click()
    expect(discussion.get_by_text("Write something first: the comment is empty.")).to_be_visible()

    page.mouse.wheel(0, -10_000)
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert_discussion_touch_friendly(page)
    save_screenshot(page, f"discussion-{size}")
    page.emulate_media(color_scheme="dark")
    save_screenshot(page, f"discussion-{size}-dark")


def test_a_member_deletes_a_comment_after_confirming(
    page: Page, live_server: object, talk: Paper, alice: User
) -> None:
    mine = do_post_comment(alice, talk, "Posted too fast")
    sign_in(page, alice, str(live_server))
    page.goto(PAGE)

    comment = page.locator(f"#comment-{mine.pk}")
    comment.locator("summary", has_text="Delete").click()
    expect(comment.get_by_text("Delete this comment?")).to_be_visible()
    comment.get_by_role("button", name="Delete comment").click()

    expect(page.locator(f"#comment-{mine.pk}")).to_have_count(0)
    expect(page.get_by_text("Posted too fast")).to_have_count(0)


@pytest.fixture
def page_without_js(browser: Browser, live_server: object) -> Iterator[Page]:
    context = browser.new_context(
        viewport=VIEWPORTS["desktop"],  # type: ignore[arg-type]
        base_url=str(live_server),
        java_script_enabled=False,
    )
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def test_everything_works_without_javascript(
    page_without_js: Page, live_server: object, talk: Paper, alice: User
) -> None:
    page = page_without_js
    sign_in(page, alice, str(live_server))
    page.goto(PAGE)

    page.get_by_label("Add a comment").fill("Posted by a plain form.")
    page.get_by_role("button", name="Post comment").click()

    expect(page).to_have_url(re.compile(r"/papers/2502\.08025#comment-\d+$"))
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page.locator(".comment__body").get_by_text("Posted by a plain form.")).to_be_visible()

    page.locator("#discussion article.comment").last.locator("summary", has_text="Edit").click()
    page.locator("#discussion article.comment").last.get_by_label("Edit your comment").fill("")
    page.get_by_role("button", name="Save changes").click()

    # HTML's own check stops an empty form; past it, the server says why.
    expect(page).to_have_url(re.compile(r"/papers/2502\.08025#comment-\d+$"))


def test_visitors_read_and_are_invited_to_log_in(page: Page, size: str, talk: Paper) -> None:
    page.goto(PAGE)

    discussion = page.locator("#discussion")
    expect(discussion.get_by_text("We tried 32k")).to_be_visible()
    expect(discussion.get_by_role("link", name="@bob")).to_have_attribute("href", "/u/bob")
    expect(discussion.get_by_role("link", name="Log in to join the discussion")).to_be_visible()
    expect(discussion.locator("textarea")).to_have_count(0)
    assert_no_horizontal_overflow(page)
    save_screenshot(page, f"discussion-visitor-{size}")


def test_the_edit_and_delete_pages_stand_on_their_own(
    page: Page, size: str, live_server: object, talk: Paper, alice: User
) -> None:
    mine = do_post_comment(
        alice, talk, "A comment with a `typo` in it, and a link: https://example.org"
    )
    sign_in(page, alice, str(live_server))

    page.goto(f"/comments/{mine.pk}/edit")
    expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
    expect(page.get_by_label("Your comment")).to_have_value(mine.body)
    assert_no_horizontal_overflow(page)
    save_screenshot(page, f"discussion-edit-{size}")

    page.goto(f"/comments/{mine.pk}/delete")
    expect(page.get_by_role("heading", name="Delete your comment?")).to_be_visible()
    save_screenshot(page, f"discussion-delete-{size}")
    page.get_by_role("button", name="Delete comment").click()

    expect(page).to_have_url(re.compile(r"/papers/2502\.08025#discussion$"))
    expect(page.get_by_text("Your comment is deleted.")).to_be_visible()

"""A developer reads the interactive API docs and tries a call, on a server that reaches
nothing outside itself: the docs' scripts and styles come from Paperwire, not a CDN."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.builders import make_paper, put_on_feed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_run_a_call_against_this_server(page: Page, size: str) -> None:
    put_on_feed(
        make_paper("2611.00001", "Sparse attention at scale", upvotes=7), date(2026, 11, 24)
    )
    elsewhere: list[str] = []

    def note(request: Request) -> None:
        if urlsplit(request.url).hostname not in {"127.0.0.1", "localhost"}:
            elsewhere.append(request.url)

    page.on("request", note)
    page.goto("/api/docs")

    operation = page.locator(
        ".opblock", has=page.locator(".opblock-summary-path[data-path='/api/daily_papers']")
    )
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder='date']").fill("2026-11-24")
    operation.get_by_role("button", name="Execute").click()

    body = operation.locator(".live-responses-table")
    expect(body.first).to_contain_text('"id": "2611.00001"')
    expect(body.first).to_contain_text('"upvotes": 7')
    assert elsewhere == []

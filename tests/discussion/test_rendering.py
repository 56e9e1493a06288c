"""Comment Markdown: what it renders, and that nothing written in it runs in a reader's browser."""

import lxml.html
import pytest
from django.contrib.auth.models import User

from paperwire.discussion.rendering import render_comment
from tests.personas import ban

pytestmark = pytest.mark.django_db


# ---------- Markdown ----------


def test_it_renders_paragraphs_emphasis_and_code() -> None:
    html = render_comment("Nice **result**, _really_.\n\nSee `attention()`.")

    assert html == (
        "<p>Nice <strong>result</strong>, <em>really</em>.</p>\n"
        "<p>See <code>attention()</code>.</p>\n"
    )


def test_it_renders_lists_quotes_code_blocks_and_strikethrough() -> None:
    html = render_comment("> quoted\n\n- one\n- two\n\n```\nx = 1\n```\n\n~~wrong~~")

    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<pre><code>x = 1\n</code></pre>" in html
    assert "<s>wrong</s>" in html


def test_it_renders_tables_keeping_only_their_alignment() -> None:
    html = render_comment("| model | score |\n|---|--:|\n| ours | 91.2 |")

    assert "<table>" in html
    assert '<td style="text-align:right">91.2</td>' in html


def test_headings_stay_below_the_page_headings() -> None:
    html = render_comment("# Big\n\n## Smaller\n\n#### Smallest")

    assert "<h4>Big</h4>" in html
    assert "<h5>Smaller</h5>" in html
    assert "<h6>Smallest</h6>" in html
    assert "<h1>" not in html


def test_links_are_nofollow_ugc_noopener() -> None:
    html = render_comment("[code](https://github.com/x/y)")

    assert html == (
        '<p><a href="https://github.com/x/y" rel="nofollow ugc noopener">code</a></p>\n'
    )


def test_bare_web_addresses_become_links_without_their_trailing_punctuation() -> None:
    html = render_comment("Code at https://github.com/x/y. Also (https://example.org/a_(b)).")

    assert '<a href="https://github.com/x/y" rel="nofollow ugc noopener">' in html
    assert '<a href="https://example.org/a_(b)" rel="nofollow ugc noopener">' in html


def test_images_become_links_and_load_nothing() -> None:
    html = render_comment("see ![a chart](https://tracker.example/pixel.png) here")

    assert "<img" not in html
    assert html.strip() == (
        '<p>see <a href="https://tracker.example/pixel.png" rel="nofollow ugc noopener">'
        "a chart</a> here</p>"
    )


# ---------- Nothing runs ----------

SAFE_TAGS = {"div", "p", "a", "strong", "em", "code", "pre", "s", "blockquote", "ul", "li"}


def elements(html: str) -> list[lxml.html.HtmlElement]:
    return list(lxml.html.fragment_fromstring(html, create_parent="div").iter())


def assert_harmless(html: str) -> None:
    """Only plain formatting tags; no event handlers or styles; links only to the web or mail."""
    for element in elements(html):
        assert element.tag in SAFE_TAGS, element.tag
        assert not [name for name in element.attrib if name.startswith("on")]
        assert "style" not in element.attrib
        href = element.get("href")
        if href is not None:
            assert href.split(":", 1)[0] in ("http", "https", "mailto"), href


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "<svg onload=alert(1)>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<<script>script>alert(1)<</script>/script>",
        "<scr<script>ipt>alert(1)</script>",
        "**<script>alert(1)</script>**",
        "`</code><script>alert(1)</script>`",
        "<!-- --><script>alert(1)</script>",
    ],
)
def test_raw_html_is_shown_as_text_never_as_markup(payload: str) -> None:
    html = render_comment(payload)

    assert_harmless(html)
    assert "<script" not in html
    assert "&lt;" in html


@pytest.mark.parametrize(
    "payload",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](file:///etc/passwd)",
        "<javascript:alert(1)>",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        '[click](https://ok.example "a" onmouseover="alert(1)")',
        "[click][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_links_to_scripts_or_data_do_not_become_links(payload: str) -> None:
    assert_harmless(render_comment(payload))


@pytest.mark.parametrize(
    "target", ["/admin/", "/comments/1/delete", "//evil.example/x", "http://["]
)
def test_links_into_this_site_or_nowhere_lose_their_address(target: str) -> None:
    html = render_comment(f"[click]({target})")

    assert "href" not in html
    assert "click" in html


def test_mail_links_work() -> None:
    html = render_comment("<alice@example.org>")

    assert '<a href="mailto:alice@example.org" rel="nofollow ugc noopener">' in html


# ---------- Mentions ----------


def test_a_mention_of_a_member_links_to_their_profile(alice: User) -> None:
    html = render_comment("Thanks @alice.")

    assert html == (
        '<p>Thanks <a href="/u/alice" class="mention" rel="nofollow ugc noopener">@alice</a>.</p>\n'
    )


def test_a_mention_matches_the_username_in_any_case(alice: User) -> None:
    assert 'href="/u/alice"' in render_comment("@Alice, see this")


def test_a_mention_of_nobody_stays_text(alice: User) -> None:
    html = render_comment("@nobody and @alice")

    assert "@nobody and" in html
    assert "/u/nobody" not in html
    assert 'href="/u/alice"' in html


def test_a_mention_of_a_banned_member_stays_text(mallory: User) -> None:
    ban(mallory)

    assert "<a" not in render_comment("@mallory")


@pytest.mark.parametrize(
    "text",
    [
        "`@alice`",
        "```\n@alice\n```",
        "    @alice in an indented block",
        "[@alice](https://example.org)",
        "mail alice@example.org",
        "https://example.org/@alice",
    ],
)
def test_no_mention_inside_code_links_or_addresses(alice: User, text: str) -> None:
    assert 'class="mention"' not in render_comment(text)


def test_all_mentions_of_a_comment_cost_one_query(
    alice: User, bob: User, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        html = render_comment("@alice @bob @carol @dave and @alice again")

    assert html.count('class="mention"') == 3


def test_text_without_mentions_costs_no_query(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(0):
        render_comment("Plain words, an email a@b.org and `@code`.")

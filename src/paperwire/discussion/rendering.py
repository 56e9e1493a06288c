"""Comment Markdown to safe HTML, rendered once when a comment is saved.

Two layers: markdown-it never emits raw HTML (`html=False`), and nh3 then
sanitizes whatever it did emit against a short allow-list, so a parser quirk
cannot become a script on the page. Images are not rendered (a remote image
would tell a third party who read the page): `![alt](url)` becomes a link.
"""

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import nh3
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

# Headings inside a comment sit under the page's own h1/h2: # becomes h4.
HEADING_SHIFT = 3

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
# Table columns keep their alignment (markdown-it writes it as a style), nothing else.
ALLOWED_STYLES = {"text-align"}
ALLOWED_CLASSES = {"a": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# One mention query per comment, however many names it has; past this many,
# the rest stay plain text.
MAX_MENTIONS = 20

# @name where a Django username could start: not inside an email address (a@b.org)
# and without trailing punctuation ("thanks @alice." mentions alice).
MENTION = re.compile(r"(?<![\w.+@-])@([A-Za-z0-9_](?:[A-Za-z0-9_.+-]{0,148}[A-Za-z0-9_])?)")
# Bare web addresses become links (markdown-it's linkify needs an extra package);
# trailing punctuation belongs to the sentence, not the address.
BARE_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+")
URL_TRAILING = ".,:;!?*_~'\")]"


def _image_as_link(
    renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An image is a link to it, named by its alt text: nothing loads from elsewhere."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    return md


_MD = _parser()


def profile_path(username: str) -> str:
    try:
        return reverse("profiles:profile", args=[username])
    except NoReverseMatch:  # the accounts pages are not wired in (tests of this app alone)
        return f"/u/{username}"


def _link_text_tokens(tokens: list[Token]) -> Iterable[Token]:
    """The plain text of inline content outside links and code: where mentions may be."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        depth = 0
        for token in block.children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            elif token.type == "text" and depth == 0:
                yield token


def _mentioned(usernames: set[str]) -> dict[str, str]:
    """Lower-cased name → username of each mentioned member in good standing, in one query."""
    names = sorted(usernames)[:MAX_MENTIONS]
    if not names:
        return {}
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    found: dict[str, str] = {}
    members = (
        User.objects.filter(query, is_active=True)
        .exclude(profile__banned_at__isnull=False)
        .values_list("username", flat=True)
    )
    for username in members:
        # Two accounts differing only in case: the exact spelling wins.
        if username in usernames or username.lower() not in found:
            found[username.lower()] = username
    return found


def _link(href: str, text: str, css_class: str = "") -> list[Token]:
    opening = Token("link_open", "a", 1)
    opening.attrs = {"href": href}
    if css_class:
        opening.attrs["class"] = css_class
    return [opening, _text(text), Token("link_close", "a", -1)]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _trim_url(url: str) -> str:
    # "(see https://x.org/a_(b))": a closing bracket stays only when the address opened it.
    while url and url[-1] in URL_TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _split(content: str, mentions: dict[str, str]) -> list[Token] | None:
    """The text with bare URLs and known @mentions made links, or None if it has neither."""
    pieces: list[tuple[int, int, list[Token]]] = []
    for match in BARE_URL.finditer(content):
        url = _trim_url(match.group())
        pieces.append((match.start(), match.start() + len(url), _link(url, url)))
    for match in MENTION.finditer(content):
        username = mentions.get(match.group(1).lower())
        inside_url = any(start <= match.start() < end for start, end, _ in pieces)
        if username and not inside_url:
            link = _link(profile_path(username), match.group(), "mention")
            pieces.append((match.start(), match.end(), link))
    if not pieces:
        return None
    pieces.sort(key=lambda piece: piece[0])
    out: list[Token] = []
    at = 0
    for start, end, link in pieces:
        if start > at:
            out.append(_text(content[at:start]))
        out.extend(link)
        at = end
    if at < len(content):
        out.append(_text(content[at:]))
    return out


def _add_links(tokens: list[Token]) -> set[str]:
    """Links bare URLs and mentions in place; returns the profile paths it linked to."""
    texts = list(_link_text_tokens(tokens))
    names = {m.group(1) for t in texts for m in MENTION.finditer(t.content)}
    mentions = _mentioned(names)
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0
        for token in block.children:
            depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            replaced = (
                _split(token.content, mentions) if token.type == "text" and not depth else None
            )
            children.extend(replaced if replaced is not None else [token])
        block.children = children
    return {profile_path(username) for username in mentions.values()}


def _shift_headings(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"


def sanitize(html: str, site_paths: Iterable[str] = ()) -> str:
    """Only the allowed tags and attributes; links only to http(s) and mailto addresses,
    or to the `site_paths` this module made itself (profile links of mentions)."""
    internal = set(site_paths)

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            try:
                scheme = urlsplit(value).scheme.lower()
            except ValueError:  # "http://[": not an address a browser could follow either
                return None
            return value if scheme in URL_SCHEMES or value in internal else None
        return value

    return nh3.clean(
        html,
        attribute_filter=keep,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        filter_style_properties=ALLOWED_STYLES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


def render_comment(body: str) -> str:
    """The sanitized HTML of a comment's Markdown, with @mentions of members linked."""
    env: dict = {}
    tokens = _MD.parse(body, env)
    _shift_headings(tokens)
    profiles = _add_links(tokens)
    return sanitize(_MD.renderer.render(tokens, _MD.options, env), profiles)

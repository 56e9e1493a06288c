"""Search on pages: the words a query matched, marked in titles and abstracts, and the
papers nearest a paper.

`{{ paper.title|highlight:query }}`, `{{ paper.abstract|snippet:query }}` (query: a
ParsedQuery, or None for plain escaped text); `{% similar_papers paper %}`.
"""

import re
from functools import lru_cache
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.papers.cards import card_papers
from paperwire.papers.models import Paper
from paperwire.search.query import ParsedQuery

register = template.Library()

SIMILAR_COUNT = 6
# About two lines of a card on a desktop, three or four on a phone.
SNIPPET_CHARS = 240
# Context kept before the first match, so the marked word is not the snippet's first.
SNIPPET_LEAD = 60

_TITLE_FIELDS = (None, "ti")
_ABSTRACT_FIELDS = (None, "abs")


def _term_pattern(text: str, phrase: bool) -> str | None:
    words = re.findall(r"\w+", text)
    if not words:
        return None  # punctuation only: nothing a reader would call a match
    if phrase:
        body = r"\W+".join(re.escape(word) for word in words)
    else:
        body = r"(?:" + "|".join(re.escape(word) for word in words) + r")"
    # Only ASCII words get word boundaries: Chinese and Japanese text has no spaces, and a
    # term in it is a run of characters anywhere in the sentence.
    if words[0][0].isascii():
        # Lexical search stems (network finds networks): mark the whole word a term starts.
        body = r"(?<!\w)" + body + r"\w*"
    return body


@lru_cache(maxsize=64)
def _matcher(query: ParsedQuery, fields: tuple[str | None, ...]) -> re.Pattern[str] | None:
    patterns = {
        pattern
        for term in query.terms
        if not term.negated and term.field in fields
        for pattern in [_term_pattern(term.text, term.phrase)]
        if pattern
    }
    if not patterns:
        return None
    # Longest first, so that a phrase wins over one of its words.
    return re.compile("|".join(sorted(patterns, key=len, reverse=True)), re.IGNORECASE)


def _marked(text: str, matcher: re.Pattern[str] | None) -> SafeString:
    """`text` escaped, with each match in <mark>: the text is split on matches of the raw
    text and each piece escaped on its own, so a mark never lands inside an entity or tag."""
    if matcher is None:
        return escape(text)
    pieces: list[str] = []
    end = 0
    for match in matcher.finditer(text):
        if match.end() == match.start():
            continue
        pieces.append(escape(text[end : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        end = match.end()
    pieces.append(escape(text[end:]))
    return mark_safe("".join(pieces))  # noqa: S308  every piece is escaped above


@register.filter
def highlight(text: str, query: ParsedQuery | None) -> SafeString:
    """A title with the words the query looked for in titles marked."""
    matcher = _matcher(query, _TITLE_FIELDS) if query is not None else None
    return _marked(str(text or ""), matcher)


@register.filter
def snippet(text: str, query: ParsedQuery | None) -> SafeString:
    """About SNIPPET_CHARS of an abstract around its first match, matches marked; the
    abstract's opening when nothing in it matched."""
    text = " ".join(str(text or "").split())
    matcher = _matcher(query, _ABSTRACT_FIELDS) if query is not None else None
    first = matcher.search(text) if matcher is not None else None
    start = 0
    if first is not None and first.start() > SNIPPET_LEAD:
        start = text.rfind(" ", 0, first.start() - SNIPPET_LEAD) + 1
    end = start + SNIPPET_CHARS
    if end < len(text):
        # Cut between words, not inside one.
        space = text.rfind(" ", start + SNIPPET_CHARS // 2, end)
        end = space if space > 0 else end
    shown = _marked(text[start:end], matcher)
    before = "… " if start > 0 else ""
    after = " …" if end < len(text) else ""
    return mark_safe(f"{before}{shown}{after}")  # noqa: S308  `shown` is escaped


@register.inclusion_tag("search/_similar.html")
def similar_papers(paper: Paper) -> dict[str, Any]:
    """Up to SIMILAR_COUNT papers nearest this one by meaning, nearest first."""
    # Imported here: Django imports every tag library when it starts, and the dense module
    # loads numpy and the ANN index.
    from paperwire.search import dense

    if not dense.embedder_enabled():
        # Without an embedder nothing is ever indexed: promising "once indexed" would be untrue.
        return {"papers": [], "pending": False}
    # One query answers "not indexed yet", the common case for a new paper; only an
    # indexed paper pays for the neighbours and their cards.
    if dense.pending_ids([paper.pk]):
        return {"papers": [], "pending": True}
    ids = dense.similar_papers(paper.pk, k=SIMILAR_COUNT)
    found = card_papers().in_bulk(ids) if ids else {}
    return {"papers": [found[pk] for pk in ids if pk in found], "pending": False}

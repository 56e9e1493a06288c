"""Search on pages: the words a query matched, marked in titles and abstracts, and the
papers nearest a paper.

`{{ paper.title|highlight:query }}`, `{{ paper.abstract|snippet:query }}` (query: a
ParsedQuery, or None for plain escaped text); `{% similar_papers paper %}`.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.feed.cards import card_papers
from paperwire.papers.models import Paper
from paperwire.search.lexical_index import text_analyzer
from paperwire.search.query import ParsedQuery

register = template.Library()

SIMILAR_COUNT = 6
# About two lines of a card on a desktop, three or four on a phone.
SNIPPET_CHARS = 240
# Context kept before the first match, so the marked word is not the snippet's first.
SNIPPET_LEAD = 60

_TITLE_FIELDS = (None, "ti")
_ABSTRACT_FIELDS = (None, "abs")


@lru_cache(maxsize=65536)
def _stems(text: str) -> tuple[str, ...]:
    """`text` as the lexical index sees it: lower-cased, accents folded, stemmed."""
    return tuple(_ANALYZER.analyze(text))


_ANALYZER = text_analyzer()
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Matcher:
    """What a query looks for, as the index's analyzer sees it: a word is marked when
    its stem is a term's ("networks" for network), never for sharing a beginning ("a"
    does not mark "across"). Text without spaces (Chinese, Japanese) is matched as a run
    of characters, as the index matches it."""

    words: frozenset[str]  # stems of single-word terms
    phrases: tuple[tuple[str, ...], ...]  # stems of phrases, longest first
    runs: re.Pattern[str] | None  # terms in scripts written without spaces

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        words = list(_WORD.finditer(text))
        # A word the analyzer splits or drops (too long) has no stem to match.
        stems = [stem[0] if len(stem := _stems(m.group())) == 1 else "" for m in words]
        taken = -1  # the last word already inside a marked span
        for n, word in enumerate(words):
            if n <= taken:
                continue
            for phrase in self.phrases:
                if tuple(stems[n : n + len(phrase)]) == phrase:
                    found.append((word.start(), words[n + len(phrase) - 1].end()))
                    taken = n + len(phrase) - 1
                    break
            else:
                if stems[n] and stems[n] in self.words:
                    found.append(word.span())
        if self.runs is not None:
            found += [(m.start(), m.end()) for m in self.runs.finditer(text) if m.end() > m.start()]
        return sorted(found)


@lru_cache(maxsize=64)
def _matcher(query: ParsedQuery, fields: tuple[str | None, ...]) -> Matcher | None:
    words: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    runs: set[str] = set()
    for term in query.terms:
        if term.negated or term.field not in fields or not re.search(r"\w", term.text):
            continue
        if not term.text.strip()[0].isascii():
            runs.add(re.escape(term.text.strip()))
            continue
        stems = _stems(term.text)
        if not stems:
            runs.add(re.escape(term.text))
        elif len(stems) == 1 and not term.phrase:
            words.add(stems[0])
        elif term.phrase:
            phrases.add(stems)
        else:
            words.update(stems)
    if not (words or phrases or runs):
        return None
    longest = sorted(runs, key=len, reverse=True)
    pattern = re.compile("|".join(longest), re.IGNORECASE) if runs else None
    ordered = tuple(sorted(phrases, key=len, reverse=True))
    return Matcher(frozenset(words), ordered, pattern)


def _marked(text: str, matcher: Matcher | None) -> SafeString:
    """`text` escaped, with each match in <mark>: the text is split on matches of the raw
    text and each piece escaped on its own, so a mark never lands inside an entity or tag."""
    if matcher is None:
        return escape(text)
    pieces: list[str] = []
    end = 0
    for start, stop in matcher.spans(text):
        if start < end:
            continue  # inside a span already marked
        pieces.append(escape(text[end:start]))
        pieces.append(f"<mark>{escape(text[start:stop])}</mark>")
        end = stop
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
    spans = matcher.spans(text) if matcher is not None else []
    start = 0
    if spans and spans[0][0] > SNIPPET_LEAD:
        start = text.rfind(" ", 0, spans[0][0] - SNIPPET_LEAD) + 1
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

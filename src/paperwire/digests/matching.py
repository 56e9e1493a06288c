"""Which papers of an edition a saved search keeps.

A saved search is written in the search box's language (search/query.py) but read
as an alert: a paper must contain every word and phrase, not just some, or a search
for "speculative decoding" would bring every paper about decoding. Words are
compared after the lexical index's own analysis (lower case, accents folded,
stemmed), so "networks" keeps a paper about a "network", as the search page would.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from paperwire.errors import InputError
from paperwire.search.lexical import STOP_WORDS
from paperwire.search.lexical_index import text_analyzer
from paperwire.search.query import ParsedQuery, Term, parse_query

MAX_SAVED_SEARCHES = 10


class BadSavedSearch(InputError):
    """A saved search that could never keep a paper; the message says why."""


@cache
def _analyzer():  # type: ignore[no-untyped-def]
    return text_analyzer()


def tokens(text: str) -> tuple[str, ...]:
    return tuple(_analyzer().analyze(text))


@dataclass(frozen=True)
class PaperText:
    """A paper's analyzed fields and category codes (lower case, with their archives)."""

    title: tuple[str, ...]
    abstract: tuple[str, ...]
    authors: tuple[str, ...]
    categories: frozenset[str]

    @classmethod
    def of(
        cls, title: str, abstract: str, authors: Iterable[str], categories: Iterable[str]
    ) -> "PaperText":
        codes = {c.lower() for c in categories if c}
        codes |= {c.split(".")[0] for c in codes}
        # A separator token keeps a phrase from matching across two author names.
        names: list[str] = []
        for name in authors:
            names.extend(tokens(name))
            names.append("\x00")
        return cls(tokens(title), tokens(abstract), tuple(names), frozenset(codes))

    def fields(self, field: str | None) -> list[tuple[str, ...]]:
        if field == "ti":
            return [self.title]
        if field == "abs":
            return [self.abstract]
        if field == "au":
            return [self.authors]
        return [self.title, self.abstract, self.authors]


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if len(needle) == 1:
        return needle[0] in haystack
    first, size = needle[0], len(needle)
    return any(
        haystack[i : i + size] == needle
        for i, token in enumerate(haystack[: len(haystack) - size + 1])
        if token == first
    )


def _needle(term: Term) -> tuple[str, ...]:
    return tokens(term.text)


def _informative(term: Term) -> bool:
    # "the" or "of" on its own would be required of every paper: leave such words out.
    return term.phrase or term.field is not None or term.text.lower() not in STOP_WORDS


class SavedSearchMatcher:
    def __init__(self, text: str) -> None:
        self.query: ParsedQuery = parse_query(text)
        terms = [t for t in self.query.terms if _informative(t)]
        self.required = [(t, _needle(t)) for t in terms if not t.negated]
        self.excluded = [(t, _needle(t)) for t in terms if t.negated]

    def _has(self, paper: PaperText, term: Term, needle: tuple[str, ...]) -> bool:
        if term.field == "cat":
            return term.text.strip().lower() in paper.categories
        if not needle:
            return True  # nothing searchable after analysis: it requires nothing
        return any(_contains(text, needle) for text in paper.fields(term.field))

    def matches(self, paper: PaperText) -> bool:
        if not self.required:
            return False
        return all(self._has(paper, t, n) for t, n in self.required) and not any(
            self._has(paper, t, n) for t, n in self.excluded
        )


def check_saved_search(text: str) -> str:
    """The query as it will be saved; BadSavedSearch when it could keep no paper."""
    text = " ".join(text.split())
    if not text:
        raise BadSavedSearch("Write some words to look for.")
    matcher = SavedSearchMatcher(text)
    if matcher.query.truncated:
        raise BadSavedSearch(f"A saved search is at most {len(matcher.query.text)} characters.")
    if matcher.query.arxiv_id:
        raise BadSavedSearch(
            f"“{text}” is one paper's id: a saved search looks for words in new papers."
        )
    if not matcher.required:
        raise BadSavedSearch(
            f"“{text}” has no word to look for (exclusions and common words like “the” "
            "only narrow a search)."
        )
    return text

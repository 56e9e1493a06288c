"""The search box's query language, parsed into terms every backend can use.

    attention "graph neural" -survey ti:transformer au:lovelace abs:"few shot" cat:cs.LG

Plain words rank results (a paper may match any of them, the more the better);
"quoted phrases" and ti:/au:/abs: terms must match; -term or NOT term excludes;
cat: keeps papers in a category (cs.LG) or an archive (cs). Nothing a reader types
is an error: unknown fields are searched as words and an unbalanced quote is
closed, each with a notice saying so; stray syntax characters (* ^ ( ) ; --) are
dropped. A query of exclusions alone finds nothing, with a notice, because
"everything except X" is never what a search box is for.
"""

import re
from dataclasses import dataclass

from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id

MAX_QUERY_LENGTH = 250

FIELDS = {
    "ti": "ti",
    "title": "ti",
    "au": "au",
    "author": "au",
    "abs": "abs",
    "abstract": "abs",
    "cat": "cat",
    "category": "cat",
}
# A field prefix is letters then a colon: "ti:", but not "10:30" or "https://".
_FIELD = re.compile(r"([A-Za-z]+):(?!//)")
# Boolean words people bring from other search engines: AND and OR say what
# plain words already do; NOT excludes the next term like a minus sign.
_CONNECTIVES = frozenset({"AND", "OR", "&&", "||"})


@dataclass(frozen=True)
class Term:
    text: str
    field: str | None  # None | "ti" | "au" | "abs" | "cat"
    phrase: bool
    negated: bool


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the query after cutting to MAX_QUERY_LENGTH
    truncated: bool
    terms: tuple[Term, ...]
    arxiv_id: str | None  # the whole query was an arXiv id or URL
    notices: tuple[str, ...]  # sentences for the reader

    def is_empty(self) -> bool:
        return not self.terms

    def dense_text(self) -> str:
        """What to embed: the positive words and phrases about the paper's content.

        Categories are filters and author names say nothing about the topic, so
        neither is embedded.
        """
        return " ".join(
            t.text for t in self.terms if not t.negated and t.field not in ("cat", "au")
        )


def _searchable(text: str) -> bool:
    # Words of bare ASCII punctuation (*, --, (, ;) carry nothing to search for;
    # letters and digits of any script, and emoji, are kept.
    return any(ch.isalnum() or ord(ch) > 127 for ch in text)


def _whole_arxiv_id(text: str) -> str | None:
    if " " in text.strip():
        return None
    try:
        return parse_arxiv_id(text).id
    except InvalidArxivId:
        return None


def parse_query(text: str) -> ParsedQuery:
    text = (text or "").replace("\x00", "")
    truncated = len(text) > MAX_QUERY_LENGTH
    text = text[:MAX_QUERY_LENGTH]
    notices: list[str] = []
    arxiv_id = _whole_arxiv_id(text) if text.strip() else None
    if arxiv_id:
        term = Term(text=arxiv_id, field=None, phrase=True, negated=False)
        return ParsedQuery(text, truncated, (term,), arxiv_id, ())

    terms: list[Term] = []
    pos, end = 0, len(text)
    negate_next = False
    while pos < end:
        if text[pos].isspace():
            pos += 1
            continue
        negated, negate_next = negate_next, False
        if text[pos] == "-" and pos + 1 < end and not text[pos + 1].isspace():
            negated = True
            pos += 1
        field, unknown_field = None, False
        if match := _FIELD.match(text, pos):
            name = match[1].lower()
            if name in FIELDS:
                field = FIELDS[name]
                pos = match.end()
                if pos >= end or text[pos].isspace():
                    notices.append(f"{match[0]} needs something after it, so it was left out.")
                    continue
            else:
                unknown_field = True
                notices.append(
                    f"There is no field {match[0]!r}; it was searched as words "
                    "(fields are ti:, au:, abs: and cat:)."
                )
        if text[pos] == '"':
            close = text.find('"', pos + 1)
            if close == -1:
                notices.append("A quote was not closed; the phrase runs to the end of the query.")
                close = end
            value, phrase = " ".join(text[pos + 1 : close].split()), True
            pos = close + 1
        else:
            stop = pos
            while stop < end and not text[stop].isspace() and text[stop] != '"':
                stop += 1
            value, phrase = text[pos:stop], False
            pos = stop
            if field is None and not negated and value == "NOT":
                negate_next = True
                continue
            if field is None and value in _CONNECTIVES:
                continue
            if unknown_field and not negated:
                # A prefix that is not a field: foo:bar is two words.
                parts = [p for p in re.split(r":+", value) if p]
                if len(parts) > 1:
                    terms.extend(Term(p, None, False, False) for p in parts if _searchable(p))
                    continue
        if not _searchable(value):
            continue
        if field == "cat":
            phrase = False  # a category code is one token, quoted or not
        terms.append(Term(text=value, field=field, phrase=phrase, negated=negated))

    unique = tuple(dict.fromkeys(terms))
    if unique and all(t.negated for t in unique):
        notices.append("Add a word to search for: exclusions only narrow a search.")
    return ParsedQuery(text, truncated, unique, None, tuple(dict.fromkeys(notices)))

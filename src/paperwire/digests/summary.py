"""The one line a digest says about a paper."""

import re

from paperwire.papers.models import Paper

MAX_SUMMARY = 280
# A sentence ends at . ! or ? followed by a space and a capital letter or digit,
# unless the period ends a common abbreviation ("e.g. BERT", "et al. Smith").
_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bal)(?<!\bvs)(?<!\bcf)[.!?](?=\s+[A-Z0-9(])")


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    if match := _END.search(text):
        text = text[: match.end()]
    return shorten(text)


def shorten(text: str, limit: int = MAX_SUMMARY) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def one_line(paper: Paper) -> str:
    """The AI summary when the paper has one, else its abstract's first sentence."""
    if paper.ai_summary.strip():
        return shorten(" ".join(paper.ai_summary.split()))
    return first_sentence(paper.abstract)

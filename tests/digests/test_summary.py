import pytest

from paperwire.digests.summary import MAX_SUMMARY, first_sentence, one_line
from paperwire.papers.models import Paper


@pytest.mark.parametrize(
    ("abstract", "sentence"),
    [
        ("We study X. Then Y.", "We study X."),
        ("Models (e.g. BERT) help. Then Y.", "Models (e.g. BERT) help."),
        ("As Smith et al. Show, it works. Then Y.", "As Smith et al. Show, it works."),
        ("Version 2.0 is out. 3 tests pass.", "Version 2.0 is out."),
        ("No full stop at all", "No full stop at all"),
        ("Wrapped\n  across   lines. Next.", "Wrapped across lines."),
    ],
)
def test_the_first_sentence_of_an_abstract(abstract: str, sentence: str) -> None:
    assert first_sentence(abstract) == sentence


def test_a_long_sentence_is_cut_at_a_word() -> None:
    line = first_sentence("word " * 200)
    assert len(line) <= MAX_SUMMARY and line.endswith("word…")


def test_the_ai_summary_comes_first_when_there_is_one() -> None:
    paper = Paper(abstract="The abstract. More.", ai_summary=" A short\nsummary. ")
    assert one_line(paper) == "A short summary."
    assert one_line(Paper(abstract="The abstract. More.")) == "The abstract."

"""Saved searches read as alerts: every word, after the search index's own analysis."""

import pytest

from paperwire.digests.matching import (
    BadSavedSearch,
    PaperText,
    SavedSearchMatcher,
    check_saved_search,
)

PAPER = PaperText.of(
    "Speculative Decoding for Large Language Models",
    "We accelerate inference of transformer networks with a draft model. Ångström-level gains.",
    ["Ada Lovelace", "Alan Turing"],
    ["cs.CL", "cs.LG"],
)


@pytest.mark.parametrize(
    "query",
    [
        "speculative decoding",
        "Speculative decoding language model",  # stems: model finds Models
        '"large language models"',
        "ti:speculative abs:draft",
        "au:lovelace",
        'au:"alan turing"',
        "cat:cs.CL decoding",
        "cat:cs decoding",
        "network angstrom",  # networks, Ångström
        "the decoding",  # a stop word alone requires nothing
        "decoding -survey",
    ],
)
def test_it_keeps_a_paper_that_has_every_term(query: str) -> None:
    assert SavedSearchMatcher(query).matches(PAPER)


@pytest.mark.parametrize(
    "query",
    [
        "speculative diffusion",  # one word missing is enough to leave it out
        '"language large"',
        "abs:speculative",  # only in the title
        "ti:draft",
        "decoding -draft",
        "cat:math decoding",
        '"lovelace alan"',  # a phrase does not run across two author names
    ],
)
def test_it_leaves_out_a_paper_that_misses_one(query: str) -> None:
    assert not SavedSearchMatcher(query).matches(PAPER)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("   ", "Write some words"),
        ("-survey", "no word to look for"),
        ("the of and", "no word to look for"),
        ("2401.12345", "one paper's id"),
        ("x" * 300, "at most 250 characters"),
    ],
)
def test_a_search_that_could_keep_nothing_is_refused(query: str, reason: str) -> None:
    with pytest.raises(BadSavedSearch, match=reason):
        check_saved_search(query)


def test_a_saved_search_is_kept_with_its_spaces_tidied() -> None:
    assert check_saved_search('  "speculative   decoding"  -survey ') == (
        '"speculative decoding" -survey'
    )

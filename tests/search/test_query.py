import pytest

from paperwire.search.query import MAX_QUERY_LENGTH, Term, parse_query


def word(text: str, field: str | None = None, negated: bool = False) -> Term:
    return Term(text=text, field=field, phrase=False, negated=negated)


def phrase(text: str, field: str | None = None, negated: bool = False) -> Term:
    return Term(text=text, field=field, phrase=True, negated=negated)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("graph neural networks", [word("graph"), word("neural"), word("networks")]),
        ('"graph neural" networks', [phrase("graph neural"), word("networks")]),
        ("attention -survey", [word("attention"), word("survey", negated=True)]),
        ('attention -"a survey"', [word("attention"), phrase("a survey", negated=True)]),
        ("ti:transformer", [word("transformer", "ti")]),
        ('ti:"a phrase"', [phrase("a phrase", "ti")]),
        ("au:lovelace", [word("lovelace", "au")]),
        ('abs:"few shot"', [phrase("few shot", "abs")]),
        ("cat:cs.LG", [word("cs.LG", "cat")]),
        ('cat:"cs.LG"', [word("cs.LG", "cat")]),
        ("-cat:cs.CV", [word("cs.CV", "cat", negated=True)]),
        ("TITLE:Transformer Author:Ada", [word("Transformer", "ti"), word("Ada", "au")]),
        ("NOT vision transformers", [word("vision", negated=True), word("transformers")]),
        ("vision AND language OR speech", [word("vision"), word("language"), word("speech")]),
        ("a  a   b", [word("a"), word("b")]),
        ("🚀 ракеты 注意力", [word("🚀"), word("ракеты"), word("注意力")]),
        ("O'Reilly's", [word("O'Reilly's")]),
        ("10:30 meeting", [word("10:30"), word("meeting")]),
        ("* ^ : ( ) ' ; -- &&", []),
        ("NEAR(a b)", [word("NEAR(a"), word("b)")]),
        ("'; DROP TABLE papers_paper; --", [word("DROP"), word("TABLE"), word("papers_paper;")]),
        ('a"b c"', [word("a"), phrase("b c")]),
        ('""', []),
        ("", []),
        ("   ", []),
    ],
)
def test_it_parses(text: str, terms: list[Term]) -> None:
    parsed = parse_query(text)
    assert list(parsed.terms) == terms
    assert parsed.is_empty() == (not terms)


def test_an_unknown_field_is_searched_as_words_with_a_notice() -> None:
    parsed = parse_query("foo:bar baz")
    assert parsed.terms == (word("foo"), word("bar"), word("baz"))
    assert any("foo:" in notice for notice in parsed.notices)


def test_a_field_without_a_value_is_left_out_with_a_notice() -> None:
    parsed = parse_query("ti: attention")
    assert parsed.terms == (word("attention"),)
    assert any("ti:" in notice for notice in parsed.notices)


def test_an_unbalanced_quote_is_closed_with_a_notice() -> None:
    parsed = parse_query('attention "graph neural')
    assert parsed.terms == (word("attention"), phrase("graph neural"))
    assert any("quote" in notice for notice in parsed.notices)


def test_exclusions_alone_get_a_notice() -> None:
    parsed = parse_query('-survey -"a review"')
    assert not parsed.is_empty()
    assert parsed.dense_text() == ""
    assert any("exclusions" in notice for notice in parsed.notices)


def test_a_long_query_is_cut_at_250_characters() -> None:
    parsed = parse_query("word " * 100)
    assert parsed.truncated
    assert len(parsed.text) == MAX_QUERY_LENGTH == 250
    assert not parse_query("short").truncated


def test_a_cut_inside_a_phrase_closes_it() -> None:
    parsed = parse_query('"' + "a" * 300)
    assert parsed.truncated
    assert parsed.terms == (phrase("a" * 249),)


@pytest.mark.parametrize(
    ("text", "arxiv_id"),
    [
        ("2502.08025", "2502.08025"),
        ("  2502.08025v2 ", "2502.08025"),
        ("arXiv:2502.08025", "2502.08025"),
        ("https://arxiv.org/abs/2502.08025v1", "2502.08025"),
        ("arxiv.org/pdf/2502.08025", "2502.08025"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("2502.08025 attention", None),
        ("1313.12345", None),
        ("attention", None),
    ],
)
def test_an_arxiv_id_or_url_alone_is_recognized(text: str, arxiv_id: str | None) -> None:
    assert parse_query(text).arxiv_id == arxiv_id


def test_dense_text_is_the_positive_content_terms() -> None:
    parsed = parse_query('graph "neural nets" -survey ti:molecules au:lovelace cat:cs.LG')
    assert parsed.dense_text() == "graph neural nets molecules"


def test_null_characters_are_dropped() -> None:
    assert parse_query("gra\x00ph").terms == (word("graph"),)

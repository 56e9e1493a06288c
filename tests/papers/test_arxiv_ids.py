import pytest

from paperwire.papers.arxiv_ids import ArxivId, InvalidArxivId, normalize_arxiv_id, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2502.08025", ArxivId("2502.08025", None)),
        ("0704.0001", ArxivId("0704.0001", None)),
        ("1412.9999v3", ArxivId("1412.9999", 3)),
        ("arXiv:2502.08025v2", ArxivId("2502.08025", 2)),
        ("ARXIV: 2502.08025", ArxivId("2502.08025", None)),
        ("  2502.08025v1\n", ArxivId("2502.08025", 1)),
        ("https://arxiv.org/abs/2502.08025", ArxivId("2502.08025", None)),
        ("http://arxiv.org/abs/2502.08025v2", ArxivId("2502.08025", 2)),
        ("https://arxiv.org/pdf/2502.08025v2", ArxivId("2502.08025", 2)),
        ("https://arxiv.org/pdf/2502.08025v2.pdf", ArxivId("2502.08025", 2)),
        ("https://www.arxiv.org/html/2502.08025v1/", ArxivId("2502.08025", 1)),
        ("https://export.arxiv.org/abs/2502.08025?context=cs", ArxivId("2502.08025", None)),
        ("arxiv.org/abs/2502.08025#comments", ArxivId("2502.08025", None)),
        ("https://huggingface.co/papers/2502.08025", ArxivId("2502.08025", None)),
        ("hep-th/9901001", ArxivId("hep-th/9901001", None)),
        ("hep-th/9901001v3", ArxivId("hep-th/9901001", 3)),
        ("math.GT/0309136", ArxivId("math/0309136", None)),
        ("arXiv:cond-mat/0703001v1", ArxivId("cond-mat/0703001", 1)),
        ("https://arxiv.org/abs/hep-th/9901001", ArxivId("hep-th/9901001", None)),
        ("https://arxiv.org/pdf/quant-ph/0512258v2", ArxivId("quant-ph/0512258", 2)),
    ],
)
def test_every_accepted_form_normalizes_to_one_id(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected
    assert normalize_arxiv_id(text) == expected.id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "an arXiv id is required"),
        ("   ", "an arXiv id is required"),
        ("hello world", "is not an arXiv id or arXiv URL"),
        ("2502.0802", "five digits after the dot"),
        ("2502.080251", "is not an arXiv id or arXiv URL"),
        ("2513.00001", "13 is not a month"),
        ("0612.0001", "new-style ids start in April 2007"),
        ("1412.12345", "four digits after the dot"),
        ("1501.1234", "five digits after the dot"),
        ("foo-bar/9901001", "unknown archive"),
        ("hep-th/9913001", "13 is not a month"),
        ("hep-th/1201001", "old-style ids run from 1991 to 2007"),
        ("hep-th/99010011", "is not an arXiv id or arXiv URL"),
        ("https://example.com/abs/2502.08025", "is not an arXiv or paper URL"),
        ("https://arxiv.org/list/cs.LG/recent", "is not an arXiv or paper URL"),
        ("2502.08025; DROP TABLE papers", "is not an arXiv id or arXiv URL"),
        ("x" * 400, "too long"),
    ],
)
def test_anything_else_is_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(InvalidArxivId, match=message):
        parse_arxiv_id(text)

"""arXiv identifiers: every form a user may paste normalizes to one id.

New style ids are YYMM.NNNN (April 2007 to 2014) or YYMM.NNNNN (from 2015);
old style ids are archive/YYMMNNN, where a subject class in the archive
(math.GT/0309136) is dropped as arXiv itself does.
"""

import re
from typing import NamedTuple
from urllib.parse import urlsplit

OLD_ARCHIVES = frozenset(
    """
    acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg
    comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph
    mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int
    supr-con
    """.split()
)

_NEW = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<v>\d+))?")
_OLD = re.compile(
    r"(?P<archive>[a-z][a-z-]*)(?:\.[A-Za-z-]+)?/(?P<yymm>\d{4})(?P<num>\d{3})(?:v(?P<v>\d+))?"
)
_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_URL_PATH = re.compile(
    r"^/(?:abs|pdf|html|format|ps|papers|api/papers)/(?P<id>.+?)(?:\.pdf|\.md)?/?$"
)
_HOSTS = ("arxiv.org", "www.arxiv.org", "export.arxiv.org", "huggingface.co", "hf.co")


class InvalidArxivId(ValueError):
    pass


class ArxivId(NamedTuple):
    id: str
    version: int | None


def _check_month(yymm: str, text: str) -> None:
    if not 1 <= int(yymm[2:]) <= 12:
        raise InvalidArxivId(f"{text!r} is not an arXiv id: {yymm[2:]} is not a month")


def _parse_bare(candidate: str, text: str) -> ArxivId:
    if m := _NEW.fullmatch(candidate):
        yymm, num = m["yymm"], m["num"]
        _check_month(yymm, text)
        if int(yymm) < 704:
            raise InvalidArxivId(f"{text!r} is not an arXiv id: new-style ids start in April 2007")
        if (len(num) == 5) != (int(yymm) >= 1501):
            digits = "five" if int(yymm) >= 1501 else "four"
            raise InvalidArxivId(
                f"{text!r} is not an arXiv id: ids from {yymm[:2]}{yymm[2:]} have {digits} "
                "digits after the dot"
            )
        return ArxivId(f"{yymm}.{num}", int(m["v"]) if m["v"] else None)
    if m := _OLD.fullmatch(candidate):
        archive, yymm = m["archive"], m["yymm"]
        if archive not in OLD_ARCHIVES:
            raise InvalidArxivId(f"{text!r} is not an arXiv id: unknown archive {archive!r}")
        _check_month(yymm, text)
        year = int(yymm[:2])
        if not (year >= 91 or year <= 7):
            raise InvalidArxivId(
                f"{text!r} is not an arXiv id: old-style ids run from 1991 to 2007"
            )
        return ArxivId(f"{archive}/{yymm}{m['num']}", int(m["v"]) if m["v"] else None)
    raise InvalidArxivId(
        f"{text!r} is not an arXiv id or arXiv URL "
        "(expected e.g. 2502.08025, arXiv:2502.08025v2, hep-th/9901001 or https://arxiv.org/abs/...)"
    )


def parse_arxiv_id(text: str) -> ArxivId:
    """The id and version (None when not given) in an id, arXiv: reference or URL."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidArxivId("an arXiv id is required")
    if len(raw) > 300:
        raise InvalidArxivId("that is too long to be an arXiv id or URL")
    candidate = _PREFIX.sub("", raw)
    if "://" in candidate or candidate.lower().startswith(_HOSTS):
        url = urlsplit(candidate if "://" in candidate else f"https://{candidate}")
        host = (url.hostname or "").lower()
        path_match = _URL_PATH.match(url.path)
        if host not in _HOSTS or not path_match:
            raise InvalidArxivId(f"{raw!r} is not an arXiv or paper URL")
        candidate = path_match["id"]
    return _parse_bare(candidate, raw)


def normalize_arxiv_id(text: str) -> str:
    """The canonical id (no version) for any accepted form; InvalidArxivId otherwise."""
    return parse_arxiv_id(text).id


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"

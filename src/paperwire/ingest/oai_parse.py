"""OAI-PMH ListRecords responses from arXiv, parsed into PaperRecords.

Two metadata formats: oai_dc, the Dublin Core every repository offers, and
arXiv's own (http://arxiv.org/OAI/arXiv/), which keeps name parts,
affiliations, category codes in arXiv's order, report numbers and the licence.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from paperwire.ingest.records import (
    AuthorName,
    PaperRecord,
    RecordError,
    clean_abstract,
    clean_line,
)
from paperwire.ingest.xml import MalformedXml, XmlDeclaresDtd, parse_untrusted_xml
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.taxonomy import category_for_subject

log = logging.getLogger(__name__)

OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
DC = "{http://purl.org/dc/elements/1.1/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
METADATA_PREFIXES = ("oai_dc", "arXiv")
ARXIV_OAI_PREFIX = "oai:arxiv.org:"  # compared case-folded

# What each OAI-PMH error means for a harvest, in the user's words.
ERROR_MEANINGS = {
    "badArgument": "the repository rejected the request's arguments (a date, set or prefix)",
    "badResumptionToken": "the repository no longer accepts the resumption token (tokens expire)",
    "badVerb": "the repository does not understand the request (bad or missing verb)",
    "cannotDisseminateFormat": "the repository does not offer records in this metadata format",
    "idDoesNotExist": "the repository has no item with the requested identifier",
    "noMetadataFormats": "the repository has no metadata formats for the requested item",
    "noSetHierarchy": "the repository does not support sets: harvest without a set",
}


class OaiError(Exception):
    """A harvest that cannot go on; the message names the request and says why."""


class OaiResponseError(OaiError):
    """A response that is not a usable OAI-PMH document."""


class OaiProtocolError(OaiError):
    """The repository answered with an OAI-PMH error."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass
class ListPage:
    """One ListRecords response: its papers and where the list goes on."""

    records: list[PaperRecord] = field(default_factory=list)
    deleted: int = 0
    skipped: int = 0  # records that are not arXiv papers
    last_datestamp: date | None = None  # the latest header datestamp on the page
    token: str = ""  # empty on the last page
    complete_list_size: int | None = None
    cursor: int | None = None

    @property
    def size(self) -> int:
        return len(self.records) + self.deleted + self.skipped


def parse_list_records(content: bytes, where: str) -> ListPage:
    """Every record of a ListRecords response; `where` names the request in errors."""
    root = _document(content, where)
    errors = root.findall(f"{OAI}error")
    if errors:
        codes = [e.get("code", "") for e in errors]
        if codes == ["noRecordsMatch"]:
            return ListPage(complete_list_size=0)  # an empty list, not a failure
        raise _protocol_error(errors, where)
    list_records = root.find(f"{OAI}ListRecords")
    if list_records is None:
        raise OaiResponseError(f"{where}: the response has neither records nor an error")
    page = ListPage()
    for record in list_records.iterfind(f"{OAI}record"):
        _add_record(page, record, where)
    _read_token(page, list_records.find(f"{OAI}resumptionToken"))
    return page


def _document(content: bytes, where: str) -> Any:
    try:
        root = parse_untrusted_xml(content)
    except MalformedXml as e:
        raise OaiResponseError(f"{where}: the response is not well-formed XML ({e})") from None
    except XmlDeclaresDtd:
        raise OaiResponseError(
            f"{where}: the response declares a DTD, which OAI-PMH never does"
        ) from None
    if root.tag != f"{OAI}OAI-PMH":
        raise OaiResponseError(f"{where}: the response is not OAI-PMH (root element {root.tag!r})")
    return root


def _protocol_error(errors: list[Any], where: str) -> OaiProtocolError:
    parts = []
    for error in errors:
        code = error.get("code", "")
        meaning = ERROR_MEANINGS.get(code, "the repository answered with an error")
        said = clean_line(error.text)
        parts.append(f"{meaning} ({code}{': ' + said if said else ''})")
    return OaiProtocolError(errors[0].get("code", ""), f"{where}: {'; '.join(parts)}")


def _read_token(page: ListPage, element: Any) -> None:
    if element is None:
        return
    page.token = (element.text or "").strip()
    page.complete_list_size = _count(element.get("completeListSize"))
    page.cursor = _count(element.get("cursor"))


def _count(text: str | None) -> int | None:
    # Both attributes are optional hints for progress; a bad one is dropped, not fatal.
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _add_record(page: ListPage, record: Any, where: str) -> None:
    header = record.find(f"{OAI}header")
    if header is None:
        raise OaiResponseError(f"{where}: a record has no header")
    datestamp = _datestamp(header.findtext(f"{OAI}datestamp"))
    if datestamp and (page.last_datestamp is None or datestamp > page.last_datestamp):
        page.last_datestamp = datestamp
    if header.get("status") == "deleted":
        page.deleted += 1
        return
    identifier = clean_line(header.findtext(f"{OAI}identifier"))
    try:
        page.records.append(_paper(identifier, record.find(f"{OAI}metadata")))
    except RecordError as e:
        # One odd record should not stop a harvest of millions; it is logged and counted.
        log.warning("%s: skipped record %s: %s", where, identifier or "(no identifier)", e)
        page.skipped += 1


def _datestamp(text: str | None) -> date | None:
    # Day or second granularity (2024-01-26 or 2011-07-18T16:31:00Z); the day is enough.
    try:
        return date.fromisoformat(clean_line(text)[:10])
    except ValueError:
        return None


def _paper(identifier: str, metadata: Any) -> PaperRecord:
    # The format's root element; lxml also lists comments among the children.
    elements = [] if metadata is None else [c for c in metadata if isinstance(c.tag, str)]
    if not elements:
        raise RecordError("the record has no metadata")
    content = elements[0]
    if content.tag == f"{OAI_DC}dc":
        return _dc_paper(identifier, content)
    if content.tag == f"{ARXIV}arXiv":
        return _arxiv_paper(content)
    raise RecordError(f"metadata in an unknown format ({content.tag})")


# --- oai_dc ----------------------------------------------------------------


def _dc_paper(identifier: str, dc: Any) -> PaperRecord:
    def texts(name: str) -> list[str]:
        return [e.text or "" for e in dc.iterfind(f"{DC}{name}")]

    arxiv_id = _id_from_header(identifier)
    doi = journal_ref = ""
    for value in map(clean_line, texts("identifier")):
        if value.lower().startswith("doi:"):
            doi = doi or _first_doi(value[4:])
        elif "://" in value:
            arxiv_id = arxiv_id or _id_from_url(value)
        elif value:
            # arXiv lists the journal reference as an identifier too.
            journal_ref = journal_ref or value
    if not arxiv_id:
        raise RecordError("not an arXiv paper (no arXiv identifier)")
    title = clean_line(next(iter(texts("title")), ""))
    if not title:
        raise RecordError(f"{arxiv_id} has no title")
    abstract = comments = ""
    for text in texts("description"):
        line = clean_line(text)
        if line.startswith("Comment:"):
            comments = comments or line.removeprefix("Comment:").strip()
        elif line:
            abstract = abstract or clean_abstract(text)
    dates = [_day(text, arxiv_id) for text in texts("date") if text.strip()]
    codes = (category_for_subject(subject) for subject in texts("subject"))
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=[AuthorName(_dc_name(c)) for c in texts("creator") if clean_line(c)],
        categories=list(dict.fromkeys(code for code in codes if code)),
        published_at=dates[0] if dates else None,
        updated_at=dates[-1] if dates else None,
        doi=doi,
        journal_ref=journal_ref,
        comments=comments,
    )


def _id_from_header(identifier: str) -> str:
    if not identifier.casefold().startswith(ARXIV_OAI_PREFIX):
        return ""
    try:
        return parse_arxiv_id(identifier[len(ARXIV_OAI_PREFIX) :]).id
    except InvalidArxivId:
        return ""


def _id_from_url(url: str) -> str:
    try:
        return parse_arxiv_id(url).id
    except InvalidArxivId:
        return ""


def _dc_name(creator: str) -> str:
    """arXiv writes "Last, First" or "Last, Suffix, First"; papers show "First Last Suffix"."""
    parts = [clean_line(p) for p in creator.split(",")]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}".strip()
    if len(parts) == 3:
        return " ".join(p for p in (parts[2], parts[0], parts[1]) if p)
    return clean_line(creator)  # a collaboration, or a name arXiv did not split


# --- arXiv -----------------------------------------------------------------


def _arxiv_paper(meta: Any) -> PaperRecord:
    def text(name: str) -> str:
        return meta.findtext(f"{ARXIV}{name}") or ""

    try:
        arxiv_id = parse_arxiv_id(clean_line(text("id"))).id
    except InvalidArxivId as e:
        raise RecordError(str(e)) from None
    title = clean_line(text("title"))
    if not title:
        raise RecordError(f"{arxiv_id} has no title")
    created, updated = clean_line(text("created")), clean_line(text("updated"))
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=clean_abstract(text("abstract")),
        authors=[_arxiv_author(a) for a in meta.iterfind(f"{ARXIV}authors/{ARXIV}author")],
        categories=list(dict.fromkeys(clean_line(text("categories")).split())),
        published_at=_day(created, arxiv_id) if created else None,
        updated_at=_day(updated, arxiv_id) if updated else None,
        doi=_first_doi(text("doi")),
        journal_ref=clean_line(text("journal-ref")),
        comments=clean_line(text("comments")),
        report_no=clean_line(text("report-no")),
        license=clean_line(text("license")),
    )


def _arxiv_author(author: Any) -> AuthorName:
    parts = (clean_line(author.findtext(f"{ARXIV}{p}")) for p in ("forenames", "keyname", "suffix"))
    affiliations = (clean_line(a.text) for a in author.iterfind(f"{ARXIV}affiliation"))
    return AuthorName(
        " ".join(p for p in parts if p), "; ".join(dict.fromkeys(a for a in affiliations if a))
    )


# --- shared ----------------------------------------------------------------


def _first_doi(text: str) -> str:
    # arXiv separates several DOIs with spaces; a paper keeps the first.
    return next(iter(clean_line(text).split()), "")


def _day(text: str, arxiv_id: str) -> datetime:
    try:
        day = date.fromisoformat(clean_line(text)[:10])
    except ValueError:
        raise RecordError(f"{arxiv_id}: {text.strip()!r} is not a date") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)

import gzip
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperwire.ingest.oai_parse import (
    ListPage,
    OaiProtocolError,
    OaiResponseError,
    parse_list_records,
)
from paperwire.ingest.records import AuthorName
from paperwire.papers.arxiv_ids import parse_arxiv_id
from tests.ingest.fixtures.oai.pages import own_fixture

WHERE = "ListRecords page 1 (metadataPrefix=oai_dc)"
ENVELOPE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
    b"<responseDate>2024-02-01T10:00:00Z</responseDate>\n"
    b'<request verb="ListRecords" metadataPrefix="oai_dc" set="physics:quant-ph">'
    b"http://export.arxiv.org/oai2</request>\n%s\n</OAI-PMH>\n"
)


@pytest.fixture(scope="module")
def quant_ph_records(shared_data: Path) -> bytes:
    path = shared_data / "arxiv" / "fixtures" / "oai-dc-records-quant-ph-no-envelope.xml.gz"
    return gzip.decompress(path.read_bytes())


@pytest.fixture(scope="module")
def quant_ph(quant_ph_records: bytes) -> ListPage:
    # The file is a <ListRecords> element stripped of its OAI-PMH envelope.
    return parse_list_records(ENVELOPE % quant_ph_records.strip(), WHERE)


def fixture(shared_data: Path, *parts: str) -> bytes:
    return shared_data.joinpath("arxiv", "fixtures", *parts).read_bytes()


def by_id(page: ListPage) -> dict:
    return {r.arxiv_id: r for r in page.records}


def test_it_parses_every_one_of_the_2000_quant_ph_records(quant_ph: ListPage) -> None:
    assert (len(quant_ph.records), quant_ph.deleted, quant_ph.skipped) == (2000, 0, 0)
    # The file holds 1,000 papers, each harvested twice.
    assert len(by_id(quant_ph)) == 1000
    for record in quant_ph.records:
        assert parse_arxiv_id(record.arxiv_id).id == record.arxiv_id
        assert record.title and record.abstract and record.authors
        assert "quant-ph" in record.categories
        assert record.published_at and record.updated_at
        assert record.published_at <= record.updated_at
        assert not record.abstract.startswith("Comment:")


def test_it_keeps_the_comments_dois_and_journal_references(
    quant_ph: ListPage, quant_ph_records: bytes
) -> None:
    raw = quant_ph_records.split(b"</record>")[:-1]
    records = quant_ph.records
    assert sum(bool(r.comments) for r in records) == sum(b">Comment: " in r for r in raw)
    # Several DOIs come as several identifiers; the paper keeps the first.
    assert sum(bool(r.doi) for r in records) == sum(b"<dc:identifier>doi:" in r for r in raw)
    journal_ref = re.compile(rb"<dc:identifier>(?!http|doi:)")
    assert sum(bool(r.journal_ref) for r in records) == sum(
        bool(journal_ref.search(r)) for r in raw
    )
    assert by_id(quant_ph)["0706.4075"].doi == "10.1063/1.2827330"


def test_it_maps_an_oai_dc_record_field_by_field(quant_ph: ListPage) -> None:
    paper = by_id(quant_ph)["0704.0046"]
    assert paper.title == "A limit relation for entropy and channel capacity per unit cost"
    assert paper.authors == [AuthorName("I. Csiszar"), AuthorName("F. Hiai"), AuthorName("D. Petz")]
    assert paper.categories == ["quant-ph", "cs.IT"]
    assert paper.abstract.startswith("In a quantum mechanical model, Diosi, Feldmann and Kosloff")
    assert "\n" not in paper.abstract
    assert paper.comments == "LATEX file, 11 pages"
    assert paper.journal_ref == "J. Math. Phys. 48(2007), 092102."
    assert paper.doi == "10.1063/1.2779138"
    assert paper.published_at == paper.updated_at == datetime(2007, 4, 1, tzinfo=UTC)
    assert paper.version is None  # oai_dc carries no version number


def test_it_turns_last_comma_first_names_around(quant_ph: ListPage) -> None:
    names = {a.name for r in quant_ph.records for a in r.authors}
    assert "Samuel J. Lomonaco Jr" in names  # "Lomonaco, Jr, Samuel J."
    assert "Ladislav Mišta Jr." in names  # "Mi&#x161;ta, Jr., Ladislav"
    assert not any("," in name for name in names)


def test_it_reads_the_first_and_last_date_as_published_and_updated(shared_data: Path) -> None:
    page = parse_list_records(
        fixture(
            shared_data, "oai_pmh_arxiv", "listrecords_oai_dc_cs_from2024-01-25_page1_trimmed5.xml"
        ),
        WHERE,
    )
    paper = by_id(page)["1303.2033"]
    assert paper.published_at == datetime(2013, 3, 8, tzinfo=UTC)
    assert paper.updated_at == datetime(2024, 1, 23, tzinfo=UTC)
    assert paper.categories == ["cs.DS", "cs.IT", "math.NA"]
    assert paper.comments == "32 pages, 9 figures"


def test_it_reads_the_genuine_arxiv_cs_pages_and_their_tokens(shared_data: Path) -> None:
    first = parse_list_records(
        fixture(
            shared_data, "oai_pmh_arxiv", "listrecords_oai_dc_cs_from2024-01-25_page1_trimmed5.xml"
        ),
        WHERE,
    )
    assert (len(first.records), first.token) == (5, "6960524|1001")
    assert (first.cursor, first.complete_list_size) == (0, 1162)
    assert first.last_datestamp == date(2024, 1, 26)
    second = parse_list_records(
        fixture(
            shared_data,
            "oai_pmh_arxiv",
            "listrecords_oai_dc_cs_from2024-01-26_cursor1000_153rec.xml",
        ),
        WHERE,
    )
    assert (len(second.records), second.skipped) == (153, 0)
    assert (second.token, second.cursor, second.complete_list_size) == ("6967186|2001", 1000, 2775)
    assert second.last_datestamp == date(2024, 1, 31)
    paper = by_id(second)["1210.8326"]
    assert [a.name for a in paper.authors][:2] == ["Mikhail Ivanov", "Fredrik Brännström"]
    assert paper.journal_ref == (
        "Proc. Global Communications Conference (GlobeCom), Anaheim, CA, Dec. 2012"
    )
    assert paper.doi == "10.1109/GLOCOM.2012.6503435"
    assert paper.comments.endswith("(GLOBECOM) 2012. Remark 3 modified")


def test_it_reads_the_arxiv_metadata_format() -> None:
    page = parse_list_records(own_fixture("listrecords_arxiv_page1.xml"), WHERE)
    assert (len(page.records), page.deleted, page.token) == (3, 1, "6971302|1001")
    assert page.last_datestamp == date(2024, 1, 30)
    papers = by_id(page)
    first = papers["0704.0001"]
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert [a.name for a in first.authors] == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C.-P. Yuan",
    ]
    assert first.categories == ["hep-ph"]
    assert first.published_at == datetime(2007, 4, 2, tzinfo=UTC)
    assert first.updated_at == datetime(2007, 7, 24, tzinfo=UTC)
    assert (first.doi, first.journal_ref) == (
        "10.1103/PhysRevD.76.013009",
        "Phys.Rev.D76:013009,2007",
    )
    assert (first.report_no, first.comments) == (
        "ANL-HEP-PR-07-12",
        "37 pages, 15 figures; published version",
    )
    assert first.abstract.startswith("A fully differential calculation in perturbative")
    assert "Neal J. Evans II" in [a.name for a in papers["0704.0009"].authors]
    assert papers["0704.0009"].updated_at is None  # one version: no <updated>
    tolstoy = papers["0704.0081"]
    assert tolstoy.authors == [AuthorName("V. N. Tolstoy", "INP, Moscow State University")]
    # arXiv's order, primary first, aliases (math-ph, math.MP) kept as listed.
    assert tolstoy.categories == ["math.QA", "hep-th", "math-ph", "math.MP", "math.RT"]


def test_it_reads_old_style_ids_legacy_categories_and_licences_in_the_arxiv_format() -> None:
    page = parse_list_records(own_fixture("listrecords_arxiv_page2.xml"), WHERE)
    assert (page.token, page.cursor, page.complete_list_size) == ("", 4, 7)
    papers = by_id(page)
    assert papers["acc-phys/9411004"].categories == ["acc-phys", "physics.acc-ph"]
    assert papers["acc-phys/9411004"].report_no == "LAL/RT/94-15"
    assert papers["0704.0002"].license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert [a.affiliation for a in papers["0704.0052"].authors] == ["Harvard University"] * 2


def test_it_counts_deleted_records_and_skips_records_that_are_not_arxiv_papers(
    shared_data: Path,
) -> None:
    page = parse_list_records(
        fixture(shared_data, "oai_pmh_generic_sickle", "ListRecords.xml"), WHERE
    )
    assert (page.records, page.deleted, page.skipped) == ([], 1, 1)
    assert (page.token, page.complete_list_size, page.cursor) == ("ListRecords2.xml", 8, 0)
    last = parse_list_records(
        fixture(shared_data, "oai_pmh_generic_sickle", "ListRecords4.xml"), WHERE
    )
    # No resumptionToken element at all also ends the list; a deleted record may lack a datestamp.
    assert (last.token, last.deleted, last.skipped) == ("", 1, 1)


def test_no_records_match_is_an_empty_list_not_an_error(shared_data: Path) -> None:
    page = parse_list_records(
        fixture(shared_data, "oai_pmh_generic_sickle", "noRecordsMatch.xml"), WHERE
    )
    assert (page.records, page.size, page.token, page.complete_list_size) == ([], 0, "", 0)


@pytest.mark.parametrize(
    ("name", "code", "meaning"),
    [
        ("badArgument.xml", "badArgument", "rejected the request's arguments"),
        ("badResumptionToken.xml", "badResumptionToken", "no longer accepts the resumption token"),
        ("cannotDisseminateFormat.xml", "cannotDisseminateFormat", "does not offer records in"),
        ("idDoesNotExist.xml", "idDoesNotExist", "has no item with the requested identifier"),
        ("noSetHierarchy.xml", "noSetHierarchy", "does not support sets"),
        ("undefinedError.xml", "undefinedError", "answered with an error"),
    ],
)
def test_each_oai_pmh_error_gets_its_own_message(
    shared_data: Path, name: str, code: str, meaning: str
) -> None:
    with pytest.raises(OaiProtocolError) as caught:
        parse_list_records(fixture(shared_data, "oai_pmh_generic_sickle", name), WHERE)
    assert caught.value.code == code
    assert str(caught.value).startswith(f"{WHERE}: ")
    assert meaning in str(caught.value) and f"({code}" in str(caught.value)


def test_the_repositorys_own_words_are_kept_in_the_message(shared_data: Path) -> None:
    with pytest.raises(OaiProtocolError, match="This repository does not support sets"):
        parse_list_records(
            fixture(shared_data, "oai_pmh_generic_sickle", "noSetHierarchy.xml"), WHERE
        )
    with pytest.raises(OaiProtocolError, match=r"\(badVerb: Illegal verb\)"):
        parse_list_records(own_fixture("badVerb.xml"), WHERE)
    with pytest.raises(OaiProtocolError, match="no metadata formats"):
        parse_list_records(own_fixture("noMetadataFormats.xml"), WHERE)


def test_a_broken_response_is_a_clear_error(shared_data: Path) -> None:
    broken = fixture(shared_data, "oai_pmh_generic_sickle", "ListRecordsBroken.xml")
    with pytest.raises(OaiResponseError, match=rf"^{re.escape(WHERE)}: .*not well-formed XML"):
        parse_list_records(broken, WHERE)


def test_a_truncated_page_is_a_clear_error(shared_data: Path) -> None:
    page = fixture(
        shared_data, "oai_pmh_arxiv", "listrecords_oai_dc_cs_from2024-01-26_cursor1000_153rec.xml"
    )
    with pytest.raises(OaiResponseError, match="not well-formed XML"):
        parse_list_records(page[: len(page) // 2], WHERE)


def test_a_document_that_is_not_oai_pmh_is_a_clear_error() -> None:
    with pytest.raises(OaiResponseError, match="not OAI-PMH"):
        parse_list_records(b"<html><body>Service Unavailable</body></html>", WHERE)
    with pytest.raises(OaiResponseError, match="neither records nor an error"):
        parse_list_records(ENVELOPE % b"", WHERE)


def test_it_refuses_entities_instead_of_expanding_them(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    hostile = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE OAI-PMH [<!ENTITY x SYSTEM "file://' + str(secret).encode() + b'">]>\n'
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords/>&x;</OAI-PMH>'
    )
    with pytest.raises(OaiResponseError, match="declares a DTD"):
        parse_list_records(hostile, WHERE)

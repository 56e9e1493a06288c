import socket
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F

from paperwire.ingest.models import HarvestCheckpoint
from paperwire.ingest.oai import (
    BadHarvestArguments,
    HarvestArgs,
    HarvestConflict,
    HarvestResult,
    OaiFetchError,
    harvest_oai,
)
from paperwire.ingest.oai_parse import ListPage, OaiError, OaiProtocolError, OaiResponseError
from paperwire.papers.models import Paper
from tests.ingest.fixtures.oai.pages import (
    chain,
    chain_route,
    datestamps,
    own_fixture,
    split,
    token_for,
    with_token,
)
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.django_db

CS_ARGS = HarvestArgs(set_spec="cs", from_date=date(2024, 1, 25))
TRIMMED5 = "listrecords_oai_dc_cs_from2024-01-25_page1_trimmed5.xml"
PAGE153 = "listrecords_oai_dc_cs_from2024-01-26_cursor1000_153rec.xml"


class Sleeps(list[float]):
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def oai(replay_server: ReplayServer, settings: Any) -> ReplayServer:
    settings.ARXIV_OAI_URL = f"{replay_server.url}/oai"
    settings.ARXIV_DELAY = 3.0
    settings.ARXIV_MAX_RETRIES = 5
    return replay_server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def generic(shared_data: Path) -> Path:
    return shared_data / "arxiv" / "fixtures" / "oai_pmh_generic_sickle"


@pytest.fixture
def arxiv_pages(shared_data: Path) -> list[bytes]:
    folder = shared_data / "arxiv" / "fixtures" / "oai_pmh_arxiv"
    return [(folder / TRIMMED5).read_bytes(), (folder / PAGE153).read_bytes()]


def harvest(args: HarvestArgs = CS_ARGS, **options: Any) -> HarvestResult:
    options.setdefault("sleep", Sleeps())
    return harvest_oai(args, **options)


def queries(server: ReplayServer) -> list[dict[str, list[str]]]:
    return [seen.query for seen in server.requests]


def checkpoint() -> HarvestCheckpoint:
    return HarvestCheckpoint.objects.get()


def test_it_follows_a_token_chain_to_the_last_page(
    oai: ReplayServer, generic: Path, sleeps: Sleeps
) -> None:
    served = {"": (generic / "ListRecords.xml").read_bytes()}
    served |= {
        f"ListRecords{n}.xml": (generic / f"ListRecords{n}.xml").read_bytes() for n in (2, 3, 4)
    }
    oai.route = chain_route(served, rejected=b"")
    args = HarvestArgs(set_spec="cs", from_date=date(2026, 11, 1), until_date=date(2026, 11, 30))

    result = harvest(args, sleep=sleeps)

    assert queries(oai) == [
        {
            "verb": ["ListRecords"],
            "metadataPrefix": ["oai_dc"],
            "set": ["cs"],
            "from": ["2026-11-01"],
            "until": ["2026-11-30"],
        },
        {"verb": ["ListRecords"], "resumptionToken": ["ListRecords2.xml"]},
        {"verb": ["ListRecords"], "resumptionToken": ["ListRecords3.xml"]},
        {"verb": ["ListRecords"], "resumptionToken": ["ListRecords4.xml"]},
    ]
    assert all(seen.path == "/oai" for seen in oai.requests)
    assert oai.requests[0].headers["User-Agent"].startswith("Paperwire/")
    assert sleeps == [3.0, 3.0, 3.0]  # the polite delay, between requests only
    assert (result.pages, result.records, result.deleted, result.skipped) == (4, 0, 4, 4)
    saved = checkpoint()
    assert saved.completed_at is not None and saved.resumption_token == ""
    assert (saved.pages, saved.deleted, saved.skipped, saved.complete_list_size) == (4, 4, 4, 8)
    assert saved.last_datestamp == date(2011, 7, 18)


def test_it_stores_every_paper_of_the_genuine_arxiv_pages(
    oai: ReplayServer, arxiv_pages: list[bytes]
) -> None:
    oai.route = chain_route(chain(arxiv_pages), rejected=b"")

    result = harvest()

    assert queries(oai)[1] == {"verb": ["ListRecords"], "resumptionToken": [token_for(1)]}
    assert (result.pages, result.records, result.created) == (2, 158, 158)
    assert Paper.objects.count() == 158
    saved = checkpoint()
    assert (saved.records, saved.complete_list_size, saved.cursor) == (158, 158, 5)
    assert saved.last_datestamp == date(2024, 1, 31) and saved.completed_at
    paper = Paper.objects.get(arxiv_id="1210.8326")
    assert [s.author.name for s in paper.authorships.all()] == [
        "Mikhail Ivanov",
        "Fredrik Brännström",
        "Alex Alvarado",
        "Erik Agrell",
    ]
    assert paper.primary_category and paper.primary_category.name == "Information Theory"
    assert paper.doi == "10.1109/GLOCOM.2012.6503435"
    assert paper.published_at == datetime(2012, 10, 31, tzinfo=UTC)


def test_it_harvests_the_arxiv_metadata_format(oai: ReplayServer) -> None:
    served = {"": own_fixture("listrecords_arxiv_page1.xml")}
    served["6971302|1001"] = own_fixture("listrecords_arxiv_page2.xml")
    oai.route = chain_route(served, rejected=b"")

    result = harvest(HarvestArgs(metadata_prefix="arXiv", from_date=date(2024, 1, 29)))

    assert queries(oai)[0] == {
        "verb": ["ListRecords"],
        "metadataPrefix": ["arXiv"],
        "from": ["2024-01-29"],
    }
    assert (result.records, result.deleted) == (6, 1)
    assert Paper.objects.count() == 6
    paper = Paper.objects.get(arxiv_id="0704.0081")
    assert [c.category_id for c in paper.paper_categories.all()] == [
        "math.QA",
        "hep-th",
        "math-ph",
        "math.MP",
        "math.RT",
    ]
    assert paper.authorships.get().affiliation == "INP, Moscow State University"
    assert Paper.objects.get(arxiv_id="0704.0001").report_no == "ANL-HEP-PR-07-12"
    assert Paper.objects.get(arxiv_id="acc-phys/9411004").primary_category_id == "acc-phys"


def test_it_waits_out_a_503_as_long_as_retry_after_says(
    oai: ReplayServer, arxiv_pages: list[bytes], sleeps: Sleeps
) -> None:
    oai.queue(
        Reply("busy", status=503, headers={"Retry-After": "7"}),
        Reply(with_token(arxiv_pages[0], "")),
    )

    result = harvest(sleep=sleeps)

    assert sleeps == [7.0]
    assert len(oai.requests) == 2 and queries(oai)[0] == queries(oai)[1]
    assert result.records == 5 and checkpoint().completed_at


def test_retry_after_may_be_an_http_date(
    oai: ReplayServer, arxiv_pages: list[bytes], sleeps: Sleeps
) -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    oai.queue(
        Reply("busy", status=503, headers={"Retry-After": format_datetime(later, usegmt=True)}),
        Reply(with_token(arxiv_pages[0], "")),
    )

    harvest(sleep=sleeps)

    assert len(sleeps) == 1 and 100 < sleeps[0] <= 120


def test_it_gives_up_after_the_configured_number_of_retries(
    oai: ReplayServer, settings: Any, sleeps: Sleeps
) -> None:
    settings.ARXIV_MAX_RETRIES = 2
    oai.route = lambda seen: Reply("busy", status=503)

    with pytest.raises(OaiFetchError, match=r"still unavailable \(HTTP 503\) after 2 retries"):
        harvest(sleep=sleeps)

    assert len(oai.requests) == 3
    assert sleeps == [3.0, 6.0]  # no Retry-After: backing off from the polite delay
    assert checkpoint().pages == 0 and not Paper.objects.exists()


def test_a_retry_after_of_hours_stops_the_harvest_instead_of_waiting(
    oai: ReplayServer, sleeps: Sleeps
) -> None:
    oai.queue(Reply("busy", status=503, headers={"Retry-After": "86400"}))

    with pytest.raises(OaiFetchError, match="asks to come back in 86400 s; run the harvest again"):
        harvest(sleep=sleeps)

    assert sleeps == []


def test_an_http_error_is_one_clear_error(oai: ReplayServer) -> None:
    oai.queue(Reply("<html>oops</html>", status=500, headers={"Content-Type": "text/html"}))

    with pytest.raises(OaiFetchError) as caught:
        harvest()

    assert str(caught.value) == (
        f"ListRecords page 1 (metadataPrefix=oai_dc, set=cs, from=2024-01-25) from {oai.url}/oai: "
        "the repository answered HTTP 500 Internal Server Error"
    )


def test_a_timeout_is_one_clear_error(oai: ReplayServer, settings: Any) -> None:
    settings.ARXIV_TIMEOUT = 0.2
    oai.queue(Reply("late", delay=5))

    with pytest.raises(OaiFetchError, match=r"ListRecords page 1 .*: no answer within 0\.2 s"):
        harvest()


def test_a_refused_connection_is_one_clear_error(settings: Any) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.ARXIV_OAI_URL = f"http://127.0.0.1:{port}/oai"

    with pytest.raises(OaiFetchError, match=r"ListRecords page 1 .*: cannot reach the repository"):
        harvest()


def test_an_oai_error_sent_with_an_http_error_status_keeps_its_meaning(
    oai: ReplayServer, generic: Path
) -> None:
    oai.queue(Reply((generic / "badArgument.xml").read_bytes(), status=400))

    with pytest.raises(OaiProtocolError) as caught:
        harvest()

    assert caught.value.code == "badArgument"


@pytest.mark.parametrize(
    ("name", "code", "meaning"),
    [
        ("badArgument.xml", "badArgument", "rejected the request's arguments"),
        ("badResumptionToken.xml", "badResumptionToken", "no longer accepts the resumption"),
        ("badVerb.xml", "badVerb", "does not understand the request"),
        ("cannotDisseminateFormat.xml", "cannotDisseminateFormat", "does not offer records"),
        ("idDoesNotExist.xml", "idDoesNotExist", "has no item with the requested identifier"),
        ("noMetadataFormats.xml", "noMetadataFormats", "has no metadata formats"),
        ("noSetHierarchy.xml", "noSetHierarchy", "does not support sets: harvest without a set"),
        ("undefinedError.xml", "undefinedError", "answered with an error"),
    ],
)
def test_each_oai_pmh_error_stops_the_harvest_with_its_own_message(
    oai: ReplayServer, generic: Path, name: str, code: str, meaning: str
) -> None:
    path = generic / name
    oai.queue(Reply(path.read_bytes() if path.exists() else own_fixture(name)))

    with pytest.raises(OaiProtocolError) as caught:
        harvest()

    assert caught.value.code == code
    message = str(caught.value)
    assert message.startswith("ListRecords page 1 (metadataPrefix=oai_dc, set=cs, from=2024-01-25)")
    assert meaning in message and f"({code}" in message
    saved = checkpoint()
    assert (saved.pages, saved.completed_at) == (0, None) and not Paper.objects.exists()


def test_no_records_match_is_an_empty_harvest_that_completes(
    oai: ReplayServer, generic: Path
) -> None:
    oai.queue(Reply((generic / "noRecordsMatch.xml").read_bytes()))

    result = harvest()

    assert (result.records, result.pages) == (0, 1)
    saved = checkpoint()
    assert saved.completed_at is not None and saved.complete_list_size == 0
    assert saved.resumption_token == ""


def test_a_broken_page_commits_nothing_of_that_page(
    oai: ReplayServer, arxiv_pages: list[bytes], generic: Path
) -> None:
    served = chain(arxiv_pages)
    oai.route = chain_route(
        {**served, token_for(1): (generic / "ListRecordsBroken.xml").read_bytes()}, rejected=b""
    )

    with pytest.raises(OaiResponseError) as caught:
        harvest()

    assert str(caught.value).startswith(
        f"ListRecords page 2 (resumptionToken={token_for(1)}) from {oai.url}/oai: "
        "the response is not well-formed XML"
    )
    assert Paper.objects.count() == 5  # page 1 only
    saved = checkpoint()
    assert (saved.pages, saved.records, saved.resumption_token) == (1, 5, token_for(1))
    assert saved.completed_at is None


def test_an_unfinished_harvest_resumes_with_its_saved_token(
    oai: ReplayServer, arxiv_pages: list[bytes]
) -> None:
    served = chain(arxiv_pages)
    oai.route = chain_route({"": served[""]}, rejected=b"")  # page 2 fails
    with pytest.raises(OaiError):
        harvest()
    oai.route = chain_route(served, rejected=b"")
    before = len(oai.requests)
    notices: list[str] = []

    result = harvest(notify=notices.append)

    assert queries(oai)[before:] == [{"verb": ["ListRecords"], "resumptionToken": [token_for(1)]}]
    assert notices == ["Resuming at page 2 with the saved resumption token."]
    assert (result.resumed_at_page, result.pages, result.records) == (2, 1, 153)
    saved = checkpoint()
    assert (saved.pages, saved.records) == (2, 158) and saved.completed_at
    assert Paper.objects.count() == 158


def test_a_completed_harvest_starts_over_when_run_again(
    oai: ReplayServer, arxiv_pages: list[bytes]
) -> None:
    oai.route = chain_route(chain(arxiv_pages), rejected=b"")
    harvest()
    first = checkpoint()
    before = len(oai.requests)

    result = harvest()

    assert "resumptionToken" not in queries(oai)[before]
    assert (result.created, result.unchanged) == (0, 158)  # idempotent
    again = checkpoint()
    assert (again.pages, again.records) == (2, 158) and again.started_at > first.started_at


def test_restart_discards_an_unfinished_harvest(
    oai: ReplayServer, arxiv_pages: list[bytes]
) -> None:
    served = chain(arxiv_pages)
    oai.route = chain_route({"": served[""]}, rejected=b"")
    with pytest.raises(OaiError):
        harvest()
    oai.route = chain_route(served, rejected=b"")
    before = len(oai.requests)

    result = harvest(restart=True)

    assert "resumptionToken" not in queries(oai)[before]
    assert result.resumed_at_page is None
    assert (checkpoint().pages, checkpoint().records) == (2, 158)


def test_an_expired_token_starts_the_list_over_so_that_no_record_is_missed(
    oai: ReplayServer, arxiv_pages: list[bytes], generic: Path
) -> None:
    pages = [arxiv_pages[0], *split(arxiv_pages[1], 3)]  # 5 + 51 + 51 + 51 genuine records
    first_list = chain(pages)
    del first_list[token_for(2)]  # page 3 fails
    oai.route = chain_route(first_list, rejected=b"")
    with pytest.raises(OaiError):
        harvest()
    stopped = checkpoint()
    assert (stopped.pages, stopped.last_datestamp) == (2, date(2024, 1, 31))
    # arXiv lists by identifier: the pages not yet stored hold earlier datestamps too,
    # which a list restarted from the last datestamp committed would never return.
    assert min(datestamps(pages[2]) + datestamps(pages[3])) < stopped.last_datestamp
    # Meanwhile the token expired; the repository serves the list under new tokens.
    rejected = (generic / "badResumptionToken.xml").read_bytes()
    oai.route = chain_route(chain(pages, list_id=7005678), rejected=rejected)
    before = len(oai.requests)
    notices: list[str] = []

    result = harvest(notify=notices.append)

    assert queries(oai)[before : before + 2] == [
        {"verb": ["ListRecords"], "resumptionToken": [token_for(2)]},
        {
            "verb": ["ListRecords"],
            "metadataPrefix": ["oai_dc"],
            "set": ["cs"],
            "from": ["2024-01-25"],
        },
    ]
    assert len(oai.requests) - before == 5
    assert result.restarted and result.records == 158
    assert "(badResumptionToken: This resumptionToken is invalid)" in notices[1]
    assert "starting the list over from this harvest's from-date" in notices[1]
    saved = checkpoint()
    assert saved.completed_at and (saved.pages, saved.records) == (4, 158)
    assert saved.started_at > stopped.started_at
    assert Paper.objects.count() == 158


def test_a_second_rejected_token_in_one_run_stops_the_harvest(
    oai: ReplayServer, arxiv_pages: list[bytes], generic: Path
) -> None:
    oai.route = chain_route({"": with_token(arxiv_pages[0], token_for(1))}, rejected=b"")
    with pytest.raises(OaiError):
        harvest()
    rejected = (generic / "badResumptionToken.xml").read_bytes()
    oai.route = chain_route({"": with_token(arxiv_pages[0], "never-accepted")}, rejected=rejected)

    with pytest.raises(OaiProtocolError) as caught:
        harvest()

    assert caught.value.code == "badResumptionToken"
    assert checkpoint().resumption_token == "never-accepted"


@pytest.mark.parametrize(
    "other_harvest",
    [
        {"pages": F("pages") + 1},  # committed a page of the same list
        {"started_at": F("started_at") + timedelta(seconds=1)},  # started the list over
    ],
)
def test_a_concurrent_harvest_of_the_same_list_is_detected(
    oai: ReplayServer, arxiv_pages: list[bytes], other_harvest: dict[str, Any]
) -> None:
    oai.route = chain_route(chain(arxiv_pages), rejected=b"")

    def meanwhile(saved: HarvestCheckpoint, page: ListPage) -> None:
        HarvestCheckpoint.objects.filter(pk=saved.pk).update(**other_harvest)

    with pytest.raises(HarvestConflict, match="another harvest with the same arguments"):
        harvest(on_page=meanwhile)

    assert Paper.objects.count() == 5  # page 2 was not committed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (HarvestArgs(metadata_prefix="marc21"), "unknown metadata prefix 'marc21'"),
        (HarvestArgs(set_spec="c s"), "'c s' is not an OAI-PMH set"),
        (
            HarvestArgs(from_date=date(2026, 11, 5), until_date=date(2026, 11, 1)),
            "from 2026-11-05 is after until 2026-11-01",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_happens(
    oai: ReplayServer, args: HarvestArgs, message: str
) -> None:
    with pytest.raises(BadHarvestArguments, match=message):
        harvest(args)

    assert oai.requests == [] and not HarvestCheckpoint.objects.exists()

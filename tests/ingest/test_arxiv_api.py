import math
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django import Settings

from paperwire.ingest import arxiv_api
from paperwire.ingest.arxiv_api import (
    ArxivFeedError,
    ArxivPaperNotFound,
    ArxivUnavailable,
    fetch_and_store,
    fetch_arxiv_papers,
    parse_feed,
)
from paperwire.ingest.records import AuthorName, PaperRecord, RecordError
from paperwire.papers.arxiv_ids import InvalidArxivId
from paperwire.papers.models import Paper
from tests.replay_server import ReplayServer, Reply

FIXTURES = Path(__file__).parent / "fixtures" / "atom"
REAL_FEED = "arxiv/fixtures/atom_arxiv/api_query_all_science_max10_2019-08-10.xml"
REAL_IDS = [
    "1501.05039",
    "1503.01162",
    "quant-ph/0210005",
    "0808.0631",
    "0808.0638",
    "0808.0639",
    "0705.1367",
    "1802.03292",
    "physics/0507092",
    "1312.7288",
]


@pytest.fixture
def real_feed(shared_data: Path) -> bytes:
    return (shared_data / REAL_FEED).read_bytes()


@pytest.fixture
def papers(real_feed: bytes) -> dict[str, PaperRecord]:
    return {record.arxiv_id: record for record in parse_feed(real_feed).records}


@pytest.fixture
def arxiv(arxiv: ReplayServer, settings: Settings) -> ReplayServer:
    """The arXiv stand-in of every test, with two retries: the client's retrying is tested here."""
    settings.ARXIV_MAX_RETRIES = 2
    return arxiv


class Sleeps(list[float]):
    """Records the pauses the client asks for instead of taking them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def error_feed(arxiv_id: str) -> str:
    return (FIXTURES / "error_incorrect_id.xml").read_text().replace("1234.12345", arxiv_id)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


# --- The feed -------------------------------------------------------------


def test_it_reads_every_entry_of_a_real_arxiv_feed(real_feed: bytes) -> None:
    feed = parse_feed(real_feed)
    assert [r.arxiv_id for r in feed.records] == REAL_IDS
    assert {r.version for r in feed.records} == {1}
    assert feed.errors == [] and feed.total_results == 120839


def test_it_reads_title_abstract_authors_and_dates(papers: dict[str, PaperRecord]) -> None:
    paper = papers["1501.05039"]
    assert paper.title == "Defining Data Science"
    assert paper.abstract.startswith("Data science is gaining more and more and widespread")
    assert paper.abstract.endswith("defined as the science of exploring datanature.")
    assert "\n" not in paper.abstract
    assert paper.authors == [AuthorName("Yangyong Zhu"), AuthorName("Yun Xiong")]
    assert paper.categories == ["cs.DB", "cs.CY"]
    assert paper.published_at == datetime(2015, 1, 21, 2, 41, 55, tzinfo=UTC)
    assert paper.updated_at == paper.published_at
    assert paper.published_at.utcoffset() is not None
    assert (paper.doi, paper.journal_ref, paper.comments) == ("", "", "")


def test_it_joins_a_multi_line_title_and_reads_doi_journal_and_comment(
    papers: dict[str, PaperRecord],
) -> None:
    paper = papers["1503.01162"]
    assert paper.title == (
        "Report on a Boston University Conference December 7-8, 2012 on 'How Can the History "
        "and Philosophy of Science Contribute to Contemporary U.S. Science Teaching?'"
    )
    assert paper.doi == "10.1007/s11191-014-9716-8"
    assert paper.journal_ref == "Science & Education, September 2014, 23(9): 1853-1873"
    assert paper.comments == "Conference funded by NSF grant REESE-1205273. 31 pages"
    assert paper.categories == ["physics.ed-ph", "physics.hist-ph", "physics.soc-ph"]


def test_it_keeps_non_ascii_author_names(papers: dict[str, PaperRecord]) -> None:
    assert [a.name for a in papers["1503.01162"].authors] == [
        "Peter Garik",
        "Yann Benétreau-Dupin",
    ]
    assert papers["0808.0631"].authors == [AuthorName("Hans R. Künsch")]


def test_it_reads_old_style_ids_with_their_version(papers: dict[str, PaperRecord]) -> None:
    paper = papers["quant-ph/0210005"]
    assert paper.version == 1
    assert paper.categories == ["quant-ph"]
    assert paper.comments == (
        "6 pages, invited contribution to QCMC 2002, "
        "a considerably abbreviated version of quant-ph/0208078"
    )
    assert papers["physics/0507092"].published_at == datetime(2005, 7, 12, 16, 41, 57, tzinfo=UTC)


def test_it_reads_affiliations_in_author_order(papers: dict[str, PaperRecord]) -> None:
    paper = papers["physics/0507092"]
    assert paper.authors == [
        AuthorName("G. Giacomelli", "Bologna University and INFN"),
        AuthorName("R. Giacomelli", "Bologna University and INFN"),
    ]
    assert paper.doi == "10.1142/9789812701893_0020"
    assert paper.comments == (
        "Lecture at the 7th School on Non-Accelerator Astroparticle Physics, Trieste,Italy,2004"
    )


def test_it_leaves_msc_and_acm_classes_out_of_the_categories(
    papers: dict[str, PaperRecord],
) -> None:
    # The entry lists <category term="03B70, 68Q99"> and <category term="F.4.1; F.4.m; K.2">.
    assert papers["1802.03292"].categories == ["cs.LO"]


def test_it_collapses_multi_line_comments_and_reads_journal_refs(
    papers: dict[str, PaperRecord],
) -> None:
    paper = papers["0808.0639"]
    assert paper.doi == "10.1214/08-STS246REJ"
    assert paper.journal_ref == "Statistical Science 2008, Vol. 23, No. 1, 76-77"
    assert paper.comments == (
        "Published in at http://dx.doi.org/10.1214/08-STS246REJ the Statistical Science "
        "(http://www.imstat.org/sts/) by the Institute of Mathematical Statistics "
        "(http://www.imstat.org)"
    )
    assert papers["1312.7288"].journal_ref == "International Journal of Sciences 2(12), 52-60, 2013"


def test_it_handles_the_cases_the_real_feed_lacks() -> None:
    (paper,) = parse_feed((FIXTURES / "constructed_edge_cases.xml").read_bytes()).records
    assert (paper.arxiv_id, paper.version) == ("2502.08025", 3)
    assert paper.title == "A constructed entry"
    assert paper.abstract == "First paragraph, hard wrapped.\n\nSecond paragraph."
    assert paper.authors == [
        AuthorName("Zoë Ångström", "Uppsala University; KTH Royal Institute of Technology"),
        AuthorName("Ada Lovelace"),
    ]
    assert paper.categories == ["stat.ML", "cs.LG"]
    assert paper.doi == "10.5555/constructed.1"
    assert paper.published_at == datetime(2025, 2, 11, 18, 59, 59, tzinfo=UTC)
    assert paper.updated_at == datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def test_it_turns_an_error_entry_into_an_error_not_a_paper() -> None:
    feed = parse_feed((FIXTURES / "error_incorrect_id.xml").read_bytes())
    assert feed.records == []
    assert feed.errors == ["incorrect id format for 1234.12345"]
    assert feed.total_results == 1


def test_it_reads_an_empty_feed() -> None:
    feed = parse_feed((FIXTURES / "empty.xml").read_bytes())
    assert (feed.records, feed.errors, feed.total_results) == ([], [], 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "malformed XML"),
        ("<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "malformed XML"),
        ("<html><body>Service Unavailable</body></html>", "not an Atom feed"),
        (
            "<!DOCTYPE feed [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
            "<feed xmlns='http://www.w3.org/2005/Atom'><title>&x;</title></feed>",
            "declares a DTD",
        ),
        (
            "<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>http://example.org/1</id>"
            "<title>Not arXiv</title></entry></feed>",
            "has no arXiv id",
        ),
        (
            "<feed xmlns='http://www.w3.org/2005/Atom'><entry>"
            "<id>http://arxiv.org/abs/2502.08025v1</id><title>T</title>"
            "<published>yesterday</published></entry></feed>",
            "2502.08025: <published> 'yesterday' is not a date",
        ),
    ],
)
def test_it_refuses_a_malformed_feed_with_a_clear_error(body: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        parse_feed(body)


def test_it_refuses_a_truncated_real_feed(real_feed: bytes) -> None:
    with pytest.raises(ArxivFeedError, match="malformed XML"):
        parse_feed(real_feed[: len(real_feed) // 2])


# --- The client -----------------------------------------------------------


def test_it_fetches_papers_by_id_in_the_order_asked(arxiv: ReplayServer, real_feed: bytes) -> None:
    arxiv.queue(Reply(real_feed))
    records = fetch_arxiv_papers(
        ["https://arxiv.org/abs/quant-ph/0210005v1", "arXiv:1501.05039", "1501.05039v1"]
    )
    assert [r.arxiv_id for r in records] == ["quant-ph/0210005", "1501.05039"]
    (request,) = arxiv.requests
    assert request.path == "/api/query"
    assert request.query == {"id_list": ["quant-ph/0210005,1501.05039"], "max_results": ["2"]}
    assert request.headers["User-Agent"] == "Paperwire/0.1 (self-hosted daily papers hub)"


def test_it_drops_the_subject_class_of_old_style_ids_in_the_query(
    arxiv: ReplayServer, real_feed: bytes
) -> None:
    arxiv.queue(Reply(real_feed))
    fetch_arxiv_papers(["physics.soc-ph/0507092"])
    assert arxiv.requests[0].query["id_list"] == ["physics/0507092"]


def test_it_refuses_invalid_ids_before_any_request(arxiv: ReplayServer) -> None:
    with pytest.raises(InvalidArxivId, match=r"'2502\.0802' is not an arXiv id"):
        fetch_arxiv_papers(["1501.05039", "2502.0802"])
    assert arxiv.requests == []


def test_it_asks_nothing_for_no_ids(arxiv: ReplayServer) -> None:
    assert fetch_arxiv_papers([]) == []
    assert arxiv.requests == []


def test_it_names_the_id_arxiv_answers_with_an_error_entry(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply(error_feed("2502.99999")))
    with pytest.raises(ArxivPaperNotFound) as caught:
        fetch_arxiv_papers(["2502.99999"])
    assert caught.value.ids == ["2502.99999"]
    assert str(caught.value) == (
        "arXiv has no paper 2502.99999 (arXiv said: incorrect id format for 2502.99999)"
    )


def test_it_reads_an_error_entry_sent_with_http_400(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply(error_feed("2502.99999"), status=400))
    with pytest.raises(ArxivPaperNotFound, match=r"2502\.99999"):
        fetch_arxiv_papers(["2502.99999"])


def test_it_names_every_id_missing_from_the_answer(arxiv: ReplayServer, real_feed: bytes) -> None:
    arxiv.queue(Reply(real_feed))
    with pytest.raises(ArxivPaperNotFound) as caught:
        fetch_arxiv_papers(["2502.99999", "1501.05039", "hep-th/9901001"])
    assert caught.value.ids == ["2502.99999", "hep-th/9901001"]
    assert str(caught.value) == "arXiv has no paper 2502.99999, hep-th/9901001"


def test_it_reports_an_empty_feed_as_not_found(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply((FIXTURES / "empty.xml").read_bytes()))
    with pytest.raises(ArxivPaperNotFound, match=r"^arXiv has no paper 2502\.99999$"):
        fetch_arxiv_papers(["2502.99999"])


def test_it_honours_retry_after_on_503_then_succeeds(arxiv: ReplayServer, real_feed: bytes) -> None:
    arxiv.queue(Reply("busy", status=503, headers={"Retry-After": "7"}), Reply(real_feed))
    sleeps = Sleeps()
    records = fetch_arxiv_papers(["1501.05039"], sleep=sleeps)
    assert [r.title for r in records] == ["Defining Data Science"]
    assert len(arxiv.requests) == 2
    assert sleeps == [7.0]


def test_it_backs_off_on_429_without_retry_after(arxiv: ReplayServer, real_feed: bytes) -> None:
    arxiv.queue(Reply("Rate exceeded.", status=429), Reply(real_feed))
    sleeps = Sleeps()
    fetch_arxiv_papers(["1501.05039"], sleep=sleeps)
    assert sleeps == [1.0]


def test_it_retries_when_arxiv_says_rate_exceeded_with_http_200(
    arxiv: ReplayServer, real_feed: bytes
) -> None:
    arxiv.queue(Reply("Rate exceeded.", headers={"Content-Type": "text/plain"}), Reply(real_feed))
    sleeps = Sleeps()
    assert len(fetch_arxiv_papers(["1501.05039"], sleep=sleeps)) == 1
    assert sleeps == [1.0]


def test_it_retries_arxivs_empty_page_that_claims_results(
    arxiv: ReplayServer, real_feed: bytes
) -> None:
    empty_but_counted = (
        (FIXTURES / "empty.xml")
        .read_text()
        .replace(">0</opensearch:totalResults>", ">1</opensearch:totalResults>")
    )
    arxiv.queue(Reply(empty_but_counted), Reply(real_feed))
    assert len(fetch_arxiv_papers(["1501.05039"], sleep=Sleeps())) == 1
    assert len(arxiv.requests) == 2


@pytest.mark.django_db
def test_repeated_5xx_raise_arxiv_unavailable_and_write_nothing(arxiv: ReplayServer) -> None:
    arxiv.queue(*[Reply("oops", status=502)] * 3)
    sleeps = Sleeps()
    with pytest.raises(ArxivUnavailable) as caught:
        fetch_and_store(["1501.05039"], sleep=sleeps)
    assert str(caught.value) == (
        "arXiv is not answering right now (arXiv answered HTTP 502 Bad Gateway, 3 attempts); "
        "please try again later."
    )
    assert len(arxiv.requests) == 3
    assert sleeps == [1.0, 2.0]
    assert not Paper.objects.exists()


def test_it_does_not_retry_a_request_arxiv_refuses(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply("<html>Not Found</html>", status=404))
    with pytest.raises(ArxivUnavailable, match=r"^arXiv refused the request \(HTTP 404\)\.$"):
        fetch_arxiv_papers(["1501.05039"], sleep=Sleeps())
    assert len(arxiv.requests) == 1


def test_it_gives_up_at_once_when_arxiv_asks_for_a_long_wait(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply("busy", status=503, headers={"Retry-After": "3600"}))
    with pytest.raises(ArxivUnavailable, match="asks to wait 3600 s"):
        fetch_arxiv_papers(["1501.05039"], sleep=Sleeps())
    assert len(arxiv.requests) == 1


def test_it_raises_arxiv_unavailable_when_the_port_is_closed(settings: Settings) -> None:
    settings.ARXIV_API_URL = closed_port_url()
    settings.ARXIV_DELAY = 0
    settings.ARXIV_MAX_RETRIES = 1
    with pytest.raises(ArxivUnavailable, match=r"cannot connect to arXiv, 2 attempts"):
        fetch_arxiv_papers(["1501.05039"], sleep=Sleeps())


def test_it_raises_arxiv_unavailable_when_arxiv_does_not_answer_in_time(
    arxiv: ReplayServer, settings: Settings
) -> None:
    settings.ARXIV_TIMEOUT = 0.2
    settings.ARXIV_MAX_RETRIES = 1
    arxiv.queue(Reply("late", delay=5), Reply("late", delay=5))
    with pytest.raises(ArxivUnavailable, match=r"no answer within 0\.2 s, 2 attempts"):
        fetch_arxiv_papers(["1501.05039"], sleep=Sleeps())


def test_it_fetches_in_batches_pausing_between_requests(
    arxiv: ReplayServer,
    real_feed: bytes,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(arxiv_api, "BATCH_SIZE", 4)
    monkeypatch.setattr(arxiv_api._pacer, "last", -math.inf)
    settings.ARXIV_DELAY = 3.0
    arxiv.queue(*[Reply(real_feed)] * 3)
    sleeps = Sleeps()
    records = fetch_arxiv_papers(REAL_IDS, sleep=sleeps)
    assert [r.arxiv_id for r in records] == REAL_IDS
    assert [q.query["id_list"][0].count(",") + 1 for q in arxiv.requests] == [4, 4, 2]
    assert arxiv.requests[2].query["max_results"] == ["2"]
    # No pause before the first request; about ARXIV_DELAY before each later one.
    assert len(sleeps) == 2 and all(2.5 < s <= 3.0 for s in sleeps)


@pytest.mark.django_db
def test_it_stores_fetched_papers_with_authors_and_categories(
    arxiv: ReplayServer, real_feed: bytes
) -> None:
    arxiv.queue(Reply(real_feed), Reply(real_feed))
    result = fetch_and_store(["physics/0507092", "1802.03292"])
    assert len(result.created) == 2
    paper = Paper.objects.get(arxiv_id="physics/0507092")
    assert (paper.version, paper.doi) == (1, "10.1142/9789812701893_0020")
    assert [(s.author.name, s.affiliation) for s in paper.authorships.select_related("author")] == [
        ("G. Giacomelli", "Bologna University and INFN"),
        ("R. Giacomelli", "Bologna University and INFN"),
    ]
    assert Paper.objects.get(arxiv_id="1802.03292").primary_category_id == "cs.LO"
    assert [
        c.category_id for c in Paper.objects.get(arxiv_id="1802.03292").paper_categories.all()
    ] == ["cs.LO"]
    again = fetch_and_store(["physics/0507092", "1802.03292"])
    assert (again.created, again.updated, again.unchanged) == ([], [], 2)


@pytest.mark.django_db
def test_a_malformed_later_batch_commits_nothing(
    arxiv: ReplayServer, real_feed: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arxiv_api, "BATCH_SIZE", 5)
    arxiv.queue(Reply(real_feed), Reply(real_feed[:-200]))
    with pytest.raises(RecordError, match="malformed XML"):
        fetch_and_store(REAL_IDS)
    assert len(arxiv.requests) == 2
    assert not Paper.objects.exists()


# --- The command ----------------------------------------------------------


def run_command(*ids: str) -> str:
    out = StringIO()
    call_command("fetch-arxiv", *ids, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_fetches_stores_and_reports_each_paper(
    arxiv: ReplayServer, real_feed: bytes
) -> None:
    arxiv.queue(Reply(real_feed), Reply(real_feed))
    assert run_command("https://arxiv.org/abs/1501.05039", "quant-ph/0210005v1") == (
        "1501.05039v1  created    Defining Data Science\n"
        "quant-ph/0210005v1  created    Quantum information science and complex quantum systems\n"
    )
    assert run_command("1501.05039") == "1501.05039v1  unchanged  Defining Data Science\n"
    assert Paper.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["2502.0802", "https://example.org/abs/2502.08025", "hep-xx/9901001"]
)
def test_the_command_refuses_a_bad_id_and_writes_nothing(arxiv: ReplayServer, bad: str) -> None:
    with pytest.raises(CommandError, match="not an arXiv") as caught:
        run_command("1501.05039", bad)
    assert caught.value.returncode != 0
    assert "\n" not in str(caught.value)
    assert arxiv.requests == []
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_the_command_reports_unknown_ids(arxiv: ReplayServer) -> None:
    arxiv.queue(Reply(error_feed("2502.99999")))
    with pytest.raises(CommandError, match=r"arXiv has no paper 2502\.99999"):
        run_command("2502.99999")


@pytest.mark.django_db
def test_the_command_reports_an_unreachable_arxiv(settings: Settings) -> None:
    settings.ARXIV_API_URL = closed_port_url()
    settings.ARXIV_DELAY = 0
    settings.ARXIV_MAX_RETRIES = 0
    with pytest.raises(CommandError, match=r"^arXiv is not answering right now \(cannot connect"):
        run_command("1501.05039")
    assert not Paper.objects.exists()


def test_the_paperwire_command_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PAPERWIRE_VAR_DIR": str(tmp_path)}
    env["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "paperwire.cli", "fetch-arxiv", "not-an-id"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "CommandError: 'not-an-id' is not an arXiv id or arXiv URL (expected e.g. 2502.08025, "
        "arXiv:2502.08025v2, hep-th/9901001 or https://arxiv.org/abs/...)"
    ]

"""The worker's harvest job against a real HTTP server on 127.0.0.1 replaying arXiv's
OAI-PMH pages (real pages from the shared data): once a day per set, incrementally from
the last datestamp seen, politely, and resuming after a crash."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from paperwire.ingest import scheduled_harvest
from paperwire.ingest.models import HarvestCheckpoint
from paperwire.ingest.oai import OaiFetchError
from paperwire.papers.models import Paper
from tests.ingest.fixtures.oai.pages import chain, chain_route, token_for
from tests.replay_server import ReplayServer, Reply, SeenRequest

pytestmark = pytest.mark.django_db

TRIMMED5 = "listrecords_oai_dc_cs_from2024-01-25_page1_trimmed5.xml"
PAGE153 = "listrecords_oai_dc_cs_from2024-01-26_cursor1000_153rec.xml"


@pytest.fixture
def arxiv(replay_server: ReplayServer, settings: Any, shared_data: Path) -> ReplayServer:
    folder = shared_data / "arxiv" / "fixtures" / "oai_pmh_arxiv"
    pages = [(folder / TRIMMED5).read_bytes(), (folder / PAGE153).read_bytes()]
    replay_server.route = chain_route(chain(pages), rejected=b"")
    settings.ARXIV_OAI_URL = f"{replay_server.url}/oai"
    settings.ARXIV_DELAY = 0.0
    settings.ARXIV_MAX_RETRIES = 0
    settings.HARVEST_SETS = ["cs"]
    settings.HARVEST_DAYS = 3
    return replay_server


def first_query(server: ReplayServer) -> dict[str, list[str]]:
    return next(seen.query for seen in server.requests if "resumptionToken" not in seen.query)


def test_without_sets_it_harvests_nothing(settings: Any, replay_server: ReplayServer) -> None:
    settings.HARVEST_SETS = []

    assert "PAPERWIRE_HARVEST_SETS" in scheduled_harvest.harvest_job()
    assert replay_server.requests == []


def test_the_first_harvest_goes_back_a_few_days_then_waits_a_day(arxiv: ReplayServer) -> None:
    summary = scheduled_harvest.harvest_job()

    assert "cs since" in summary and "158 records (158 new" in summary
    assert Paper.objects.count() == 158
    query = first_query(arxiv)
    assert query["set"] == ["cs"] and query["metadataPrefix"] == ["arXiv"]
    assert query["from"] == [str(timezone.now().date() - timedelta(days=3))]
    # Run again within the day: nothing is asked.
    asked = len(arxiv.requests)
    assert scheduled_harvest.harvest_job() == "every set was harvested in the last day"
    assert len(arxiv.requests) == asked


def test_the_next_day_it_goes_on_from_the_last_change_it_saw(arxiv: ReplayServer) -> None:
    scheduled_harvest.harvest_job()
    last = HarvestCheckpoint.objects.get()
    HarvestCheckpoint.objects.update(completed_at=timezone.now() - timedelta(hours=25))
    arxiv.requests.clear()

    scheduled_harvest.harvest_job()

    assert last.last_datestamp is not None
    assert first_query(arxiv)["from"] == [last.last_datestamp.isoformat()]
    assert Paper.objects.count() == 158  # the overlap changed nothing


def test_a_harvest_stopped_part_way_resumes_from_its_token(arxiv: ReplayServer) -> None:
    healthy = arxiv.route
    assert healthy is not None

    def down_at_page_two(seen: SeenRequest) -> Reply:
        if "resumptionToken" in seen.query:
            return Reply("arXiv is down", status=503, headers={"Content-Type": "text/plain"})
        return healthy(seen)

    arxiv.route = down_at_page_two
    with pytest.raises(OaiFetchError):
        scheduled_harvest.harvest_job()
    assert Paper.objects.count() == 5  # the first page is kept

    arxiv.route = healthy
    arxiv.requests.clear()
    scheduled_harvest.harvest_job()

    assert arxiv.requests[0].query == {"verb": ["ListRecords"], "resumptionToken": [token_for(1)]}
    assert Paper.objects.count() == 158
    assert HarvestCheckpoint.objects.get().completed_at is not None


def test_the_worker_runs_it_every_hour() -> None:
    from paperwire.site.management.commands.worker import PERIODIC_JOBS

    job = next(job for job in PERIODIC_JOBS if job.name == "harvest")
    assert job.every == 3600


def test_next_harvest_of_a_set_never_seen_starts_days_back(settings: Any) -> None:
    settings.HARVEST_DAYS = 2
    args = scheduled_harvest.next_harvest("math", date(2026, 12, 5))

    assert args is not None and (args.set_spec, args.from_date) == ("math", date(2026, 12, 3))

"""The worker's upstream job against a real HTTP server on 127.0.0.1 that answers the
Hugging Face papers API with real daily items (August 2026 from the shared data)."""

import gzip
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from paperwire.feed import upstream
from paperwire.feed.hf_daily import item_from_json
from paperwire.feed.models import DailyEntry
from paperwire.orgs.models import Organization
from paperwire.papers.models import Paper
from tests.replay_server import ReplayServer, Reply, SeenRequest

pytestmark = pytest.mark.django_db

TODAY = date(2026, 8, 21)
DAYS = [date(2026, 8, 19), date(2026, 8, 20), TODAY]


@pytest.fixture
def upstream_lists(shared_data: Path) -> dict[date, list[dict[str, Any]]]:
    """The real items of August 2026, by the feed day an import gives them."""
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    with gzip.open(shared_data / "hf-daily-papers" / "2026-08.jsonl.gz") as lines:
        for number, line in enumerate(lines):
            item = orjson.loads(line)
            by_day[item_from_json(item, str(number), ZoneInfo("UTC")).entry.day].append(item)
    return by_day


@pytest.fixture
def hub(
    replay_server: ReplayServer, settings: Any, upstream_lists: dict[date, list[dict[str, Any]]]
) -> ReplayServer:
    def api(seen: SeenRequest) -> Reply:
        assert seen.path == "/api/daily_papers"
        day = date.fromisoformat(seen.query["date"][0])
        limit, page = int(seen.query["limit"][0]), int(seen.query["p"][0])
        items = upstream_lists.get(day, [])[page * limit : (page + 1) * limit]
        return Reply(orjson.dumps(items), headers={"Content-Type": "application/json"})

    replay_server.route = api
    settings.UPSTREAM_URL = replay_server.url + "/"
    settings.UPSTREAM_DAYS = 3
    return replay_server


def test_it_mirrors_the_recent_daily_lists_with_upvotes_submitters_and_organizations(
    hub: ReplayServer, upstream_lists: dict[date, list[dict[str, Any]]]
) -> None:
    summary = upstream.mirror_job(today=TODAY)

    for day in DAYS:
        upstream_ids = {item["paper"]["id"] for item in upstream_lists[day]}
        assert upstream_ids, day
        mirrored = set(DailyEntry.objects.filter(day=day).values_list("paper__arxiv_id", flat=True))
        assert mirrored == upstream_ids, day
    sample = upstream_lists[TODAY][0]
    paper = Paper.objects.get(arxiv_id=sample["paper"]["id"])
    assert paper.upvotes == sample["paper"]["upvotes"]
    entry = paper.daily_entries.get(day=TODAY)
    assert entry.submitter_name
    assert Organization.objects.exists()
    assert f"{sum(len(upstream_lists[d]) for d in DAYS)} items" in summary
    # Asked politely: one request per page of each day.
    assert {seen.query["date"][0] for seen in hub.requests} == {d.isoformat() for d in DAYS}


def test_running_it_again_changes_nothing(hub: ReplayServer) -> None:
    upstream.mirror_job(today=TODAY)
    entries = DailyEntry.objects.count()

    summary = upstream.mirror_job(today=TODAY)

    assert DailyEntry.objects.count() == entries
    assert "0 new papers, 0 new feed entries, 0 updated" in summary


def test_local_upvotes_are_never_lowered(hub: ReplayServer, upstream_lists: dict) -> None:
    upstream.mirror_job(today=TODAY)
    arxiv_id = upstream_lists[TODAY][0]["paper"]["id"]
    Paper.objects.filter(arxiv_id=arxiv_id).update(upvotes=10_000)

    upstream.mirror_job(today=TODAY)

    assert Paper.objects.get(arxiv_id=arxiv_id).upvotes == 10_000


def test_an_unreadable_item_is_skipped_and_the_rest_kept(
    hub: ReplayServer, upstream_lists: dict[date, list[dict[str, Any]]]
) -> None:
    upstream_lists[TODAY].insert(0, {"paper": {"id": "not an id"}})

    summary = upstream.mirror_job(today=TODAY)

    assert "1 unreadable items skipped" in summary
    assert DailyEntry.objects.filter(day=TODAY).count() == len(upstream_lists[TODAY]) - 1


def test_an_upstream_that_fails_stores_nothing_of_that_day(
    replay_server: ReplayServer, settings: Any
) -> None:
    replay_server.route = lambda seen: Reply("overloaded", status=503)
    settings.UPSTREAM_URL = replay_server.url

    with pytest.raises(upstream.UpstreamError, match="HTTP 503"):
        upstream.mirror_job(today=TODAY)
    assert not DailyEntry.objects.exists()


def test_without_an_upstream_it_does_nothing(settings: Any) -> None:
    settings.UPSTREAM_URL = ""

    assert "PAPERWIRE_UPSTREAM_URL" in upstream.mirror_job()

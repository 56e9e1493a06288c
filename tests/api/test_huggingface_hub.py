"""The official Python client, `huggingface_hub`, pointed at a live Paperwire by HF_ENDPOINT:
daily papers by date, week, month, submitter and trending, one paper, a search, Markdown.

The client runs in its own process, as a user's script would: it reads HF_ENDPOINT
when it is imported, and talks HTTP to the live test server.
"""

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from paperwire.papers.models import Author, AuthorClaim
from tests.builders import make_organization, make_paper, put_on_feed
from tests.personas import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = """
import json, sys
from huggingface_hub import HfApi

api = HfApi()
def row(p):
    return {
        "id": p.id, "title": p.title, "upvotes": p.upvotes, "comments": p.comments,
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "submitted_at": p.submitted_at.isoformat() if p.submitted_at else None,
        "submitted_by": p.submitted_by.username if p.submitted_by else None,
        "authors": [a.name for a in p.authors or []],
        "organization": p.organization.name if p.organization else None,
        "github_repo": p.github_repo,
    }
print(json.dumps({
    "date": [row(p) for p in api.list_daily_papers(date="2026-11-24")],
    "week": [row(p) for p in api.list_daily_papers(week="2026-W48")],
    "month": [row(p) for p in api.list_daily_papers(month="2026-11", limit=1)],
    "trending": [row(p) for p in api.list_daily_papers(sort="trending")],
    "submitter": [row(p) for p in api.list_daily_papers(submitter="nora")],
    "info": row(api.paper_info("2611.00001")),
    "search": [row(p) for p in api.list_papers(query="sparse attention")],
    "markdown": api.read_paper("2611.00001"),
}))
try:
    api.paper_info("2611.99999")
except Exception as error:
    print(type(error).__name__, getattr(error.response, "status_code", None))
"""


def test_huggingface_hub_lists_fetches_and_searches(live_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEARCH_EMBEDDER = "off"
    org = make_organization("deepmind", "Google DeepMind")
    org.approved = True
    org.save()
    nora = make_user("nora")
    sparse = make_paper(
        "2611.00001", "Sparse attention at scale", upvotes=7, code_url="https://github.com/x/y"
    )
    put_on_feed(sparse, date(2026, 11, 24), submitted_by=nora, submitter="nora", organization=org)
    put_on_feed(make_paper("2611.00002", "Agents read papers", upvotes=3), date(2026, 11, 23))
    AuthorClaim.objects.create(
        user=nora, paper=sparse, author_id=Author.id_for("Ada Lovelace"), status="verified"
    )

    env = {
        **os.environ,
        "HF_ENDPOINT": str(live_server),
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    env.pop("HF_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    got = json.loads(first)

    [paper] = got["date"]
    assert paper["id"] == "2611.00001"
    assert (paper["title"], paper["upvotes"], paper["comments"]) == (
        "Sparse attention at scale",
        7,
        0,
    )
    assert paper["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert paper["submitted_by"] == "nora"
    assert paper["organization"] == "deepmind"
    assert paper["github_repo"] == "https://github.com/x/y"
    assert paper["published_at"] == "2026-08-19T17:30:00+00:00"
    assert [p["id"] for p in got["week"]] == ["2611.00001", "2611.00002"]
    assert [p["id"] for p in got["month"]] == ["2611.00001"]
    assert {p["id"] for p in got["trending"]} <= {"2611.00001", "2611.00002"}
    assert [p["id"] for p in got["submitter"]] == ["2611.00001"]
    assert got["info"]["id"] == "2611.00001" and got["info"]["upvotes"] == 7
    assert [p["id"] for p in got["search"]] == ["2611.00001"]
    assert got["markdown"].startswith("# Sparse attention at scale")
    # A paper that is not here: the client's own not-found error, from a JSON 404.
    assert second.endswith("404")

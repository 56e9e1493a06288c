"""The read endpoints: Hugging Face's paths, parameters and shapes."""

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.api import api as api_module
from paperwire.discussion.models import Comment
from paperwire.feed import trending
from paperwire.papers.models import Author, AuthorClaim
from tests.builders import make_organization, make_paper, put_on_feed
from tests.personas import make_user

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def feed() -> None:
    """Two days of papers: Tuesday's two (one by a member, for an organization), Monday's one."""
    org = make_organization("deepmind", "Google DeepMind")
    org.approved = True
    org.save()
    nora = make_user("nora", fullname="Nora Noether")
    sparse = make_paper(
        "2611.00001",
        "Sparse attention",
        upvotes=5,
        code_url="https://github.com/x/y",
        code_stars=12,
    )
    agents = make_paper("2611.00002", "Agents read papers", upvotes=9, authors=["Ada Lovelace"])
    older = make_paper("2611.00003", "An older paper", upvotes=50)
    put_on_feed(sparse, TUESDAY, submitted_by=nora, submitter="nora", organization=org)
    put_on_feed(agents, TUESDAY, submitter="mira", source="hf")
    put_on_feed(older, MONDAY, submitter="mira")


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [item["paper"]["id"] for item in response.json()]


def test_a_daily_item_has_the_shape_clients_read(client: Client, feed: None) -> None:
    [item] = client.get("/api/daily_papers", {"date": "2026-11-24", "limit": 1}).json()
    paper = item["paper"]
    assert paper["id"] == "2611.00002"
    assert paper["authors"][0] == {
        "_id": str(Author.id_for("Ada Lovelace")),
        "name": "Ada Lovelace",
        "hidden": False,
    }
    assert ISO.fullmatch(paper["publishedAt"]) and ISO.fullmatch(item["publishedAt"])
    assert paper["submittedOnDailyAt"] == "2026-11-24T00:00:00.000Z"
    assert paper["submittedOnDailyBy"]["user"] == "mira"
    assert (paper["title"], paper["upvotes"]) == ("Agents read papers", 9)
    assert paper["summary"] == "The abstract of 2611.00002."
    assert item["submittedBy"]["name"] == "mira"
    assert (item["title"], item["numComments"], item["isAuthorParticipating"]) == (
        "Agents read papers",
        0,
        False,
    )
    # Unknown optional fields are left out, not sent as null.
    assert "githubRepo" not in paper and "organization" not in item


def test_a_members_submission_names_them_and_their_organization(client: Client, feed: None) -> None:
    item = client.get("/api/daily_papers", {"date": "2026-11-24"}).json()[1]
    assert item["paper"]["submittedOnDailyBy"]["user"] == "nora"
    assert item["paper"]["submittedOnDailyBy"]["fullname"] == "Nora Noether"
    assert item["organization"]["name"] == "deepmind"
    assert (item["paper"]["githubRepo"], item["paper"]["githubStars"]) == (
        "https://github.com/x/y",
        12,
    )


def test_without_a_day_the_newest_days_come_first_most_upvoted_first(
    client: Client, feed: None
) -> None:
    assert ids(client.get("/api/daily_papers")) == ["2611.00002", "2611.00001", "2611.00003"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date": "2026-11-23"}, ["2611.00003"]),
        ({"week": "2026-W48"}, ["2611.00003", "2611.00002", "2611.00001"]),
        ({"month": "2026-11"}, ["2611.00003", "2611.00002", "2611.00001"]),
        ({"submitter": "nora"}, ["2611.00001"]),
        ({"submitter": "mira", "date": "2026-11-24"}, ["2611.00002"]),
        ({"limit": 2, "p": 1}, ["2611.00003"]),
        ({"limit": 2, "p": 5}, []),
        ({"date": "2026-11-25"}, []),
    ],
)
def test_daily_papers_filters_and_pages(
    client: Client, feed: None, params: dict, expected: list[str]
) -> None:
    assert ids(client.get("/api/daily_papers", params)) == expected


def test_trending_among_a_weeks_papers_goes_by_their_trending_scores(
    client: Client, feed: None
) -> None:
    trending.refresh_scores(now=datetime(2026, 11, 24, 12, tzinfo=UTC))
    # Monday's paper has the most votes but is older on the feed: it scores lowest.
    got = ids(client.get("/api/daily_papers", {"sort": "trending", "week": "2026-W48"}))
    assert got == ["2611.00002", "2611.00001", "2611.00003"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2026-02-30"}, "2026-02-30 is not a day on the calendar."),
        ({"date": "yesterday"}, "is not a date"),
        ({"week": "2026-W60"}, "2026-W60"),
        ({"month": "2026-13"}, "2026-13"),
        ({"date": "2026-11-24", "week": "2026-W48"}, "Give one of date, week and month"),
        ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"limit": 101}, "limit"),
        ({"p": -1}, "p: "),
        ({"sort": "random"}, "sort: "),
    ],
)
def test_bad_parameters_are_a_400_with_a_json_message(
    client: Client, params: dict, message: str
) -> None:
    response = client.get("/api/daily_papers", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert message in response.json()["error"]


def test_hidden_entries_stay_out(client: Client, feed: None) -> None:
    put_on_feed(make_paper("2611.00009", upvotes=99), TUESDAY, hidden=True)
    assert "2611.00009" not in ids(client.get("/api/daily_papers"))


def test_a_page_of_items_costs_a_fixed_number_of_queries(
    client: Client, feed: None, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(20):
        put_on_feed(make_paper(f"2611.001{n:02d}", authors=[f"A{n}", f"B{n}", f"C{n}"]), TUESDAY)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/daily_papers").json()) == 23


def test_one_paper_is_the_flat_paper_object(client: Client, feed: None) -> None:
    ada = make_user("ada")
    paper = api_module.Paper.objects.get(arxiv_id="2611.00002")
    AuthorClaim.objects.create(
        user=ada, paper=paper, author_id=Author.id_for("Ada Lovelace"), status="verified"
    )
    Comment.objects.create(paper=paper, author=ada, body="Thanks", body_html="<p>Thanks</p>")
    body = client.get("/api/papers/2611.00002").json()
    assert body["id"] == "2611.00002"
    assert (body["numComments"], body["isAuthorParticipating"]) == (1, True)
    assert body["authors"][0]["status"] == "claimed_verified"
    assert body["authors"][0]["user"]["user"] == "ada"
    assert body["submittedOnDailyAt"] == "2026-11-24T00:00:00.000Z"
    assert body["arxivUrl"] == "https://arxiv.org/abs/2611.00002"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/papers/2611.99999", "The paper 2611.99999 is not on this site."),
        ("/api/papers/hep-th/9901001", "The paper hep-th/9901001 is not on this site."),
        ("/api/papers/not-an-id", "Nothing here"),
        ("/api/nothing", "Nothing here"),
    ],
)
def test_unknown_papers_and_paths_are_a_json_404(client: Client, path: str, message: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert message in response.json()["error"]


def test_search_answers_items_with_the_paper_inside(client: Client, feed: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEARCH_EMBEDDER = "off"
    items = client.get("/api/papers/search", {"q": "agents"}).json()
    assert [i["paper"]["id"] for i in items] == ["2611.00002"]
    assert items[0]["numComments"] == 0 and "isAuthorParticipating" in items[0]
    by_id = client.get("/api/papers/search", {"q": "arXiv:2611.00003v2"}).json()
    assert [i["paper"]["id"] for i in by_id] == ["2611.00003"]


@pytest.mark.parametrize(
    ("params", "message"), [({"q": "x" * 251}, "q: "), ({"q": "x", "limit": 121}, "limit")]
)
def test_search_refuses_what_the_api_does_not_take(
    client: Client, params: dict, message: str
) -> None:
    response = client.get("/api/papers/search", params)
    assert response.status_code == 400 and message in response.json()["error"]


def test_every_paper_pages_by_cursor(client: Client, feed: None) -> None:
    seen, url = [], "/api/papers?limit=2"
    while url:
        response = client.get(url)
        seen += [paper["id"] for paper in response.json()]
        link = response.headers.get("Link", "")
        url = re.search(r"<http://testserver([^>]+)>; rel=\"next\"", link)[1] if link else ""  # type: ignore[index]
    assert seen == ["2611.00003", "2611.00002", "2611.00001"]


def test_a_forged_cursor_is_a_400(client: Client) -> None:
    response = client.get("/api/papers", {"cursor": "not-ours"})
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]


def test_reads_are_rate_limited_with_retry_after(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_module, "READ_RATE", "3/m")
    for n in range(3):
        assert client.get("/api/daily_papers", {"limit": 10 + n}).status_code == 200
    response = client.get("/api/daily_papers", {"limit": 20})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many requests" in response.json()["error"]
    # An answer already in the shared page cache costs nothing: it is not counted.
    assert client.get("/api/daily_papers", {"limit": 10})["X-Paperwire-Cache"] == "hit"


def test_the_openapi_file_and_the_docs_are_served(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert {"/api/daily_papers", "/api/papers/search", "/api/papers", "/api/papers/submit"} <= set(
        schema["paths"]
    )
    assert client.get("/api/docs").status_code == 200


def test_timestamps_are_utc_with_milliseconds() -> None:
    from paperwire.api.shapes import iso

    moment = datetime(2025, 2, 11, 19, 59, 59, 123456, tzinfo=timezone.get_fixed_timezone(60))
    assert iso(moment) == "2025-02-11T18:59:59.123Z"


def test_a_submitter_with_control_characters_is_refused(client: Client, feed: None) -> None:
    response = client.get("/api/daily_papers", {"submitter": "mi\x00ra", "sort": "trending"})

    assert response.status_code == 400
    assert "control characters" in response.json()["error"]

"""schemathesis against the API's own OpenAPI file: for every operation, generated
requests (valid and not) get no 5xx and no answer that breaks the schema.

Every check runs but the two that guess at the server's rules: a string the schema
allows may still name no day ("2026-02-30") and be refused, as the API documents."""

from datetime import UTC, date, datetime

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis import checks

from paperwire.accounts.api_tokens import do_create_token
from tests.builders import arxiv_feed, make_organization, make_paper, put_on_feed
from tests.personas import make_user
from tests.replay_server import ReplayServer, Reply

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def hub(settings_override: None, keep_connections: None) -> str:
    """A few papers on the feed and a member with a write token, as the fuzzer's world."""
    org = make_organization()
    org.approved = True
    org.save()
    for n in range(3):
        paper = make_paper(f"2611.0000{n}", f"Paper {n} on sparse attention", upvotes=n)
        put_on_feed(paper, date(2026, 11, 23), organization=org if n else None)
    _, secret = do_create_token(make_user("fuzzer"), "fuzz", "write")
    return secret


@pytest.fixture
def settings_override(settings, replay_server: ReplayServer) -> None:  # type: ignore[no-untyped-def]
    settings.RATELIMIT_ENABLE = False
    settings.ALLOWED_HOSTS = ["*"]
    # arXiv, replayed on loopback: it knows every paper it is asked for.
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_MAX_RETRIES = 0
    settings.ARXIV_DELAY = 0
    published = datetime(2026, 11, 20, 9, tzinfo=UTC)
    replay_server.route = lambda request: Reply(
        arxiv_feed(request.query["id_list"][0].split(",")[0], published)
    )


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_to_its_schema(case: schemathesis.Case, hub: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {hub}"},
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
    )

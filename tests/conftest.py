from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.contrib.auth.models import User
    from pytest_django import Settings

    from tests.personas import CsrfClient
    from tests.replay_server import ReplayServer

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data in ../shared/data; tests that need it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present beside this checkout")
    return SHARED_DATA


from tests.replay_server import replay_server  # noqa: E402,F401  (a fixture for every test)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> "Iterator[None]":
    """The shared cache of this test run alone: a server or another run on the same
    checkout (var/cache) neither sees nor clears its counts and pages."""
    from django.conf import settings
    from django.test import override_settings

    default = settings.CACHES["default"]
    if default["BACKEND"] != "diskcache.DjangoCache":
        yield
        return
    location = str(tmp_path_factory.mktemp("cache"))
    with override_settings(CACHES={"default": {**default, "LOCATION": location}}):
        yield


@pytest.fixture(autouse=True)
def one_rate_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no rate-limit counts, and all its requests fall in one window.

    django-ratelimit counts per clock-aligned window (per minute, per hour) in the
    process-wide cache; a test crossing a window's edge would see its count restart.
    """
    from django.core.cache import cache
    from django_ratelimit import core

    from paperwire.pagecache import recent

    cache.clear()
    recent.clear()
    monkeypatch.setattr(core, "_get_window", lambda value, period: 4_000_000_000)


@pytest.fixture
def csrf_client() -> "CsrfClient":
    """A client that enforces CSRF: use .post_form() to send a valid token, .post() to omit it."""
    from tests.personas import CsrfClient

    return CsrfClient()


@pytest.fixture(autouse=True)
def fresh_lexical_index() -> "Iterator[None]":
    """The tantivy index of an in-memory test database lives as long as the database."""
    yield
    from paperwire.search.lexical_index import forget_indexes

    forget_indexes()


@pytest.fixture
def keep_connections() -> "Iterator[None]":
    """For tests that call the WSGI application itself (not Django's test client): keep the
    test's database connection open across requests, as the test client does. A real
    server closes connections after each request, which would end the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# ---------- The people of the tests (see tests/personas.py) ----------


@pytest.fixture
def alice() -> "User":
    """A verified member."""
    from tests.personas import make_user

    return make_user("alice", fullname="Alice Liddell")


@pytest.fixture
def bob() -> "User":
    """Another verified member."""
    from tests.personas import make_user

    return make_user("bob", fullname="Bob Chen")


@pytest.fixture
def nora() -> "User":
    """Signed up, email address not verified yet."""
    from tests.personas import make_user

    return make_user("nora", verified=False)


@pytest.fixture
def sam() -> "User":
    """Staff, and a superuser."""
    from tests.personas import make_user

    return make_user("sam", staff=True)


@pytest.fixture
def mallory() -> "User":
    """A verified member for now: tests that need a banned member ban her with personas.ban."""
    from tests.personas import make_user

    return make_user("mallory")


# ---------- Services the site talks to ----------


@pytest.fixture
def arxiv(
    settings: "Settings",
    replay_server: "ReplayServer",  # noqa: F811  (the fixture imported above)
) -> "ReplayServer":
    """The replay server standing in for the arXiv API: no pauses, no retries."""
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_DELAY = 0
    settings.ARXIV_MAX_RETRIES = 0
    return replay_server

"""/healthz reports the database, the shared cache and the worker's last heartbeat."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.ops.heartbeat import Heart
from paperwire.ops.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_without_a_worker_the_site_serves_but_says_the_worker_is_missing(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] and body["cache"]["ok"]
    assert body["cache"]["backend"] == "DjangoCache"  # the default: diskcache, in files
    assert "paperwire worker" in body["worker"]["error"]
    assert "no-cache" in response["Cache-Control"]


def test_a_worker_that_beat_recently_is_healthy(client: Client) -> None:
    Heart().beat("trending")

    body = client.get("/healthz").json()

    assert body["status"] == "ok"
    assert body["worker"]["last_job"] == "trending"
    assert body["worker"]["workers_alive"] == 1


def test_a_silent_worker_is_reported_stale(client: Client) -> None:
    Heart().beat("digests")
    Heartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=20))

    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert not body["worker"]["ok"] and body["worker"]["seconds_ago"] >= 1200


def test_a_cache_that_does_not_answer_fails_the_check(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    # A Redis that is not there (nothing listens on port 1).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.PAGE_CACHE = False  # the pages' cache is the one that is down

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "failing" and not response.json()["cache"]["ok"]

"""/healthz: whether this server can do its work, for load balancers and monitoring."""

import secrets
from datetime import timedelta

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from paperwire.ops.models import Heartbeat

# A worker that has not said it is alive for this long is reported as stale.
WORKER_STALE_AFTER = timedelta(minutes=5)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer (a stale worker only degrades), 503 not."""
    database = _check_database()
    shared_cache = _check_cache()
    worker = _check_worker() if database["ok"] else {"ok": False, "error": "no database"}
    serving = database["ok"] and shared_cache["ok"]
    status = "ok" if serving and worker["ok"] else ("degraded" if serving else "failing")
    return JsonResponse(
        {"status": status, "database": database, "cache": shared_cache, "worker": worker},
        status=200 if serving else 503,
    )


def _check_database() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return {"ok": False, "vendor": connection.vendor, "error": str(error)[:200]}
    return {"ok": True, "vendor": connection.vendor}


def _check_cache() -> dict[str, object]:
    probe = secrets.token_hex(8)
    shared = caches["default"]
    try:
        shared.set("healthz:probe", probe, timeout=30)
        ok = shared.get("healthz:probe") == probe
    except Exception as error:
        return {"ok": False, "error": str(error)[:200]}
    backend = type(shared).__name__
    return {"ok": ok, "backend": backend} if ok else {"ok": False, "backend": backend}


def _check_worker() -> dict[str, object]:
    latest = Heartbeat.objects.order_by("-seen_at").first()
    if latest is None:
        return {"ok": False, "error": "no worker has run yet: start `paperwire worker`"}
    now = timezone.now()
    alive = Heartbeat.objects.filter(seen_at__gte=now - WORKER_STALE_AFTER).count()
    age = (now - latest.seen_at).total_seconds()
    return {
        "ok": age < WORKER_STALE_AFTER.total_seconds(),
        "last_seen": latest.seen_at.isoformat(),
        "seconds_ago": round(age, 1),
        "last_job": latest.job,
        "workers_alive": alive,
    }

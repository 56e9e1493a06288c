"""Organization logos, served from this site: no visitor's browser contacts a third party.

Imports bring each organization's logo as an address upstream (`avatar_url`). The worker's
"logos" job fetches it once, checks it is a small raster image, and stores it; pages show
the stored copy at /orgs/<name>/logo, or a monogram while there is none. A logo that
cannot be fetched is tried again later (a day, then longer), at most MAX_FAILURES times.
"""

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from django.db.models import F, Q
from django.utils import timezone

from paperwire.orgs.models import Organization, OrganizationLogo

logger = logging.getLogger(__name__)

MAX_BYTES = 256 * 1024  # Hugging Face's organization avatars are a few kilobytes
TIMEOUT_SECONDS = 10.0
PER_RUN = 100
MAX_FAILURES = 5
RETRY_AFTER = timedelta(days=1)
JOB_SECONDS = 600
# Fetches at once: a run of failures (an offline machine, a slow host) waits for the slowest
# of a few, not for the sum of a hundred, while the worker's other jobs wait for this one.
CONCURRENT_FETCHES = 8

# What a logo may be, by its first bytes: raster formats a browser shows as an image and
# never runs. SVG is refused: served from this origin, it could carry script.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class NotALogo(ValueError):
    """What the address gave is not a logo this site serves; the message says why."""


def image_type(data: bytes) -> str:
    """The content type of a raster image by its signature; NotALogo otherwise."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise NotALogo("not a PNG, JPEG, GIF or WebP image")


def waiting() -> "list[Organization]":
    """Organizations whose logo is missing or out of date, and due for a try."""
    now = timezone.now()
    due_again = Q(logo__content_type="", logo__failures__lt=MAX_FAILURES) & Q(
        logo__fetched_at__lt=now - RETRY_AFTER
    )
    stale = Q(logo__isnull=True) | ~Q(logo__source_url=F("avatar_url")) | due_again
    return list(
        Organization.objects.exclude(avatar_url="")
        .filter(stale)
        .select_related("logo")
        .order_by("pk")[:PER_RUN]
    )


def fetch(client: httpx.Client, url: str) -> tuple[bytes, str]:
    """The image at `url`, at most MAX_BYTES; NotALogo or httpx.HTTPError otherwise."""
    with client.stream("GET", url) as response:
        response.raise_for_status()
        data = b""
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > MAX_BYTES:
                raise NotALogo(f"larger than {MAX_BYTES // 1024} KB")
    return data, image_type(data)


def fetch_logos() -> str:
    """The worker's "logos" job: fetch the logos that are missing or changed upstream."""
    orgs = waiting()
    if not orgs:
        return "no logo to fetch"
    stored = failed = 0
    with (
        httpx.Client(
            timeout=TIMEOUT_SECONDS,
            follow_redirects=True,
            max_redirects=3,
            headers={"User-Agent": "Paperwire (organization logos)"},
        ) as client,
        ThreadPoolExecutor(CONCURRENT_FETCHES) as pool,
    ):
        # The fetches run in the pool; what they bring is stored here, in this thread.
        outcomes = pool.map(lambda org: _fetched(client, org.avatar_url), orgs)
        for org, outcome in zip(orgs, outcomes, strict=True):
            if _store(org, outcome):
                stored += 1
            else:
                failed += 1
    return f"{stored} logo{'s' if stored != 1 else ''} stored, {failed} failed"


def _fetched(client: httpx.Client, url: str) -> tuple[bytes, str] | Exception:
    try:
        return fetch(client, url)
    except (httpx.HTTPError, NotALogo) as error:
        return error


def _store(org: Organization, outcome: tuple[bytes, str] | Exception) -> bool:
    url = org.avatar_url
    previous = getattr(org, "logo", None)
    failures = previous.failures if previous and previous.source_url == url else 0
    if isinstance(outcome, Exception):
        error = outcome
        logger.info("logo of %s from %s: %s", org.name, url, error)
        OrganizationLogo.objects.update_or_create(
            organization=org,
            defaults={
                "source_url": url,
                "content_type": "",
                "data": b"",
                "fetched_at": timezone.now(),
                "failures": failures + 1,
                "error": str(error)[:200],
            },
        )
        # The previous logo (another address) no longer is this organization's.
        Organization.objects.filter(pk=org.pk).update(logo_hash="")
        return False
    data, content_type = outcome
    OrganizationLogo.objects.update_or_create(
        organization=org,
        defaults={
            "source_url": url,
            "content_type": content_type,
            "data": data,
            "fetched_at": timezone.now(),
            "failures": 0,
            "error": "",
        },
    )
    digest = hashlib.blake2b(data, digest_size=8).hexdigest()
    Organization.objects.filter(pk=org.pk).update(logo_hash=digest)
    return True

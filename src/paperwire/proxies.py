"""Behind a reverse proxy: who the client is and whether it spoke HTTPS.

A proxy (Caddy, nginx, a load balancer) tells the application the client's address in
X-Forwarded-For and the protocol in X-Forwarded-Proto. Anyone can send those headers, so
they are believed only from the proxies PAPERWIRE_TRUSTED_PROXIES names (addresses or
networks): then the client is the nearest address in X-Forwarded-For that is not itself a
trusted proxy, and rate limits, the log-in throttle and the logs see the real client.
From anyone else the headers are dropped.
"""

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _trusted(address: str, trusted: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(remote: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client's address: walking X-Forwarded-For from the nearest hop, the first one
    that is not a trusted proxy (a client can put anything at the far end of the list)."""
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    address = remote
    while hops and _trusted(address, trusted):
        address = hops.pop()
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return remote  # not an address: keep the proxy's
    return address


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        meta = request.META
        trusted = networks(tuple(settings.TRUSTED_PROXIES))
        remote = meta.get("REMOTE_ADDR", "")
        if trusted and _trusted(remote, trusted):
            meta["REMOTE_ADDR"] = client_address(
                remote, meta.get("HTTP_X_FORWARDED_FOR", ""), trusted
            )
            proto = meta.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                meta["wsgi.url_scheme"] = proto
        else:
            for header in (
                "HTTP_X_FORWARDED_FOR",
                "HTTP_X_FORWARDED_PROTO",
                "HTTP_X_FORWARDED_HOST",
            ):
                meta.pop(header, None)
        return self.get_response(request)

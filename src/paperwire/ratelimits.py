"""Rate limits on writes: (key, rate) pairs counted in the cache every process shares.

A key is one of django-ratelimit's ("ip", "user", "user_or_ip") or a function of
(group, request); a rate is like "10/m" or "20/h". Over a limit, the view does not run
and the client gets 429: the "slow down" page, or JSON for a script or a page's own
fetch that asks for it.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django_ratelimit.core import is_ratelimited

from paperwire.error_pages import rate_limited

View = Callable[..., HttpResponseBase]
RateKey = str | Callable[[str, HttpRequest], str]
Limit = tuple[RateKey, str]

TOO_OFTEN = "That was a lot at once. Please wait a minute and try again."


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def over_limit(request: HttpRequest, group: str, *limits: Limit) -> bool:
    """Counts this request against each limit of `group`; True when it is over any of them.

    Every limit counts every request, including one that another limit refuses.
    """
    over = [
        is_ratelimited(request, group=f"{group}:{n}", key=key, rate=rate, increment=True)
        for n, (key, rate) in enumerate(limits)
    ]
    return any(over)


def too_often(request: HttpRequest) -> HttpResponseBase:
    """The 429 answer: JSON when the client asks for it, else the "slow down" page."""
    if wants_json(request):
        response = JsonResponse({"error": TOO_OFTEN}, status=429)
        response["Retry-After"] = "60"
        return response
    return rate_limited(request)


def limited(*limits: Limit, group: str = "") -> Callable[[View], View]:
    """Rate limits on a view's POSTs; over any of them, 429 and the view does not run.

    Views that name the same `group` share their counts; by default each view counts
    alone.
    """

    def decorator(view: View) -> View:
        # A class-based view is named by its class.
        named = getattr(view, "view_class", view)
        counted = group or f"{named.__module__}.{named.__qualname__}"

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST" and over_limit(request, counted, *limits):
                return too_often(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

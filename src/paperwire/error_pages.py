"""Error pages that tell a reader what went wrong in words, never a stack trace."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Views raise Http404 with a sentence meant for readers; the URL resolver's
    # own 404 carries a dict of tried patterns, which is not.
    message = ""
    if isinstance(exception, Http404) and exception.args and isinstance(exception.args[0], str):
        message = exception.args[0]
    return render(request, "404.html", {"message": message}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database here: whatever failed may fail again.
    return HttpResponseServerError(loader.get_template("500.html").render())


def rate_limited(
    request: HttpRequest, *, message: str = "", retry_after: int = 60, offer_reset: bool = False
) -> HttpResponse:
    # The "slow down" page: a write came too often from one client (paperwire.ratelimits),
    # or too many wrong passwords (the log-in throttle).
    context = {"message": message, "offer_reset": offer_reset}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response

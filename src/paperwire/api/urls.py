import re
from functools import cache

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from paperwire.api.api import api


@cache
def _operations() -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """Each documented path as a pattern (any text for a parameter), with its methods."""
    paths = api.get_openapi_schema()["paths"]
    return [
        (
            re.compile("^" + re.sub(r"\\\{[^}]+\\\}", ".+", re.escape(template)) + "$"),
            frozenset(method.upper() for method in methods),
        )
        for template, methods in paths.items()
    ]


@csrf_exempt
def no_such_endpoint(request: HttpRequest) -> JsonResponse:
    """What no API operation took, still answered in JSON: API clients should never have to
    read an HTML error page. A documented path asked with another method is a 405."""
    allowed: set[str] = set()
    for pattern, methods in _operations():
        if pattern.match(request.path):
            allowed |= methods
    if allowed and request.method not in allowed | {"HEAD", "OPTIONS"}:
        response = JsonResponse(
            {"error": f"{request.method} is not allowed here; use {', '.join(sorted(allowed))}."},
            status=405,
        )
        response["Allow"] = ", ".join(sorted(allowed))
        return response
    return JsonResponse({"error": f"Nothing here: {request.path}"}, status=404)


urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/", no_such_endpoint),
]

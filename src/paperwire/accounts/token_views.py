"""Personal API tokens on the settings page: make one (shown once), revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from paperwire.accounts import api_tokens
from paperwire.ratelimits import limited


@login_required
@require_POST
@limited(("user", "20/h"))
def create_token(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        token, secret = api_tokens.do_create_token(
            user, request.POST.get("name", ""), request.POST.get("scope", "read")
        )
    except api_tokens.TokenError as error:
        messages.error(request, error.message)
        return redirect("/settings#tokens")
    # The secret goes in this answer only: never in a message, a cookie or the session.
    response = render(request, "accounts/token_created.html", {"token": token, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if api_tokens.do_revoke_token(user, token_id):
        messages.success(request, "The token is revoked: requests with it are refused from now on.")
    return redirect("/settings#tokens")

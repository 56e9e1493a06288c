"""Account pages: sign-up, verification, log-in and out, password reset, profile, settings."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from paperwire.accounts import services, throttle, tokens
from paperwire.accounts.forms import (
    LoginForm,
    PasswordResetForm,
    SetPasswordForm,
    SignUpForm,
)
from paperwire.errors import Refusal
from paperwire.inputs import next_page
from paperwire.ratelimits import limited

PAPERS_PER_PAGE = 20
# papers/_card.html reads the submitter from a feed entry, and its filters need the fields
# to exist; upvoted and authored papers are listed without one.
NO_ENTRY = {"submitter_fullname": "", "submitter_name": "", "submitted_by_id": None}


# ---------- Sign-up and verification ----------


@limited(("ip", "5/h"))
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("profiles:profile", request.user.get_username())
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.do_sign_up(
                data["username"], data["email"], data["password1"], request=request
            )
        except services.AccountError as e:
            form.add_error(e.field, e.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def signup_done(request: HttpRequest) -> HttpResponse:
    """ "Check your inbox"."""
    return render(request, "accounts/signup_done.html")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.do_verify_email(token)
    except tokens.BadToken as e:
        expired_user = services.user_of_expired_link(token) if e.user_id else None
        context = {"reason": e.message, "token": token if expired_user else ""}
        return render(request, "accounts/verify_failed.html", context, status=400)
    return render(request, "accounts/verified.html", {"verified_user": user})


@require_POST
@limited(("ip", "5/h"))
def resend_verification(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_authenticated:
        # From the page of an expired link: the link says whose it was.
        user = services.user_of_expired_link(request.POST.get("token", ""))
        if user is None:
            return redirect(f"{reverse('accounts:login')}?next={reverse('profiles:settings')}")
    try:
        services.do_resend_verification(user, request=request)
    except Refusal as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"We sent a new link to {user.email}. It works for 3 days.")
    if request.user.is_authenticated:
        return redirect(next_page(request, reverse("profiles:settings")))
    return redirect("accounts:login")


# ---------- Log-in and out ----------


@limited(("ip", "10/m"))
@throttle.guarded("login")
def login_view(request: HttpRequest) -> HttpResponse:
    target = next_page(request, reverse(settings.LOGIN_REDIRECT_URL))
    if request.user.is_authenticated:
        return redirect(target)
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(target)
    return render(request, "accounts/login.html", {"form": form, "next": target})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


password_reset = limited(("ip", "5/h"))(
    auth_views.PasswordResetView.as_view(
        form_class=PasswordResetForm,
        template_name="accounts/password_reset.html",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = limited(("ip", "10/h"))(
    auth_views.PasswordResetConfirmView.as_view(
        form_class=SetPasswordForm,
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)

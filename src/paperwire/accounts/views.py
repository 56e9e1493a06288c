"""Account pages: sign-up, verification, log-in and out, password reset, profile, settings."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from paperwire.accounts import services, throttle, tokens
from paperwire.accounts.api_tokens import active_tokens
from paperwire.accounts.claims import authored_papers
from paperwire.accounts.forms import (
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignUpForm,
)
from paperwire.accounts.models import Membership
from paperwire.accounts.rules import NotAllowed
from paperwire.collections.services import AnyUser, collections_of
from paperwire.digests import services as digest_services
from paperwire.digests.tokens import manage_token
from paperwire.error_pages import rate_limited
from paperwire.feed.days import visible_entries
from paperwire.feed.models import Upvote
from paperwire.papers.cards import card_papers

View = Callable[..., HttpResponseBase]
RateKey = str | Callable[[str, HttpRequest], str]
PAPERS_PER_PAGE = 20
# papers/_card.html reads the submitter from a feed entry, and its filters need the fields
# to exist; upvoted and authored papers are listed without one.
NO_ENTRY = {"submitter_fullname": "", "submitter_name": "", "submitted_by_id": None}


def limited(*limits: tuple[RateKey, str]) -> Callable[[View], View]:
    """Rate limits on POST, each (key, rate); over any of them, the 429 page.

    The view answers 429 itself rather than relying on a middleware to turn
    django-ratelimit's exception into that page. Every limit counts every POST.
    """

    def decorator(view: View) -> View:
        # One counter per view; a class-based view is named by its class.
        named = getattr(view, "view_class", view)
        group = f"{named.__module__}.{named.__qualname__}"

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                over = [
                    is_ratelimited(
                        request, group=f"{group}:{n}", key=key, rate=rate, increment=True
                    )
                    for n, (key, rate) in enumerate(limits)
                ]
                if any(over):
                    return rate_limited(request, Exception("rate limited"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _next_page(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# ---------- Sign-up and verification ----------


@limited(("ip", "5/h"))
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile", request.user.get_username())
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
            return redirect(f"{reverse('accounts:login')}?next={reverse('accounts:settings')}")
    try:
        services.do_resend_verification(user, request=request)
    except (NotAllowed, services.AccountError) as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"We sent a new link to {user.email}. It works for 3 days.")
    if request.user.is_authenticated:
        return redirect(_next_page(request, reverse("accounts:settings")))
    return redirect("accounts:login")


# ---------- Log-in and out ----------


@limited(("ip", "10/m"))
@throttle.guarded("login")
def login_view(request: HttpRequest) -> HttpResponse:
    next_page = _next_page(request, reverse(settings.LOGIN_REDIRECT_URL))
    if request.user.is_authenticated:
        return redirect(next_page)
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_page)
    return render(request, "accounts/login.html", {"form": form, "next": next_page})


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


# ---------- Profile ----------

TABS = {
    "submitted": "Submitted",
    "upvoted": "Upvoted",
    "authored": "Authored",
    "collections": "Collections",
}


def _tab_items(tab: str, user: User, viewer: AnyUser) -> QuerySet[Any]:
    """What one tab lists, newest first; each query loads what a card needs in bulk."""
    if tab == "submitted":
        return (
            visible_entries()
            .filter(submitted_by=user)
            .select_related("organization")
            .prefetch_related(Prefetch("paper", queryset=card_papers()))
            .order_by("-submitted_at", "-pk")
        )
    if tab == "upvoted":
        return (
            Upvote.objects.filter(user=user)
            .prefetch_related(Prefetch("paper", queryset=card_papers()))
            .order_by("-created_at", "-pk")
        )
    if tab == "authored":
        mine = authored_papers(user).values("pk")
        return card_papers().filter(pk__in=mine).order_by("-published_at", "-pk")
    return collections_of(user, viewer)


def profile(request: HttpRequest, username: str) -> HttpResponse:
    user = User.objects.filter(username__iexact=username).select_related("profile").first()
    if user is None:
        raise Http404(f"There is no member called “{username}”.")
    banned = not user.is_active or user.profile.banned_at is not None
    # A suspended member's page is gone for everyone but staff, who may need to review it.
    if banned and not request.user.is_staff:
        raise Http404(f"There is no member called “{username}”.")
    if user.username != username:
        return redirect("accounts:profile", user.username, permanent=True)
    is_owner = request.user.pk == user.pk
    tab = request.GET.get("tab", "submitted")
    if tab not in TABS:
        tab = "submitted"
    counts = {
        "submitted": visible_entries().filter(submitted_by=user).count(),
        "upvoted": Upvote.objects.filter(user=user).count(),
        "authored": authored_papers(user).count(),
        "collections": collections_of(user, request.user).count(),
    }
    page = Paginator(_tab_items(tab, user, request.user), PAPERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    organizations = [
        m.organization
        for m in Membership.objects.filter(user=user, organization__approved=True)
        .select_related("organization")
        .order_by("organization__name")
    ]
    context = {
        "member": user,
        "is_owner": is_owner,
        "banned": banned,
        "organizations": organizations,
        "tabs": [(key, label, counts[key]) for key, label in TABS.items()],
        "tab": tab,
        "page": page,
        "no_entry": NO_ENTRY,
    }
    return render(request, "accounts/profile.html", context)


# ---------- Settings ----------


@login_required
@limited(("user_or_ip", "20/h"))
def settings_page(request: HttpRequest) -> HttpResponse:
    """Three forms on one page; a hidden `form` field says which one was sent."""
    user = request.user
    assert isinstance(user, User)
    which = request.POST.get("form") if request.method == "POST" else None
    profile_form = ProfileForm(
        request.POST if which == "profile" else None,
        initial={"fullname": user.profile.fullname, "bio": user.profile.bio},
    )
    email_form = EmailChangeForm(user, request.POST if which == "email" else None)
    password_form = PasswordChangeForm(user, request.POST if which == "password" else None)

    if which == "profile" and profile_form.is_valid():
        services.do_update_profile(user, **profile_form.cleaned_data)
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:settings")
    if which == "email" and email_form.is_valid():
        try:
            services.do_change_email(
                user,
                email_form.cleaned_data["email"],
                email_form.cleaned_data["password"],
                request=request,
            )
        except services.AccountError as e:
            email_form.add_error(e.field, e.message)
        else:
            messages.success(
                request,
                f"Your email address is now {user.email}. Follow the link we sent there "
                "to verify it.",
            )
            return redirect("accounts:settings")
    if which == "password" and password_form.is_valid():
        password_form.save()
        # Changing the password signs out other sessions, but keeps this one.
        update_session_auth_hash(request, password_form.user)
        messages.success(request, "Your password is changed.")
        return redirect("accounts:settings")

    subscriber = digest_services.subscriber_for(user)
    context = {
        "profile_form": profile_form,
        "email_form": email_form,
        "password_form": password_form,
        "subscriber": subscriber,
        "subscriber_token": manage_token(subscriber.pk) if subscriber else "",
        "api_tokens": active_tokens(user),
    }
    return render(request, "accounts/settings.html", context)

"""Subscribe, confirm, manage and leave: pages that need no login, only a signed link."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from paperwire.digests import schedule, services, tokens
from paperwire.digests.forms import ManageForm, SubscribeForm
from paperwire.digests.preview import NoSuchSubscriber
from paperwire.digests.preview import preview as digest_preview
from paperwire.feed.days import today
from paperwire.ratelimits import limited


def _bad_link(request: HttpRequest, error: tokens.BadLink) -> HttpResponse:
    return render(request, "digests/bad_link.html", {"message": error.message}, status=400)


def _from_another_site(request: HttpRequest) -> bool:
    """A browser says where a form was sent from: another site's page may not use ours."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return bool(origin)
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    return origin not in allowed


# The sign-up box is on every feed page, which anonymous visitors get from the shared page
# cache: it carries no per-visitor CSRF token. What a token would protect is already safe:
# a sign-up only sends a confirmation link (one per address per 10 minutes), and a browser
# posting from another site is refused by its Origin and Sec-Fetch-Site headers.
@csrf_exempt
@limited(("ip", "10/h"))
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _from_another_site(request):
        return render(
            request,
            "403.html",
            {"message": "This form can only be sent from this site's pages."},
            status=403,
        )
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_subscribe(
                data["email"], daily=data["daily"], weekly=data["weekly"], request=request
            )
        except services.SubscriptionError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return render(request, "digests/check_inbox.html", {"email": data["email"].lower()})
    status = 400 if form.is_bound else 200
    return render(request, "digests/subscribe.html", {"form": form}, status=status)


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = services.do_confirm(token)
    except tokens.BadLink as error:
        return _bad_link(request, error)
    return render(
        request,
        "digests/confirmed.html",
        {"subscriber": subscriber, "token": tokens.manage_token(subscriber.pk)},
    )


@limited(("ip", "30/h"))
def manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = services.subscriber_from_link(token)
    except tokens.BadLink as error:
        return _bad_link(request, error)
    if request.method == "POST" and request.POST.get("action") == "resubscribe":
        services.do_resubscribe(subscriber)
        messages.success(request, f"Welcome back: {subscriber.email} gets the digest again.")
        return redirect("digests:manage", token)
    form = ManageForm.for_subscriber(subscriber, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update(subscriber, form.choices())
        except services.SubscriptionError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Saved. The next digest follows these choices.")
            if unknown := services.unknown_authors(form.cleaned_data["authors"]):
                messages.info(
                    request,
                    "No paper here is by " + ", ".join(unknown) + " yet; "
                    "their first one will be in your digest.",
                )
            return redirect("digests:manage", token)
    context = {"subscriber": subscriber, "form": form, "token": token}
    return render(request, "digests/manage.html", context, status=400 if form.errors else 200)


# Mail clients send RFC 8058's one-click POST without cookies or a CSRF token: the
# signed link is the credential, and all it can do is stop mail to its own address.
@csrf_exempt
@limited(("ip", "60/h"))
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = services.subscriber_from_link(token)
    except tokens.BadLink as error:
        return _bad_link(request, error)
    if request.method == "POST":
        services.do_unsubscribe(subscriber)
        return render(
            request, "digests/unsubscribed.html", {"subscriber": subscriber, "token": token}
        )
    return render(request, "digests/unsubscribe.html", {"subscriber": subscriber, "token": token})


@login_required
@require_POST
@limited(("user", "10/h"))
def subscribe_member(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        subscriber = services.do_subscribe_member(user, request=request)
    except services.SubscriptionError as error:
        messages.error(request, error.message)
        return redirect("profiles:settings")
    if subscriber.receiving:
        messages.success(request, f"Subscribed: the digest goes to {subscriber.email}.")
        return redirect("digests:manage", tokens.manage_token(subscriber.pk))
    messages.info(
        request, f"Follow the link we sent to {subscriber.email} to confirm your subscription."
    )
    return redirect("profiles:settings")


@staff_member_required
def preview(request: HttpRequest) -> HttpResponse:
    """An edition as one subscriber (or a subscriber with the default choices) would get it."""
    kind = request.GET.get("kind") or schedule.DAILY
    error = ""
    day = schedule.latest_date(kind if kind in schedule.KINDS else schedule.DAILY, today())
    if text := request.GET.get("date"):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            error = f"“{text}” is not a date: write it like 2026-11-24."
    email = (request.GET.get("email") or "").strip().lower()
    context: dict[str, object] = {
        "kinds": schedule.KINDS,
        "kind": kind,
        "day": day,
        "email": email,
        "error": error,
    }
    if not error:
        try:
            shown = digest_preview(kind, day, email)
        except (schedule.BadEdition, NoSuchSubscriber) as bad:
            context["error"] = str(bad)
        else:
            context.update(edition=shown.edition, stored=shown.stored, papers=shown.papers)
            if shown.message is not None:
                context.update(
                    subject=shown.message.subject,
                    text=shown.message.body,
                    html=shown.message.alternatives[0][0],
                    headers=shown.message.extra_headers,
                )
    return render(request, "digests/preview.html", context)

"""The public faces of members and organizations: a member's profile and settings, the
list of organizations and an organization's page, each gathering what other apps hold
(feed entries, upvotes, collections, claims, digest subscriptions)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from paperwire.accounts import services
from paperwire.accounts.api_tokens import active_tokens
from paperwire.accounts.forms import EmailChangeForm, PasswordChangeForm, ProfileForm
from paperwire.collections.services import AnyUser, collections_of
from paperwire.digests import services as digest_services
from paperwire.digests.tokens import manage_token
from paperwire.feed.cards import card_papers
from paperwire.feed.days import visible_entries
from paperwire.feed.models import Upvote
from paperwire.orgs import services as orgs
from paperwire.orgs.models import Membership, Organization
from paperwire.papers.claims import authored_papers
from paperwire.ratelimits import limited

ORGS_PER_PAGE = 48
PAPERS_PER_PAGE = 20
SORTS = {
    "new": ("-day", "-paper__upvotes", "pk"),
    "top": ("-paper__upvotes", "-day", "pk"),
}
# papers/_card.html reads the submitter from a feed entry, and its filters need the fields
# to exist; upvoted and authored papers are listed without one.
NO_ENTRY = {"submitter_fullname": "", "submitter_name": "", "submitted_by_id": None}


def approved_organizations() -> QuerySet[Organization]:
    """Approved organizations with `paper_count` (distinct papers on public feed pages),
    those with the most papers first."""
    papers = (
        visible_entries()
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(n=Count("paper", distinct=True))
        .values("n")
    )
    return (
        Organization.objects.filter(approved=True)
        .annotate(paper_count=Coalesce(Subquery(papers, output_field=IntegerField()), 0))
        .order_by("-paper_count", "name")
    )


def _organization(request: HttpRequest, name: str) -> Organization:
    org = orgs.organization_named(name, request.user)
    if org is None:
        raise Http404(f"There is no organization called “{name}”.")
    return org


# ---------- Organizations ----------


def org_list(request: HttpRequest) -> HttpResponse:
    listed = approved_organizations()
    page = Paginator(listed, ORGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "profiles/orgs.html", {"page": page})


def detail(request: HttpRequest, name: str) -> HttpResponse:
    org = _organization(request, name)
    if org.name != name:
        return redirect(org, permanent=True)
    sort = request.GET.get("sort", "new")
    if sort not in SORTS:
        sort = "new"
    entries = (
        visible_entries()
        .filter(organization=org)
        .select_related("organization")
        .prefetch_related(Prefetch("paper", queryset=card_papers()))
        .order_by(*SORTS[sort])
    )
    page = Paginator(entries, PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    members = orgs.members_for_page(org)
    mine = next((m for m in members if m.user_id == request.user.pk), None)
    context = {
        "org": org,
        "members": members,
        "membership": mine,
        "can_manage": (mine is not None and mine.role == "admin") or request.user.is_staff,
        "sort": sort,
        "page": page,
    }
    return render(request, "profiles/org.html", context)


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
        return redirect("profiles:profile", user.username, permanent=True)
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
    return render(request, "profiles/profile.html", context)


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
        return redirect("profiles:settings")
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
            return redirect("profiles:settings")
    if which == "password" and password_form.is_valid():
        password_form.save()
        # Changing the password signs out other sessions, but keeps this one.
        update_session_auth_hash(request, password_form.user)
        messages.success(request, "Your password is changed.")
        return redirect("profiles:settings")

    subscriber = digest_services.subscriber_for(user)
    context = {
        "profile_form": profile_form,
        "email_form": email_form,
        "password_form": password_form,
        "subscriber": subscriber,
        "subscriber_token": manage_token(subscriber.pk) if subscriber else "",
        "api_tokens": active_tokens(user),
    }
    return render(request, "profiles/settings.html", context)

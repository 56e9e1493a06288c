"""Creating an organization, managing its members, and its logo (its page is in profiles)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from paperwire.accounts.rules import why_not_active_member
from paperwire.errors import Refusal
from paperwire.orgs import services as orgs
from paperwire.orgs.models import Organization, OrganizationLogo
from paperwire.ratelimits import limited


class OrganizationForm(forms.Form):
    name = forms.CharField(
        label="Short name",
        max_length=100,
        help_text="Used in the address: /orgs/your-name. Letters, digits, “-” and “_”.",
    )
    fullname = forms.CharField(label="Full name", max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=False
    )
    website = forms.URLField(max_length=500, required=False, assume_scheme="https")


def _organization(request: HttpRequest, name: str) -> Organization:
    """The organization a URL names, if this user may see it; 404 otherwise."""
    org = orgs.organization_named(name, request.user)
    if org is None:
        raise Http404(f"There is no organization called “{name}”.")
    return org


@require_safe
def logo(request: HttpRequest, name: str) -> HttpResponse:
    """The organization's stored logo (see orgs.logos); 404 while it has none."""
    org = _organization(request, name)
    stored = (
        OrganizationLogo.objects.filter(organization=org).exclude(content_type="").first()
        if org.logo_hash
        else None
    )
    if stored is None:
        raise Http404(f"“{org.name}” has no logo.")
    etag = f'"{org.logo_hash}"'
    response: HttpResponse
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(bytes(stored.data), content_type=stored.content_type)
    # The address the pages use carries the hash: it never changes what it shows.
    versioned = request.GET.get("v") == org.logo_hash
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if versioned else "public, max-age=3600"
    )
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@limited(("user_or_ip", "10/h"))
def create(request: HttpRequest) -> HttpResponse:
    not_allowed = why_not_active_member(request.user)
    form = OrganizationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            org = orgs.do_create_organization(
                request.user, orgs.NewOrganization(**form.cleaned_data)
            )
        except Refusal as e:
            form.add_error(None, e.message)
        else:
            messages.success(
                request,
                f"{org} is created. Staff will review it shortly; until then only its "
                "members can see its page.",
            )
            return redirect(org)
    return render(request, "orgs/create.html", {"form": form, "not_allowed": not_allowed})


def _after_change(request: HttpRequest, org: Organization, done: str) -> HttpResponse:
    messages.success(request, done)
    return redirect(org.get_absolute_url() + "#members")


def _refused(request: HttpRequest, org: Organization, e: Refusal) -> HttpResponse:
    messages.error(request, e.message)
    return redirect(org.get_absolute_url() + "#members")


@require_POST
@login_required
@limited(("user_or_ip", "60/h"))
def add_member(request: HttpRequest, name: str) -> HttpResponse:
    org = _organization(request, name)
    try:
        membership = orgs.do_add_member(request.user, org, request.POST.get("username", ""))
    except Refusal as e:
        return _refused(request, org, e)
    return _after_change(request, org, f"{membership.user.get_username()} is now a member.")


@require_POST
@login_required
@limited(("user_or_ip", "60/h"))
def remove_member(request: HttpRequest, name: str, username: str) -> HttpResponse:
    org = _organization(request, name)
    leaving = username.lower() == request.user.get_username().lower()
    try:
        orgs.do_remove_member(request.user, org, username)
    except Refusal as e:
        return _refused(request, org, e)
    if leaving:
        messages.success(request, f"You left {org}.")
        # A pending organization's page is for members only; the leaver lands elsewhere.
        return redirect(org if orgs.can_view(org, request.user) else "profiles:organizations")
    return _after_change(request, org, f"{username} is no longer a member.")


@require_POST
@login_required
@limited(("user_or_ip", "60/h"))
def set_role(request: HttpRequest, name: str, username: str) -> HttpResponse:
    org = _organization(request, name)
    role = request.POST.get("role", "")
    try:
        membership = orgs.do_set_role(request.user, org, username, role)
    except Refusal as e:
        return _refused(request, org, e)
    return _after_change(
        request,
        org,
        f"{membership.user.get_username()} is now {membership.get_role_display().lower()}.",
    )

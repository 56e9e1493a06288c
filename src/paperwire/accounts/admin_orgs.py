"""Admin for organizations and authorship claims: where staff approve and verify."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from paperwire.accounts import claims, orgs
from paperwire.accounts.models import AuthorClaim, Membership, Organization
from paperwire.accounts.rules import NotAllowed


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "fullname", "approved", "created_by", "created_at"]
    list_filter = ["approved", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["name", "fullname"]
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]
    actions = ["approve"]

    @admin.action(description="Approve selected organizations", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        approved = orgs.do_approve_organizations(queryset)
        self.message_user(request, f"Approved {approved} organization{'s' * (approved != 1)}.")


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    list_display = ["author", "paper", "user", "status", "created_at", "reviewed_by"]
    list_filter = ["status", "created_at"]
    list_select_related = ["author", "paper", "user", "reviewed_by"]
    search_fields = ["author__name", "paper__arxiv_id", "paper__title", "user__username"]
    raw_id_fields = ["user", "paper", "author"]
    # Status changes go through the actions, which keep one verified user per author
    # name and record who reviewed; a hand-edited status could break either.
    readonly_fields = ["status", "reviewed_at", "reviewed_by"]
    actions = ["verify", "reject"]

    @admin.action(description="Verify selected claims", permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet[AuthorClaim]) -> None:
        done = 0
        for claim in queryset.select_related("author", "paper", "user"):
            try:
                claims.do_verify_claim(request.user, claim)
            except (claims.ClaimError, NotAllowed) as e:
                self.message_user(request, e.message, level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"Verified {done} claim{'s' * (done != 1)}.")

    @admin.action(description="Reject selected claims", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[AuthorClaim]) -> None:
        done = 0
        for claim in queryset:
            claims.do_reject_claim(request.user, claim)
            done += 1
        self.message_user(request, f"Rejected {done} claim{'s' * (done != 1)}.")

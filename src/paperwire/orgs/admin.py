"""Admin for organizations: where staff approve them and manage their members."""

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from paperwire.orgs import services as orgs
from paperwire.orgs.models import Membership, Organization


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

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from paperwire.errors import Refusal
from paperwire.papers import claims
from paperwire.papers.models import Author, AuthorClaim, Category, Paper


class AuthorshipInline(admin.TabularInline):
    model = Paper.authors.through
    raw_id_fields = ["author"]
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["arxiv_id", "title", "version", "primary_category", "published_at", "upvotes"]
    search_fields = ["arxiv_id", "title"]
    list_filter = ["primary_category"]
    date_hierarchy = "published_at"
    readonly_fields = ["created_at", "modified_at"]
    inlines = [AuthorshipInline]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    readonly_fields = ["id"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group_name"]
    search_fields = ["code", "name"]


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
            except Refusal as e:
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

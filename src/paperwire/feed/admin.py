"""Admin for the feed: staff hide entries and look at votes and trending scores."""

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from paperwire.feed import services
from paperwire.feed.models import DailyEntry, TrendingScore, Upvote


@admin.register(DailyEntry)
class DailyEntryAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "day",
        "paper",
        "submitter_name",
        "submitted_by",
        "organization",
        "source",
        "hidden",
    ]
    # "Submitted by: empty" are imported entries, the rest come from members here.
    list_filter = ["hidden", "source", ("submitted_by", admin.EmptyFieldListFilter)]
    search_fields = ["paper__arxiv_id", "paper__title", "submitter_name", "submitted_by__username"]
    date_hierarchy = "day"
    raw_id_fields = ["paper", "submitted_by", "organization"]
    list_select_related = ["paper", "organization", "submitted_by"]
    actions = ["hide", "show"]

    def _changed(self, request: HttpRequest, count: int, done: str) -> None:
        self.message_user(request, f"{done} {count} entr{'ies' if count != 1 else 'y'}.")

    @admin.action(description="Hide selected entries from public pages", permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[DailyEntry]) -> None:
        self._changed(request, services.do_set_entries_hidden(queryset, True), "Hid")

    @admin.action(description="Show selected entries again", permissions=["change"])
    def show(self, request: HttpRequest, queryset: QuerySet[DailyEntry]) -> None:
        self._changed(request, services.do_set_entries_hidden(queryset, False), "Showed")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the site writes itself: staff look, and change them through the site."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Upvote)
class UpvoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "paper"]
    list_select_related = ["user", "paper"]
    search_fields = ["user__username", "paper__arxiv_id", "paper__title"]
    date_hierarchy = "created_at"
    # Counting every vote for the paginator is slow on a big table; an estimate is fine.
    show_full_result_count = False


@admin.register(TrendingScore)
class TrendingScoreAdmin(ReadOnlyAdmin):
    list_display = ["paper", "score", "first_on_feed_at", "refreshed_at"]
    list_select_related = ["paper"]
    search_fields = ["paper__arxiv_id", "paper__title"]
    ordering = ["-score"]

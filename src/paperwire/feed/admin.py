from django.contrib import admin

from paperwire.feed.models import DailyEntry


@admin.register(DailyEntry)
class DailyEntryAdmin(admin.ModelAdmin):
    list_display = ["day", "paper", "submitter_name", "organization", "source", "hidden"]
    list_filter = ["source", "hidden"]
    search_fields = ["paper__arxiv_id", "paper__title", "submitter_name"]
    date_hierarchy = "day"
    raw_id_fields = ["paper"]
    list_select_related = ["paper", "organization"]

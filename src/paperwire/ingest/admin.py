from django.contrib import admin

from paperwire.ingest.models import HarvestCheckpoint


@admin.register(HarvestCheckpoint)
class HarvestCheckpointAdmin(admin.ModelAdmin):
    list_display = ["key", "pages", "records", "last_datestamp", "updated_at", "completed_at"]
    readonly_fields = [f.name for f in HarvestCheckpoint._meta.fields]

from django.contrib import admin
from django.db import models

from paperwire.accounts.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "fullname", "approved", "created_at"]
    list_filter = ["approved"]
    search_fields = ["name", "fullname"]

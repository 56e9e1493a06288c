from django.contrib import admin

from paperwire.collections.models import Collection, CollectionItem


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    raw_id_fields = ["paper"]
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "is_public", "updated_at"]
    list_filter = ["is_public"]
    list_select_related = ["owner"]
    search_fields = ["name", "slug", "owner__username"]
    raw_id_fields = ["owner"]
    inlines = [CollectionItemInline]

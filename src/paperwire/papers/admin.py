from django.contrib import admin
from django.db import models

from paperwire.papers.models import Author, Category, Paper


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

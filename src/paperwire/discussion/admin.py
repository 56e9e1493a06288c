"""Admin for comments: staff read, search, hide and unhide them."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from paperwire.discussion import services
from paperwire.discussion.models import Comment


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted by author"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Deleted"), ("no", "Not deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "author", "paper", "created_at", "is_reply", "hidden", "deleted"]
    list_filter = ["hidden", DeletedFilter, "created_at"]
    search_fields = ["body", "author__username", "paper__arxiv_id", "paper__title"]
    date_hierarchy = "created_at"
    list_select_related = ["author", "paper"]
    raw_id_fields = ["paper", "author", "parent"]
    fields = ["paper", "author", "parent", "body", "rendered", "hidden", "created_at"]
    fields += ["edited_at", "deleted_at"]
    readonly_fields = ["paper", "author", "parent", "rendered", "created_at", "edited_at"]
    actions = ["hide", "unhide"]

    # Comments are written on the site, by their authors.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    @admin.display(description="Reply", boolean=True)
    def is_reply(self, comment: Comment) -> bool:
        return comment.parent_id is not None

    @admin.display(description="Deleted", boolean=True)
    def deleted(self, comment: Comment) -> bool:
        return comment.deleted_at is not None

    @admin.display(description="As shown")
    def rendered(self, comment: Comment) -> SafeString:
        # body_html is sanitized when it is rendered; format_html marks it as such.
        return format_html('<div class="comment__body">{}</div>', SafeString(comment.body_html))

    def save_model(self, request: HttpRequest, obj: Comment, form: object, change: bool) -> None:
        # A text staff changed is rendered (and sanitized) the same way as an author's.
        services.render_again(obj)
        super().save_model(request, obj, form, change)

    @admin.action(description="Hide selected comments", permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = services.do_set_comments_hidden(queryset, True)
        self.message_user(request, f"Hid {count} comment{'s' if count != 1 else ''}.")

    @admin.action(description="Unhide selected comments", permissions=["change"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = services.do_set_comments_hidden(queryset, False)
        self.message_user(request, f"Unhid {count} comment{'s' if count != 1 else ''}.")

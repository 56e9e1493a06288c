"""Staff see subscribers, editions and the send log; the log itself is never edited by hand."""

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from paperwire.digests.models import Delivery, DigestEdition, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "daily",
        "weekly",
        "timezone",
        "send_hour",
        "confirmed_at",
        "unsubscribed_at",
        "bounced_at",
    ]
    list_filter = [
        "daily",
        "weekly",
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
        ("bounced_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email"]
    raw_id_fields = ["user"]
    filter_horizontal = ["categories"]
    readonly_fields = ["created_at", "confirmation_sent_at"]
    # Followed authors and organizations are chosen on the subscriber's own manage page.
    exclude = ["authors", "organizations"]


@admin.register(DigestEdition)
class DigestEditionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "first_day",
        "last_day",
        "paper_count",
        "sent",
        "waiting",
        "composed_at",
        "retry_at",
    ]
    list_filter = ["kind"]
    date_hierarchy = "date"
    readonly_fields = [f.name for f in DigestEdition._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DigestEdition]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=Count("deliveries", filter=Q(deliveries__status="sent")),
                waiting_count=Count("deliveries", filter=Q(deliveries__status="pending")),
            )
        )

    @admin.display(description="papers")
    def paper_count(self, edition: DigestEdition) -> int:
        return len(edition.papers)

    @admin.display(description="sent", ordering="sent_count")
    def sent(self, edition: DigestEdition) -> int:
        return int(getattr(edition, "sent_count", 0))

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, edition: DigestEdition) -> int:
        return int(getattr(edition, "waiting_count", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "edition",
        "subscriber",
        "status",
        "attempts",
        "paper_count",
        "finished_at",
        "last_error",
    ]
    list_filter = ["status", "edition__kind"]
    search_fields = ["subscriber__email"]
    list_select_related = ["edition", "subscriber"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

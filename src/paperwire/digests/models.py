from django.conf import settings
from django.db import models
from django.db.models import Q

from paperwire.orgs.models import Organization
from paperwire.papers.models import Author, Category


class Subscriber(models.Model):
    """An address that receives digests: a visitor who confirmed it, or a member.

    Nothing is sent before `confirmed_at`, after `unsubscribed_at`, or once the
    address bounced (a permanent refusal by its mail server).
    """

    email = models.EmailField(max_length=254, unique=True)  # lower-cased on the way in
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriber",
    )
    daily = models.BooleanField(default=True)
    weekly = models.BooleanField(default=False)
    # Daily editions arrive on weekdays at this hour of this zone, weekly ones on Mondays.
    timezone = models.CharField(max_length=64, default="UTC")
    send_hour = models.PositiveSmallIntegerField(default=7)
    # What goes in: the top N papers of the period (0: none), then personal sections.
    top_n = models.PositiveSmallIntegerField(default=10)
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    authors = models.ManyToManyField(Author, blank=True, related_name="+")
    organizations = models.ManyToManyField(Organization, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["email"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=Q(
                    confirmed_at__isnull=False,
                    unsubscribed_at__isnull=True,
                    bounced_at__isnull=True,
                ),
                name="subscriber_receiving",
            )
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def receiving(self) -> bool:
        return bool(self.confirmed_at and not self.unsubscribed_at and not self.bounced_at)


class SavedSearch(models.Model):
    """A query whose new matches a subscriber wants in each edition."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="saved_searches"
    )
    query = models.CharField(max_length=250)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "query"], name="savedsearch_unique")
        ]

    def __str__(self) -> str:
        return self.query


class DigestEdition(models.Model):
    """One issue of a digest (daily of 2026-11-24, weekly of 2026-11-23), composed once.

    `papers` freezes what the period had to offer when the edition was composed, best
    first: every subscriber's message is cut from this list, so votes cast while a
    batch goes out cannot give two subscribers different orders.
    """

    class Kind(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    date = models.DateField()
    # The feed days the edition covers, first and last (both included).
    first_day = models.DateField()
    last_day = models.DateField()
    papers = models.JSONField(default=list)  # paper ids, best first
    composed_at = models.DateTimeField(auto_now_add=True)
    # One sender at a time: "host:pid" of the process sending it, and until when.
    sender = models.CharField(max_length=200, blank=True)
    sender_until = models.DateTimeField(null=True, blank=True)
    # The mail server was unreachable: the next try waits until then (backoff).
    server_failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "date"], name="digestedition_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} digest of {self.date}"


class Delivery(models.Model):
    """The send log: one row per edition and subscriber, so each gets an edition once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent"
        FAILED = "failed", "Failed"

    edition = models.ForeignKey(DigestEdition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    paper_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["edition", "id"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "subscriber"], name="delivery_unique")
        ]
        indexes = [models.Index(fields=["edition", "status", "id"], name="delivery_queue")]

    def __str__(self) -> str:
        return f"{self.edition} to {self.subscriber_id}: {self.status}"

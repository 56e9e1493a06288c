from django.conf import settings
from django.db import models

from paperwire.orgs.models import Organization
from paperwire.papers.models import Paper


class DailyEntry(models.Model):
    """A paper on the feed of one day (a date in PAPERWIRE_TIMEZONE)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="daily_entries")
    day = models.DateField(db_index=True)
    submitted_at = models.DateTimeField()
    # Entries imported from another hub keep that hub's submitter name.
    submitter_name = models.CharField(max_length=150, blank=True)
    submitter_fullname = models.CharField(max_length=200, blank=True)
    submitter_avatar_url = models.URLField(max_length=500, blank=True)
    # A member of this site who submitted it; imported entries have none.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    source = models.CharField(max_length=20, default="local")
    # The paper's discussion thread on that hub (Hugging Face `discussionId`), for linking back.
    discussion_id = models.CharField(max_length=40, blank=True)
    hidden = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "daily entries"
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["paper", "day"], name="dailyentry_unique")]

    def __str__(self) -> str:
        return f"{self.paper_id} on {self.day}"


class Upvote(models.Model):
    """One user's vote for a paper; Paper.upvotes moves with it in the same transaction."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upvotes"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="upvote_unique")]
        indexes = [models.Index(fields=["paper", "created_at"], name="upvote_paper_time")]

    def __str__(self) -> str:
        return f"{self.user_id} upvoted {self.paper_id}"


class TrendingScore(models.Model):
    """The stored trending score of a paper on the feed recently (see feed/trending.py)."""

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="trending"
    )
    score = models.FloatField(db_index=True)
    # When the paper first went on the feed: the age the score decays with.
    first_on_feed_at = models.DateTimeField()
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["-score"]

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.score:.3f}"

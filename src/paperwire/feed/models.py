from django.db import models

from paperwire.accounts.models import Organization
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

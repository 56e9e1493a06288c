from django.conf import settings
from django.db import models

from paperwire.papers.models import Paper


class Comment(models.Model):
    """A comment on a paper, or a reply to one (one level deep)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="discussion")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # The Markdown the author wrote, and its sanitized HTML rendered once on save.
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted comment with replies stays as "deleted" so the replies keep their place.
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text="Hidden by staff")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["paper", "created_at"], name="comment_paper_time")]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author_id} on {self.paper_id}"

    def get_absolute_url(self) -> str:
        return f"{self.paper.get_absolute_url()}#comment-{self.pk}"

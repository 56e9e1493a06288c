from django.db import models
from django.utils import timezone

from paperwire.papers.models import Paper


class PaperEmbedding(models.Model):
    """A paper's dense vector (float32, L2-normalized) and what it was computed from."""

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    vector = models.BinaryField()
    model = models.CharField(max_length=100)
    # A hash of the text that was embedded: a paper whose text changed is pending again.
    text_hash = models.CharField(max_length=32)
    # When the embedded text was read (not when the row was written): a paper modified after
    # that is pending again. Indexed: the vector indexes catch up on rows newer than they hold.
    embedded_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"embedding of {self.paper_id}"

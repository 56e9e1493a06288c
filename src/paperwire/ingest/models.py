from django.db import models
from django.utils import timezone


class HarvestCheckpoint(models.Model):
    """Where an OAI-PMH harvest stands, saved in the same transaction as each page.

    A harvest that is stopped part-way resumes from `resumption_token`; one whose
    token has expired starts the list over, and the upsert makes the overlap
    harmless. The counters cover the pages committed since `started_at`, and
    `last_datestamp` is the latest record change among them.
    """

    key = models.CharField(max_length=500, unique=True)
    endpoint = models.URLField(max_length=500)
    set_spec = models.CharField(max_length=100, blank=True)
    metadata_prefix = models.CharField(max_length=40)
    from_date = models.DateField(null=True, blank=True)
    until_date = models.DateField(null=True, blank=True)
    resumption_token = models.TextField(blank=True)
    last_datestamp = models.DateField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0, help_text="Deleted records, skipped")
    skipped = models.PositiveIntegerField(default=0, help_text="Records that are not papers")
    complete_list_size = models.PositiveIntegerField(null=True, blank=True)
    cursor = models.PositiveIntegerField(null=True, blank=True)
    # Not auto_now_add: starting a harvest over resets it.
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key


class ArxivLookup(models.Model):
    """An arXiv id a member asked for that is not stored yet.

    Either arXiv said it has no such paper (`missing_since`: not asked again for a
    while), or arXiv did not answer within a web request's deadline and the worker
    fetches it with the patience a request cannot have (`next_try_at`).
    """

    arxiv_id = models.CharField(max_length=40, unique=True)
    missing_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.arxiv_id


class DeferredIndex(models.Model):
    """An index of the paper tables that a bulk import dropped, to build it once at its end
    (see ingest.indexes): `sql` creates it again. A row left behind is an import that was
    killed; the next import, or the next migrate, builds the index."""

    name = models.CharField(max_length=200, unique=True)
    table = models.CharField(max_length=200)
    sql = models.TextField()
    dropped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

from django.db import models


class HarvestCheckpoint(models.Model):
    """Where an OAI-PMH harvest stands, saved in the same transaction as each page.

    A harvest that is stopped part-way resumes from `resumption_token`; one whose
    token has expired restarts from `last_datestamp`, and the upsert makes the
    overlap harmless.
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
    complete_list_size = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key

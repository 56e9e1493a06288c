from django.db import models


class Organization(models.Model):
    """A lab, company or society that papers are submitted on behalf of."""

    name = models.SlugField(max_length=100, unique=True)
    fullname = models.CharField(max_length=200)
    avatar_url = models.URLField(max_length=500, blank=True)
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.fullname or self.name

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What Paperwire knows about a user beyond Django's User: name shown, verification, ban."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    fullname = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # A banned user cannot log in and their submissions, comments and collections
    # leave public pages; the rows stay so that an unban restores them.
    banned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.fullname or self.user.get_username()

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class ApiToken(models.Model):
    """A personal token for the JSON API, sent as `Authorization: Bearer <token>`.

    Only a SHA-256 of the token is stored (tokens are 256 random bits, so a fast hash
    is enough), and its first characters to tell tokens apart on the settings page.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

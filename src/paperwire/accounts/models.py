from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from paperwire.papers.models import Author, Paper


class Organization(models.Model):
    """A lab, company or society that papers are submitted on behalf of."""

    name = models.SlugField(max_length=100, unique=True)
    fullname = models.CharField(max_length=200)
    # Where the logo comes from upstream; pages show the copy the worker stored, never this.
    avatar_url = models.URLField(max_length=500, blank=True)
    # A hash of the stored logo (empty while there is none): its address changes with it.
    logo_hash = models.CharField(max_length=32, blank=True)
    description = models.TextField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    # New organizations stay off public pages until staff approve them.
    approved = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.fullname or self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:detail", args=[self.name])


class OrganizationAlias(models.Model):
    """Another name of an organization: an imported duplicate merged into it, whose links
    and later imports lead to the organization."""

    name = models.SlugField(max_length=100, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")

    def __str__(self) -> str:
        return f"{self.name} → {self.organization.name}"


class OrganizationLogo(models.Model):
    """An organization's logo as fetched from its avatar_url, served from this site."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="logo"
    )
    source_url = models.URLField(max_length=500)
    content_type = models.CharField(max_length=40, blank=True)  # empty: not fetched
    data = models.BinaryField(blank=True)
    fetched_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"logo of {self.organization_id} from {self.source_url}"


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


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} ({self.role})"


class AuthorClaim(models.Model):
    """A user saying "this author name on this paper is me"; staff verify it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_claims"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="author_claims")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "paper", "author"], name="authorclaim_unique_per_user"
            ),
            # An author name on a paper belongs to at most one verified user.
            models.UniqueConstraint(
                fields=["paper", "author"],
                condition=Q(status="verified"),
                name="authorclaim_one_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.author_id} on {self.paper_id} ({self.status})"


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

"""Organizations: labs, companies and societies, their other names, logos and members.

Their tables keep the names they had when organizations lived in accounts.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse


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
        db_table = "accounts_organization"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.fullname or self.name

    def get_absolute_url(self) -> str:
        return reverse("profiles:organization", args=[self.name])


class OrganizationAlias(models.Model):
    """Another name of an organization: an imported duplicate merged into it, whose links
    and later imports lead to the organization."""

    name = models.SlugField(max_length=100, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        db_table = "accounts_organizationalias"

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

    class Meta:
        db_table = "accounts_organizationlogo"

    def __str__(self) -> str:
        return f"logo of {self.organization_id} from {self.source_url}"


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
        db_table = "accounts_membership"
        ordering = ["organization", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} ({self.role})"

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from paperwire.papers.arxiv_ids import abs_url, pdf_url
from paperwire.papers.author_ids import author_id


class Category(models.Model):
    """An arXiv category (cs.LG) with its readable name (Machine Learning)."""

    code = models.CharField(max_length=40, primary_key=True)
    name = models.CharField(max_length=200)
    group_name = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Author(models.Model):
    """An author name as it appears on papers.

    The id is derived from the name, so an import can write authorships without
    first looking up or creating each author row.
    """

    id = models.BigIntegerField(primary_key=True)
    # No index on name: a lookup by name goes through id_for(name) and the key.
    name = models.CharField(max_length=500)

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def id_for(name: str) -> int:
        return author_id(name)


class Paper(models.Model):
    arxiv_id = models.CharField(max_length=40, unique=True)
    version = models.PositiveSmallIntegerField(
        default=0, help_text="Latest known version; 0 = unknown"
    )
    title = models.TextField()
    abstract = models.TextField(blank=True)
    primary_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="primary_papers"
    )
    categories = models.ManyToManyField(Category, through="PaperCategory", related_name="papers")
    authors = models.ManyToManyField(Author, through="Authorship", related_name="papers")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    doi = models.CharField(max_length=200, blank=True)
    journal_ref = models.TextField(blank=True)
    comments = models.TextField(blank=True)
    report_no = models.TextField(blank=True)
    license = models.CharField(max_length=200, blank=True)
    code_url = models.URLField(max_length=500, blank=True)
    code_stars = models.PositiveIntegerField(null=True, blank=True)
    project_url = models.URLField(max_length=500, blank=True)
    ai_summary = models.TextField(blank=True)
    ai_keywords = models.JSONField(default=list, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    upvotes = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("papers:detail", args=[self.arxiv_id])

    @property
    def abs_url(self) -> str:
        return abs_url(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        return pdf_url(self.arxiv_id)


class Authorship(models.Model):
    # The unique (paper, position) index serves lookups by paper; a second one
    # would only slow imports down.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="authorships")
    position = models.PositiveSmallIntegerField()
    affiliation = models.TextField(blank=True)

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="authorship_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.paper_id} #{self.position}"


class PaperCategory(models.Model):
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="paper_categories", db_index=False
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "category"], name="papercategory_unique")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.category_id}"


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
        db_table = "accounts_authorclaim"
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

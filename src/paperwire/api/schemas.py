"""The API's shapes as schemas: they document the OpenAPI file and check every answer."""

from ninja import Field, Schema
from pydantic import ConfigDict


class Out(Schema):
    # Objects are built as dicts keyed the API's way (`_id`, camelCase).
    model_config = ConfigDict(populate_by_name=True)


class UserOut(Out):
    id: str = Field(alias="_id")
    avatarUrl: str
    isPro: bool
    fullname: str
    user: str
    type: str


class SubmitterOut(Out):
    id: str = Field(alias="_id")
    avatarUrl: str
    fullname: str
    name: str
    user: str
    type: str
    isPro: bool


class OrganizationOut(Out):
    id: str = Field(alias="_id")
    name: str
    fullname: str
    avatar: str | None = None


class AuthorOut(Out):
    id: str = Field(alias="_id")
    name: str
    hidden: bool
    status: str | None = None
    user: UserOut | None = None


class PaperOut(Out):
    id: str = Field(description="arXiv id, without version", examples=["2502.08025"])
    authors: list[AuthorOut]
    publishedAt: str | None = Field(None, description="arXiv publication time")
    submittedOnDailyAt: str | None = Field(None, description="the feed day")
    submittedOnDailyBy: UserOut | None = None
    title: str
    summary: str = Field(description="the arXiv abstract")
    upvotes: int
    discussionId: str
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None
    organization: OrganizationOut | None = None
    withdrawnAt: str | None = None


class PaperDetailOut(PaperOut):
    numComments: int
    isAuthorParticipating: bool
    arxivUrl: str
    pdfUrl: str


class DailyItemOut(Out):
    paper: PaperOut
    publishedAt: str | None = Field(None, description="when it was put on the feed")
    title: str
    summary: str
    thumbnail: str | None = None
    numComments: int
    submittedBy: SubmitterOut | None = None
    organization: OrganizationOut | None = None
    isAuthorParticipating: bool
    # The paper's, repeated here where huggingface_hub looks for them.
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None


class ErrorOut(Schema):
    error: str = Field(description="what went wrong, in a sentence")


class SubmitIn(Schema):
    paper_id: str = Field(description="an arXiv id or URL", examples=["2502.08025"])
    comment: str = Field("", description="starts the paper's discussion (Markdown)")
    organization: str = Field("", description="an organization you belong to, by name")


class IndexIn(Schema):
    arxivId: str = Field(description="an arXiv id or URL", examples=["2502.08025"])


class UpvoteOut(Schema):
    upvoted: bool
    upvotes: int


class CommentIn(Schema):
    comment: str = Field(description="Markdown; links get rel=nofollow, no raw HTML")
    parentCommentId: int | None = Field(None, ge=1, lt=2**63, description="reply to this comment")


class CommentOut(Schema):
    id: int
    body: str
    createdAt: str
    author: str
    parentCommentId: int | None = None
    url: str


class ClaimIn(Schema):
    author: str = Field(description="your name exactly as the paper lists it")


class ClaimOut(Schema):
    paper: str
    author: str
    status: str

"""Papers and feed entries in the JSON shapes of the Hugging Face papers API.

Field names, nesting and timestamp format follow ../docs/HF-API.md, so that clients
written for that API read these unchanged. Everything a page of items needs is
loaded by `Shaper` in a fixed number of queries, whatever the number of items.
Keys are the API's own (camelCase, `_id`); optional fields are None when unknown
and the API leaves them out.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count

from paperwire.accounts.rules import display_name
from paperwire.discussion.visibility import visible_comments
from paperwire.feed.days import first_appearances
from paperwire.feed.models import DailyEntry
from paperwire.orgs.models import Organization
from paperwire.papers.models import AuthorClaim, Authorship, Paper

Json = dict[str, Any]


def iso(moment: datetime | None) -> str | None:
    """2025-02-11T18:59:59.000Z: UTC with milliseconds, as the API writes every timestamp."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def day_start(day: date) -> str:
    return iso(datetime.combine(day, time(), tzinfo=UTC)) or ""


def member(user: User) -> Json:
    """A member as the `user` objects of the API describe one."""
    return {
        "_id": str(user.pk),
        "avatarUrl": "",
        "isPro": False,
        "fullname": display_name(user),
        "user": user.get_username(),
        "type": "user",
    }


def submitter(entry: DailyEntry) -> Json | None:
    """Who put the entry on the feed: a member, or the name an import brought along."""
    if entry.submitted_by is not None:
        return member(entry.submitted_by)
    if not entry.submitter_name:
        return None
    return {
        # Imported submitters have no account here; their name is their identity.
        "_id": f"imported:{entry.source}:{entry.submitter_name}",
        "avatarUrl": entry.submitter_avatar_url,
        "isPro": False,
        "fullname": entry.submitter_fullname or entry.submitter_name,
        "user": entry.submitter_name,
        "type": "user",
    }


def submitted_by(entry: DailyEntry) -> Json | None:
    """The top-level `submittedBy` of a daily item: `name` where the paper object says `user`."""
    person = submitter(entry)
    if person is None:
        return None
    return {
        "_id": person["_id"],
        "avatarUrl": person["avatarUrl"],
        "fullname": person["fullname"],
        "name": person["user"],
        # `user` too: huggingface_hub reads a username from that key of any user object.
        "user": person["user"],
        "type": "user",
        "isPro": False,
    }


def organization(org: Organization | None) -> Json | None:
    if org is None or not org.approved:
        return None
    return {
        "_id": str(org.pk),
        "name": org.name,
        "fullname": org.fullname or org.name,
        "avatar": org.avatar_url or None,
    }


class Shaper:
    """Loads, for a set of papers, what their API objects say beyond the paper row."""

    def __init__(self, papers: Iterable[Paper]) -> None:
        self.papers = {paper.pk: paper for paper in papers}
        ids = list(self.papers)
        self.authors: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for paper_id, author_id, name in (
            Authorship.objects.filter(paper_id__in=ids)
            .order_by("paper_id", "position")
            .values_list("paper_id", "author_id", "author__name")
        ):
            self.authors[paper_id].append((author_id, name))
        self.verified: dict[tuple[int, int], User] = {
            (claim.paper_id, claim.author_id): claim.user
            for claim in AuthorClaim.objects.filter(
                paper_id__in=ids, status=AuthorClaim.Status.VERIFIED
            ).select_related("user__profile")
        }
        comments = visible_comments().filter(paper_id__in=ids)
        self.comments: dict[int, int] = dict(
            comments.order_by()
            .values("paper_id")
            .annotate(n=Count("pk"))
            .values_list("paper_id", "n")
        )
        commenters: dict[int, set[int]] = defaultdict(set)
        for paper_id, author_id in (
            comments.order_by().values_list("paper_id", "author_id").distinct()
        ):
            commenters[paper_id].add(author_id)
        self.participating = {
            paper_id
            for (paper_id, _), user in self.verified.items()
            if user.pk in commenters[paper_id]
        }

    def _authors(self, paper: Paper) -> list[Json]:
        shaped = []
        for author_id, name in self.authors[paper.pk]:
            item: Json = {"_id": str(author_id), "name": name, "hidden": False}
            if user := self.verified.get((paper.pk, author_id)):
                item["status"] = "claimed_verified"
                item["user"] = member(user)
            shaped.append(item)
        return shaped

    def paper(self, paper: Paper, entry: DailyEntry | None) -> Json:
        """The `paper` object; `entry` is the feed entry it stands for (or its first one)."""
        return {
            "id": paper.arxiv_id,
            "authors": self._authors(paper),
            "publishedAt": iso(paper.published_at),
            "submittedOnDailyAt": day_start(entry.day) if entry else None,
            "submittedOnDailyBy": submitter(entry) if entry else None,
            "title": " ".join(paper.title.split()),
            "summary": paper.abstract,
            "upvotes": paper.upvotes,
            "discussionId": (entry.discussion_id if entry and entry.discussion_id else None)
            or str(paper.pk),
            "ai_summary": paper.ai_summary or None,
            "ai_keywords": list(paper.ai_keywords) or None,
            "githubRepo": paper.code_url or None,
            "githubStars": paper.code_stars if paper.code_url else None,
            "projectPage": paper.project_url or None,
            "organization": organization(entry.organization) if entry else None,
            "withdrawnAt": iso(paper.withdrawn_at),
        }

    def flat(self, paper: Paper, entry: DailyEntry | None) -> Json:
        """`GET /api/papers/{id}`: the paper object, its comment count and its links."""
        return {
            **self.paper(paper, entry),
            "numComments": self.comments.get(paper.pk, 0),
            "isAuthorParticipating": paper.pk in self.participating,
            "arxivUrl": paper.abs_url,
            "pdfUrl": paper.pdf_url,
        }

    def daily_item(self, entry: DailyEntry) -> Json:
        paper = self.papers[entry.paper_id]
        shaped = self.paper(paper, entry)
        return {
            "paper": shaped,
            **_links(shaped),
            "publishedAt": iso(entry.submitted_at),
            "title": " ".join(paper.title.split()),
            "summary": paper.abstract,
            "thumbnail": None,
            "numComments": self.comments.get(paper.pk, 0),
            "submittedBy": submitted_by(entry),
            "organization": organization(entry.organization),
            "isAuthorParticipating": paper.pk in self.participating,
        }

    def search_item(self, paper: Paper, entry: DailyEntry | None) -> Json:
        shaped = self.paper(paper, entry)
        return {
            "paper": shaped,
            **_links(shaped),
            "publishedAt": iso(entry.submitted_at) if entry else None,
            "title": " ".join(paper.title.split()),
            "summary": paper.abstract,
            "thumbnail": None,
            "numComments": self.comments.get(paper.pk, 0),
            "submittedBy": submitted_by(entry) if entry else None,
            "organization": organization(entry.organization) if entry else None,
            "isAuthorParticipating": paper.pk in self.participating,
        }


# huggingface_hub reads these from an item's top level, not from its `paper`.
TOP_LEVEL = ("ai_summary", "ai_keywords", "githubRepo", "githubStars", "projectPage")


def _links(paper: Json) -> Json:
    return {key: paper[key] for key in TOP_LEVEL}


def daily_items(entries: Sequence[DailyEntry]) -> list[Json]:
    """Daily items for feed entries loaded with select_related('paper', 'submitted_by__profile',
    'organization')."""
    shaper = Shaper(entry.paper for entry in entries)
    return [shaper.daily_item(entry) for entry in entries]


def _first_entries(papers: Sequence[Paper]) -> dict[int, DailyEntry]:
    first = first_appearances(paper.pk for paper in papers)
    users = User.objects.select_related("profile").in_bulk(
        [e.submitted_by_id for e in first.values() if e.submitted_by_id]
    )
    for entry in first.values():
        if entry.submitted_by_id:
            entry.submitted_by = users[entry.submitted_by_id]
    for paper in papers:
        if (first_entry := first.get(paper.pk)) is not None:
            first_entry.paper = paper  # loaded already
    return first


def first_entry_items(papers: Sequence[Paper]) -> list[Json]:
    """Daily items of papers in their order (the trending list), each by its first visible
    feed entry: who brought it, for which organization."""
    first = _first_entries(papers)
    shaper = Shaper(papers)
    return [shaper.daily_item(first[paper.pk]) for paper in papers if paper.pk in first]


def paper_objects(papers: Sequence[Paper]) -> list[Json]:
    """Flat paper objects, each with its first feed entry's submitter and organization."""
    first = _first_entries(papers)
    shaper = Shaper(papers)
    return [shaper.flat(paper, first.get(paper.pk)) for paper in papers]


def search_items(papers: Sequence[Paper]) -> list[Json]:
    first = _first_entries(papers)
    shaper = Shaper(papers)
    return [shaper.search_item(paper, first.get(paper.pk)) for paper in papers]


def compact(value: Any) -> Any:
    """Without the None fields, as the API sends them (unknown optional fields are left out)."""
    if isinstance(value, dict):
        return {key: compact(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [compact(item) for item in value]
    return value

"""Papers on the feed, built the way imports build them: through upsert_papers."""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from paperwire.feed.models import DailyEntry
from paperwire.ingest.records import AuthorName, PaperRecord
from paperwire.ingest.upsert import upsert_papers
from paperwire.orgs.models import Organization
from paperwire.papers.models import Paper

ATOM = Path(__file__).parent / "ingest" / "fixtures" / "atom"


def make_paper(
    arxiv_id: str,
    title: str = "",
    *,
    upvotes: int = 0,
    authors: list[str | AuthorName] | None = None,
    categories: list[str] | None = None,
    **fields: object,
) -> Paper:
    record = PaperRecord(
        arxiv_id=arxiv_id,
        title=title or f"A study of {arxiv_id}",
        version=1,
        abstract=f"The abstract of {arxiv_id}.",
        authors=[
            AuthorName(a) if isinstance(a, str) else a
            for a in (authors if authors is not None else ["Ada Lovelace", "Alan Turing"])
        ],
        categories=categories if categories is not None else ["cs.LG", "stat.ML"],
        published_at=datetime(2026, 8, 19, 17, 30, tzinfo=UTC),
    )
    for name, value in fields.items():
        setattr(record, name, value)
    upsert_papers([record])
    Paper.objects.filter(arxiv_id=arxiv_id).update(upvotes=upvotes)
    return Paper.objects.get(arxiv_id=arxiv_id)


def make_detailed_paper(**fields: object) -> Paper:
    """2502.08025 with every detail a paper page or its Markdown can show; `fields` replace some."""
    details: dict[str, object] = {
        "title": "Sparse Attention, Densely Explained",
        "upvotes": 42,
        # In an order that is not alphabetical, with and without affiliations.
        "authors": [
            AuthorName("Zoe Zhang", "MIT"),
            AuthorName("Ada Lovelace"),
            AuthorName("Alan Turing", "University of Manchester"),
        ],
        "categories": ["cs.LG", "cs.CL", "stat.ML"],
        "version": 3,
        "abstract": "We study $O(n^2)$ attention.\n\nA second paragraph, with \\emph{LaTeX}.",
        "published_at": datetime(2025, 2, 11, 18, 59, 59, tzinfo=UTC),
        "updated_at": datetime(2025, 3, 2, 9, 0, tzinfo=UTC),
        "doi": "10.1103/PhysRevD.76.013009",
        "journal_ref": "Phys.Rev.D76:013009,2007",
        "comments": "37 pages, 15 figures",
        "license": "http://creativecommons.org/licenses/by/4.0/",
        "code_url": "https://github.com/example/sparse",
        "code_stars": 128,
        "project_url": "https://example.org/sparse",
        "ai_summary": "Sparse attention is explained densely.",
        "ai_keywords": ["sparse attention", "transformers"],
    }
    return make_paper("2502.08025", **{**details, **fields})  # type: ignore[arg-type]


def put_on_feed(
    paper: Paper,
    day: date,
    *,
    after: timedelta = timedelta(hours=9),
    submitter: str = "",
    organization: Organization | None = None,
    hidden: bool = False,
    **fields: object,
) -> DailyEntry:
    return DailyEntry.objects.create(
        paper=paper,
        day=day,
        submitted_at=datetime.combine(day, time(), tzinfo=UTC) + after,
        submitter_name=submitter,
        organization=organization,
        hidden=hidden,
        **fields,
    )


def make_organization(name: str = "deepmind", fullname: str = "Google DeepMind") -> Organization:
    return Organization.objects.create(name=name, fullname=fullname)


def arxiv_feed(arxiv_id: str, published: datetime) -> str:
    """arXiv's answer for one paper, first published at `published`."""
    return (
        (ATOM / "constructed_edge_cases.xml")
        .read_text()
        .replace("2502.08025", arxiv_id)
        .replace("2025-02-11T18:59:59Z", published.strftime("%Y-%m-%dT%H:%M:%SZ"))
        .replace("2025-03-04T09:30:00Z", published.strftime("%Y-%m-%dT%H:%M:%SZ"))
    )

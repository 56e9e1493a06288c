from datetime import UTC, datetime

import pytest

from paperwire.ingest.records import AuthorName, PaperRecord
from paperwire.ingest.upsert import upsert_papers
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


def record(**fields: object) -> PaperRecord:
    base: dict[str, object] = {
        "arxiv_id": "2502.08025",
        "version": 1,
        "title": "First title",
        "abstract": "First abstract.",
        "authors": [AuthorName("Ada Lovelace"), AuthorName("Alan Turing", "Manchester")],
        "categories": ["cs.LG", "stat.ML"],
        "published_at": datetime(2025, 2, 11, 18, 59, 59, tzinfo=UTC),
    }
    base.update(fields)
    return PaperRecord(**base)  # type: ignore[arg-type]


def authors_of(paper: Paper) -> list[str]:
    return [s.author.name for s in paper.authorships.select_related("author")]


def test_it_creates_a_paper_with_ordered_authors_and_categories() -> None:
    result = upsert_papers([record()])
    paper = Paper.objects.get(arxiv_id="2502.08025")
    assert result.created == [paper.id]
    assert authors_of(paper) == ["Ada Lovelace", "Alan Turing"]
    assert paper.authorships.get(position=1).affiliation == "Manchester"
    assert paper.primary_category_id == "cs.LG"
    assert [c.category_id for c in paper.paper_categories.all()] == ["cs.LG", "stat.ML"]


def test_reimporting_the_same_record_changes_nothing() -> None:
    upsert_papers([record()])
    before = Paper.objects.get()
    again = upsert_papers([record()])
    assert again.created == [] and again.updated == [] and again.unchanged == 1
    assert Paper.objects.get().modified_at == before.modified_at


def test_a_newer_version_replaces_the_metadata() -> None:
    upsert_papers([record()])
    upsert_papers([record(version=2, title="Second title", authors=[AuthorName("Grace Hopper")])])
    paper = Paper.objects.get()
    assert (paper.version, paper.title) == (2, "Second title")
    assert authors_of(paper) == ["Grace Hopper"]


def test_an_older_version_only_fills_in_extra_fields() -> None:
    upsert_papers([record(version=3, title="Third title")])
    upsert_papers([record(version=1, title="Old title", code_url="https://github.com/a/b")])
    paper = Paper.objects.get()
    assert (paper.version, paper.title) == (3, "Third title")
    assert paper.code_url == "https://github.com/a/b"


def test_a_record_without_a_field_keeps_the_stored_value() -> None:
    upsert_papers([record(doi="10.1/xyz", ai_keywords=["llm"])])
    upsert_papers([record(categories=[], authors=[])])
    paper = Paper.objects.get()
    assert paper.doi == "10.1/xyz" and paper.ai_keywords == ["llm"]
    assert len(authors_of(paper)) == 2 and paper.primary_category_id == "cs.LG"


def test_duplicates_within_a_batch_become_one_paper() -> None:
    upsert_papers([record(version=2, title="v2"), record(version=1, title="v1")])
    assert Paper.objects.get().title == "v2"


def test_unknown_categories_are_created_named_by_code() -> None:
    upsert_papers([record(categories=["xx.NEW"])])
    assert Paper.objects.get().primary_category.name == "xx.NEW"  # type: ignore[union-attr]


def test_an_unversioned_record_updated_later_refreshes_the_metadata() -> None:
    updated = datetime(2025, 3, 1, tzinfo=UTC)
    upsert_papers([record(version=2, updated_at=updated)])
    upsert_papers(
        [
            record(
                version=None,
                title="Harvested title",
                updated_at=datetime(2025, 4, 1, tzinfo=UTC),
                authors=[AuthorName("Grace Hopper")],
            )
        ]
    )
    paper = Paper.objects.get()
    assert (paper.version, paper.title) == (2, "Harvested title")
    assert authors_of(paper) == ["Grace Hopper"]


def test_an_unversioned_record_updated_earlier_changes_only_extra_fields() -> None:
    upsert_papers([record(version=2, updated_at=datetime(2025, 3, 1, tzinfo=UTC))])
    upsert_papers(
        [
            record(
                version=None,
                title="Stale title",
                updated_at=datetime(2025, 1, 1, tzinfo=UTC),
                project_url="https://example.org",
            )
        ]
    )
    paper = Paper.objects.get()
    assert (paper.version, paper.title) == (2, "First title")
    assert paper.project_url == "https://example.org"


def test_tabs_line_breaks_and_backslashes_are_stored_as_they_are() -> None:
    # On PostgreSQL new papers go in through COPY, whose text escapes these.
    name, affiliation = "Back\\slash\tTab", "Line\nbreak\\n\r"
    upsert_papers(
        [
            PaperRecord(
                arxiv_id="2501.00001",
                title="A\ttitle with \\emph{TeX}",
                abstract="Two\nlines\\",
                authors=[AuthorName(name, affiliation)],
                categories=["cs.LG"],
            )
        ]
    )
    paper = Paper.objects.get(arxiv_id="2501.00001")
    assert (paper.title, paper.abstract) == ("A\ttitle with \\emph{TeX}", "Two\nlines\\")
    authorship = paper.authorships.select_related("author").get()
    assert (authorship.author.name, authorship.affiliation) == (name, affiliation)
    assert list(paper.paper_categories.values_list("category_id", flat=True)) == ["cs.LG"]

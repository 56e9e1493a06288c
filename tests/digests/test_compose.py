"""Editions are composed once; each subscriber's sections are cut from one."""

from datetime import UTC, datetime

import pytest

from paperwire.digests import compose
from paperwire.digests.compose import EditionContent, NotYet, Wishes
from paperwire.digests.models import DigestEdition
from paperwire.papers.models import Author, Paper
from tests.builders import make_organization, make_paper, put_on_feed
from tests.digests.conftest import AFTER_TUESDAY, MONDAY, TUESDAY, monday_papers

pytestmark = pytest.mark.django_db


def titles(section: compose.Section) -> list[str]:
    return [item.title for item in section.items]


def test_an_edition_freezes_the_periods_papers_most_upvoted_first() -> None:
    first, second, third = monday_papers(3)
    put_on_feed(make_paper("2611.09999", "Sunday's paper", upvotes=500), MONDAY.replace(day=22))
    edition = compose.compose("daily", TUESDAY, AFTER_TUESDAY)
    assert edition.papers == [first.pk, second.pk, third.pk]
    assert (edition.first_day, edition.last_day) == (MONDAY, MONDAY)
    # Votes cast later change nothing in an edition already composed.
    Paper.objects.filter(pk=third.pk).update(upvotes=1000)
    again = compose.compose("daily", TUESDAY, AFTER_TUESDAY)
    assert (again.pk, again.papers) == (edition.pk, [first.pk, second.pk, third.pk])
    assert DigestEdition.objects.count() == 1


def test_hidden_entries_stay_out() -> None:
    visible = make_paper("2611.00001", upvotes=3)
    put_on_feed(visible, MONDAY)
    put_on_feed(make_paper("2611.00002", upvotes=9), MONDAY, hidden=True)
    assert compose.compose("daily", TUESDAY, AFTER_TUESDAY).papers == [visible.pk]


def test_an_edition_cannot_be_composed_before_its_period_closes() -> None:
    with pytest.raises(NotYet, match="covers papers until 2026-11-24 00:00"):
        compose.compose("daily", TUESDAY, datetime(2026, 11, 23, 23, 59, tzinfo=UTC))
    assert not DigestEdition.objects.exists()


def test_a_preview_stores_nothing() -> None:
    monday_papers(2)
    draft = compose.preview("daily", TUESDAY)
    assert draft.pk is None and len(draft.papers) == 2
    assert not DigestEdition.objects.exists()


def test_sections_follow_the_wishes_and_show_each_paper_once() -> None:
    deepmind = make_organization()
    vision = make_paper(
        "2611.00001", "Seeing in the dark", upvotes=50, categories=["cs.CV"], authors=["Fei Li"]
    )
    decoding = make_paper(
        "2611.00002",
        "Speculative decoding, faster",
        upvotes=40,
        categories=["cs.CL"],
        authors=["Ada Lovelace"],
    )
    robots = make_paper("2611.00003", "Robots that fold laundry", upvotes=3, categories=["cs.RO"])
    put_on_feed(vision, MONDAY)
    put_on_feed(decoding, MONDAY)
    put_on_feed(robots, MONDAY, organization=deepmind)
    content = EditionContent(compose.compose("daily", TUESDAY, AFTER_TUESDAY))

    sections = content.sections_for(
        Wishes(
            top_n=1,
            categories=frozenset({"cs.CL", "cs.CV"}),
            searches=("speculative decoding", "laundry"),
            authors=frozenset({Author.id_for("Fei Li")}),
            organizations=frozenset({deepmind.pk}),
        )
    )
    assert [(s.title, titles(s)) for s in sections] == [
        ("Top papers of Monday 23 November", ["Seeing in the dark"]),
        ("In your categories: cs.CL, cs.CV", ["Speculative decoding, faster"]),
        # Fei Li's paper was shown first in the top papers; the decoding one in categories.
        ("Matching “laundry”", ["Robots that fold laundry"]),
    ]
    assert content.sections_for(Wishes(top_n=0, organizations=frozenset({deepmind.pk}))) == [
        compose.Section("From organizations you follow", tuple(content.items[2:]))
    ]


def test_nothing_wished_for_on_the_feed_gives_no_sections() -> None:
    monday_papers(2)
    content = EditionContent(compose.compose("daily", TUESDAY, AFTER_TUESDAY))
    assert content.sections_for(Wishes(top_n=0, searches=("quantum chromodynamics",))) == []


def test_a_long_section_says_how_many_more_and_links_the_day() -> None:
    monday_papers(5)
    content = EditionContent(compose.compose("daily", TUESDAY, AFTER_TUESDAY))
    [top] = content.sections_for(Wishes(top_n=2))
    assert (len(top.items), top.more) == (2, 3)
    assert top.more_url == "http://127.0.0.1:8000/papers/date/2026-11-23"


def test_a_weekly_edition_links_its_week() -> None:
    monday_papers(1)
    edition = compose.compose(
        "weekly", MONDAY.replace(day=30), datetime(2026, 11, 30, 9, tzinfo=UTC)
    )
    content = EditionContent(edition)
    assert content.period_label == "the week of 23 November 2026"
    assert content.period_url.endswith("/papers/week/2026-W48")
    assert len(content.items) == 1

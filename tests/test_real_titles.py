"""Every output that carries a paper's title builds and parses, whatever the title.

Titles are drawn from the 9,881 real Hugging Face items in ../shared/data (long ones,
Greek letters, math, quotes), and hypothesis mixes in any other text: control
characters, right-to-left marks, emoji, a title of one letter or of hundreds.
"""

import email
import email.policy
import gzip
import json
from functools import cache
from pathlib import Path

import feedparser
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from paperwire.digests.compose import EditionContent, Wishes, compose
from paperwire.digests.models import Subscriber
from paperwire.digests.render import DigestRenderer
from paperwire.ingest.records import clean_line
from paperwire.papers.models import Paper
from tests.builders import make_paper, put_on_feed
from tests.conftest import SHARED_DATA
from tests.digests.conftest import AFTER_TUESDAY, MONDAY, TUESDAY, make_subscriber

pytestmark = pytest.mark.django_db


ATOM = {"atom": "http://www.w3.org/2005/Atom"}
FIRST_TITLE = {"rss": "//item[1]/title", "atom": "//atom:entry[1]/atom:title"}


@cache
def real_titles() -> list[str]:
    titles = []
    for path in sorted((SHARED_DATA / "hf-daily-papers").glob("*.jsonl.gz")):
        with gzip.open(path, "rt") as lines:
            titles += [json.loads(line)["paper"]["title"] for line in lines]
    return titles


def titles() -> st.SearchStrategy[str]:
    real = st.sampled_from(real_titles())
    noise = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
    mixed = st.tuples(real, noise, st.integers(0, 300)).map(
        lambda parts: parts[0][: parts[2]] + parts[1] + parts[0][parts[2] :]
    )
    return st.one_of(real, mixed, st.text(min_size=1, max_size=600))


def shown(title: str) -> str:
    """A title on one line, as it is shown."""
    return " ".join(title.split())


@pytest.fixture
def monday(shared_data: Path) -> tuple[Paper, Subscriber]:
    """Monday's one paper (its title set by each example) and a daily subscriber."""
    paper = make_paper("2611.00001", "A placeholder", upvotes=10)
    put_on_feed(paper, MONDAY)
    return paper, make_subscriber("reader@example.org")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=titles())
def test_every_output_builds_and_parses_for_every_title(
    monday: tuple[Paper, Subscriber], client: Client, title: str
) -> None:
    paper, subscriber = monday
    # Kept as every importer keeps it: on one line, without control characters.
    expected = clean_line(title)
    if not expected:
        return  # a paper without a title is refused on the way in
    Paper.objects.filter(pk=paper.pk).update(title=expected)

    # The digest, as bytes on the wire, parsed back.
    content = EditionContent(compose("daily", TUESDAY, AFTER_TUESDAY))
    sections = content.sections_for(Wishes.of(subscriber))
    wire = DigestRenderer(content).message(subscriber, sections).message().as_bytes()
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    subject = " ".join(str(parsed["Subject"]).split())
    assert subject.endswith("| Paperwire daily digest")
    assert subject.startswith(shown(expected[:20])), (subject, expected)
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert expected in shown(text)

    # RSS and Atom, parsed by a feed reader.
    for fmt in ("rss", "atom"):
        response = client.get(f"/feeds/date/{MONDAY}.{fmt}")
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert feed.bozo == 0, feed.get("bozo_exception")
        # The exact text, read by an XML parser: feedparser "repairs" what looks like
        # double-encoded UTF-8 (a real title "Â¡" would come back as "¡").
        [first] = etree.fromstring(response.content).xpath(FIRST_TITLE[fmt], namespaces=ATOM)
        assert shown(first.text) == expected

    # Markdown: the title is the document's one top-level heading.
    markdown = client.get(f"/papers/{paper.arxiv_id}.md")
    assert markdown.status_code == 200
    heading = markdown.content.decode().splitlines()[0]
    assert heading.startswith("# ")

    # The page and the API.
    assert client.get(f"/papers/{paper.arxiv_id}").status_code == 200
    api = client.get(f"/api/papers/{paper.arxiv_id}")
    assert api.status_code == 200 and shown(api.json()["title"]) == expected

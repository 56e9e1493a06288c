"""The real daily edition of 2026-08-21 (Hugging Face data) through a real SMTP server.

Its top paper, "Zetta ζ: An Efficient Closed-Loop Embodied Harness for Self-Evolving
Physical Intelligence", makes a long subject with a non-ASCII letter: the kind of
subject that was once folded into two lines and refused, so that no one got the edition.
"""

import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from paperwire.digests.models import Delivery
from paperwire.feed.hf_daily import import_hf_daily
from tests.digests.conftest import make_subscriber
from tests.smtp_sink import SmtpServer

pytestmark = pytest.mark.django_db

READERS = [f"reader{n:02d}@example.org" for n in range(25)]
TOP_TITLE = (
    "Zetta ζ: An Efficient Closed-Loop Embodied Harness for Self-Evolving Physical Intelligence"
)


@pytest.fixture
def real_august(shared_data: Path, tmp_path: Path) -> None:
    """The feed days 2026-08-20 and 21 as Hugging Face listed them."""
    source = shared_data / "hf-daily-papers" / "2026-08.jsonl.gz"
    days = {"2026-08-20", "2026-08-21"}
    with gzip.open(source, "rt") as lines:
        kept = [line for line in lines if json.loads(line)["_list_date"] in days]
    path = tmp_path / "days.jsonl"
    path.write_text("".join(kept))
    import_hf_daily([path], progress=False)


def send(*extra: str) -> str:
    out = StringIO()
    call_command(
        "digest", "send", "--kind", "daily", "--date", "2026-08-21", "--no-progress", *extra,
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    return out.getvalue()


def test_the_real_edition_reaches_every_subscriber_with_its_subject_intact(
    smtp: SmtpServer, real_august: None
) -> None:
    for address in READERS:
        make_subscriber(address)
    out = send()
    assert "daily digest of 2026-08-21: 15 papers; 25 subscribers added" in out
    assert "25 sent" in out and "given up" not in out
    assert sorted(smtp.sink.recipients()) == READERS
    for received in smtp.sink.received:
        # The parser keeps the space left where the header was folded for the wire.
        subject = str(received.message["Subject"]).strip()
        assert subject.startswith("Zetta ζ: An Efficient Closed-Loop Embodied Harness for")
        assert subject.endswith("Physical… and 9 more | Paperwire daily digest")
        assert "\n" not in subject
        assert TOP_TITLE in received.text
        assert "Zetta ζ" in received.html
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert "0 sent" in send()  # a rerun sends nothing twice
    assert len(smtp.sink.received) == 25

"""paperwire digest send|preview, paperwire subscribers add|import, and the worker's job."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from paperwire.digests.models import Delivery, DigestEdition, Subscriber
from paperwire.digests.sending import send_due
from paperwire.site.management.commands import worker
from tests.digests.conftest import MONDAY, TUESDAY, make_subscriber, monday_papers
from tests.smtp_sink import SmtpServer

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_digest_send_sends_an_edition_now_and_a_rerun_sends_nothing(smtp: SmtpServer) -> None:
    monday_papers(2)
    make_subscriber("ada@example.org")
    make_subscriber("bob@example.org", daily=False, weekly=True)
    out = run("digest", "send", "--kind", "daily", "--date", "2026-11-24", "--no-progress")
    assert "daily digest of 2026-11-24: 2 papers; 1 subscriber added to the send log" in out
    assert "daily digest of 2026-11-24: 1 sent" in out
    assert smtp.sink.recipients() == ["ada@example.org"]
    again = run("digest", "send", "--kind", "daily", "--date", "2026-11-24", "--no-progress")
    assert "0 subscribers added" in again and ": 0 sent" in again
    assert len(smtp.sink.received) == 1


def test_digest_send_with_the_server_down_fails_loudly_and_loses_nothing(
    smtp: SmtpServer,
) -> None:
    monday_papers(1)
    make_subscriber("ada@example.org")
    smtp.stop()
    with pytest.raises(CommandError, match=r"the mail server failed: .*Nothing was lost"):
        run("digest", "send", "--kind", "daily", "--date", "2026-11-24", "--no-progress")
    assert list(Delivery.objects.values_list("status", flat=True)) == ["pending"]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--kind", "daily", "--date", "2026-11-28"], "Saturday 2026-11-28 has no daily digest"),
        (["--kind", "weekly", "--date", "2026-11-24"], "weekly editions go out on Mondays"),
        (["--kind", "daily", "--date", "24/11/2026"], "is not a date"),
        (["--kind", "daily", "--date", "2999-01-01"], "it can be sent from then on"),
    ],
)
def test_digest_send_refuses_dates_without_an_edition(args: list[str], error: str) -> None:
    with pytest.raises(CommandError, match=error):
        run("digest", "send", *args)
    assert not DigestEdition.objects.exists()


def test_digest_preview_prints_the_edition_and_stores_nothing() -> None:
    monday_papers(2)
    out = run("digest", "preview", "--kind", "daily", "--date", "2026-11-24")
    assert out.startswith("Subject: Paper number 1 on sparse attention and 1 more")
    assert "TOP PAPERS OF MONDAY 23 NOVEMBER" in out
    html = run("digest", "preview", "--kind", "daily", "--date", "2026-11-24", "--html")
    assert html.startswith("<!doctype html>")  # only the document: it can be saved as is
    assert html.rstrip().endswith("</html>")
    assert not DigestEdition.objects.exists()


def test_digest_preview_says_which_days_an_edition_covers() -> None:
    monday_papers(1)
    err = StringIO()
    call_command(
        "digest", "preview", "--kind", "daily", "--date", "2026-11-24",
        stdout=StringIO(), stderr=err,
    )  # fmt: skip
    assert "daily digest sent on 2026-11-24, covering the feed of 2026-11-23" in err.getvalue()


def test_digest_preview_as_one_subscriber() -> None:
    monday_papers(2)
    make_subscriber("picky@example.org", top_n=0)
    out = run(
        "digest",
        "preview",
        "--kind",
        "daily",
        "--date",
        "2026-11-24",
        "--email",
        "picky@example.org",
    )
    assert out == "nothing in this edition for picky@example.org: no email\n"
    with pytest.raises(CommandError, match=r"no subscriber has the address nobody@example\.org"):
        run("digest", "preview", "--kind", "daily", "--email", "nobody@example.org")


def test_subscribers_add_confirmed_are_receiving_at_once(mailoutbox) -> None:
    out = run("subscribers", "add", "Ada@example.org", "bob@example.org", "--weekly", "--confirmed")
    assert out == "2 added, 0 updated\n"
    assert [(s.email, s.daily, s.weekly, s.receiving) for s in Subscriber.objects.all()] == [
        ("ada@example.org", False, True, True),
        ("bob@example.org", False, True, True),
    ]
    assert mailoutbox == []


def test_subscribers_add_without_confirmed_sends_confirmation_links(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        out = run("subscribers", "add", "ada@example.org")
    assert out == "1 added, 0 updated, 1 confirmation email(s) sent\n"
    assert not Subscriber.objects.get().receiving
    assert "http://127.0.0.1:8000/digest/confirm/" in mailoutbox[0].body


def test_subscribers_add_refuses_a_bad_address_and_adds_nothing() -> None:
    with pytest.raises(CommandError, match="nothing was added: “ada@” is not an email address"):
        run("subscribers", "add", "bob@example.org", "ada@")
    assert not Subscriber.objects.exists()


def test_subscribers_import_reads_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "Email,daily,weekly,timezone,hour\n"
        "ada@example.org,yes,no,Europe/Paris,8\n"
        "bob@example.org,no,yes,,\n"
    )
    make_subscriber(
        "bob@example.org", confirmed=False, unsubscribed_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    out = run("subscribers", "import", str(path), "--confirmed")
    assert out == "1 added, 1 updated\n"
    ada = Subscriber.objects.get(email="ada@example.org")
    assert (ada.timezone, ada.send_hour, ada.receiving) == ("Europe/Paris", 8, True)
    # Someone who left stays gone, whatever an old list says.
    assert not Subscriber.objects.get(email="bob@example.org").receiving


def test_subscribers_import_reports_every_bad_row_and_imports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "email,daily,weekly,timezone,hour\n"
        "ada@example.org,yes,no,,\n"
        "not-an-address,yes,no,,\n"
        "bob@example.org,maybe,no,,\n"
        "cy@example.org,yes,no,Mars/Olympus,25\n"
        "ada@example.org,yes,no,,\n"
    )
    with pytest.raises(CommandError) as raised:
        run("subscribers", "import", str(path))
    message = str(raised.value)
    assert "nothing was imported" in message
    assert "line 3: “not-an-address” is not an email address." in message
    assert "line 4: daily is “maybe”: write yes or no" in message
    assert "line 5: “Mars/Olympus” is not a time zone." in message
    assert "line 6: ada@example.org is listed twice" in message
    assert not Subscriber.objects.exists()


def test_subscribers_import_needs_an_email_column_and_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nAda\n")
    with pytest.raises(CommandError, match="the header names no “email” column"):
        run("subscribers", "import", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        run("subscribers", "import", str(tmp_path / "missing.csv"))


# The worker ----------------------------------------------------------------------------


def test_the_worker_looks_for_due_digests_every_minute() -> None:
    [job] = [job for job in worker.PERIODIC_JOBS if job.name == "digests"]
    assert job.every == 60


def test_each_subscriber_gets_the_edition_at_their_own_hour(smtp: SmtpServer) -> None:
    monday_papers(1)
    make_subscriber("tokyo@example.org", timezone="Asia/Tokyo", send_hour=8)
    make_subscriber("newyork@example.org", timezone="America/New_York", send_hour=7)
    # Tuesday 00:30 UTC: 09:30 in Tokyo, Monday evening in New York.
    send_due(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    assert smtp.sink.recipients() == ["tokyo@example.org"]
    send_due(datetime(2026, 11, 24, 11, 59, tzinfo=UTC))
    assert len(smtp.sink.received) == 1
    # 07:00 in New York.
    send_due(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert smtp.sink.recipients() == ["tokyo@example.org", "newyork@example.org"]
    send_due(datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    assert len(smtp.sink.received) == 2
    # Monday's edition (Friday to Sunday, empty here) was due too: nothing to send.
    assert sorted(DigestEdition.objects.values_list("date", "papers")) == [
        (MONDAY, []),
        (TUESDAY, [Delivery.objects.filter(status="sent").first().edition.papers[0]]),
    ]


def test_nobody_due_composes_nothing(smtp: SmtpServer) -> None:
    monday_papers(1)
    ada = make_subscriber("ada@example.org", send_hour=9)
    ada.confirmed_at = datetime(2026, 11, 23, 10, tzinfo=UTC)  # after Monday's copy was due
    ada.save()
    assert send_due(datetime(2026, 11, 24, 8, tzinfo=UTC)) == []
    assert not DigestEdition.objects.exists()


def test_a_new_subscriber_starts_with_the_next_edition(smtp: SmtpServer) -> None:
    monday_papers(1)
    make_subscriber("early@example.org")
    late = make_subscriber("late@example.org")
    late.confirmed_at = datetime(2026, 11, 24, 10, tzinfo=UTC)  # after Tuesday's 07:00
    late.save()
    send_due(datetime(2026, 11, 24, 12, tzinfo=UTC))
    assert smtp.sink.recipients() == ["early@example.org"]


def test_the_weekly_edition_goes_out_on_monday(smtp: SmtpServer) -> None:
    monday_papers(2)
    make_subscriber("weekly@example.org", daily=False, weekly=True)
    monday_after = MONDAY + timedelta(days=7)
    send_due(datetime.combine(monday_after, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7))
    [received] = smtp.sink.received
    assert "Top papers of the week of 23 November 2026" in received.html
    assert "weekly digest" in str(received.message["Subject"])
    assert monday_after > TUESDAY

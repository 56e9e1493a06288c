"""Sending an edition through a real SMTP server: each subscriber gets it exactly once."""

import re
from datetime import timedelta
from email.message import EmailMessage
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from paperwire.digests import sending
from paperwire.digests.compose import compose
from paperwire.digests.models import Delivery, DigestEdition, Subscriber
from paperwire.digests.sending import enqueue, receiving, send_edition
from tests.digests.conftest import AFTER_TUESDAY, TUESDAY, make_subscriber, monday_papers
from tests.smtp_sink import Refusal, SmtpServer, start_sink

pytestmark = pytest.mark.django_db


def edition_for(*emails: str) -> DigestEdition:
    for address in emails:
        make_subscriber(address)
    edition = compose("daily", TUESDAY, AFTER_TUESDAY)
    enqueue(edition, receiving("daily"))
    return edition


def header(message: EmailMessage, name: str) -> str:
    return str(message[name]).strip()


def statuses(edition: DigestEdition) -> dict[str, str]:
    return dict(edition.deliveries.values_list("subscriber__email", "status"))


def test_each_subscriber_gets_one_message_with_both_parts_and_unsubscribe_headers(
    smtp: SmtpServer,
) -> None:
    monday_papers(3)
    edition = edition_for("ada@example.org", "bob@example.org")
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert (report.sent, report.ok) == (2, True)
    assert sorted(smtp.sink.recipients()) == ["ada@example.org", "bob@example.org"]
    [received] = smtp.sink.to("ada@example.org")
    message = received.message
    # Django folds long headers onto the next line; unfolding leaves a space first.
    assert header(message, "Subject") == (
        "Paper number 1 on sparse attention and 2 more | Paperwire daily digest"
    )
    unsubscribe = header(message, "List-Unsubscribe")
    assert re.fullmatch(r"<http://testserver/digest/unsubscribe/[^>]+>", unsubscribe)
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert header(message, "List-Id") == "Paperwire daily digest <daily.digest.testserver>"
    assert header(message, "Message-ID").startswith("<digest.daily.2026-11-24.")
    # Papers in the edition's order, each with its authors, upvotes and one-line summary.
    text = received.text
    first, second, third = (text.index(f"Paper number {n} on") for n in (1, 2, 3))
    assert first < second < third
    assert "Ada Lovelace, Alan Turing · ▲ 100" in text
    assert "We study sparse attention, case 1." in text
    assert "It works well" not in text  # one sentence only
    assert "Top papers of Monday 23 November" in received.html
    assert statuses(edition) == {"ada@example.org": "sent", "bob@example.org": "sent"}


def test_every_link_in_a_digest_works(smtp: SmtpServer, client: Client) -> None:
    monday_papers(2)
    send_edition(edition_for("ada@example.org"), now=AFTER_TUESDAY)
    [received] = smtp.sink.received
    links = set(re.findall(r'href="(http://testserver[^"]+)"', received.html))
    links |= set(re.findall(r"http://testserver\S+", received.text))
    assert len(links) >= 6  # papers, the day's page, manage, unsubscribe, the site
    for link in links:
        response = client.get(urlsplit(link).path, follow=True)
        assert response.status_code == 200, link
    assert Subscriber.objects.get().receiving  # opening the unsubscribe page changes nothing


def test_the_one_click_post_of_a_mail_client_unsubscribes(smtp: SmtpServer) -> None:
    monday_papers(1)
    send_edition(edition_for("ada@example.org"), now=AFTER_TUESDAY)
    target = header(smtp.sink.received[0].message, "List-Unsubscribe").strip("<>")
    # RFC 8058: a POST with this body, no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(target).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().unsubscribed_at is not None


def test_titles_and_summaries_are_escaped_in_html(smtp: SmtpServer) -> None:
    from tests.builders import make_paper, put_on_feed
    from tests.digests.conftest import MONDAY

    paper = make_paper("2611.00009", "Attention <script>alert(1)</script> & more", upvotes=5)
    put_on_feed(paper, MONDAY)
    send_edition(edition_for("ada@example.org"), now=AFTER_TUESDAY)
    [received] = smtp.sink.received
    assert "<script>" not in received.html
    assert "Attention &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in received.html
    assert "Attention <script>alert(1)</script> & more" in received.text


def test_running_the_sender_again_sends_nothing_twice(smtp: SmtpServer) -> None:
    monday_papers(2)
    edition = edition_for("ada@example.org", "bob@example.org")
    send_edition(edition, now=AFTER_TUESDAY)
    enqueue(edition, receiving("daily"))
    again = send_edition(edition, now=AFTER_TUESDAY)
    assert again.sent == 0
    assert len(smtp.sink.received) == 2
    assert Delivery.objects.count() == 2


def test_an_edition_with_nothing_for_a_subscriber_sends_them_nothing(smtp: SmtpServer) -> None:
    monday_papers(2)
    make_subscriber("picky@example.org", top_n=0)  # follows nothing on Monday's feed
    edition = edition_for("ada@example.org")
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert (report.sent, report.skipped) == (1, 1)
    assert smtp.sink.recipients() == ["ada@example.org"]
    picky = edition.deliveries.get(subscriber__email="picky@example.org")
    assert (picky.status, picky.last_error) == ("skipped", "nothing in this edition for them")


def test_an_empty_day_sends_nothing_to_anyone(smtp: SmtpServer) -> None:
    report = send_edition(edition_for("ada@example.org"), now=AFTER_TUESDAY)
    assert (report.sent, report.skipped) == (0, 1)
    assert smtp.sink.received == []


def test_someone_who_unsubscribes_before_their_turn_gets_nothing(smtp: SmtpServer) -> None:
    monday_papers(1)
    edition = edition_for("ada@example.org", "bob@example.org")
    Subscriber.objects.filter(email="bob@example.org").update(unsubscribed_at=AFTER_TUESDAY)
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert (report.sent, report.skipped) == (1, 1)
    assert statuses(edition)["bob@example.org"] == "skipped"


def test_when_the_server_is_down_nothing_is_lost_and_it_tries_again_later(
    smtp: SmtpServer, settings: object
) -> None:
    monday_papers(1)
    edition = edition_for("ada@example.org", "bob@example.org")
    smtp.stop()
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert report.sent == 0 and report.waiting == 2
    assert "next try in 1 min" in report.server_error
    edition.refresh_from_db()
    assert edition.retry_at == AFTER_TUESDAY + timedelta(minutes=1)
    # The backoff is kept: a run before then does not knock on the door again.
    early = send_edition(edition, now=AFTER_TUESDAY + timedelta(seconds=30))
    assert "next try at" in early.server_error
    # Down again at the next try: the wait doubles.
    send_edition(edition, now=AFTER_TUESDAY + timedelta(minutes=1))
    edition.refresh_from_db()
    assert edition.retry_at == AFTER_TUESDAY + timedelta(minutes=3)

    back = start_sink(port=smtp.port)
    try:
        report = send_edition(edition, now=AFTER_TUESDAY + timedelta(minutes=3))
        assert (report.sent, report.waiting, report.ok) == (2, 0, True)
        assert sorted(back.sink.recipients()) == ["ada@example.org", "bob@example.org"]
        # No delivery spent an attempt on the server's outage.
        assert set(edition.deliveries.values_list("attempts", flat=True)) == {1}
        edition.refresh_from_db()
        assert (edition.server_failures, edition.retry_at) == (0, None)
    finally:
        back.stop()


def test_a_4xx_is_tried_again_with_backoff_then_delivered(smtp: SmtpServer) -> None:
    monday_papers(1)
    smtp.sink.refusals["ada@example.org"] = Refusal("451 4.7.1 Greylisted, try again", times=1)
    edition = edition_for("ada@example.org", "bob@example.org")
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert (report.sent, report.deferred, report.waiting) == (1, 1, 1)
    ada = edition.deliveries.get(subscriber__email="ada@example.org")
    assert (ada.status, ada.attempts) == ("pending", 1)
    assert ada.next_attempt_at == AFTER_TUESDAY + timedelta(minutes=1)
    assert "451" in ada.last_error

    assert send_edition(edition, now=AFTER_TUESDAY + timedelta(seconds=59)).sent == 0
    report = send_edition(edition, now=AFTER_TUESDAY + timedelta(minutes=1))
    assert report.sent == 1
    assert smtp.sink.recipients().count("ada@example.org") == 1
    assert statuses(edition)["ada@example.org"] == "sent"


def test_a_4xx_that_never_clears_is_given_up_after_the_last_try(smtp: SmtpServer) -> None:
    monday_papers(1)
    smtp.sink.refusals["ada@example.org"] = Refusal("452 4.2.2 Mailbox full")
    edition = edition_for("ada@example.org")
    now = AFTER_TUESDAY
    for _ in range(sending.MAX_ATTEMPTS):
        send_edition(edition, now=now)
        now += timedelta(hours=2)
    ada = edition.deliveries.get()
    assert (ada.status, ada.attempts) == ("failed", sending.MAX_ATTEMPTS)
    assert ada.last_error.startswith(f"gave up after {sending.MAX_ATTEMPTS} tries: 452")
    # A full mailbox is not a dead address: the next edition goes to it.
    assert Subscriber.objects.get().receiving


def test_a_5xx_marks_the_address_bouncing_and_nothing_more_goes_to_it(
    smtp: SmtpServer,
) -> None:
    monday_papers(1)
    smtp.sink.refusals["gone@example.org"] = Refusal("550 5.1.1 No such mailbox")
    edition = edition_for("gone@example.org", "bob@example.org")
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert (report.sent, report.bounced) == (1, 1)
    gone = Subscriber.objects.get(email="gone@example.org")
    assert gone.bounced_at is not None and gone.bounce_reason.startswith("550")
    assert statuses(edition)["gone@example.org"] == "failed"
    assert list(receiving("daily").values_list("email", flat=True)) == ["bob@example.org"]


def test_a_sender_that_crashes_mid_batch_resumes_with_no_duplicate_and_no_gap(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monday_papers(1)
    emails = [f"reader{n:02d}@example.org" for n in range(30)]
    edition = edition_for(*emails)
    prepare = sending._prepare
    calls = 0

    def crash_on_the_12th(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 12:
            raise SystemExit("the process died")
        return prepare(*args, **kwargs)

    monkeypatch.setattr(sending, "_prepare", crash_on_the_12th)
    with pytest.raises(SystemExit):
        send_edition(edition, now=AFTER_TUESDAY)
    assert len(smtp.sink.received) == 11
    monkeypatch.setattr(sending, "_prepare", prepare)
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert report.sent == 19
    assert sorted(smtp.sink.recipients()) == emails
    assert set(statuses(edition).values()) == {"sent"}


def test_one_sender_at_a_time(smtp: SmtpServer) -> None:
    monday_papers(1)
    edition = edition_for("ada@example.org")
    DigestEdition.objects.filter(pk=edition.pk).update(
        sender="another-host:4242:abcd", sender_until=AFTER_TUESDAY + timedelta(days=3650)
    )
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert report.busy == "another-host:4242:abcd"
    assert smtp.sink.received == []


def test_a_dead_sender_on_this_host_is_taken_over_at_once(smtp: SmtpServer) -> None:
    import socket
    import subprocess
    import sys

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(finished.stdout)
    monday_papers(1)
    edition = edition_for("ada@example.org")
    DigestEdition.objects.filter(pk=edition.pk).update(
        sender=f"{socket.gethostname()}:{dead_pid}:abcd",
        sender_until=AFTER_TUESDAY + timedelta(days=3650),
    )
    assert send_edition(edition, now=AFTER_TUESDAY).sent == 1
    edition.refresh_from_db()
    assert edition.sender == ""  # released at the end


def test_a_message_that_cannot_be_sent_waits_alone_and_the_operator_can_resend_it(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMessage

    monday_papers(1)
    edition = edition_for("ada@example.org", "poison@example.org", "bob@example.org")
    send = EmailMessage.send

    def broken_for_one(message: EmailMessage, *args, **kwargs):  # type: ignore[no-untyped-def]
        if message.to == ["poison@example.org"]:
            raise ValueError("a fault in this one message")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", broken_for_one)
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert (report.sent, report.deferred, report.failed, report.ok) == (2, 1, 0, True)
    poison = edition.deliveries.get(subscriber__email="poison@example.org")
    # Not the address's fault: the copy stays in the queue, tried again later.
    assert (poison.status, poison.attempts) == ("pending", 1)
    assert poison.last_error == "ValueError: a fault in this one message"
    now = AFTER_TUESDAY
    for _ in range(sending.MAX_ATTEMPTS - 1):
        now += timedelta(hours=2)
        send_edition(edition, now=now)
    poison.refresh_from_db()
    assert poison.status == "failed"
    assert poison.last_error.startswith(f"gave up after {sending.MAX_ATTEMPTS} tries: ValueError")
    assert Subscriber.objects.get(email="poison@example.org").receiving  # not a bounce
    assert sending.problems(edition) == [(poison.last_error, 1)]

    # The fault fixed, the operator's `digest send` tries the given-up copy again.
    monkeypatch.setattr(EmailMessage, "send", send)
    out = StringIO()
    call_command(
        "digest", "send", "--kind", "daily", "--date", "2026-11-24", "--no-progress",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    assert "1 copy given up before: trying again" in out.getvalue()
    assert statuses(edition)["poison@example.org"] == "sent"
    assert sorted(smtp.sink.recipients()) == [
        "ada@example.org",
        "bob@example.org",
        "poison@example.org",
    ]


def test_a_copy_that_cannot_be_built_waits_and_the_others_go_out(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monday_papers(1)
    edition = edition_for("ada@example.org", "poison@example.org", "bob@example.org")
    prepare = sending._prepare

    def broken_for_one(delivery, *args, **kwargs):  # type: ignore[no-untyped-def]
        if delivery.subscriber.email == "poison@example.org":
            raise KeyError("a template variable")
        return prepare(delivery, *args, **kwargs)

    monkeypatch.setattr(sending, "_prepare", broken_for_one)
    report = send_edition(edition, now=AFTER_TUESDAY)
    assert (report.sent, report.deferred) == (2, 1)
    assert statuses(edition)["poison@example.org"] == "pending"
    monkeypatch.setattr(sending, "_prepare", prepare)
    assert send_edition(edition, now=AFTER_TUESDAY + timedelta(minutes=1)).sent == 1
    assert statuses(edition)["poison@example.org"] == "sent"

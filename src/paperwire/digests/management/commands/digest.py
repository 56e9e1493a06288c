"""paperwire digest send|preview — send one edition now, or print it.

    paperwire digest send --kind daily [--date 2026-11-24]
    paperwire digest preview --kind weekly --date 2026-11-23 [--email reader@example.org] [--html]

`send` composes the edition if it was not yet, puts every receiving subscriber of
that kind in the send log, tries again the copies given up before, and sends
whatever is still pending: run twice, it sends nothing twice. It prints why copies
failed or wait to be tried again. `preview` stores and sends nothing.
"""

import signal
import threading
from datetime import date
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from paperwire.digests import compose, schedule
from paperwire.digests.models import Delivery
from paperwire.digests.preview import NoSuchSubscriber, preview
from paperwire.digests.sending import enqueue, problems, receiving, retry_failed, send_edition
from paperwire.feed.days import today


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date: write it like 2026-11-24") from None


def _copies(count: int) -> str:
    return f"{count} cop{'ies' if count != 1 else 'y'}"


class Command(BaseCommand):
    help = "Send a digest edition now (idempotent), or print it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        send = actions.add_parser("send", help="send an edition to every receiving subscriber")
        preview = actions.add_parser("preview", help="print an edition; stores and sends nothing")
        for sub in (send, preview):
            sub.add_argument("--kind", choices=schedule.KINDS, required=True)
            sub.add_argument(
                "--date",
                help="the edition's date, YYYY-MM-DD (default: the latest edition's)",
            )
        send.add_argument("--no-progress", action="store_true", help="no progress bar")
        preview.add_argument("--email", help="as this subscriber gets it (default: top papers)")
        preview.add_argument("--html", action="store_true", help="print the HTML part")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        day = _date(options["date"]) if options["date"] else schedule.latest_date(kind, today())
        try:
            schedule.check_edition_date(kind, day)
        except schedule.BadEdition as error:
            raise CommandError(str(error)) from None
        if options["action"] == "send":
            self._send(kind, day, progress=not options["no_progress"])
        else:
            self._preview(kind, day, options["email"], options["html"])

    def _send(self, kind: str, day: date, progress: bool) -> None:
        try:
            edition = compose.compose(kind, day)
        except compose.NotYet as error:
            raise CommandError(str(error)) from None
        added = enqueue(edition, receiving(kind))
        retried = retry_failed(edition)
        if retried:
            self.stdout.write(f"{_copies(retried)} given up before: trying again")
        total = Delivery.objects.filter(edition=edition, status=Delivery.Status.PENDING).count()
        self.stdout.write(
            f"{kind} digest of {day}: {len(edition.papers)} papers; "
            f"{added} subscriber{'s' if added != 1 else ''} added to the send log, "
            f"{total} to send"
        )
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # The message in flight finishes and is recorded; a rerun sends the rest.
            stop.set()

        previous = signal.signal(signal.SIGTERM, request_stop)
        bar = tqdm(total=total, unit="msg", disable=not progress or not total, file=self.stderr)
        try:
            report = send_edition(
                edition, stop=stop, progress=lambda n: bar.update(n), respect_backoff=False
            )
        finally:
            bar.close()
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write(report.summary())
        for problem, copies in problems(edition):
            self.stdout.write(f"  {_copies(copies)}: {problem}")
        if report.busy:
            raise CommandError("another sender is sending this edition; it will finish it")
        if report.server_error:
            raise CommandError(
                f"the mail server failed: {report.server_error}. Nothing was lost: run the "
                "same command again, or let the worker retry."
            )
        if stop.is_set():
            raise CommandError("stopped: run the same command again to send the rest")

    def _preview(self, kind: str, day: date, email: str | None, html: bool) -> None:
        try:
            shown = preview(kind, day, email or "")
        except NoSuchSubscriber:
            raise CommandError(f"no subscriber has the address {email}") from None
        edition = shown.edition
        state = "composed" if shown.stored else "not composed yet: a draft as the papers stand now"
        covers = (
            f"the feed of {edition.first_day}"
            if edition.first_day == edition.last_day
            else f"the feed from {edition.first_day} to {edition.last_day}"
        )
        self.stderr.write(
            f"{kind} digest sent on {day}, covering {covers} ({state}), {shown.papers} papers"
        )
        message = shown.message
        if message is None:
            self.stdout.write(f"nothing in this edition for {shown.subscriber.email}: no email")
            return
        if html:
            # Only the document, to save or open in a browser: `... --html > digest.html`.
            self.stderr.write(f"Subject: {message.subject}")
            self.stdout.write(str(message.alternatives[0][0]))
            return
        self.stdout.write(f"Subject: {message.subject}")
        self.stdout.write(f"To: {shown.subscriber.email}\n")
        self.stdout.write(str(message.body))

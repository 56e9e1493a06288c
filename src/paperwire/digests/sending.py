"""Sending an edition so that each subscriber receives it exactly once.

The send log is Delivery: a row per edition and subscriber, created when their copy
falls due (the unique pair makes a second enqueue a no-op) and marked sent as soon
as the mail server has accepted the message, one row at a time. A rerun sends only
rows still pending, so running the sender twice sends nothing twice, and a sender
killed mid-batch resumes at the first row it had not recorded. The one window left
is between the server's acceptance and that one-row update (well under a
millisecond); a resend from it carries the same Message-ID, which mail clients use
to drop the copy.

One sender per edition at a time: a lease on the edition row (host:pid, renewed
each batch). A sender killed on this host is noticed at once (its pid is gone); one
on another host is waited for until its lease runs out.

Failures: an unreachable or closing server (connection refused, 421, a dropped
connection) stops the run and the edition waits, backing off; a 4xx answer for one
address defers that delivery, backing off, up to MAX_ATTEMPTS; a 5xx answer for an
address marks it bouncing: it gets nothing more until its owner subscribes again.
"""

import contextlib
import logging
import os
import smtplib
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from paperwire.digests import schedule
from paperwire.digests.compose import EditionContent, Wishes, compose
from paperwire.digests.models import Delivery, DigestEdition, Subscriber
from paperwire.digests.render import DigestRenderer

logger = logging.getLogger(__name__)

BATCH = 200
# How often the worker looks for due copies (`paperwire worker --digests-every`).
DUE_CHECK_SECONDS = 60
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=1)  # 1, 2, 4, 8, 16 minutes between tries of one address
SERVER_RETRY_MAX = timedelta(hours=1)


class MailServerDown(Exception):
    """The mail server cannot take messages now; nothing about any address is known."""


def receiving(kind: str) -> QuerySet[Subscriber]:
    """Subscribers who want this kind of digest and can get it."""
    return Subscriber.objects.filter(
        confirmed_at__isnull=False,
        unsubscribed_at__isnull=True,
        bounced_at__isnull=True,
        **{kind: True},
    )


def due(kind: str, day: date, now: datetime) -> QuerySet[Subscriber]:
    """Receiving subscribers whose copy of the edition is due by `now`.

    Someone who subscribed after their hour had passed starts with the next edition,
    not with one already out (or with two at once).
    """
    groups = receiving(kind).order_by().values_list("timezone", "send_hour").distinct()
    when = Q(pk__in=[])
    for zone, hour in groups:
        at = schedule.due_at(day, zone, hour)
        if at <= now:
            when |= Q(timezone=zone, send_hour=hour, confirmed_at__lte=at)
    return receiving(kind).filter(when)


def enqueue(edition: DigestEdition, subscribers: QuerySet[Subscriber]) -> int:
    """Put each subscriber in the send log once; returns how many were new."""
    new = list(
        subscribers.exclude(deliveries__edition=edition).order_by("pk").values_list("pk", flat=True)
    )
    Delivery.objects.bulk_create(
        [Delivery(edition=edition, subscriber_id=pk) for pk in new],
        batch_size=1000,
        ignore_conflicts=True,  # a concurrent enqueue got there first: one row is enough
    )
    return len(new)


@dataclass
class SendReport:
    edition: DigestEdition
    sent: int = 0
    skipped: int = 0
    deferred: int = 0  # a 4xx: tried again later
    bounced: int = 0
    failed: int = 0  # gave up after MAX_ATTEMPTS
    waiting: int = 0  # still pending when the run ended
    busy: str = ""  # another sender holds the edition
    server_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.busy and not self.server_error

    def summary(self) -> str:
        name = f"{self.edition.kind} digest of {self.edition.date}"
        if self.busy:
            return f"{name}: another sender ({self.busy}) is sending it"
        parts = [f"{self.sent} sent"]
        for count, label in (
            (self.skipped, "with nothing for them"),
            (self.deferred, "deferred by the mail server"),
            (self.bounced, "bounced"),
            (self.failed, "given up"),
            (self.waiting, "waiting"),
        ):
            if count:
                parts.append(f"{count} {label}")
        line = f"{name}: {', '.join(parts)}"
        if self.server_error:
            line += f"; mail server: {self.server_error}"
        return line


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _gone(holder: str) -> bool:
    """Whether a lease holder was a process on this host that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _claim(edition: DigestEdition, me: str) -> str:
    """Take the edition's lease; returns the current holder when someone else has it."""
    now = timezone.now()
    current = DigestEdition.objects.filter(pk=edition.pk).values_list("sender", flat=True).get()
    free = Q(sender="") | Q(sender_until__lt=now)
    if current and _gone(current):
        free |= Q(sender=current)
    taken = (
        DigestEdition.objects.filter(pk=edition.pk)
        .filter(free)
        .update(sender=me, sender_until=now + LEASE)
    )
    return "" if taken else current


def _renew(edition: DigestEdition, me: str) -> None:
    DigestEdition.objects.filter(pk=edition.pk, sender=me).update(
        sender_until=timezone.now() + LEASE
    )


def _release(edition: DigestEdition, me: str) -> None:
    DigestEdition.objects.filter(pk=edition.pk, sender=me).update(sender="", sender_until=None)


def _queue(edition: DigestEdition, now: datetime, after: int) -> list[Delivery]:
    return list(
        Delivery.objects.filter(edition=edition, status=Delivery.Status.PENDING, pk__gt=after)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("subscriber")
        .prefetch_related(
            "subscriber__categories",
            "subscriber__authors",
            "subscriber__organizations",
            "subscriber__saved_searches",
        )
        .order_by("pk")[:BATCH]
    )


def _finish(delivery: Delivery, status: str, error: str = "", papers: int = 0) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
        status=status,
        attempts=F("attempts") + (0 if status == Delivery.Status.SKIPPED else 1),
        last_error=error[:1000],
        paper_count=papers,
        finished_at=timezone.now(),
        next_attempt_at=None,
    )


def _code_of(error: Exception, address: str) -> tuple[int, str]:
    """The SMTP reply code and text of a refusal, or (0, …) when there was no reply."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = error.recipients.get(address, next(iter(error.recipients.values())))
        return code, _text(reply)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code, _text(error.smtp_error)
    return 0, str(error) or type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class _Sender:
    def __init__(self, report: SendReport, now: datetime) -> None:
        self.report = report
        self.now = now
        self.connection: BaseEmailBackend | None = None

    def _open(self) -> BaseEmailBackend:
        if self.connection is None:
            connection = get_connection(fail_silently=False)
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as error:
                raise MailServerDown(_code_of(error, "")[1] or repr(error)) from error
            self.connection = connection
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            # A server that is gone already has nothing left to lose.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None

    def deliver(
        self, delivery: Delivery, content: EditionContent, renderer: DigestRenderer
    ) -> None:
        subscriber = delivery.subscriber
        if not subscriber.receiving:
            reason = "unsubscribed" if subscriber.unsubscribed_at else "the address bounces"
            _finish(delivery, Delivery.Status.SKIPPED, f"not sent: {reason}")
            self.report.skipped += 1
            return
        sections = content.sections_for(Wishes.of(subscriber))
        if not sections:
            _finish(delivery, Delivery.Status.SKIPPED, "nothing in this edition for them")
            self.report.skipped += 1
            return
        message = renderer.message(subscriber, sections)
        message.connection = self._open()
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            self._refused(delivery, *_code_of(error, subscriber.email))
            return
        except smtplib.SMTPSenderRefused as error:
            # Our own sender address refused: the server's setup, not this address.
            self.close()
            raise MailServerDown(" ".join(map(str, _code_of(error, "")))) from error
        except smtplib.SMTPResponseException as error:
            code, text = _code_of(error, subscriber.email)
            if code == 421 or code < 400:  # "service not available, closing channel"
                self.close()
                raise MailServerDown(f"{code} {text}") from error
            self._refused(delivery, code, text)
            return
        except OSError as error:
            # Refused, reset or timed out (SMTPServerDisconnected is one too): the
            # message's fate is unknown to the server's side of it, so it stays pending.
            self.close()
            raise MailServerDown(_code_of(error, "")[1]) from error
        papers = sum(len(section.items) for section in sections)
        _finish(delivery, Delivery.Status.SENT, papers=papers)
        self.report.sent += 1

    def _refused(self, delivery: Delivery, code: int, text: str) -> None:
        error = f"{code} {text}".strip()
        if 500 <= code < 600:
            _finish(delivery, Delivery.Status.FAILED, error)
            Subscriber.objects.filter(pk=delivery.subscriber_id).update(
                bounced_at=timezone.now(), bounce_reason=error[:1000]
            )
            self.report.bounced += 1
            logger.warning("digest: %s bounces (%s)", delivery.subscriber.email, error)
            return
        attempts = delivery.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            _finish(delivery, Delivery.Status.FAILED, f"gave up after {attempts} tries: {error}")
            self.report.failed += 1
            return
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
            attempts=attempts,
            last_error=error[:1000],
            next_attempt_at=self.now + RETRY_BASE * 2 ** (attempts - 1),
        )
        self.report.deferred += 1


def send_edition(
    edition: DigestEdition,
    *,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[int], object] | None = None,
    respect_backoff: bool = True,
) -> SendReport:
    """Send the edition's pending deliveries that are due by `now`.

    `stop` ends the run between two messages (a worker asked to stop); `progress`
    is called with the number of deliveries handled after each batch.
    """
    now = now or timezone.now()
    report = SendReport(edition)
    me = _holder()
    if holder := _claim(edition, me):
        report.busy = holder
        return report
    sender = _Sender(report, now)
    try:
        edition.refresh_from_db(fields=["retry_at", "server_failures"])
        if respect_backoff and edition.retry_at and edition.retry_at > now:
            report.server_error = (
                f"unreachable at the last try; next try at {edition.retry_at:%Y-%m-%d %H:%M} UTC"
            )
            return report
        content: EditionContent | None = None
        renderer: DigestRenderer | None = None
        after = 0
        while not (stop and stop.is_set()):
            batch = _queue(edition, now, after)
            if not batch:
                break
            if content is None or renderer is None:
                content = EditionContent(edition)
                renderer = DigestRenderer(content)
            for delivery in batch:
                if stop and stop.is_set():
                    break
                sender.deliver(delivery, content, renderer)
                after = delivery.pk
            _renew(edition, me)
            if progress:
                progress(len(batch))
        if edition.server_failures:
            DigestEdition.objects.filter(pk=edition.pk).update(server_failures=0, retry_at=None)
    except MailServerDown as error:
        failures = edition.server_failures + 1
        wait = min(RETRY_BASE * 2 ** (failures - 1), SERVER_RETRY_MAX)
        DigestEdition.objects.filter(pk=edition.pk).update(
            server_failures=failures, retry_at=now + wait
        )
        report.server_error = f"{error} (next try in {int(wait.total_seconds() // 60)} min)"
        logger.warning("digest: the mail server failed: %s", error)
    finally:
        sender.close()
        _release(edition, me)
        report.waiting = Delivery.objects.filter(
            edition=edition, status=Delivery.Status.PENDING
        ).count()
    return report


def send_now(kind: str, day: date, *, progress: Callable[[int], None] | None = None) -> SendReport:
    """The operator's send: compose if needed, every receiving subscriber is due now."""

    edition = compose(kind, day)
    enqueue(edition, receiving(kind))
    return send_edition(edition, progress=progress, respect_backoff=False)


def send_due(now: datetime | None = None, stop: threading.Event | None = None) -> list[SendReport]:
    """The worker's job: the latest two editions of each kind, to whoever they are due.

    Only the latest two: after an outage the worker catches up on the editions a
    reader still expects, not on a backlog of old ones (`paperwire digest send` can).
    """

    now = now or timezone.now()
    today = now.astimezone(schedule.site_zone()).date()
    reports = []
    for kind in schedule.KINDS:
        latest = schedule.latest_date(kind, today)
        for day in (schedule.previous_date(kind, latest), latest):
            if now < schedule.period_closes_at(day) or (stop and stop.is_set()):
                continue
            subscribers = due(kind, day, now)
            edition = DigestEdition.objects.filter(kind=kind, date=day).first()
            if edition is not None:
                subscribers = subscribers.exclude(deliveries__edition=edition)
                pending = edition.deliveries.filter(status=Delivery.Status.PENDING).exists()
            else:
                pending = False
            if not pending and not subscribers.exists():
                continue
            edition = edition or compose(kind, day, now)
            enqueue(edition, subscribers)
            reports.append(send_edition(edition, now=now, stop=stop))
    return reports

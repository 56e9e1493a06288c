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
address, or a message that cannot be built or sent (our fault, not the address's),
defers that delivery, backing off, up to MAX_ATTEMPTS, after which it is given up
until the operator's `digest send` tries it again; a 5xx answer for an address marks
it bouncing: it gets nothing more until its owner subscribes again.
"""

import contextlib
import logging
import os
import queue
import smtplib
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Count, F, Q, QuerySet
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
RECORD_BATCH = 16
RECORD_EVERY = 0.1  # seconds
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
    deferred: int = 0  # a 4xx, or a message that could not go out: tried again later
    bounced: int = 0
    failed: int = 0  # gave up after MAX_ATTEMPTS
    waiting: int = 0  # still pending when the run ended
    busy: str = ""  # another sender holds the edition
    server_error: str = ""

    def defer(self, delivery: Delivery, error: str, now: datetime) -> None:
        """Try this copy again later, backing off; after MAX_ATTEMPTS it is given up,
        until the operator's `digest send` tries it again (retry_failed)."""
        attempts = delivery.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            _finish(delivery, Delivery.Status.FAILED, f"gave up after {attempts} tries: {error}")
            self.failed += 1
            return
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
            attempts=attempts,
            last_error=error[:1000],
            next_attempt_at=now + RETRY_BASE * 2 ** (attempts - 1),
        )
        self.deferred += 1

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
            (self.deferred, "deferred (tried again later)"),
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
    _finish_many([delivery.pk], status, error, papers)


def _finish_many(ids: list[int], status: str, error: str = "", papers: int = 0) -> None:
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
        status=status,
        attempts=F("attempts") + (0 if status == Delivery.Status.SKIPPED else 1),
        last_error=error[:1000],
        paper_count=papers,
        finished_at=timezone.now(),
        next_attempt_at=None,
    )


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


@dataclass(frozen=True)
class Outcome:
    """What the mail server said to one message."""

    delivery: Delivery
    code: int = 250  # the reply to the address or the data; 0: no reply at all
    text: str = ""
    server_down: bool = False  # no fault of the address: the run stops
    untried: bool = False  # the run stopped before this message went out

    @classmethod
    def of(cls, delivery: Delivery, error: Exception) -> "Outcome":
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            replies = error.recipients
            code, reply = replies.get(delivery.subscriber.email, next(iter(replies.values())))
            return cls(delivery, code, _text(reply))
        if isinstance(error, smtplib.SMTPSenderRefused):
            # Our own sender address refused: the server's setup, not this address.
            return cls(delivery, error.smtp_code, _text(error.smtp_error), server_down=True)
        if isinstance(error, smtplib.SMTPResponseException):
            code, text = error.smtp_code, _text(error.smtp_error)
            # 421: "service not available, closing channel".
            return cls(delivery, code, text, server_down=code == 421 or code < 400)
        if not isinstance(error, OSError):
            # This message could not be sent at all (a fault in it, not in the server):
            # it must not hold up everyone after it, run after run.
            return cls(delivery, 0, f"{type(error).__name__}: {error}")
        # Refused, reset, timed out (SMTPServerDisconnected too): the server's side of
        # it is unknown, so the message stays pending for the next run.
        return cls(delivery, 0, str(error) or type(error).__name__, server_down=True)


class _Connection(threading.Thread):
    """One SMTP connection, sending the messages the pool hands it."""

    def __init__(self, pool: "_Pool") -> None:
        super().__init__(daemon=True)
        self.pool = pool

    def run(self) -> None:
        backend: BaseEmailBackend | None = None
        while (item := self.pool.inbox.get()) is not None:
            delivery, message = item
            if self.pool.down:
                self.pool.results.put(Outcome(delivery, untried=True))
                continue
            try:
                if backend is None:
                    backend = get_connection(fail_silently=False)
                    backend.open()
                message.connection = backend
                message.send()
                outcome = Outcome(delivery)
            except Exception as error:
                if not isinstance(error, OSError):
                    logger.exception("digest: sending to %s failed", delivery.subscriber.email)
                outcome = Outcome.of(delivery, error)
                if outcome.server_down:
                    self.pool.down = (
                        self.pool.down or f"{outcome.code or ''} {outcome.text}".strip()
                    )
                    _close(backend)
                    backend = None
            self.pool.results.put(outcome)
        _close(backend)


def _close(backend: BaseEmailBackend | None) -> None:
    if backend is not None:
        # A server that is gone already has nothing left to lose.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            backend.close()


class _Pool:
    """Messages go out over a few SMTP connections at once; this thread keeps the log.

    Rendering and every database write stay on the calling thread; the connections
    only talk SMTP, so their waits on the network overlap with the next message's
    rendering. Each accepted message is recorded as soon as its reply is read back.
    """

    def __init__(self, size: int, report: SendReport, now: datetime) -> None:
        self.report, self.now = report, now
        self.inbox: queue.Queue[tuple[Delivery, EmailMessage] | None] = queue.Queue(size)
        self.results: queue.Queue[Outcome] = queue.Queue()
        self.down = ""
        self.papers: dict[int, int] = {}  # deliveries handed out, with their paper counts
        self.closed = False
        self.record_at = time.monotonic() + RECORD_EVERY
        self.threads = [_Connection(self) for _ in range(size)]
        for thread in self.threads:
            thread.start()

    def submit(self, delivery: Delivery, message: EmailMessage, papers: int) -> None:
        self.papers[delivery.pk] = papers
        while True:
            try:
                self.inbox.put((delivery, message), timeout=0.05)
                break
            except queue.Full:
                self.collect()
        # Recording replies in small groups keeps the log's writes from stalling the
        # rendering: an accepted message waits at most RECORD_EVERY to be marked sent.
        if self.results.qsize() >= RECORD_BATCH or time.monotonic() >= self.record_at:
            self.collect()

    def collect(self, wait: bool = False) -> None:
        """Record every reply read back so far (all outstanding ones, with `wait`)."""
        self.record_at = time.monotonic() + RECORD_EVERY
        outstanding = len(self.papers)
        outcomes: list[Outcome] = []
        while len(outcomes) < outstanding:
            try:
                outcomes.append(self.results.get(block=wait))
            except queue.Empty:
                break
        sent: dict[int, list[int]] = {}
        for outcome in outcomes:
            papers = self.papers.pop(outcome.delivery.pk)
            if outcome.untried or outcome.server_down:
                continue
            if outcome.code == 250:
                sent.setdefault(papers, []).append(outcome.delivery.pk)
            elif outcome.code == 0:
                # The message itself could not go out: our fault, not the address's.
                self.report.defer(outcome.delivery, outcome.text, self.now)
            else:
                self._refused(outcome)
        for papers, ids in sent.items():
            _finish_many(ids, Delivery.Status.SENT, papers=papers)
            self.report.sent += len(ids)

    def close(self) -> None:
        self.collect(wait=True)
        if self.closed:
            return
        self.closed = True
        for _ in self.threads:
            self.inbox.put(None)
        for thread in self.threads:
            thread.join()

    def _refused(self, outcome: Outcome) -> None:
        delivery = outcome.delivery
        error = f"{outcome.code} {outcome.text}".strip()
        if 500 <= outcome.code < 600:
            _finish(delivery, Delivery.Status.FAILED, error)
            Subscriber.objects.filter(pk=delivery.subscriber_id).update(
                bounced_at=timezone.now(), bounce_reason=error[:1000]
            )
            self.report.bounced += 1
            logger.warning("digest: %s bounces (%s)", delivery.subscriber.email, error)
            return
        self.report.defer(delivery, error, self.now)


def _prepare(
    delivery: Delivery, content: EditionContent, renderer: DigestRenderer, report: SendReport
) -> tuple[EmailMessage, int] | None:
    """The message for this delivery, or None (recorded as skipped) when there is none."""
    subscriber = delivery.subscriber
    if not subscriber.receiving:
        reason = "unsubscribed" if subscriber.unsubscribed_at else "the address bounces"
        _finish(delivery, Delivery.Status.SKIPPED, f"not sent: {reason}")
        report.skipped += 1
        return None
    sections = content.sections_for(Wishes.of(subscriber))
    if not sections:
        _finish(delivery, Delivery.Status.SKIPPED, "nothing in this edition for them")
        report.skipped += 1
        return None
    papers = sum(len(section.items) for section in sections)
    return renderer.message(subscriber, sections), papers


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
    pool: _Pool | None = None
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
        while not (stop and stop.is_set()) and not (pool and pool.down):
            batch = _queue(edition, now, after)
            if not batch:
                break
            if content is None or renderer is None or pool is None:
                content = EditionContent(edition)
                renderer = DigestRenderer(content)
                pool = _Pool(settings.DIGEST_SMTP_CONNECTIONS, report, now)
            for delivery in batch:
                if (stop and stop.is_set()) or pool.down:
                    break
                after = delivery.pk
                try:
                    prepared = _prepare(delivery, content, renderer, report)
                except Exception as error:
                    # A copy that cannot be built waits for a fix; the rest go out.
                    logger.exception("digest: building the copy for %s failed", delivery.subscriber)
                    report.defer(delivery, f"{type(error).__name__}: {error}", now)
                    continue
                if prepared:
                    pool.submit(delivery, *prepared)
            pool.collect(wait=True)
            _renew(edition, me)
            if progress:
                progress(len(batch))
        if pool is not None:
            pool.close()
            if pool.down:
                raise MailServerDown(pool.down)
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
        if pool is not None:
            pool.close()
        _release(edition, me)
        report.waiting = Delivery.objects.filter(
            edition=edition, status=Delivery.Status.PENDING
        ).count()
    return report


def retry_failed(edition: DigestEdition) -> int:
    """Put the copies given up for a subscriber who still receives back in the queue.

    Only the operator does this (`paperwire digest send`): the worker gives a copy up
    after MAX_ATTEMPTS, and what failed it (a fault in the message, a mail server that
    kept deferring) may need a person to fix. A bounced address is not retried.
    """
    return Delivery.objects.filter(
        edition=edition,
        status=Delivery.Status.FAILED,
        subscriber__in=receiving(edition.kind),
    ).update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None, finished_at=None)


def problems(edition: DigestEdition, limit: int = 5) -> list[tuple[str, int]]:
    """The commonest errors of the copies given up or waiting to be tried again."""
    rows = (
        Delivery.objects.filter(edition=edition)
        .filter(
            Q(status=Delivery.Status.FAILED) | Q(status=Delivery.Status.PENDING, attempts__gt=0)
        )
        .exclude(last_error="")
        .values("last_error")
        .annotate(copies=Count("id"))
        .order_by("-copies", "last_error")[:limit]
    )
    return [(row["last_error"], row["copies"]) for row in rows]


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

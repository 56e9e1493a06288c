"""Subscribing, confirming, changing and leaving: check_* validate, do_* change state.

Pages, commands and the settings page call these. The subscribe form never says
whether an address is already subscribed (that would tell anyone who is): it always
answers "check your inbox", and the inbox gets a confirmation link or, for an address
already receiving, a link to manage the subscription.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from paperwire.digests import tokens
from paperwire.digests.compose import MAX_TOP_N
from paperwire.digests.matching import MAX_SAVED_SEARCHES, check_saved_search
from paperwire.digests.models import SavedSearch, Subscriber
from paperwire.emails import absolute_url, send_email
from paperwire.errors import InputError
from paperwire.orgs.models import Organization
from paperwire.papers.models import Author, Authorship, Category

# A second confirmation email to one address waits this long, whoever asks.
RESEND_AFTER = timedelta(minutes=10)
MAX_AUTHORS = 50


class SubscriptionError(InputError):
    """Input a subscription cannot take."""


def check_email(text: str) -> str:
    email = text.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise SubscriptionError(f"“{text.strip()}” is not an email address.", "email") from None
    return email


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SubscriptionError(f"“{name}” is not a time zone.", "timezone") from None
    return name


def check_kinds(daily: bool, weekly: bool) -> None:
    if not daily and not weekly:
        raise SubscriptionError("Choose the daily digest, the weekly one, or both.", "daily")


def _manage_link(subscriber: Subscriber, request: HttpRequest | None) -> str:
    path = reverse("digests:manage", args=[tokens.manage_token(subscriber.pk)])
    return absolute_url(path, request)


def _send_confirmation(subscriber: Subscriber, request: HttpRequest | None) -> None:
    link = absolute_url(
        reverse("digests:confirm", args=[tokens.confirm_token(subscriber.pk, subscriber.email)]),
        request,
    )
    send_email(
        "digest-confirm",
        subscriber.email,
        {"subscriber": subscriber, "link": link, "days": tokens.CONFIRM_DAYS},
        request=request,
    )


def _recently_mailed(subscriber: Subscriber) -> bool:
    sent = subscriber.confirmation_sent_at
    return sent is not None and timezone.now() - sent < RESEND_AFTER


@transaction.atomic
def do_subscribe(
    email: str, *, daily: bool, weekly: bool, request: HttpRequest | None = None
) -> Subscriber:
    """A visitor's subscription: confirmed by the link it mails, never before."""
    email = check_email(email)
    check_kinds(daily, weekly)
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        email=email,
        defaults={"daily": daily, "weekly": weekly, "timezone": settings.PAPERWIRE_TIMEZONE},
    )
    if not created and _recently_mailed(subscriber):
        return subscriber  # one email per address per ten minutes, whoever asks
    if subscriber.receiving:
        send_email(
            "digest-manage",
            email,
            {"subscriber": subscriber, "link": _manage_link(subscriber, request)},
            request=request,
        )
    else:
        # Not receiving yet, or any more: the choice made now is what the link confirms.
        subscriber.daily, subscriber.weekly = daily, weekly
        _send_confirmation(subscriber, request)
    subscriber.confirmation_sent_at = timezone.now()
    subscriber.save()
    return subscriber


@transaction.atomic
def do_confirm(token: str) -> Subscriber:
    """Follow a confirmation link; raises tokens.BadLink with a reason."""
    pk, email = tokens.read_confirm_token(token)
    subscriber = Subscriber.objects.select_for_update().filter(pk=pk, email=email).first()
    if subscriber is None:
        raise tokens.BadLink("This subscription no longer exists. Subscribe again if you like.")
    # Confirming proves the address works now and that its owner wants the digest.
    if not subscriber.receiving:
        subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.bounced_at = None
        subscriber.bounce_reason = ""
        subscriber.save()
    return subscriber


def subscriber_from_link(token: str) -> Subscriber:
    pk = tokens.read_manage_token(token)
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None:
        raise tokens.BadLink("This subscription no longer exists. Subscribe again if you like.")
    return subscriber


def do_unsubscribe(subscriber: Subscriber) -> bool:
    """Stop every digest to this address; False when it had already stopped."""
    return bool(
        Subscriber.objects.filter(pk=subscriber.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
    )


def do_resubscribe(subscriber: Subscriber) -> None:
    """Undo an unsubscribe from the manage page (its link proves the mailbox)."""
    Subscriber.objects.filter(pk=subscriber.pk).update(
        unsubscribed_at=None,
        bounced_at=None,
        bounce_reason="",
        confirmed_at=subscriber.confirmed_at or timezone.now(),
    )


@dataclass
class Choices:
    """What a subscriber asks for, as the manage form cleans it."""

    daily: bool
    weekly: bool
    timezone: str
    send_hour: int
    top_n: int
    categories: list[Category] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)


def check_choices(choices: Choices) -> None:
    check_kinds(choices.daily, choices.weekly)
    check_timezone(choices.timezone)
    if not 0 <= choices.send_hour <= 23:
        raise SubscriptionError("The hour is from 0 to 23.", "send_hour")
    if not 0 <= choices.top_n <= MAX_TOP_N:
        raise SubscriptionError(f"The top papers go from 0 to {MAX_TOP_N}.", "top_n")
    if len(choices.searches) > MAX_SAVED_SEARCHES:
        raise SubscriptionError(f"Keep at most {MAX_SAVED_SEARCHES} saved searches.", "searches")
    for query in choices.searches:
        try:
            check_saved_search(query)
        except ValueError as error:
            raise SubscriptionError(str(error), "searches") from None
    if len(choices.authors) > MAX_AUTHORS:
        raise SubscriptionError(f"Follow at most {MAX_AUTHORS} authors.", "authors")


def unknown_authors(names: Iterable[str]) -> list[str]:
    """Names no paper here carries (yet): following them is allowed, but worth a word."""
    names = list(names)
    known = set(
        Authorship.objects.filter(author_id__in=[Author.id_for(n) for n in names]).values_list(
            "author__name", flat=True
        )
    )
    return [name for name in names if name not in known]


@transaction.atomic
def do_update(subscriber: Subscriber, choices: Choices) -> None:
    check_choices(choices)
    subscriber.daily, subscriber.weekly = choices.daily, choices.weekly
    subscriber.timezone, subscriber.send_hour = choices.timezone, choices.send_hour
    subscriber.top_n = choices.top_n
    subscriber.save()
    subscriber.categories.set(choices.categories)
    subscriber.organizations.set(choices.organizations)
    # Following a name nobody has published under yet is fine: its first paper will show.
    Author.objects.bulk_create(
        [Author(id=Author.id_for(name), name=name) for name in choices.authors],
        ignore_conflicts=True,
    )
    subscriber.authors.set([Author.id_for(name) for name in choices.authors])
    queries = list(dict.fromkeys(check_saved_search(q) for q in choices.searches))
    subscriber.saved_searches.exclude(query__in=queries).delete()
    SavedSearch.objects.bulk_create(
        [SavedSearch(subscriber=subscriber, query=q) for q in queries], ignore_conflicts=True
    )


def subscriber_for(user: User) -> Subscriber | None:
    return Subscriber.objects.filter(user=user).first()


@transaction.atomic
def do_subscribe_member(user: User, request: HttpRequest | None = None) -> Subscriber:
    """A member's subscription, at their account's address.

    A verified address needs no confirmation; an unverified one gets the link. Only a
    verified address takes over a subscription someone made for it: anyone can type
    any address into their account, and the subscription's choices (and its
    unsubscribe) belong to whoever reads that mailbox.
    """
    email = check_email(user.email)
    verified = user.profile.email_verified_at is not None
    own = Subscriber.objects.select_for_update().filter(user=user).first()
    existing = Subscriber.objects.select_for_update().filter(email=email).exclude(user=user).first()
    if existing is not None and not verified:
        raise SubscriptionError(
            f"{email} already has a subscription. Verify your address first (follow the "
            "link we sent there), then subscribe again to link it to your account."
        )
    if existing is not None and own is not None:
        # The account's old subscription gives way to the address's own.
        own.delete()
        own = None
    subscriber = own or existing or Subscriber(email=email, timezone=settings.PAPERWIRE_TIMEZONE)
    subscriber.user = user
    if subscriber.email != email:
        subscriber.email = email
        subscriber.confirmed_at = None
    if verified:
        subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.bounced_at = None
        subscriber.bounce_reason = ""
        subscriber.save()
    else:
        subscriber.save()
        _send_confirmation(subscriber, request)
    return subscriber


# Bringing an existing list -------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    confirmations: int = 0


class BadImport(ValueError):
    """Rows that cannot be imported; nothing was."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Row:
    email: str
    daily: bool
    weekly: bool
    timezone: str | None = None
    send_hour: int | None = None


_YES = {"1", "yes", "y", "true", "t", "x"}
_NO = {"0", "no", "n", "false", "f", ""}


def _flag(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"{column} is “{value}”: write yes or no")


def read_csv(text: str) -> list[Row]:
    """Rows of a CSV with a header: email, and optionally daily, weekly, timezone, hour.

    Every problem is collected, with its line number, before anything is raised.
    """
    reader = csv.DictReader(io.StringIO(text))
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if "email" not in columns:
        raise BadImport(["line 1: the header names no “email” column"])
    rows: list[Row] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            email = check_email(record.get("email", ""))
            if email in seen:
                raise ValueError(f"{email} is listed twice")
            seen.add(email)
            daily = _flag(record["daily"], "daily") if "daily" in columns else True
            weekly = _flag(record["weekly"], "weekly") if "weekly" in columns else False
            check_kinds(daily, weekly)
            zone = record.get("timezone") or None
            if zone:
                check_timezone(zone)
            hour_text = record.get("hour") or ""
            hour = int(hour_text) if hour_text else None
            if hour is not None and not 0 <= hour <= 23:
                raise ValueError(f"hour is {hour}: write 0 to 23")
        except SubscriptionError as error:
            problems.append(f"line {line}: {error.message}")
        except ValueError as error:
            problems.append(f"line {line}: {error}")
        else:
            rows.append(Row(email, daily, weekly, zone, hour))
    if problems:
        raise BadImport(problems)
    return rows


@transaction.atomic
def do_add_subscribers(
    rows: Iterable[Row], *, confirmed: bool, request: HttpRequest | None = None
) -> ImportResult:
    """Add or update each address; unconfirmed ones get a confirmation link.

    --confirmed is for a list whose members already opted in elsewhere: they are
    receiving at once. An address that unsubscribed here stays unsubscribed.
    """
    result = ImportResult()
    existing = {
        s.email: s
        for s in Subscriber.objects.select_for_update().filter(email__in=[r.email for r in rows])
    }
    now = timezone.now()
    for row in rows:
        subscriber = existing.get(row.email)
        if subscriber is None:
            subscriber = Subscriber(email=row.email, timezone=settings.PAPERWIRE_TIMEZONE)
            result.created += 1
        else:
            result.updated += 1
        subscriber.daily, subscriber.weekly = row.daily, row.weekly
        if row.timezone:
            subscriber.timezone = row.timezone
        if row.send_hour is not None:
            subscriber.send_hour = row.send_hour
        if confirmed and not subscriber.confirmed_at:
            subscriber.confirmed_at = now
        subscriber.save()
        if not subscriber.confirmed_at and not subscriber.unsubscribed_at:
            _send_confirmation(subscriber, request)
            subscriber.confirmation_sent_at = now
            subscriber.save(update_fields=["confirmation_sent_at"])
            result.confirmations += 1
    return result

"""When editions exist and when each subscriber's copy is due.

A daily edition is dated on a weekday and covers the feed days since the previous
one: Tuesday's covers Monday, Monday's covers Friday to Sunday. A weekly edition is
dated on a Monday and covers the ISO week before it. A subscriber's copy is due at
their hour on the edition's date in their own zone, and never before the period has
closed (midnight in PAPERWIRE_TIMEZONE), since an edition is composed only once.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

DAILY, WEEKLY = "daily", "weekly"
KINDS = (DAILY, WEEKLY)
MONDAY, FRIDAY = 0, 4


class BadEdition(ValueError):
    """No edition of that kind on that date; the message says which dates have one."""


def check_edition_date(kind: str, day: date) -> None:
    if kind not in KINDS:
        raise BadEdition(f"There is no {kind!r} digest: the kinds are daily and weekly.")
    if kind == DAILY and day.weekday() > FRIDAY:
        raise BadEdition(
            f"{day:%A %Y-%m-%d} has no daily digest: daily editions go out on weekdays."
        )
    if kind == WEEKLY and day.weekday() != MONDAY:
        raise BadEdition(
            f"{day:%A %Y-%m-%d} has no weekly digest: weekly editions go out on Mondays."
        )


def period(kind: str, day: date) -> tuple[date, date]:
    """The feed days an edition covers, first and last."""
    check_edition_date(kind, day)
    if kind == WEEKLY:
        return day - timedelta(days=7), day - timedelta(days=1)
    return previous_date(kind, day), day - timedelta(days=1)


def previous_date(kind: str, day: date) -> date:
    if kind == WEEKLY:
        return day - timedelta(days=7)
    return day - timedelta(days=3 if day.weekday() == MONDAY else 1)


def latest_date(kind: str, today: date) -> date:
    """The date of the newest edition on or before `today`."""
    if kind == WEEKLY:
        return today - timedelta(days=today.weekday())
    return today - timedelta(days=max(today.weekday() - FRIDAY, 0))


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.PAPERWIRE_TIMEZONE)


def period_closes_at(day: date) -> datetime:
    """The moment an edition dated `day` can be composed: that day begins on the feed."""
    return datetime.combine(day, time(0), tzinfo=site_zone())


def due_at(day: date, zone: str, hour: int) -> datetime:
    local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone))
    return max(local, period_closes_at(day))

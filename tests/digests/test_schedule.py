"""Which editions exist, what they cover, and when each copy is due."""

from datetime import UTC, date, datetime

import pytest
from pytest_django import Settings

from paperwire.digests import schedule
from paperwire.digests.schedule import BadEdition, due_at, latest_date, period


def test_a_daily_edition_covers_the_day_before() -> None:
    assert period("daily", date(2026, 11, 24)) == (date(2026, 11, 23), date(2026, 11, 23))


def test_mondays_daily_edition_covers_friday_to_sunday() -> None:
    assert period("daily", date(2026, 11, 23)) == (date(2026, 11, 20), date(2026, 11, 22))


def test_a_weekly_edition_covers_the_iso_week_before_its_monday() -> None:
    assert period("weekly", date(2026, 11, 23)) == (date(2026, 11, 16), date(2026, 11, 22))


@pytest.mark.parametrize(
    ("kind", "day", "message"),
    [
        ("daily", date(2026, 11, 28), "Saturday 2026-11-28 has no daily digest"),
        ("weekly", date(2026, 11, 24), "Tuesday 2026-11-24 has no weekly digest"),
        ("hourly", date(2026, 11, 24), "There is no 'hourly' digest"),
    ],
)
def test_dates_without_an_edition_are_refused_with_a_reason(
    kind: str, day: date, message: str
) -> None:
    with pytest.raises(BadEdition, match=message):
        schedule.check_edition_date(kind, day)


def test_the_latest_edition_on_a_weekend_is_fridays_daily_and_mondays_weekly() -> None:
    assert latest_date("daily", date(2026, 11, 29)) == date(2026, 11, 27)
    assert latest_date("daily", date(2026, 11, 25)) == date(2026, 11, 25)
    assert latest_date("weekly", date(2026, 11, 29)) == date(2026, 11, 23)


def test_a_copy_is_due_at_the_subscribers_hour_in_their_zone() -> None:
    due = due_at(date(2026, 11, 24), "America/New_York", 7)
    assert due == datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_never_before_the_period_closes_on_the_sites_clock(settings: Settings) -> None:
    # 08:00 in Tokyo on Tuesday is Monday 23:00 UTC: Monday's papers are not all in yet.
    settings.PAPERWIRE_TIMEZONE = "UTC"
    assert due_at(date(2026, 11, 24), "Asia/Tokyo", 8) == datetime(2026, 11, 24, tzinfo=UTC)

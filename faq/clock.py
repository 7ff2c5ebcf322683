"""The one clock of the product: UTC "now", the stored ISO form, and Japan time.

Everything that stamps or compares times takes a :class:`Clock` (tests pass a
:class:`FixedClock`), so behaviour never depends on the hour the code runs at.
Stored timestamps are UTC ISO 8601 strings with milliseconds; people see Japan time.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock_time
from zoneinfo import ZoneInfo

# Japan has had no daylight saving time since 1951; the tz database name keeps dates exact.
JAPAN = ZoneInfo("Asia/Tokyo")


def to_iso(moment: datetime) -> str:
    """The stored form of an aware datetime: UTC, ISO 8601, milliseconds."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(value: str | None) -> datetime | None:
    """A stored timestamp back as an aware datetime (naive values are UTC); None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def japan_day_start_iso(day: date) -> str:
    """The stored form of 00:00 Japan time on ``day`` (comparable with stored timestamps)."""
    return to_iso(datetime.combine(day, clock_time(0), JAPAN))


class Clock:
    """The real time."""

    def now(self) -> datetime:
        """Now, aware, in UTC."""
        return datetime.now(timezone.utc)

    def now_iso(self) -> str:
        return to_iso(self.now())

    def iso_ago(self, delta: timedelta) -> str:
        return to_iso(self.now() - delta)

    def japan_now(self) -> datetime:
        return self.now().astimezone(JAPAN)

    def japan_today(self) -> date:
        return self.japan_now().date()

    def seconds(self) -> float:
        """Now as a Unix timestamp (leases, sessions and lockouts are stored as seconds)."""
        return self.now().timestamp()


class FixedClock(Clock):
    """A clock that stands still until moved (tests, simulations)."""

    def __init__(self, moment: datetime):
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.moment = moment

    def now(self) -> datetime:
        return self.moment.astimezone(timezone.utc)

    def advance(self, **delta) -> None:
        self.moment = self.moment + timedelta(**delta)


SYSTEM_CLOCK = Clock()


def monotonic() -> float:
    """For durations (latency) only; never stored."""
    return time.monotonic()

"""Staff see Japan time; the database keeps UTC ISO strings (``bot.database.utc_now_iso``)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

# Japan has no daylight saving time, so a fixed offset is exact (and needs no tz database).
JST = timezone(timedelta(hours=9), "JST")


def today_jst(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(JST).date()


def day_start_utc_iso(day: date) -> str:
    """The UTC ISO string of 00:00 JST on ``day``, comparable with stored timestamps."""
    return datetime.combine(day, time(0), JST).astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def jst_day(value: str) -> date | None:
    parsed = parse_iso(value)
    return parsed.astimezone(JST).date() if parsed else None


def format_jst(value: str | None) -> str:
    """「2025-04-01 09:30」 in Japan time, or 「-」."""
    parsed = parse_iso(value)
    return parsed.astimezone(JST).strftime("%Y-%m-%d %H:%M") if parsed else "-"


def format_wait(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    minutes = int(minutes)
    if minutes < 60:
        return f"{minutes}分"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}時間{rest}分"
    days, hours = divmod(hours, 24)
    return f"{days}日{hours}時間"


def minutes_between(start: str | None, end: str | None) -> float | None:
    a, b = parse_iso(start), parse_iso(end)
    if a is None or b is None:
        return None
    return max(0.0, (b - a).total_seconds() / 60)


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None

"""Japan-time formatting for staff pages; the database keeps UTC ISO strings (:mod:`faq.clock`)."""
from __future__ import annotations

from datetime import date

from faq.clock import JAPAN, parse_iso


def jst_day(value: str) -> date | None:
    parsed = parse_iso(value)
    return parsed.astimezone(JAPAN).date() if parsed else None


def format_jst(value: str | None) -> str:
    """「2025-04-01 09:30」 in Japan time, or 「-」."""
    parsed = parse_iso(value)
    return parsed.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M") if parsed else "-"


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

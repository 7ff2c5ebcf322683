"""When the human desk is staffed (Asia/Tokyo): weekdays, opening hours, holidays and closures.

Japanese national holidays come from ``jpholiday`` (computed offline, including substitute
holidays); extra closures such as the year-end 12/29–1/3 are configured as month-day ranges
or single dates. Every time given to this module must be timezone-aware.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import jpholiday

from faq.clock import JAPAN

WEEKDAY_NAMES = "月火水木金土日"
_DAY_KEYS = {name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_DAY_KEYS.update({name: i for i, name in enumerate(WEEKDAY_NAMES)})
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_FULL_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_SEARCH_DAYS = 400  # a year of closures cannot hide the next opening further than this


class DeskHoursError(ValueError):
    """A setting that cannot be read; the message is Japanese (with English)."""


@dataclass(frozen=True)
class Closure:
    """A closed period: month-day to month-day every year (may wrap the year end), or one date."""
    start: tuple[int, int]
    end: tuple[int, int]
    year: int | None = None

    def covers(self, day: date) -> bool:
        if self.year is not None and day.year != self.year:
            return False
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end  # 12-29..01-03


@dataclass(frozen=True)
class DeskHours:
    weekdays: frozenset[int] = frozenset(range(5))   # 0 = Monday
    opens: time = time(8, 30)
    closes: time = time(17, 15)
    closures: tuple[Closure, ...] = (Closure((12, 29), (1, 3)),)
    national_holidays: bool = True

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        if self.national_holidays and jpholiday.is_holiday(day):
            return False
        return not any(c.covers(day) for c in self.closures)

    def is_open(self, at: datetime) -> bool:
        local = _local(at)
        return self.is_working_day(local.date()) and self.opens <= local.time().replace(tzinfo=None) < self.closes

    def next_opening(self, at: datetime) -> datetime | None:
        """``at`` itself when open, else the next opening time (Tokyo); None if never within a year."""
        local = _local(at)
        if self.is_open(local):
            return local
        day = local.date()
        if self.is_working_day(day) and local.time().replace(tzinfo=None) < self.opens:
            return datetime.combine(day, self.opens, JAPAN)
        for _ in range(_SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return datetime.combine(day, self.opens, JAPAN)
        return None

    def closing_today(self, at: datetime) -> datetime:
        return datetime.combine(_local(at).date(), self.closes, JAPAN)


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return at.astimezone(JAPAN)


def format_when(at: datetime) -> str:
    """「11月24日（火）8時30分」"""
    local = _local(at)
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{local.month}月{local.day}日（{WEEKDAY_NAMES[local.weekday()]}）{local.hour}時{minutes}"


# -- reading the settings (environment) ------------------------------------
def parse_weekdays(raw: str) -> frozenset[int]:
    """``mon-fri``, ``mon,tue,sat`` or ``月-金`` / ``月火水木金``."""
    text = raw.strip().lower().replace("、", ",").replace("〜", "-").replace("~", "-")
    if not text:
        raise DeskHoursError("FAQBOT_DESK_DAYS が空です / FAQBOT_DESK_DAYS is empty")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) == 1 and "-" not in parts[0] and all(ch in WEEKDAY_NAMES for ch in parts[0]):
        parts = list(parts[0])  # 月火水木金
    days: set[int] = set()
    for part in parts:
        ends = [e.strip() for e in part.split("-")]
        if len(ends) > 2 or any(e not in _DAY_KEYS for e in ends):
            raise DeskHoursError(f"FAQBOT_DESK_DAYS の曜日が読めません: {part!r}（例: mon-fri / 月-金） / "
                                 f"unknown weekday in FAQBOT_DESK_DAYS: {part!r}")
        first, last = _DAY_KEYS[ends[0]], _DAY_KEYS[ends[-1]]
        if last < first:
            raise DeskHoursError(f"FAQBOT_DESK_DAYS の範囲が逆です: {part!r} / reversed range: {part!r}")
        days.update(range(first, last + 1))
    return frozenset(days)


def parse_time(raw: str, name: str) -> time:
    m = _TIME.match(raw.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise DeskHoursError(f"{name} は HH:MM の形で指定してください（例: 08:30）: {raw!r} / "
                             f"{name} must be HH:MM: {raw!r}")
    return time(int(m.group(1)), int(m.group(2)))


def _month_day(text: str, raw: str) -> tuple[int, int]:
    m = _MONTH_DAY.match(text)
    if not m:
        raise DeskHoursError(f"FAQBOT_DESK_CLOSED_DAYS の日付が読めません: {raw!r}（例: 12-29..01-03, 2026-05-01） / "
                             f"cannot read a date in FAQBOT_DESK_CLOSED_DAYS: {raw!r}")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2024, month, day)  # a leap year: 02-29 is a valid closure day
    except ValueError:
        raise DeskHoursError(f"FAQBOT_DESK_CLOSED_DAYS に存在しない日付があります: {raw!r} / no such date: {raw!r}") from None
    return month, day


def parse_closures(raw: str) -> tuple[Closure, ...]:
    """Comma-separated ``MM-DD..MM-DD`` (every year), ``MM-DD`` or ``YYYY-MM-DD``; empty means none."""
    closures = []
    for item in (p.strip() for p in raw.replace("、", ",").split(",")):
        if not item:
            continue
        full = _FULL_DATE.match(item)
        if full:
            try:
                day = date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
            except ValueError:
                raise DeskHoursError(f"FAQBOT_DESK_CLOSED_DAYS に存在しない日付があります: {item!r} / "
                                     f"no such date: {item!r}") from None
            closures.append(Closure((day.month, day.day), (day.month, day.day), day.year))
        elif ".." in item:
            start, _, end = item.partition("..")
            closures.append(Closure(_month_day(start.strip(), item), _month_day(end.strip(), item)))
        else:
            md = _month_day(item, item)
            closures.append(Closure(md, md))
    return tuple(closures)


def desk_hours_from_config(config: dict) -> DeskHours:
    opens = parse_time(config["FAQBOT_DESK_OPEN"], "FAQBOT_DESK_OPEN")
    closes = parse_time(config["FAQBOT_DESK_CLOSE"], "FAQBOT_DESK_CLOSE")
    if closes <= opens:
        raise DeskHoursError("FAQBOT_DESK_CLOSE は FAQBOT_DESK_OPEN より後にしてください / "
                             "FAQBOT_DESK_CLOSE must be after FAQBOT_DESK_OPEN")
    return DeskHours(weekdays=parse_weekdays(config["FAQBOT_DESK_DAYS"]), opens=opens, closes=closes,
                     closures=parse_closures(config["FAQBOT_DESK_CLOSED_DAYS"]),
                     national_holidays=bool(config["FAQBOT_DESK_NATIONAL_HOLIDAYS"]))

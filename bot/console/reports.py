"""Dashboard figures per Japan-time day, from the bot's own tables (exchanges and tickets).

* questions: resident text messages that were searched (decision answer / suggest / fallback);
* answer / suggest / fallback rates: shares of those questions;
* 解決率: 「解決した」 / (「解決した」 + 「解決しない」), by the day of the answered exchange;
* handoffs: tickets created that day; waiting time: created_at → first_response_at (median, in minutes);
* top FAQs: answers given (typed questions and tapped suggestions) in the whole period.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from bot.console.timeutil import jst_day, minutes_between
from faq.clock import japan_day_start_iso

SEARCH_DECISIONS = ("answer", "suggest", "fallback")
TOP_FAQS = 10


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class DayStats:
    day: date | None            # None for the period's total
    questions: int = 0
    answered: int = 0
    suggested: int = 0
    fallback: int = 0
    resolved: int = 0
    unresolved: int = 0
    handoffs: int = 0
    responded: int = 0          # handoffs with a first staff response
    wait_median: float | None = None   # minutes
    wait_max: float | None = None

    @property
    def answer_rate(self) -> float | None:
        return _rate(self.answered, self.questions)

    @property
    def suggest_rate(self) -> float | None:
        return _rate(self.suggested, self.questions)

    @property
    def fallback_rate(self) -> float | None:
        return _rate(self.fallback, self.questions)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.resolved + self.unresolved)


@dataclass(frozen=True)
class TopFaq:
    faq_id: str
    question: str
    count: int


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    days: tuple[DayStats, ...]
    total: DayStats
    top_faqs: tuple[TopFaq, ...]


def _stats(day, counts: dict, waits: list[float]) -> DayStats:
    return DayStats(day=day, questions=counts["questions"], answered=counts["answer"], suggested=counts["suggest"],
                    fallback=counts["fallback"], resolved=counts["resolved"], unresolved=counts["unresolved"],
                    handoffs=counts["handoffs"], responded=len(waits),
                    wait_median=statistics.median(waits) if waits else None,
                    wait_max=max(waits) if waits else None)


def _empty() -> dict:
    return dict(questions=0, answer=0, suggest=0, fallback=0, resolved=0, unresolved=0, handoffs=0)


def build_dashboard(bot_conn, end: date, days: int, faq_titles: dict[str, str]) -> Dashboard:
    """The ``days`` days ending with ``end`` (Japan time, inclusive)."""
    start = end - timedelta(days=days - 1)
    lo, hi = japan_day_start_iso(start), japan_day_start_iso(end + timedelta(days=1))
    per_day = {start + timedelta(days=i): _empty() for i in range(days)}
    waits: dict[date, list[float]] = {d: [] for d in per_day}
    top: dict[str, int] = {}

    for created_at, kind, decision, feedback, faq_id in bot_conn.execute(
            "SELECT created_at, kind, decision, feedback, faq_id FROM bot_exchanges "
            "WHERE created_at >= ? AND created_at < ?", [lo, hi]):
        day = jst_day(created_at)
        if day not in per_day:
            continue
        counts = per_day[day]
        if kind == "text" and decision in SEARCH_DECISIONS:
            counts["questions"] += 1
            counts[decision] += 1
        if feedback in ("resolved", "unresolved"):
            counts[feedback] += 1
        if decision == "answer" and faq_id:
            top[faq_id] = top.get(faq_id, 0) + 1

    for created_at, first_response_at in bot_conn.execute(
            "SELECT created_at, first_response_at FROM bot_tickets WHERE created_at >= ? AND created_at < ?",
            [lo, hi]):
        day = jst_day(created_at)
        if day not in per_day:
            continue
        per_day[day]["handoffs"] += 1
        wait = minutes_between(created_at, first_response_at)
        if wait is not None:
            waits[day].append(wait)

    day_stats = tuple(_stats(d, per_day[d], waits[d]) for d in sorted(per_day))
    total_counts = _empty()
    for counts in per_day.values():
        for k, v in counts.items():
            total_counts[k] += v
    total = _stats(None, total_counts, [w for ws in waits.values() for w in ws])
    ranked = sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FAQS]
    top_faqs = tuple(TopFaq(fid, faq_titles.get(fid, "（削除されたFAQ）"), n) for fid, n in ranked)
    return Dashboard(start, end, day_stats, total, top_faqs)

"""「未回答の質問」: questions the bot could not answer, grouped so that staff see the common ones first.

Which exchanges: resident questions in a date range that fell back to the desk (decision "fallback", except
empty "no-content" messages) or whose answer got 「解決しない」 (feedback "unresolved"; for a tapped
suggestion, the question that led to it).

Grouping (simple and deterministic): each question is reduced to a key text (NFKC, lower case, no
spaces, punctuation or symbols); identical key texts are one item. Items are taken most frequent first
(ties: earliest, then text) and each joins the existing group whose first item is most similar by the
Jaccard index of character bigrams, if that is at least :data:`SIMILARITY`; otherwise it starts a group.
A group's representative is its first (most frequent) question. Groups are listed largest first.

Handled: staff can mark a group handled (or create an FAQ from it); its questions are then hidden, but the
same question asked again after that shows up again.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from bot.console.database import ConsoleDatabase
from faq.clock import SYSTEM_CLOCK, Clock, japan_day_start_iso
from faq.text import normalize_query

SIMILARITY = 0.4
MAX_EXCHANGES = 5000
SAMPLES_SHOWN = 8


def key_text(query: str) -> str:
    text = normalize_query(query).lower()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")


def query_key(query: str) -> str:
    return hashlib.sha256(key_text(query).encode("utf-8")).hexdigest()[:24]


def bigrams(text: str) -> frozenset[str]:
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class UnansweredQuestion:
    exchange_id: int
    created_at: str
    query: str
    reason: str            # "fallback" | "unresolved"
    faq_id: str | None     # the FAQ that did not help (unresolved)


@dataclass(frozen=True)
class QuestionVariant:
    query: str
    key: str
    count: int


@dataclass(frozen=True)
class QuestionGroup:
    key: str
    representative: str
    count: int
    fallback: int
    unresolved: int
    first_at: str
    last_at: str
    variants: tuple[QuestionVariant, ...]
    faq_ids: tuple[str, ...]   # FAQs answered but 「解決しない」

    @property
    def query_keys(self) -> tuple[str, ...]:
        return tuple(v.key for v in self.variants)

    def samples(self) -> tuple[QuestionVariant, ...]:
        return self.variants[:SAMPLES_SHOWN]


def load_unanswered(bot_conn, start: date, end: date, limit: int = MAX_EXCHANGES) -> list[UnansweredQuestion]:
    """Exchanges from 00:00 JST on ``start`` to the end of ``end`` (inclusive), newest first."""
    rows = bot_conn.execute(
        "SELECT e.id, e.created_at, "
        "  CASE WHEN e.kind = 'pick' AND p.query IS NOT NULL THEN p.query ELSE e.query END, "
        "  CASE WHEN e.feedback = 'unresolved' THEN 'unresolved' ELSE 'fallback' END, "
        "  CASE WHEN e.feedback = 'unresolved' THEN e.faq_id END "
        "FROM bot_exchanges e LEFT JOIN bot_exchanges p ON p.id = e.parent_id "
        "WHERE e.created_at >= ? AND e.created_at < ? AND e.query IS NOT NULL AND e.query != '' AND ("
        "  (e.kind = 'text' AND e.decision = 'fallback' AND coalesce(e.reason, '') != 'no-content') "
        "  OR (e.feedback = 'unresolved' AND e.kind IN ('text', 'pick'))) "
        "ORDER BY e.id DESC LIMIT ?",
        [japan_day_start_iso(start), japan_day_start_iso(end + timedelta(days=1)), limit]).fetchall()
    return [UnansweredQuestion(*row) for row in rows]


class HandledQueries:
    """Questions staff have dealt with (by key), so that they leave the list."""

    def __init__(self, database: ConsoleDatabase, clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.clock = clock

    def handled_at(self) -> dict[str, str]:
        return dict(self.database.conn().execute("SELECT query_key, handled_at FROM console_handled_queries"))

    def mark(self, keys: list[str], staff: str, faq_id: str | None = None) -> int:
        now = self.clock.now_iso()
        db = self.database.conn()
        for key in keys:
            db.execute("INSERT INTO console_handled_queries (query_key, handled_at, staff, faq_id) VALUES (?,?,?,?) "
                       "ON CONFLICT(query_key) DO UPDATE SET handled_at = excluded.handled_at, "
                       "staff = excluded.staff, faq_id = excluded.faq_id", [key, now, staff, faq_id])
        return len(keys)


def group_questions(questions: list[UnansweredQuestion], handled: dict[str, str] | None = None,
                    similarity: float = SIMILARITY) -> list[QuestionGroup]:
    handled = handled or {}
    items: dict[str, dict] = {}
    for q in sorted(questions, key=lambda q: (q.created_at, q.exchange_id)):
        text = key_text(q.query)
        if not text:
            continue
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
        if key in handled and q.created_at <= handled[key]:
            continue
        item = items.setdefault(key, {"text": text, "query": q.query, "key": key, "rows": []})
        item["rows"].append(q)
    ordered = sorted(items.values(), key=lambda i: (-len(i["rows"]), i["rows"][0].created_at, i["text"]))

    groups: list[dict] = []
    for item in ordered:
        grams = bigrams(item["text"])
        best, best_score = None, 0.0
        for group in groups:
            score = jaccard(grams, group["grams"])
            if score > best_score:
                best, best_score = group, score
        if best is not None and best_score >= similarity:
            best["items"].append(item)
        else:
            groups.append({"grams": grams, "items": [item]})

    result = []
    for group in groups:
        rows = [r for item in group["items"] for r in item["rows"]]
        stamps = sorted(r.created_at for r in rows)
        faq_ids = sorted({r.faq_id for r in rows if r.faq_id})
        first = group["items"][0]
        result.append(QuestionGroup(
            key=first["key"], representative=first["query"], count=len(rows),
            fallback=sum(r.reason == "fallback" for r in rows), unresolved=sum(r.reason == "unresolved" for r in rows),
            first_at=stamps[0], last_at=stamps[-1],
            variants=tuple(QuestionVariant(i["query"], i["key"], len(i["rows"])) for i in group["items"]),
            faq_ids=tuple(faq_ids)))
    result.sort(key=lambda g: (-g.count, g.first_at, g.representative))
    return result

"""「未回答の質問」: questions the bot could not answer, grouped so that staff see the common ones first.

Which exchanges: resident questions in a date range that fell back to the desk (decision "fallback", except
empty "no-content" messages) or whose answer got 「解決しない」 (feedback "unresolved"; for a tapped
suggestion, the question that led to it).

Grouping (deterministic, bounded work): each question is reduced to a key text (NFKC, lower case, no
spaces, punctuation or symbols, at most :data:`KEY_CHARS` characters); identical key texts are one item.
Items are taken most frequent first (ties: earliest, then text) and each joins the most similar of the
existing groups that share a MinHash band with it (at most :data:`MAX_CANDIDATES` are compared), by the
Jaccard index of character bigrams, if that is at least :data:`SIMILARITY`; otherwise it starts a group.
A group's representative is its first (most frequent) question. Groups are listed largest first.

Any resident can send long messages, so every step is bounded: the texts are read truncated, keys are
short, and an item is compared with a few candidate groups rather than every group (an all-pairs
comparison took 8.8 s for 150 messages of 5,000 characters). See ``benchmarks/bench_unanswered.py``.

Handled: staff can mark a group handled (or create an FAQ from it); its questions are then hidden, but the
same question asked again after that shows up again.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bot.console.database import ConsoleDatabase
from faq.clock import SYSTEM_CLOCK, Clock, japan_day_start_iso
from faq.text import normalize_query

SIMILARITY = 0.4
MAX_EXCHANGES = 5000
SAMPLES_SHOWN = 8
# Questions are compared on their first KEY_CHARS key characters and shown up to DISPLAY_CHARS.
KEY_CHARS = 100
DISPLAY_CHARS = 200
# What is read of a question: enough for the key and the display even after spaces are removed.
READ_CHARS = 2 * KEY_CHARS + DISPLAY_CHARS
# MinHash LSH: BANDS bands of ROWS hashes; a pair with Jaccard 0.4 shares a band with probability 0.985.
ROWS = 2  # band_keys combines exactly two hashes per band
BANDS = 24
MAX_CANDIDATES = 16
MAX_PER_BUCKET = 8
_RNG = np.random.default_rng(20261201)  # fixed: the grouping must be the same on every run
_HASH_A = (_RNG.integers(1, 2**62, size=ROWS * BANDS, dtype=np.uint64) | np.uint64(1))
_HASH_B = _RNG.integers(0, 2**62, size=ROWS * BANDS, dtype=np.uint64)
_BAND_SALT = _RNG.integers(0, 2**63, size=BANDS, dtype=np.uint64)


# Spaces, punctuation, symbols, control characters (and combining marks, rare after NFKC).
_STRIP = re.compile(r"[\W_]+")


def key_text(query: str) -> str:
    return _STRIP.sub("", normalize_query(query[:READ_CHARS]).lower())[:KEY_CHARS]


def shown_text(query: str) -> str:
    return query if len(query) <= DISPLAY_CHARS else query[:DISPLAY_CHARS] + "…"


def query_key(query: str) -> str:
    return hashlib.sha256(key_text(query).encode("utf-8")).hexdigest()[:24]


def bigrams(text: str) -> frozenset[str]:
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _bigram_codes(text: str) -> np.ndarray:
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return (points[:-1] << np.uint64(21)) | points[1:] if len(points) > 1 else points


def minhash_many(texts: list[str], chunk: int = 64) -> list[tuple[frozenset[int], list[int]]]:
    """Each non-empty key text's bigrams (as code-point pairs) and its MinHash LSH band keys
    (multiply-shift hashes; one salt per band keeps the bands apart), computed a chunk of texts at a
    time so that thousands of questions cost a few numpy passes, not thousands."""
    out: list[tuple[frozenset[int], list[int]]] = []
    for start in range(0, len(texts), chunk):
        codes = [_bigram_codes(t) for t in texts[start:start + chunk]]
        offsets = np.cumsum([0] + [len(c) for c in codes[:-1]])
        joined = np.concatenate(codes)
        with np.errstate(over="ignore"):  # wrapping multiplication is the hash
            hashed = (joined[:, None] * _HASH_A[None, :] + _HASH_B[None, :]) >> np.uint64(32)
            signature = np.minimum.reduceat(hashed, offsets, axis=0).reshape(len(codes), BANDS, ROWS)
            bands = (signature[:, :, 0] << np.uint64(32)) ^ signature[:, :, 1] ^ _BAND_SALT
        out.extend((frozenset(c.tolist()), b) for c, b in zip(codes, bands.tolist()))
    return out


def minhash(text: str) -> tuple[frozenset[int], list[int]]:
    return minhash_many([text])[0]


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
    """Exchanges from 00:00 JST on ``start`` to the end of ``end`` (inclusive), newest first; each
    question truncated to :data:`READ_CHARS` characters."""
    rows = bot_conn.execute(
        "SELECT e.id, e.created_at, "
        "  substr(CASE WHEN e.kind = 'pick' AND p.query IS NOT NULL THEN p.query ELSE e.query END, 1, ?), "
        "  CASE WHEN e.feedback = 'unresolved' THEN 'unresolved' ELSE 'fallback' END, "
        "  CASE WHEN e.feedback = 'unresolved' THEN e.faq_id END "
        "FROM bot_exchanges e LEFT JOIN bot_exchanges p ON p.id = e.parent_id "
        "WHERE e.created_at >= ? AND e.created_at < ? AND e.query IS NOT NULL AND e.query != '' AND ("
        "  (e.kind = 'text' AND e.decision = 'fallback' AND coalesce(e.reason, '') != 'no-content') "
        "  OR (e.feedback = 'unresolved' AND e.kind IN ('text', 'pick'))) "
        "ORDER BY e.id DESC LIMIT ?",
        [READ_CHARS, japan_day_start_iso(start), japan_day_start_iso(end + timedelta(days=1)), limit]).fetchall()
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
        item = items.setdefault(key, {"text": text, "query": shown_text(q.query), "key": key, "rows": []})
        item["rows"].append(q)
    ordered = sorted(items.values(), key=lambda i: (-len(i["rows"]), i["rows"][0].created_at, i["text"]))

    groups: list[dict] = []
    buckets: dict[int, list[int]] = {}   # LSH band key -> indexes of groups (the first few only)
    for item, (grams, keys) in zip(ordered, minhash_many([item["text"] for item in ordered])):
        candidates = {index for band in keys for index in buckets.get(band, ())}
        best, best_score = None, 0.0
        for index in sorted(candidates)[:MAX_CANDIDATES]:   # earliest (largest) groups first
            score = jaccard(grams, groups[index]["grams"])
            if score > best_score:
                best, best_score = groups[index], score
        if best is not None and best_score >= similarity:
            best["items"].append(item)
        else:
            for band in keys:
                bucket = buckets.setdefault(band, [])
                if len(bucket) < MAX_PER_BUCKET:
                    bucket.append(len(groups))
            groups.append({"grams": grams, "items": [item]})

    result = []
    for group in groups:
        rows = [r for item in group["items"] for r in item["rows"]] if len(group["items"]) > 1 \
            else group["items"][0]["rows"]
        stamps = [r.created_at for r in rows]
        unresolved = [r for r in rows if r.reason == "unresolved"]
        first = group["items"][0]
        result.append(QuestionGroup(
            key=first["key"], representative=first["query"], count=len(rows),
            fallback=len(rows) - len(unresolved), unresolved=len(unresolved),
            first_at=min(stamps), last_at=max(stamps),
            variants=tuple(QuestionVariant(i["query"], i["key"], len(i["rows"])) for i in group["items"]),
            faq_ids=tuple(sorted({r.faq_id for r in unresolved if r.faq_id}))))
    result.sort(key=lambda g: (-g.count, g.first_at, g.representative))
    return result

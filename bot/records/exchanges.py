"""What the bot records: exchanges (masked), feedback and follow status (``bot_exchanges``, ``bot_users``).

This module owns both tables; the desk reads a resident's recent exchanges through it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.line.identity import ChatKey
from bot.storage import BotDatabase
from faq.clock import SYSTEM_CLOCK, Clock

RESOLVED, UNRESOLVED = "resolved", "unresolved"


@dataclass(frozen=True)
class ExchangeRecord:
    """One resident turn. ``query`` must already be masked."""
    chat: ChatKey
    kind: str                     # text | pick | topic | menu | help | feedback | desk | non_text | greeting
    decision: str                 # answer | suggest | fallback | menu | help | topic | desk | ...
    query: str | None = None
    pii_masked: bool = False
    reason: str | None = None
    faq_id: str | None = None
    score: float | None = None
    degraded: bool = False
    latency_ms: int | None = None
    event_id: str | None = None
    parent_id: int | None = None


@dataclass(frozen=True)
class PickedSuggestion:
    """A 「もしかして」 choice a resident tapped: the entry and the question they had typed (masked)."""
    faq_id: str
    query: str
    pii_masked: bool


@dataclass(frozen=True)
class PastExchange:
    """A recorded turn as the desk shows it to staff (``query`` already masked)."""
    created_at: str
    kind: str
    query: str | None
    decision: str
    reason: str | None
    faq_id: str | None
    feedback: str | None


class ExchangeLog:
    def __init__(self, db: BotDatabase, clock: Clock = SYSTEM_CLOCK):
        self.db = db
        self.clock = clock

    def record(self, rec: ExchangeRecord) -> int:
        """Store an exchange; a re-handled event (stale claim) updates its earlier row."""
        db = self.db.conn()
        values = [rec.event_id, self.clock.now_iso(), rec.chat.key, rec.chat.source_type, rec.kind, rec.query,
                  int(rec.pii_masked), rec.decision, rec.reason, rec.faq_id, rec.score, int(rec.degraded),
                  rec.latency_ms, rec.parent_id]
        row = db.execute(
            "INSERT INTO bot_exchanges (event_id, created_at, user_hash, source_type, kind, query, pii_masked, "
            "decision, reason, faq_id, score, degraded, latency_ms, parent_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(event_id) DO UPDATE SET created_at = excluded.created_at, kind = excluded.kind, "
            "query = excluded.query, pii_masked = excluded.pii_masked, decision = excluded.decision, "
            "reason = excluded.reason, faq_id = excluded.faq_id, score = excluded.score, "
            "degraded = excluded.degraded, latency_ms = excluded.latency_ms, parent_id = excluded.parent_id "
            "RETURNING id", values).fetchall()[0]  # fetchall: finish the statement so it commits
        return int(row[0])

    def mark_delivered(self, exchange_id: int, delivered: bool) -> None:
        self.db.conn().execute("UPDATE bot_exchanges SET delivered = ? WHERE id = ?", [int(delivered), exchange_id])

    def set_feedback(self, exchange_id: int, chat: ChatKey, resolved: bool) -> bool:
        """Store feedback on the chat's own exchange; False if it is not theirs or unknown."""
        cur = self.db.conn().execute(
            "UPDATE bot_exchanges SET feedback = ?, feedback_at = ? WHERE id = ? AND user_hash = ?",
            [RESOLVED if resolved else UNRESOLVED, self.clock.now_iso(), exchange_id, chat.key])
        return cur.rowcount == 1

    def feedback_of(self, exchange_id: int) -> str | None:
        row = self.db.conn().execute("SELECT feedback FROM bot_exchanges WHERE id = ?", [exchange_id]).fetchone()
        return row[0] if row else None

    def picked_suggestion(self, exchange_id: int) -> PickedSuggestion | None:
        """The exchange as a tapped 「もしかして」 choice (a pick answered from a searched question that got
        suggestions), or None for anything else (a topic's question, an answer, a gone entry)."""
        row = self.db.conn().execute(
            "SELECT e.faq_id, p.query, p.pii_masked FROM bot_exchanges e JOIN bot_exchanges p ON p.id = e.parent_id "
            "WHERE e.id = ? AND e.kind = 'pick' AND e.decision = 'answer' AND e.faq_id IS NOT NULL "
            "AND p.kind = 'text' AND p.decision = 'suggest' AND p.user_hash = e.user_hash AND p.query IS NOT NULL",
            [exchange_id]).fetchone()
        return PickedSuggestion(row[0], row[1], bool(row[2])) if row else None

    def owns(self, exchange_id: int, chat: ChatKey) -> bool:
        return self.db.conn().execute("SELECT 1 FROM bot_exchanges WHERE id = ? AND user_hash = ?",
                                      [exchange_id, chat.key]).fetchone() is not None

    def set_following(self, chat: ChatKey, following: bool) -> None:
        now = self.clock.now_iso()
        self.db.conn().execute(
            "INSERT INTO bot_users (user_hash, active, first_seen, last_seen, unfollowed_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(user_hash) DO UPDATE SET active = excluded.active, last_seen = excluded.last_seen, "
            "unfollowed_at = excluded.unfollowed_at",
            [chat.key, int(following), now, now, None if following else now])

    def touch_user(self, chat: ChatKey) -> None:
        """A message from a user: known and active (a message proves they have not blocked the bot)."""
        now = self.clock.now_iso()
        self.db.conn().execute(
            "INSERT INTO bot_users (user_hash, active, first_seen, last_seen) VALUES (?, 1, ?, ?) "
            "ON CONFLICT(user_hash) DO UPDATE SET active = 1, last_seen = excluded.last_seen, unfollowed_at = NULL",
            [chat.key, now, now])

    def recent_topic(self, chat: ChatKey, within_minutes: int = 30) -> str | None:
        """The category the chat picked from the topic menu in the last minutes, if any."""
        since = self.clock.iso_ago(timedelta(minutes=within_minutes))
        row = self.db.conn().execute(
            "SELECT reason FROM bot_exchanges WHERE user_hash = ? AND kind = 'topic' AND created_at >= ? "
            "ORDER BY id DESC LIMIT 1", [chat.key, since]).fetchone()
        return row[0] if row else None

    def most_asked(self, faq_ids: list[str]) -> dict[str, int]:
        """How often each FAQ was answered, for ordering a topic's questions."""
        if not faq_ids:
            return {}
        marks = ",".join("?" * len(faq_ids))
        rows = self.db.conn().execute(
            f"SELECT faq_id, count(*) FROM bot_exchanges WHERE decision = 'answer' AND faq_id IN ({marks}) "
            "GROUP BY faq_id", faq_ids).fetchall()
        return {faq_id: n for faq_id, n in rows}

    # -- for the desk (bot/desk/handoff.py) -------------------------------------------
    def decision_of(self, exchange_id: int) -> str | None:
        row = self.db.conn().execute("SELECT decision FROM bot_exchanges WHERE id = ?", [exchange_id]).fetchone()
        return row[0] if row else None

    def recent_feedback(self, user_hash: str, since: str, limit: int) -> list[str]:
        """The resident's latest feedback values given at or after ``since``, newest first."""
        rows = self.db.conn().execute(
            "SELECT feedback FROM bot_exchanges WHERE user_hash = ? AND feedback IS NOT NULL AND feedback_at >= ? "
            "ORDER BY feedback_at DESC, id DESC LIMIT ?", [user_hash, since, limit]).fetchall()
        return [r[0] for r in rows]

    def conversation(self, user_hash: str, since: str, kinds: tuple[str, ...], limit: int) -> list[PastExchange]:
        """The resident's last ``limit`` exchanges of ``kinds`` after ``since``, oldest first."""
        marks = ",".join("?" * len(kinds))
        rows = self.db.conn().execute(
            "SELECT created_at, kind, query, decision, reason, faq_id, feedback FROM bot_exchanges "
            f"WHERE user_hash = ? AND created_at > ? AND kind IN ({marks}) ORDER BY id DESC LIMIT ?",
            [user_hash, since, *kinds, limit]).fetchall()
        return [PastExchange(*r) for r in reversed(rows)]

    def degraded_since(self, since: str) -> int:
        """How many answers were given from lexical search only since ``since`` (the console header)."""
        return int(self.db.conn().execute(
            "SELECT count(*) FROM bot_exchanges WHERE degraded = 1 AND created_at >= ?", [since]).fetchone()[0])

"""The answer queue (``bot_event_queue``): /callback stores each verified event here and returns 200;
answering workers (bot/line/answering.py) take the events one at a time and answer them.

* Stored once: the event is stored in the same write transaction as its idempotency claim
  (bot/line/claims.py), so a redelivery of a stored or already answered event is not stored again.
* Taken once: taking an event sets a lease (``worker``, ``lease_until``) in one write transaction;
  on PostgreSQL the candidate row is read ``FOR UPDATE SKIP LOCKED``, on SQLite the single writer
  lock does the same. A running worker renews the lease of the events it holds (a heartbeat every
  few seconds); the events of a killed process are taken by another worker once their lease has run
  out (:data:`LEASE_SECONDS`).
* Bounded retries: every take counts as an attempt. An event whose attempts all ended without an
  answer (the worker died or raised) comes back *exhausted* after :data:`MAX_ATTEMPTS`: the worker
  then sends only the apology and marks it ``failed`` (logged), so a poison event is never retried
  forever and the resident is not left without a word.
* Privacy: ``payload`` is the raw event (unmasked message text, LINE user id). It is cleared when the
  event is done or failed; the retention purge (bot/records/retention.py) deletes old rows.

Times are Unix seconds from the injected :class:`faq.clock.Clock`.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

from bot.line.claims import EventClaims
from bot.storage import BotDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import dialect, transaction

log = logging.getLogger(__name__)

QUEUED, TAKEN, DONE, FAILED = "queued", "taken", "done", "failed"
LEASE_SECONDS = 8.0         # a killed worker's event is taken again after at most this (plus one poll)
HEARTBEAT_SECONDS = 2.0     # how often a running worker renews its leases
MAX_ATTEMPTS = 3
# A reply token is good for about a minute after the event; a reply is tried (with its own retries,
# up to 20 s: bot/line/client.py REPLY_POLICY) only while the event is younger than this, else pushed.
REPLY_FRESH_SECONDS = 30.0


@dataclass(frozen=True)
class QueuedEvent:
    """An event taken from the queue by one worker."""
    id: int
    event_id: str
    payload: dict
    attempts: int               # including this take
    event_time: float | None    # LINE's event timestamp (seconds)
    exhausted: bool             # earlier attempts used up: send the apology only


@dataclass(frozen=True)
class QueueRow:
    """A queue row as stored (for the console, tests and the benchmark)."""
    event_id: str
    state: str
    attempts: int
    worker: str | None
    has_payload: bool
    error: str | None


def _event_time(raw: dict) -> float | None:
    value = raw.get("timestamp")
    return value / 1000.0 if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class EventQueue:
    def __init__(self, db: BotDatabase, claims: EventClaims, clock: Clock = SYSTEM_CLOCK, *,
                 lease_seconds: float = LEASE_SECONDS, max_attempts: int = MAX_ATTEMPTS,
                 reply_fresh_seconds: float = REPLY_FRESH_SECONDS):
        self.db = db
        self.claims = claims
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.reply_fresh_seconds = reply_fresh_seconds

    # -- the webhook's side ----------------------------------------------
    def enqueue(self, raw: dict) -> bool:
        """Store one verified raw event; False if it was stored or answered before (a redelivery)."""
        event_id = raw.get("webhookEventId")
        if not isinstance(event_id, str) or not event_id:
            event_id = "local-" + uuid.uuid4().hex  # LINE always sends one; never drop an event without
        now = self.clock.seconds()
        with transaction(self.db.conn()) as db:
            if db.execute("SELECT 1 FROM bot_event_queue WHERE event_id = ?", [event_id]).fetchone():
                return False
            if not self.claims.claim_in(db, event_id, now):
                return False  # answered (or being answered) by a process in inline mode
            stored = db.execute(
                "INSERT INTO bot_event_queue (event_id, state, enqueued_at, event_time, payload, attempts) "
                "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (event_id) DO NOTHING",
                [event_id, QUEUED, now, _event_time(raw), json.dumps(raw, ensure_ascii=False)]).rowcount
        return stored == 1

    # -- the workers' side -----------------------------------------------
    def take(self, worker: str) -> QueuedEvent | None:
        """The oldest event that is queued or whose lease ran out, leased to ``worker``; None if none."""
        now = self.clock.seconds()
        conn = self.db.conn()
        lock = " FOR UPDATE SKIP LOCKED" if dialect(conn) == "postgresql" else ""
        with transaction(conn) as db:
            row = db.execute(
                "SELECT id, event_id, payload, attempts, event_time FROM bot_event_queue "
                "WHERE state = ? OR (state = ? AND lease_until < ?) ORDER BY id LIMIT 1" + lock,
                [QUEUED, TAKEN, now]).fetchone()
            if row is None:
                return None
            row_id, event_id, payload, attempts, event_time = row
            db.execute("UPDATE bot_event_queue SET state = ?, attempts = attempts + 1, worker = ?, "
                       "lease_until = ? WHERE id = ?", [TAKEN, worker, now + self.lease_seconds, row_id])
        try:
            raw = json.loads(payload) if payload else {}
        except ValueError:
            raw = {}
        if attempts > 0:
            log.warning("event %s taken again (attempt %d): an earlier worker stopped without answering",
                        event_id, attempts + 1)
        return QueuedEvent(row_id, event_id, raw if isinstance(raw, dict) else {}, attempts + 1, event_time,
                           exhausted=attempts >= self.max_attempts)

    def heartbeat(self, held: dict[int, str]) -> int:
        """Renew the leases of the events this process is answering ({row id: worker}); how many."""
        if not held:
            return 0
        until = self.clock.seconds() + self.lease_seconds
        renewed = 0
        with transaction(self.db.conn()) as db:
            for row_id, worker in held.items():
                renewed += db.execute("UPDATE bot_event_queue SET lease_until = ? "
                                      "WHERE id = ? AND state = ? AND worker = ?",
                                      [until, row_id, TAKEN, worker]).rowcount
        return renewed

    def finish(self, item: QueuedEvent, worker: str, *, failed: bool = False, error: str | None = None) -> None:
        """Answered (or given up): the raw event is cleared."""
        with transaction(self.db.conn()) as db:
            changed = db.execute("UPDATE bot_event_queue SET state = ?, payload = NULL, finished_at = ?, "
                                 "lease_until = NULL, error = ? WHERE id = ? AND worker = ?",
                                 [FAILED if failed else DONE, self.clock.seconds(), error, item.id,
                                  worker]).rowcount
            if not changed:  # the lease ran out and another worker took it: it will clear it
                log.error("event %s: its lease ran out while it was being answered", item.event_id)

    def release(self, item: QueuedEvent, worker: str, error: str) -> None:
        """The attempt failed in this process (an error, not a crash): queued again at once."""
        with transaction(self.db.conn()) as db:
            db.execute("UPDATE bot_event_queue SET state = ?, lease_until = NULL, worker = NULL, error = ? "
                       "WHERE id = ? AND worker = ? AND state = ?", [QUEUED, error, item.id, worker, TAKEN])

    def reply_fresh(self, item: QueuedEvent) -> bool:
        """Whether the event's reply token is still worth trying (else the answer is pushed)."""
        if item.event_time is None:
            return False
        return self.clock.seconds() - item.event_time < self.reply_fresh_seconds

    # -- reading -----------------------------------------------------------
    def row(self, event_id: str) -> QueueRow | None:
        row = self.db.conn().execute("SELECT event_id, state, attempts, worker, payload IS NOT NULL, error "
                                     "FROM bot_event_queue WHERE event_id = ?", [event_id]).fetchone()
        return QueueRow(row[0], row[1], row[2], row[3], bool(row[4]), row[5]) if row else None

    def counts(self) -> dict[str, int]:
        rows = self.db.conn().execute("SELECT state, count(*) FROM bot_event_queue GROUP BY state").fetchall()
        return {state: n for state, n in rows}

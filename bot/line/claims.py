"""Idempotent webhook handling: each ``webhookEventId`` is answered at most once per lease.

LINE may deliver an event again (``deliveryContext.isRedelivery``) when our
earlier response was slow or failed. Before handling an event the worker
*claims* its id; after the reply it marks it *done*.

Crash window (the choice): a claim is a lease of :data:`LEASE_SECONDS`.

* A redelivery of a *done* event is skipped: a resident is never answered twice
  for the same message, except in the sub-millisecond gap between the reply and
  the "done" update.
* A redelivery while another worker still holds a fresh claim is skipped (the
  first worker is still answering; LINE redelivered because we were slow).
* If the worker died after claiming (crash, restart, kill), its claim goes stale;
  a redelivery after the lease is handled again, so the message is not lost.
  The redelivered reply token has usually expired by then: in a 1:1 chat the answer
  is pushed instead, with a retry key derived from the event id (bot/line/handler.py).

So: never silently lost when LINE redelivers, answered twice only if the process
dies between sending the reply and one SQLite UPDATE.

With the answer queue (bot/line/queue.py) the claim is made when /callback stores the event, in the
same transaction, and completed by the worker that answered it; the queue's own short lease (with a
heartbeat) then covers a killed worker, without waiting for LINE to redeliver.
"""
from __future__ import annotations

import time

from bot.storage import BotDatabase
from faq.db import transaction

LEASE_SECONDS = 120.0
PROCESSING, DONE = "processing", "done"


class EventClaims:
    def __init__(self, db: BotDatabase, lease_seconds: float = LEASE_SECONDS, clock=time.time):
        self.db = db
        self.lease_seconds = lease_seconds
        self.clock = clock

    def claim(self, event_id: str) -> bool:
        """True if this worker should handle the event now."""
        with transaction(self.db.conn()) as db:
            return self.claim_in(db, event_id, self.clock())

    def claim_in(self, db, event_id: str, now: float) -> bool:
        """The claim inside the caller's write transaction (the answer queue stores the event in the
        same transaction, so a redelivery is never stored twice)."""
        row = db.execute("SELECT state, claimed_at FROM bot_processed_events WHERE event_id = ?",
                         [event_id]).fetchone()
        if row is None:
            db.execute("INSERT INTO bot_processed_events (event_id, state, claimed_at) VALUES (?, ?, ?)",
                       [event_id, PROCESSING, now])
            return True
        state, claimed_at = row
        if state == PROCESSING and now - claimed_at >= self.lease_seconds:
            db.execute("UPDATE bot_processed_events SET claimed_at = ?, attempts = attempts + 1 "
                       "WHERE event_id = ?", [now, event_id])
            return True
        return False

    def complete(self, event_id: str) -> None:
        self.db.conn().execute("UPDATE bot_processed_events SET state = ?, completed_at = ? WHERE event_id = ?",
                               [DONE, self.clock(), event_id])

    def state(self, event_id: str) -> str | None:
        row = self.db.conn().execute("SELECT state FROM bot_processed_events WHERE event_id = ?",
                                     [event_id]).fetchone()
        return row[0] if row else None

"""Deleting conversation records older than the retention period (FAQBOT_RETENTION_DAYS)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.storage import BotDatabase
from faq.clock import SYSTEM_CLOCK, Clock, to_iso
from faq.db import dialect, transaction

# A closed ticket keeps the raw LINE user id only while its close notice may still be pushed again
# (delivered notices drop it at once): at most this long after the close.
LINE_ID_GRACE_DAYS = 3


@dataclass(frozen=True)
class PurgeReport:
    cutoff: str
    exchanges: int
    processed_events: int
    users: int
    tickets: int            # closed desk tickets (with the LINE user id they kept for replies)
    ticket_messages: int
    dry_run: bool
    line_ids: int = 0       # raw LINE ids cleared from tickets closed LINE_ID_GRACE_DAYS ago (not deleted rows)
    queued_events: int = 0  # answer-queue rows (their raw event is already cleared once answered)

    @property
    def total(self) -> int:
        return (self.exchanges + self.processed_events + self.users + self.tickets
                + self.ticket_messages + self.queued_events)


def purge(db: BotDatabase, older_than_days: int, dry_run: bool = False, clock: Clock = SYSTEM_CLOCK) -> PurgeReport:
    """Delete exchanges, handled-event ids, answer-queue rows, inactive-for-long users and desk tickets closed before the
    cutoff (open tickets are never deleted: a resident is still waiting for an answer); clear the raw
    LINE id of tickets closed more than LINE_ID_GRACE_DAYS ago.

    Deleted rows are overwritten (secure_delete) and the WAL is checkpointed, so
    the masked questions do not linger in the database files.
    """
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    cutoff_dt = clock.now() - timedelta(days=older_than_days)
    cutoff = to_iso(cutoff_dt)
    cutoff_epoch = cutoff_dt.timestamp()
    conn = db.conn()
    targets = [
        ("exchanges", "bot_exchanges", "created_at < ?", cutoff),
        ("processed_events", "bot_processed_events", "claimed_at < ?", cutoff_epoch),
        ("queued_events", "bot_event_queue", "enqueued_at < ?", cutoff_epoch),
        ("users", "bot_users", "last_seen < ?", cutoff),
        ("ticket_messages", "bot_ticket_messages",
         "ticket_id IN (SELECT id FROM bot_tickets WHERE status = 'closed' AND closed_at < ?)", cutoff),
        ("tickets", "bot_tickets", "status = 'closed' AND closed_at < ?", cutoff),
    ]
    counts: dict[str, int] = {}
    sqlite = dialect(conn) == "sqlite"  # PostgreSQL: VACUUM and the server's storage are the operator's
    if not dry_run and sqlite:
        conn.execute("PRAGMA secure_delete = ON")
    grace_cutoff = to_iso(clock.now() - timedelta(days=LINE_ID_GRACE_DAYS))
    line_ids_where = "status = 'closed' AND closed_at < ? AND line_user_id IS NOT NULL"
    with transaction(conn):
        if dry_run:
            line_ids = conn.execute(f"SELECT count(*) FROM bot_tickets WHERE {line_ids_where}",
                                    [grace_cutoff]).fetchone()[0]
        else:
            line_ids = conn.execute(f"UPDATE bot_tickets SET line_user_id = NULL WHERE {line_ids_where}",
                                    [grace_cutoff]).rowcount
        for name, table, where, value in targets:
            if dry_run:
                counts[name] = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", [value]).fetchone()[0]
            else:
                counts[name] = conn.execute(f"DELETE FROM {table} WHERE {where}", [value]).rowcount
    if not dry_run and sqlite:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return PurgeReport(cutoff=cutoff, dry_run=dry_run, line_ids=line_ids, **counts)

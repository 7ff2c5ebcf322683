"""The bot's tables in the shared SQLite database (component "bot") and per-thread connections."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils

from faq.db import ComponentDatabase

COMPONENT = "bot"
SALT_SETTING = "user_hash_salt"


def _create_v1(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE bot_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # Idempotency: one row per webhookEventId (state processing -> done).
    db.execute("""CREATE TABLE bot_processed_events (
        event_id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        claimed_at REAL NOT NULL,
        completed_at REAL,
        attempts INTEGER NOT NULL DEFAULT 1)""")
    db.execute("CREATE INDEX bot_processed_events_claimed ON bot_processed_events(claimed_at)")
    # Friends of the official account, by pseudonym only.
    db.execute("""CREATE TABLE bot_users (
        user_hash TEXT PRIMARY KEY,
        active INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        unfollowed_at TEXT)""")
    # One row per resident turn: the masked question, what the bot decided, and the feedback.
    db.execute("""CREATE TABLE bot_exchanges (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT UNIQUE,
        created_at TEXT NOT NULL,
        user_hash TEXT NOT NULL,
        source_type TEXT NOT NULL,
        kind TEXT NOT NULL,
        query TEXT,
        pii_masked INTEGER NOT NULL DEFAULT 0,
        decision TEXT NOT NULL,
        reason TEXT,
        faq_id TEXT,
        score REAL,
        degraded INTEGER NOT NULL DEFAULT 0,
        latency_ms INTEGER,
        delivered INTEGER,
        feedback TEXT,
        feedback_at TEXT,
        parent_id INTEGER)""")
    db.execute("CREATE INDEX bot_exchanges_created ON bot_exchanges(created_at)")
    db.execute("CREATE INDEX bot_exchanges_faq ON bot_exchanges(faq_id)")
    # Residents who asked for the human desk (the ticket system comes later).
    db.execute("""CREATE TABLE bot_handoff_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        user_hash TEXT NOT NULL,
        source_type TEXT NOT NULL,
        exchange_id INTEGER,
        status TEXT NOT NULL DEFAULT 'open')""")
    db.execute("CREATE INDEX bot_handoff_requests_created ON bot_handoff_requests(created_at)")


def _create_v2(db: sqlite_utils.Database) -> None:
    # Handoff tickets: the human desk. line_user_id is the only place the raw LINE user id is kept
    # (needed to push staff replies); everything else is keyed by the pseudonym.
    db.execute("""CREATE TABLE bot_tickets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        first_response_at TEXT,
        closed_at TEXT,
        status TEXT NOT NULL,
        category TEXT,
        assigned_to TEXT,
        disaster INTEGER NOT NULL DEFAULT 0,
        user_hash TEXT NOT NULL,
        line_user_id TEXT,
        trigger TEXT NOT NULL)""")
    # At most one open ticket per resident, enforced by SQLite itself.
    db.execute("CREATE UNIQUE INDEX bot_tickets_one_open ON bot_tickets(user_hash) WHERE status != 'closed'")
    db.execute("CREATE INDEX bot_tickets_status ON bot_tickets(status, created_at)")
    db.execute("""CREATE TABLE bot_ticket_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER NOT NULL REFERENCES bot_tickets(id),
        created_at TEXT NOT NULL,
        sender TEXT NOT NULL,
        staff TEXT,
        text TEXT NOT NULL,
        push_status TEXT,
        push_error TEXT,
        retry_key TEXT UNIQUE,
        attempts INTEGER NOT NULL DEFAULT 0)""")
    db.execute("CREATE INDEX bot_ticket_messages_ticket ON bot_ticket_messages(ticket_id, id)")
    # Broadcasts sent by staff (scripts/broadcast.py): what, by whom, and how it went.
    db.execute("""CREATE TABLE bot_broadcasts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        sent_by TEXT NOT NULL,
        text TEXT NOT NULL,
        retry_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        request_id TEXT,
        updated_at TEXT NOT NULL)""")


MIGRATIONS = [_create_v1, _create_v2]


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class BotDatabase(ComponentDatabase):
    COMPONENT = COMPONENT
    MIGRATIONS = MIGRATIONS

    def user_hash_salt(self, configured: str) -> str:
        """The configured salt, or (development) one generated once and kept in the database."""
        return configured or self.generated_secret("bot_settings", SALT_SETTING)

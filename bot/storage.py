"""The bot's tables in the shared database (component "bot"; SQLite or PostgreSQL, see faq.db) and
per-thread connections.

One owner per table: every table has exactly one module that writes it and answers questions
about it, and other code goes through that module's methods, never its own SQL:

- ``bot_settings``: :mod:`bot.settings` (``SettingsStore``; disaster mode, secrets, index-build status)
- ``bot_processed_events``: :mod:`bot.line.claims`
- ``bot_event_queue``: :mod:`bot.line.queue` (``EventQueue``; the answer queue)
- ``bot_exchanges``, ``bot_users``: :mod:`bot.records.exchanges` (``ExchangeLog``)
- ``bot_tickets``, ``bot_ticket_messages``: :mod:`bot.desk.tickets` (``TicketStore``)
- ``bot_broadcasts``: :mod:`bot.records.broadcasts`
- ``console_*``: their store in :mod:`bot.console` (staff, sessions, throttle, access_log, unanswered, drafts,
  proposals, uploads)

Three exceptions, each a deletion or read-only: :mod:`bot.records.retention` deletes old rows of every
conversation table in one transaction; :mod:`bot.console.staff` ends an account's ``console_sessions``
in the same transaction as its password reset or disabling; and the console's reports
(:mod:`bot.console.reports`, :mod:`bot.console.unanswered`) read ``bot_exchanges`` and ``bot_tickets``
read-only for statistics.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from faq.db import Database, Migration, OperationalError, migrate, open_db, table_names
from faq.postgres import is_url

COMPONENT = "bot"


def _create_v1(db: Database) -> None:
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


def _create_v2(db: Database) -> None:
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


def _create_v3(db: Database) -> None:
    """One settings table: ``bot_settings`` gains ``updated_at`` and takes over the rows of the FAQ
    database's ``settings`` (disaster mode) and of ``console_settings`` (session key, index-build
    status), which are dropped; the never-read ``bot_handoff_requests`` goes too. Fresh databases
    never create the old tables (their migrations no longer do), hence the guards."""
    db.execute("ALTER TABLE bot_settings ADD COLUMN updated_at TEXT NOT NULL DEFAULT ''")
    tables = table_names(db)
    if "settings" in tables:
        db.execute("INSERT INTO bot_settings (key, value, updated_at) "
                   "SELECT key, value, updated_at FROM settings WHERE true ON CONFLICT (key) DO UPDATE "
                   "SET value = excluded.value, updated_at = excluded.updated_at")
        db.execute("DROP TABLE settings")
    if "console_settings" in tables:
        db.execute("INSERT INTO bot_settings (key, value, updated_at) "
                   "SELECT key, value, '' FROM console_settings WHERE true ON CONFLICT (key) DO UPDATE "
                   "SET value = excluded.value, updated_at = excluded.updated_at")
        db.execute("DROP TABLE console_settings")
    if "bot_handoff_requests" in tables:
        db.execute("DROP TABLE bot_handoff_requests")


def _create_v4(db: Database) -> None:
    """The answer queue (FAQBOT_ANSWER_MODE=queue): webhook events stored by /callback and answered by
    workers. ``payload`` is the raw event (unmasked text, LINE user id) and is cleared once the event is
    done or failed; times are Unix seconds like the claims' lease."""
    db.execute("""CREATE TABLE bot_event_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL,
        enqueued_at REAL NOT NULL,
        event_time REAL,
        payload TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        worker TEXT,
        lease_until REAL,
        finished_at REAL,
        error TEXT)""")
    db.execute("CREATE INDEX bot_event_queue_state ON bot_event_queue(state, id)")
    db.execute("CREATE INDEX bot_event_queue_enqueued ON bot_event_queue(enqueued_at)")


MIGRATIONS = [_create_v1, _create_v2, _create_v3, _create_v4]


class ComponentDatabase:
    """One component's tables in the shared database, with one connection per thread (SQLite
    connections must not be shared mid-transaction; on PostgreSQL the thread's connection is shared
    by every component, see faq.postgres); the schema is migrated on first open."""

    COMPONENT: str = ""
    MIGRATIONS: list[Migration] = []

    def __init__(self, path: str | os.PathLike):
        self.path = path if is_url(path) else Path(path)  # a SQLite file or a PostgreSQL URL
        self._local = threading.local()
        try:
            migrate(self.conn(), self.COMPONENT, self.MIGRATIONS)
        except OperationalError:
            # Several gunicorn workers starting on a new database: another one migrated first.
            time.sleep(0.2)
            migrate(self.conn(), self.COMPONENT, self.MIGRATIONS)

    def conn(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = open_db(self.path)
            self._local.db = db
        return db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None


class BotDatabase(ComponentDatabase):
    COMPONENT = COMPONENT
    MIGRATIONS = MIGRATIONS

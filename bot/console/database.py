"""The staff console's tables (component "console") in the shared SQLite database."""
from __future__ import annotations

import hashlib

from bot.storage import ComponentDatabase
from faq.db import Database

COMPONENT = "console"


def _create_v1(db: Database) -> None:
    # (A key/value table "console_settings" was created here once; the bot's settings migration moves
    # its rows to bot_settings and drops it.)
    db.execute("""CREATE TABLE console_staff (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        password_changed_at TEXT NOT NULL,
        last_login_at TEXT)""")
    # Server-side sessions: the cookie holds a random token, the table only its SHA-256, so a logout,
    # a disabled account or a password reset ends the session at once on every worker.
    db.execute("""CREATE TABLE console_sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES console_staff(username),
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        last_seen REAL NOT NULL)""")
    db.execute("CREATE INDEX console_sessions_user ON console_sessions(username)")
    # Failed logins, for the lockout (shared by all gunicorn workers).
    db.execute("""CREATE TABLE console_login_failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        username TEXT NOT NULL,
        ip TEXT NOT NULL)""")
    db.execute("CREATE INDEX console_login_failures_user ON console_login_failures(username, at)")
    db.execute("CREATE INDEX console_login_failures_ip ON console_login_failures(ip, at)")
    # Who looked at or did what (tickets, FAQ, disaster mode, logins).
    db.execute("""CREATE TABLE console_access_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        staff TEXT NOT NULL,
        action TEXT NOT NULL,
        ticket_id INTEGER,
        target TEXT,
        ip TEXT)""")
    db.execute("CREATE INDEX console_access_log_at ON console_access_log(at)")
    db.execute("CREATE INDEX console_access_log_ticket ON console_access_log(ticket_id)")
    # Unanswered questions staff have dealt with, by the hash of the normalized question.
    db.execute("""CREATE TABLE console_handled_queries (
        query_key TEXT PRIMARY KEY,
        handled_at TEXT NOT NULL,
        staff TEXT NOT NULL,
        faq_id TEXT)""")


def _create_v2(db: Database) -> None:
    # FAQ entries drafted by staff, published only when an administrator approves (bot/console/drafts.py).
    db.execute("""CREATE TABLE console_faq_drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entry TEXT NOT NULL,
        handled_keys TEXT NOT NULL,
        drafted_by TEXT NOT NULL,
        drafted_at TEXT NOT NULL,
        status TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT)""")
    db.execute("CREATE INDEX console_faq_drafts_status ON console_faq_drafts(status, id)")


def _create_v3(db: Database) -> None:
    # Residents' own wordings proposed as alternative questions of an FAQ entry (bot/console/proposals.py).
    # One row per (entry, wording key); a rejected row stays, so the wording is never proposed again.
    db.execute("""CREATE TABLE console_alt_proposals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        faq_id TEXT NOT NULL,
        wording TEXT NOT NULL,
        wording_key TEXT NOT NULL,
        source TEXT NOT NULL,
        times INTEGER NOT NULL DEFAULT 1,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        status TEXT NOT NULL,
        endorsed_by TEXT,
        endorsed_at TEXT,
        decided_by TEXT,
        decided_at TEXT)""")
    db.execute("CREATE UNIQUE INDEX console_alt_proposals_wording ON console_alt_proposals(faq_id, wording_key)")
    db.execute("CREATE INDEX console_alt_proposals_status ON console_alt_proposals(status, last_seen)")


def key_digest(key: str) -> str:
    """What console_alt_proposals stores for a wording key: a digest, so no resident's words stay in the
    key once the wording itself is erased (bot.console.proposals.ProposalStore.purge)."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _hash_wording_keys_v4(db: Database) -> None:
    # The key that keeps a rejected wording from coming back becomes a digest, so a wording past the
    # retention period can be erased while the key still recognises it (bot/console/proposals.py).
    for row_id, key in db.execute("SELECT id, wording_key FROM console_alt_proposals").fetchall():
        db.execute("UPDATE console_alt_proposals SET wording_key = ? WHERE id = ?", [key_digest(key), row_id])


def _create_v5_uploads(db: Database) -> None:
    # A file checked on 「FAQの取り込み」, kept until 「取り込む」 (bot/console/uploads.py): any worker or host
    # can import it. Only the token's SHA-256 is stored; `data` is emptied once imported (the row says so
    # until it expires), and rows older than 30 minutes go when the next file is checked.
    db.execute("""CREATE TABLE console_faq_uploads (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_hash TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL,
        filename TEXT NOT NULL,
        options TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB,
        checked_at TEXT NOT NULL,
        imported_at TEXT)""")
    db.execute("CREATE INDEX console_faq_uploads_user ON console_faq_uploads(username, id)")
    db.execute("CREATE INDEX console_faq_uploads_checked ON console_faq_uploads(checked_at)")


MIGRATIONS = [_create_v1, _create_v2, _create_v3, _hash_wording_keys_v4, _create_v5_uploads]


class ConsoleDatabase(ComponentDatabase):
    COMPONENT = COMPONENT
    MIGRATIONS = MIGRATIONS

"""Opening the SQLite database and migrating each component's schema forward."""
from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

import sqlite_utils

from faq.private import private_file

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "var/faqbot.sqlite3"

Migration = Callable[[sqlite_utils.Database], None]


def db_path_from_env(environ=os.environ) -> Path:
    path = Path(environ.get("FAQBOT_DB") or DEFAULT_DB)
    return path if path.is_absolute() else PROJECT_ROOT / path


def open_db(path: str | os.PathLike) -> sqlite_utils.Database:
    """A connection in WAL mode that waits for writers instead of failing at once."""
    path = Path(path)
    conn = None
    try:
        private_file(path)  # 0600 (and 0700 for directories it creates): password hashes, LINE ids
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except (sqlite3.OperationalError, OSError) as exc:  # re-raised as sqlite3's type, with a clear message
        if conn is not None:
            conn.close()
        raise sqlite3.OperationalError(
            f"データベースを開けません: {path}（読み取り専用、ディスクの空き不足、権限を確認してください） / "
            f"cannot open the database {path} (read-only, disk full or permissions?): {exc}") from exc
    return sqlite_utils.Database(conn)


def migrate(db: sqlite_utils.Database, component: str, migrations: list[Migration]) -> int:
    """Apply the component's migrations that have not run yet; returns the version.
    Version check and migrations share one write transaction, so two workers starting on a fresh
    database cannot both migrate."""
    # Fast path without a write lock: stores are opened on every postback, and are usually current.
    try:
        row = db.execute("SELECT version FROM schema_versions WHERE component = ?", [component]).fetchone()
        if row and row[0] == len(migrations):
            return row[0]
    except sqlite3.OperationalError:  # no schema_versions table yet
        pass
    with transaction(db):
        db.execute("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_versions WHERE component = ?", [component]).fetchone()
        current = row[0] if row else 0
        if current > len(migrations):
            raise RuntimeError(
                f"データベースのスキーマ({component} v{current})がこのプログラムより新しいです / "
                f"database schema {component} v{current} is newer than this program (v{len(migrations)})")
        for version in range(current + 1, len(migrations) + 1):
            migrations[version - 1](db)
            db.execute("INSERT INTO schema_versions (component, version) VALUES (?, ?) "
                       "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                       [component, version])
    return len(migrations)


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error.

    Writes inside use plain SQL: sqlite-utils' own write helpers commit on
    their own, which would break an all-or-nothing import."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


class ComponentDatabase:
    """One component's tables in the shared database, with one connection per thread (SQLite
    connections must not be shared mid-transaction); the schema is migrated on first open."""

    COMPONENT: str = ""
    MIGRATIONS: list[Migration] = []

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._local = threading.local()
        try:
            migrate(self.conn(), self.COMPONENT, self.MIGRATIONS)
        except sqlite3.OperationalError:
            # Several gunicorn workers starting on a new database: another one migrated first.
            time.sleep(0.2)
            migrate(self.conn(), self.COMPONENT, self.MIGRATIONS)

    def conn(self) -> sqlite_utils.Database:
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

    def generated_secret(self, table: str, key: str) -> str:
        """A random secret created once and kept in `table` (key/value), shared by all workers; for
        development, where no secret is configured."""
        db = self.conn()
        db.execute(f"INSERT OR IGNORE INTO {table} (key, value) VALUES (?, ?)", [key, secrets.token_hex(32)])
        return db.execute(f"SELECT value FROM {table} WHERE key = ?", [key]).fetchone()[0]

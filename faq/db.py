"""Opening the database (SQLite file or PostgreSQL URL) and migrating each component's schema forward.

Every statement goes through ``db.execute(sql, params)`` in the portable subset of SQL both backends
speak (see docs/ARCHITECTURE.md, "Storage"); :func:`transaction` is the one way to group writes.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Callable, Union

import psycopg
import sqlite_utils

from faq.postgres import PgDatabase, is_url, masked
from faq.private import private_file

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "var/faqbot.sqlite3"

class SqliteDatabase(sqlite_utils.Database):
    """sqlite-utils' database with the one method of the contract it lacks."""

    def executemany(self, sql: str, seq):
        return self.conn.executemany(sql, seq)


Database = Union[SqliteDatabase, PgDatabase]
Migration = Callable[[Any], None]

# Catch these, never a driver's own classes: each covers both backends.
IntegrityError = (sqlite3.IntegrityError, psycopg.IntegrityError)
OperationalError = (sqlite3.OperationalError, psycopg.OperationalError)
DatabaseError = (sqlite3.Error, psycopg.Error)


def database_from_env(environ=os.environ) -> str | Path:
    """``FAQBOT_DATABASE_URL`` (PostgreSQL) when set, else the SQLite file ``FAQBOT_DB`` (absolute)."""
    url = (environ.get("FAQBOT_DATABASE_URL") or "").strip()
    if url:
        if not is_url(url):
            raise ValueError(
                "FAQBOT_DATABASE_URL は postgresql:// で始まる URL にしてください / "
                f"FAQBOT_DATABASE_URL must be a postgresql:// or postgres:// URL: {masked(url)}")
        return url
    path = Path(environ.get("FAQBOT_DB") or DEFAULT_DB)
    return path if path.is_absolute() else PROJECT_ROOT / path


def open_db(location: str | os.PathLike) -> Database:
    """A PostgreSQL database for a ``postgresql://`` URL, else the SQLite file at ``location``."""
    if is_url(location):
        return PgDatabase(location)
    return _open_sqlite(Path(location))


def _open_sqlite(path: Path) -> Database:
    """A connection in WAL mode that waits for writers instead of failing at once."""
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
    return SqliteDatabase(conn)


def dialect(db: Database) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    return "postgresql" if isinstance(db, PgDatabase) else "sqlite"


def _has_table(db: Database, name: str) -> bool:
    if isinstance(db, PgDatabase):
        return db.execute("SELECT to_regclass(?) IS NOT NULL", [name]).fetchone()[0]
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone() is not None


def table_names(db: Database) -> set[str]:
    if isinstance(db, PgDatabase):
        return db.table_names()
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}


def migrate(db: Database, component: str, migrations: list[Migration]) -> int:
    """Apply the component's migrations that have not run yet; returns the version.
    Version check and migrations share one write transaction, so two workers starting on a fresh
    database cannot both migrate."""
    # Fast path without a write lock: stores are opened on every postback, and are usually current.
    if _has_table(db, "schema_versions"):
        row = db.execute("SELECT version FROM schema_versions WHERE component = ?", [component]).fetchone()
        if row and row[0] == len(migrations):
            return row[0]
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
    """One write transaction, rolled back on any error: SQLite ``BEGIN IMMEDIATE``; PostgreSQL
    ``BEGIN`` + the writers' advisory lock. Nested inside another on the same connection: a savepoint
    (both backends), so a store's own transaction can be part of a caller's. Either way writers
    are serialised, so a transaction that reads, decides and writes sees no other writer in between.

    Writes inside use plain SQL: sqlite-utils' own write helpers commit on
    their own, which would break an all-or-nothing import."""

    def __init__(self, db: Database):
        self.db = db
        self._savepoint: str | None = None

    def __enter__(self):
        if isinstance(self.db, PgDatabase):
            self.db.begin()
        elif self.db.conn.in_transaction:   # autocommit connection: only an explicit BEGIN gets here
            self._savepoint = f"faqbot_sp_{id(self):x}"
            self.db.execute(f"SAVEPOINT {self._savepoint}")
        else:
            self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if isinstance(self.db, PgDatabase):
            self.db.end(commit=exc_type is None)
        elif self._savepoint:
            if exc_type:   # ROLLBACK TO keeps the savepoint open; RELEASE closes it
                self.db.execute(f"ROLLBACK TO SAVEPOINT {self._savepoint}")
            self.db.execute(f"RELEASE SAVEPOINT {self._savepoint}")
        else:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False

"""The one key/value store of the product: ``bot_settings`` in the shared database.

Disaster mode, the development secrets (user-hash salt, console session key) and the index-build
status live here, each under its own key; every write stamps ``updated_at``.
"""
from __future__ import annotations

import secrets
from typing import Callable

from bot.storage import BotDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import Database, transaction

USER_HASH_SALT = "user_hash_salt"
CONSOLE_SECRET_KEY = "secret_key"
INDEX_BUILD_STATUS = "index_build"
DISASTER_MODE = "disaster_mode"


class SettingsStore:
    def __init__(self, database: BotDatabase, clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.clock = clock

    def conn(self) -> Database:
        """This thread's connection (readers that must not open one per call use it directly)."""
        return self.database.conn()

    def close(self) -> None:
        """Close this thread's connection (a finished background thread)."""
        self.database.close()

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.conn().execute("SELECT value FROM bot_settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set(self, key: str, value: str) -> None:
        self.conn().execute(
            "INSERT INTO bot_settings (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [key, value, self.clock.now_iso()])

    def update(self, key: str, change: Callable[[str | None], str]) -> str:
        """Read-modify-write in one transaction (two staff switching at once cannot lose a change)."""
        conn = self.conn()
        with transaction(conn):
            row = conn.execute("SELECT value FROM bot_settings WHERE key = ?", [key]).fetchone()
            value = change(row[0] if row else None)
            conn.execute("INSERT INTO bot_settings (key, value, updated_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                         [key, value, self.clock.now_iso()])
        return value

    def generated_secret(self, key: str) -> str:
        """A random secret created once and shared by all workers; for development, where no
        secret is configured."""
        self.conn().execute("INSERT INTO bot_settings (key, value, updated_at) VALUES (?, ?, ?) "
                            "ON CONFLICT (key) DO NOTHING",
                            [key, secrets.token_hex(32), self.clock.now_iso()])
        return self.get(key)

    def user_hash_salt(self, configured: str) -> str:
        """The configured salt, or (development) one generated once and kept in the database."""
        return configured or self.generated_secret(USER_HASH_SALT)

    def console_secret_key(self, configured: str) -> str:
        """The configured session key, or (development) one generated once."""
        return configured or self.generated_secret(CONSOLE_SECRET_KEY)

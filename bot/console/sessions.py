"""Server-side console sessions: the cookie carries a random token, the database its SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from bot.console.database import ConsoleDatabase
from bot.console.staff import Staff, StaffStore
from faq.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class ConsoleSession:
    token_hash: str
    staff: Staff
    expires_at: float


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    def __init__(self, database: ConsoleDatabase, staff: StaffStore, lifetime_seconds: float,
                 clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.clock = clock
        self.staff = staff
        self.lifetime = lifetime_seconds

    def start(self, username: str) -> str:
        """A new session for the account; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = self.clock.seconds()
        db = self.database.conn()
        db.execute("DELETE FROM console_sessions WHERE expires_at < ?", [now])
        db.execute("INSERT INTO console_sessions (token_hash, username, created_at, expires_at, last_seen) "
                   "VALUES (?, ?, ?, ?, ?)", [_hash(token), username, now, now + self.lifetime, now])
        return token

    def lookup(self, token: str | None) -> ConsoleSession | None:
        """The live session of an active account, or None (expired, logged out, disabled)."""
        if not token or not isinstance(token, str) or len(token) > 100:
            return None
        row = self.database.conn().execute(
            "SELECT token_hash, username, expires_at FROM console_sessions WHERE token_hash = ?",
            [_hash(token)]).fetchone()
        if row is None or row[2] < self.clock.seconds():
            return None
        staff = self.staff.get(row[1])
        if staff is None or not staff.active:
            return None
        return ConsoleSession(row[0], staff, row[2])

    def end(self, token: str | None) -> None:
        if token and isinstance(token, str):
            self.database.conn().execute("DELETE FROM console_sessions WHERE token_hash = ?", [_hash(token)])

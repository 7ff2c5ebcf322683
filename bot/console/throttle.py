"""Login lockout: too many failures for one username or from one address lock logins for a while.

Failures are rows in SQLite so that every gunicorn worker sees the same count. While locked, attempts
are refused without checking the password and are not counted, so the lock ends ``lock_seconds``
after the last counted failure.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.console.database import ConsoleDatabase
from faq.clock import SYSTEM_CLOCK, Clock

MAX_FAILURES_PER_USER = 5
# Higher: a whole desk may sit behind one office address.
MAX_FAILURES_PER_IP = 20
LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class Lock:
    locked: bool
    until: float = 0.0
    checked_at: float = 0.0    # clock.seconds() when checked

    @property
    def minutes_left(self) -> int:
        return max(1, int((self.until - self.checked_at + 59) // 60))


class LoginThrottle:
    def __init__(self, database: ConsoleDatabase, *, max_per_user: int = MAX_FAILURES_PER_USER,
                 max_per_ip: int = MAX_FAILURES_PER_IP, lock_seconds: float = LOCK_SECONDS, clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.max_per_user = max_per_user
        self.max_per_ip = max_per_ip
        self.lock_seconds = lock_seconds
        self.clock = clock

    def _lock_for(self, column: str, value: str, limit: int) -> Lock:
        now = self.clock.seconds()
        since = now - self.lock_seconds
        n, last = self.database.conn().execute(
            f"SELECT count(*), max(at) FROM console_login_failures WHERE {column} = ? AND at > ?",
            [value, since]).fetchone()
        if n >= limit:
            return Lock(True, last + self.lock_seconds, now)
        return Lock(False)

    def check(self, username: str, ip: str) -> Lock:
        by_user = self._lock_for("username", username, self.max_per_user)
        by_ip = self._lock_for("ip", ip, self.max_per_ip)
        if by_user.locked or by_ip.locked:
            return Lock(True, max(by_user.until, by_ip.until), max(by_user.checked_at, by_ip.checked_at))
        return Lock(False)

    def failed(self, username: str, ip: str) -> None:
        now = self.clock.seconds()
        db = self.database.conn()
        db.execute("DELETE FROM console_login_failures WHERE at < ?", [now - 2 * self.lock_seconds])
        db.execute("INSERT INTO console_login_failures (at, username, ip) VALUES (?, ?, ?)", [now, username, ip])

    def succeeded(self, username: str) -> None:
        self.database.conn().execute("DELETE FROM console_login_failures WHERE username = ?", [username])

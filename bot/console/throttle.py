"""Login throttling: bounded password guessing without letting anyone lock a staff member out.

Every attempt is recorded *before* the password is checked, in the same transaction as the check, so
concurrent attempts cannot slip past the limit; a successful login removes its own record. Rows live in
SQLite so that every gunicorn worker sees the same counts. Within ``lock_seconds``:

- one account from one address (IPv6: its /64): ``max_per_pair`` failures lock that pair; the same
  account from another address is not affected, so a stranger cannot lock a named staff member out;
- one account from any address: after ``max_per_user`` failures, attempts for it are spaced
  ``spacing_seconds`` apart (a gentle delay: the right password still works after a few seconds);
- one address: after ``max_per_ip`` failures, attempts from it are spaced ``spacing_seconds`` apart, which
  bounds the scrypt work one address can cause without locking out a desk behind one office address
  (or everyone, if a proxy in front is not configured in FAQBOT_CONSOLE_PROXY_HOPS).

:class:`HashGate` bounds how many password hashes (about 0.1 s of CPU each) run at once in a process.
"""
from __future__ import annotations

import ipaddress
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from bot.console.database import ConsoleDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import transaction

MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_USER = 10
# Higher: a whole desk may sit behind one office address.
MAX_FAILURES_PER_IP = 20
LOCK_SECONDS = 15 * 60
SPACING_SECONDS = 5.0
MAX_CONCURRENT_HASHES = 2
HASH_WAIT_SECONDS = 3.0


def address_key(ip: str) -> str:
    """The unit an address is counted in: an IPv4 address, or the /64 network of an IPv6 address (one
    subscriber usually holds a whole /64)."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip[:64]
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Lock:
    locked: bool
    until: float = 0.0
    now: float = 0.0

    @property
    def seconds_left(self) -> int:
        return max(1, int(self.until - self.now + 0.999))

    @property
    def minutes_left(self) -> int:
        return max(1, (self.seconds_left + 59) // 60)


@dataclass(frozen=True)
class Attempt:
    """A login attempt that may go ahead (``lock`` not locked) and is already counted as a failure."""
    lock: Lock
    row_id: int | None = None

    @property
    def allowed(self) -> bool:
        return not self.lock.locked


class LoginThrottle:
    def __init__(self, database: ConsoleDatabase, *, max_per_pair: int = MAX_FAILURES_PER_PAIR,
                 max_per_user: int = MAX_FAILURES_PER_USER, max_per_ip: int = MAX_FAILURES_PER_IP,
                 lock_seconds: float = LOCK_SECONDS, spacing_seconds: float = SPACING_SECONDS,
                 clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.max_per_pair = max_per_pair
        self.max_per_user = max_per_user
        self.max_per_ip = max_per_ip
        self.lock_seconds = lock_seconds
        self.spacing_seconds = spacing_seconds
        self.clock = clock

    def _count(self, db, where: str, args: list, since: float) -> tuple[int, float]:
        n, last = db.execute(f"SELECT count(*), max(at) FROM console_login_failures WHERE {where} AND at > ?",
                             [*args, since]).fetchone()
        return n, last or 0.0

    def _lock(self, db, username: str, address: str, now: float) -> Lock:
        since = now - self.lock_seconds
        until = 0.0
        n, last = self._count(db, "username = ? AND ip = ?", [username, address], since)
        if n >= self.max_per_pair:
            until = last + self.lock_seconds
        for where, value, limit in (("username = ?", username, self.max_per_user),
                                    ("ip = ?", address, self.max_per_ip)):
            n, last = self._count(db, where, [value], since)
            if n >= limit and last + self.spacing_seconds > now:
                until = max(until, last + self.spacing_seconds)
        return Lock(until > now, until, now)

    def check(self, username: str, ip: str) -> Lock:
        return self._lock(self.database.conn(), username, address_key(ip), self.clock.seconds())

    def begin(self, username: str, ip: str) -> Attempt:
        """Check the limits and, if the attempt may go ahead, count it as a failure (one transaction)."""
        address = address_key(ip)
        now = self.clock.seconds()
        db = self.database.conn()
        with transaction(db):
            lock = self._lock(db, username, address, now)
            if lock.locked:
                return Attempt(lock)
            db.execute("DELETE FROM console_login_failures WHERE at < ?", [now - 2 * self.lock_seconds])
            row_id = db.execute("INSERT INTO console_login_failures (at, username, ip) VALUES (?, ?, ?) "
                                "RETURNING id", [now, username, address]).fetchall()[0][0]
            return Attempt(lock, row_id)

    def cancel(self, attempt: Attempt) -> None:
        """The attempt did not happen after all (the server was busy): it is not a failure."""
        if attempt.row_id is not None:
            self.database.conn().execute("DELETE FROM console_login_failures WHERE id = ?", [attempt.row_id])

    def succeeded(self, attempt: Attempt, username: str, ip: str) -> None:
        """The right password: this attempt and the pair's earlier failures are forgotten."""
        db = self.database.conn()
        with transaction(db):
            self.cancel(attempt)
            db.execute("DELETE FROM console_login_failures WHERE username = ? AND ip = ?",
                       [username, address_key(ip)])


class HashGate:
    """At most ``limit`` password hashes at once in this process; others wait up to ``wait`` seconds."""

    def __init__(self, limit: int = MAX_CONCURRENT_HASHES, wait: float = HASH_WAIT_SECONDS):
        self._slots = threading.BoundedSemaphore(limit)
        self.wait = wait

    @contextmanager
    def slot(self):
        """Yields True with a slot held, or False if none came free in time (the caller says busy)."""
        acquired = self._slots.acquire(timeout=self.wait)
        try:
            yield acquired
        finally:
            if acquired:
                self._slots.release()

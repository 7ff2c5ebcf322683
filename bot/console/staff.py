"""Staff accounts of the console: creation, password hashing (scrypt), verification, disabling.

``scripts/staffctl.py`` is the command-line mirror of :class:`StaffStore`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from bot.console.database import ConsoleDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import transaction
from faq.text import normalize

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 128
MAX_DISPLAY_NAME_CHARS = 40
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
# werkzeug's scrypt (n=2**15, r=8, p=1) with a random 16-byte salt per password.
HASH_METHOD = "scrypt"
# Checked against when the username is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0", method=HASH_METHOD)


class StaffError(ValueError):
    """Bad input or an unknown account; the message is Japanese and safe to show."""


@dataclass(frozen=True)
class Staff:
    username: str
    display_name: str
    is_admin: bool
    active: bool
    created_at: str
    last_login_at: str | None


def normalize_username(username: str) -> str:
    return normalize(username or "").lower()


def normalize_password(password: str) -> str:
    # NFKC so that a password typed with a full-width IME still matches; nothing else is changed.
    return unicodedata.normalize("NFKC", password or "")


def check_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_PATTERN.match(name):
        raise StaffError("ユーザー名は半角英小文字・数字・「.」「_」「-」の2〜32文字にしてください"
                         "（先頭は英数字）")
    return name


def check_password(password: str, username: str = "") -> str:
    pw = normalize_password(password)
    if len(pw) < MIN_PASSWORD_CHARS:
        raise StaffError(f"パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください")
    if len(pw) > MAX_PASSWORD_CHARS:
        raise StaffError(f"パスワードは{MAX_PASSWORD_CHARS}文字以内にしてください")
    if pw.strip() == "" or len(set(pw)) < 4:
        raise StaffError("パスワードが単純すぎます。いろいろな文字を混ぜてください")
    if username and username.lower() in pw.lower():
        raise StaffError("パスワードにユーザー名を含めないでください")
    return pw


def _row_to_staff(row) -> Staff:
    return Staff(username=row[0], display_name=row[1], is_admin=bool(row[2]), active=bool(row[3]),
                 created_at=row[4], last_login_at=row[5])


_COLUMNS = "username, display_name, is_admin, active, created_at, last_login_at"


class StaffStore:
    def __init__(self, database: ConsoleDatabase, clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.clock = clock

    def _db(self):
        return self.database.conn()

    # -- reading ---------------------------------------------------------
    def get(self, username: str) -> Staff | None:
        row = self._db().execute(f"SELECT {_COLUMNS} FROM console_staff WHERE username = ?",
                                 [normalize_username(username)]).fetchone()
        return _row_to_staff(row) if row else None

    def list(self, include_disabled: bool = True) -> list[Staff]:
        sql = f"SELECT {_COLUMNS} FROM console_staff" + ("" if include_disabled else " WHERE active = 1")
        return [_row_to_staff(r) for r in self._db().execute(sql + " ORDER BY username")]

    def display_names(self) -> dict[str, str]:
        return {s.username: s.display_name for s in self.list()}

    # -- writing ---------------------------------------------------------
    def add(self, username: str, password: str, display_name: str = "", is_admin: bool = False) -> Staff:
        name = check_username(username)
        pw = check_password(password, name)
        shown = normalize(display_name or "") or name
        if len(shown) > MAX_DISPLAY_NAME_CHARS:
            raise StaffError(f"表示名は{MAX_DISPLAY_NAME_CHARS}文字以内にしてください")
        now = self.clock.now_iso()
        db = self._db()
        with transaction(db):
            if db.execute("SELECT 1 FROM console_staff WHERE username = ?", [name]).fetchone():
                raise StaffError(f"ユーザー名「{name}」は既に使われています")
            db.execute("INSERT INTO console_staff (username, display_name, password_hash, is_admin, active, "
                       "created_at, updated_at, password_changed_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                       [name, shown, generate_password_hash(pw, method=HASH_METHOD), int(is_admin), now, now, now])
        return self.get(name)

    def reset_password(self, username: str, password: str) -> Staff:
        """New password; every open session of the account ends."""
        name = normalize_username(username)
        pw = check_password(password, name)
        now = self.clock.now_iso()
        db = self._db()
        with transaction(db):
            cur = db.execute("UPDATE console_staff SET password_hash = ?, updated_at = ?, password_changed_at = ? "
                             "WHERE username = ?", [generate_password_hash(pw, method=HASH_METHOD), now, now, name])
            if cur.rowcount != 1:
                raise StaffError(f"ユーザー「{name}」は登録されていません")
            db.execute("DELETE FROM console_sessions WHERE username = ?", [name])
        return self.get(name)

    def set_active(self, username: str, active: bool) -> Staff:
        """Disable (ends every session at once) or enable an account."""
        name = normalize_username(username)
        db = self._db()
        with transaction(db):
            cur = db.execute("UPDATE console_staff SET active = ?, updated_at = ? WHERE username = ?",
                             [int(active), self.clock.now_iso(), name])
            if cur.rowcount != 1:
                raise StaffError(f"ユーザー「{name}」は登録されていません")
            if not active:
                db.execute("DELETE FROM console_sessions WHERE username = ?", [name])
        return self.get(name)

    # -- login -----------------------------------------------------------
    def verify(self, username: str, password: str) -> Staff | None:
        """The active account if the password is right, else None (same work either way)."""
        name = normalize_username(username)
        row = self._db().execute("SELECT password_hash, active FROM console_staff WHERE username = ?",
                                 [name]).fetchone()
        pw = normalize_password(password)
        if len(pw) > MAX_PASSWORD_CHARS:
            return None
        if row is None:
            check_password_hash(_DUMMY_HASH, pw)
            return None
        if not check_password_hash(row[0], pw) or not row[1]:
            return None
        self._db().execute("UPDATE console_staff SET last_login_at = ? WHERE username = ?", [self.clock.now_iso(), name])
        return self.get(name)

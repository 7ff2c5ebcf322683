"""Files checked on 「FAQの取り込み」, kept in the database until 「取り込む」 (table ``console_faq_uploads``).

Several workers or hosts may serve the console, so the checked bytes live in the shared database, never in a
process, under a random token of which only the SHA-256 is stored (like the console's sessions). A token
belongs to the administrator who checked the file, lasts :data:`LIFETIME` and imports once; each
administrator keeps at most :data:`KEEP_PER_USER` checked files. Rows past their lifetime go whenever a new
file is checked, and with the daily `faqbot-purge`."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, TypeVar

from bot.console.database import ConsoleDatabase
from bot.console.faq_import import ImportOptions
from bot.console.timeutil import format_jst
from faq.clock import SYSTEM_CLOCK, Clock, to_iso
from faq.db import Database, transaction

LIFETIME = timedelta(minutes=30)
KEEP_PER_USER = 3
TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")   # what secrets.token_urlsafe makes; anything else is no token

T = TypeVar("T")


@dataclass(frozen=True)
class KeptUpload:
    token: str
    expires_at: str   # stored (UTC ISO) form


@dataclass(frozen=True)
class StoredUpload:
    filename: str
    options: ImportOptions
    fingerprint: str
    data: bytes
    checked_at: str


class UploadRefused(Exception):
    """The token cannot be imported (nothing was changed): an HTTP status and a message, Japanese first."""

    def __init__(self, status: int, ja: str, en: str):
        self.status, self.ja, self.en = status, ja, en
        super().__init__(f"{ja} / {en}")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _options_json(options: ImportOptions) -> str:
    return json.dumps({"sheet": options.sheet, "ignore_columns": list(options.ignore_columns),
                       "replace_all": options.replace_all}, ensure_ascii=False)


def _options_from(text: str) -> ImportOptions:
    raw = json.loads(text)
    return ImportOptions(sheet=raw["sheet"], ignore_columns=tuple(raw["ignore_columns"]),
                         replace_all=bool(raw["replace_all"]))


def _unknown() -> UploadRefused:
    return UploadRefused(400, "確認したファイルが見つかりません。もう一度ファイルを選んで「確認する」を押してください",
                         "unknown upload: choose the file and check it again")


class UploadStore:
    def __init__(self, database: ConsoleDatabase, clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.clock = clock

    def _cutoff(self) -> str:
        return self.clock.iso_ago(LIFETIME)

    def keep(self, username: str, filename: str, options: ImportOptions, fingerprint: str,
             data: bytes) -> KeptUpload:
        """Store a checked file; removes every expired row and this administrator's oldest beyond the limit."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.clock.now()
        db = self.database.conn()
        with transaction(db):
            db.execute("DELETE FROM console_faq_uploads WHERE checked_at < ?", [self._cutoff()])
            db.execute("INSERT INTO console_faq_uploads (token_hash, username, filename, options, fingerprint, "
                       "size, data, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [_hash(token), username, filename, _options_json(options), fingerprint, len(data), data,
                        to_iso(now)])
            db.execute("DELETE FROM console_faq_uploads WHERE username = ? AND id NOT IN "
                       "(SELECT id FROM console_faq_uploads WHERE username = ? ORDER BY id DESC LIMIT ?)",
                       [username, username, KEEP_PER_USER])
        return KeptUpload(token, to_iso(now + LIFETIME))

    def purge_expired(self, dry_run: bool = False) -> int:
        """Remove every checked file past its lifetime (imported or not); returns how many."""
        db = self.database.conn()
        with transaction(db):
            n = db.execute("SELECT count(*) FROM console_faq_uploads WHERE checked_at < ?",
                           [self._cutoff()]).fetchone()[0]
            if not dry_run:
                db.execute("DELETE FROM console_faq_uploads WHERE checked_at < ?", [self._cutoff()])
        return n

    def _row(self, db: Database, token: str):
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise _unknown()
        return db.execute("SELECT username, filename, options, fingerprint, data, checked_at, imported_at "
                          "FROM console_faq_uploads WHERE token_hash = ?", [_hash(token)]).fetchone()

    def _usable(self, row, username: str):
        """The row if `username` may import it now, else the refusal."""
        if row is None:
            raise _unknown()
        owner, _, _, _, _, checked_at, imported_at = row
        if owner != username:
            raise UploadRefused(404, "この確認はほかの管理者のものです。取り込めるのは確認した本人だけです。"
                                     "ファイルを選んで「確認する」を押してください",
                                "this check belongs to another administrator")
        if imported_at is not None:
            raise UploadRefused(410, f"このファイルはすでに取り込みました（{format_jst(imported_at)}）。"
                                     "結果はFAQの画面で確かめてください。もう一度取り込むときは、ファイルを選んで"
                                     "「確認する」を押してください", "already imported")
        if checked_at < self._cutoff():
            raise UploadRefused(410, "確認から30分を過ぎました。もう一度ファイルを選んで「確認する」を押してください",
                                "the check expired after 30 minutes: check the file again")
        return row

    def load(self, token: str, username: str) -> StoredUpload:
        """The checked file behind `token`; raises UploadRefused (unknown, another's, imported, expired)."""
        _, filename, options, fingerprint, data, checked_at, _ = self._usable(
            self._row(self.database.conn(), token), username)
        return StoredUpload(filename, _options_from(options), fingerprint, bytes(data), checked_at)

    def import_once(self, token: str, username: str, do_import: Callable[[Database], T]) -> T:
        """Mark the upload imported, drop its bytes and run `do_import` on the same connection, all in one
        transaction: the FAQ changes and the token is used up together, or neither (a second 「取り込む」,
        even at the same moment on another host, is refused)."""
        db = self.database.conn()
        with transaction(db):
            self._usable(self._row(db, token), username)   # again under the write lock
            db.execute("UPDATE console_faq_uploads SET data = NULL, imported_at = ? WHERE token_hash = ?",
                       [self.clock.now_iso(), _hash(token)])
            return do_import(db)

"""Each chat's language, remembered by its pseudonym (never the LINE user id).

Its own component ("language") in the bot's database, so its schema moves independently of the
bot's tables. How it was set is kept too: an explicit choice (a button or the rich menu), the
message's language, or the LINE profile's.
"""
from __future__ import annotations

import logging
from typing import Callable

from bot.language.codes import LANGUAGES
from bot.line.identity import ANONYMOUS, ChatKey
from faq.db import Database, migrate

log = logging.getLogger(__name__)

COMPONENT = "language"
CHOSEN, DETECTED, PROFILE = "chosen", "detected", "profile"


def _create_v1(db: Database) -> None:
    db.execute("""CREATE TABLE bot_chat_languages (
        chat_key TEXT PRIMARY KEY,
        language TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL)""")


MIGRATIONS = [_create_v1]


class LanguageMemory:
    def __init__(self, conn: Callable[[], Database], now_iso: Callable[[], str]):
        self._conn = conn
        self._now_iso = now_iso
        migrate(conn(), COMPONENT, MIGRATIONS)

    def get(self, chat: ChatKey) -> str | None:
        if chat.key == ANONYMOUS:
            return None
        try:
            row = self._conn().execute("SELECT language FROM bot_chat_languages WHERE chat_key = ?",
                                       [chat.key]).fetchone()
        except Exception:  # noqa: BLE001 - a failed read must not stop answers: Japanese then
            log.exception("could not read the chat's language")
            return None
        return row[0] if row and row[0] in LANGUAGES else None

    def source(self, chat: ChatKey) -> str | None:
        row = self._conn().execute("SELECT source FROM bot_chat_languages WHERE chat_key = ?",
                                   [chat.key]).fetchone()
        return row[0] if row else None

    def set(self, chat: ChatKey, language: str, source: str) -> None:
        if chat.key == ANONYMOUS or language not in LANGUAGES:
            return
        try:
            self._conn().execute(
                "INSERT INTO bot_chat_languages (chat_key, language, source, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(chat_key) DO UPDATE SET language = excluded.language, source = excluded.source, "
                "updated_at = excluded.updated_at", [chat.key, language, source, self._now_iso()])
        except Exception:  # noqa: BLE001 - the reply still goes out in the language of this message
            log.exception("could not remember the chat's language")

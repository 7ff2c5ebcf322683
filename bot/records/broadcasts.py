"""Broadcasting a notice (e.g. during a disaster) to every friend of the official account.

The text is validated first (LINE's limits); a record with a fresh ``X-Line-Retry-Key``
is stored *before* the request, then marked ``sent`` or ``failed``. A failed broadcast can
be sent again with :meth:`Broadcaster.retry`, reusing the key, so LINE delivers it once.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from bot.line.client import LineSender
from bot.line.messages import TEXT_MAX, compose, line_length
from bot.storage import BotDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.text import normalize

PENDING, SENT, FAILED = "pending", "sent", "failed"


class BroadcastError(ValueError):
    """Bad input for a broadcast; the message is Japanese (with English)."""


@dataclass(frozen=True)
class BroadcastRecord:
    id: int
    created_at: str
    sent_by: str
    text: str
    status: str
    error: str | None
    attempts: int
    request_id: str | None


def broadcast_text(raw: str) -> str:
    """The text as it will be sent (normalized); BroadcastError if it cannot be sent as one message."""
    text = normalize(raw or "")
    if not text:
        raise BroadcastError("送信する文章が空です / the text is empty")
    length = line_length(text)
    if length > TEXT_MAX:
        raise BroadcastError(f"文章が長すぎます（{length}文字）。LINEの上限 {TEXT_MAX}文字以内にしてください / "
                             f"text too long: {length} > {TEXT_MAX}")
    return text


def request_body(text: str) -> dict:
    """Exactly the JSON body that will be POSTed to /v2/bot/message/broadcast."""
    return {"messages": [m.to_dict() for m in compose([text])]}


_COLUMNS = "id, created_at, sent_by, text, status, error, attempts, request_id"


class Broadcaster:
    def __init__(self, database: BotDatabase, sender: LineSender, clock: Clock = SYSTEM_CLOCK):
        self.db = database
        self.clock = clock
        self.sender = sender

    def send(self, raw_text: str, by: str) -> BroadcastRecord:
        text = broadcast_text(raw_text)
        by = normalize(by or "").replace("\n", " ").strip()
        if not by:
            raise BroadcastError("送信者（職員名）を指定してください / staff name is required")
        now = self.clock.now_iso()
        record_id = self.db.conn().execute(
            "INSERT INTO bot_broadcasts (created_at, updated_at, sent_by, text, retry_key, status) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", [now, now, by, text, str(uuid.uuid4()), PENDING]).fetchall()[0][0]
        return self._send(record_id)

    def retry(self, record_id: int) -> BroadcastRecord:
        record = self.get(record_id)
        if record is None:
            raise BroadcastError(f"一斉送信 #{record_id} の記録がありません / no broadcast #{record_id}")
        if record.status == SENT:
            raise BroadcastError(f"一斉送信 #{record_id} は送信済みです / broadcast #{record_id} was already sent")
        return self._send(record_id)

    def get(self, record_id: int) -> BroadcastRecord | None:
        row = self.db.conn().execute(f"SELECT {_COLUMNS} FROM bot_broadcasts WHERE id = ?", [record_id]).fetchone()
        return BroadcastRecord(*row) if row else None

    def recent(self, limit: int = 20) -> list[BroadcastRecord]:
        rows = self.db.conn().execute(f"SELECT {_COLUMNS} FROM bot_broadcasts ORDER BY id DESC LIMIT ?",
                                      [limit]).fetchall()
        return [BroadcastRecord(*r) for r in rows]

    def _send(self, record_id: int) -> BroadcastRecord:
        text, retry_key = self.db.conn().execute("SELECT text, retry_key FROM bot_broadcasts WHERE id = ?",
                                                 [record_id]).fetchone()
        result = self.sender.broadcast(compose([text]), retry_key)
        self.db.conn().execute(
            "UPDATE bot_broadcasts SET status = ?, error = ?, attempts = attempts + ?, request_id = ?, "
            "updated_at = ? WHERE id = ?",
            [SENT if result.ok else FAILED, None if result.ok else result.error, result.attempts,
             result.request_id, self.clock.now_iso(), record_id])
        return self.get(record_id)

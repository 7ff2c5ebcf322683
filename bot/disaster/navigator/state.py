"""The navigator's state per resident: the answers so far, kept for an hour after the last step."""
from __future__ import annotations

import json

from bot.disaster.storage import DisasterDatabase
from faq.clock import Clock

EXPIRY_SECONDS = 3600


class NavigatorStore:
    def __init__(self, db: DisasterDatabase, clock: Clock):
        self._db = db
        self._clock = clock

    def answers(self, user_hash: str) -> dict[str, str] | None:
        """The resident's answers (possibly empty), or None when no navigator is open or it expired."""
        row = self._db.conn().execute(
            "SELECT answers, updated_at FROM disaster_navigator WHERE user_hash = ?", [user_hash]).fetchone()
        if row is None or row[1] < self._clock.seconds() - EXPIRY_SECONDS:
            return None
        try:
            data = json.loads(row[0])
        except ValueError:
            return None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None

    def save(self, user_hash: str, answers: dict[str, str]) -> None:
        now = self._clock.seconds()
        conn = self._db.conn()
        conn.execute("INSERT INTO disaster_navigator (user_hash, answers, updated_at) VALUES (?, ?, ?) "
                     "ON CONFLICT(user_hash) DO UPDATE SET answers = excluded.answers, "
                     "updated_at = excluded.updated_at", [user_hash, json.dumps(answers), now])
        # expired states are not kept
        conn.execute("DELETE FROM disaster_navigator WHERE updated_at < ?", [now - EXPIRY_SECONDS])

    def clear(self, user_hash: str) -> None:
        self._db.conn().execute("DELETE FROM disaster_navigator WHERE user_hash = ?", [user_hash])

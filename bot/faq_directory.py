"""Published FAQ entries by id or category, read from the knowledge base (faq/ store)."""
from __future__ import annotations

from typing import Callable

from faq.db import Database
from faq.model import FaqEntry
from faq.store import FaqStore, NotFound


class FaqDirectory:
    """Reads through the worker's own per-thread connection (`conn`), so a tapped suggestion or a
    topic menu opens no database connection of its own."""

    def __init__(self, conn: Callable[[], Database]):
        self._conn = conn

    def get(self, entry_id: str) -> FaqEntry | None:
        """The published entry, or None if it does not exist or was withdrawn."""
        try:
            entry = FaqStore(self._conn()).get(entry_id)
        except NotFound:
            return None
        return entry if entry.active else None

    def in_category(self, category: str) -> list[FaqEntry]:
        return FaqStore(self._conn()).list(category=category)

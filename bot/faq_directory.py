"""Published FAQ entries by id or category, read from the knowledge base (faq/ store)."""
from __future__ import annotations

from pathlib import Path

from faq.model import FaqEntry
from faq.store import FaqStore, NotFound


class FaqDirectory:
    def __init__(self, db_path: str | Path):
        self.db_path = db_path

    def get(self, entry_id: str) -> FaqEntry | None:
        """The published entry, or None if it does not exist or was withdrawn."""
        store = FaqStore.open(self.db_path)
        try:
            entry = store.get(entry_id)
        except NotFound:
            return None
        finally:
            store.close()
        return entry if entry.active else None

    def in_category(self, category: str) -> list[FaqEntry]:
        store = FaqStore.open(self.db_path)
        try:
            return store.list(category=category)
        finally:
            store.close()

"""FAQ drafts: a second pair of eyes before an answer reaches residents.

Staff who are not administrators draft new FAQ entries in the console; an administrator (the approver)
other than the drafter publishes or rejects each draft. The published entry's history names both
(``actor`` = 「承認者（下書き: 作成者）」). Administrators' own entries from the console and ``faqctl``
are published directly: they are the approvers.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from bot.console.database import ConsoleDatabase
from bot.storage import utc_now_iso
from faq.model import FaqEntry

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"


class DraftError(ValueError):
    """A refused draft action; the message is Japanese and safe to show."""


@dataclass(frozen=True)
class FaqDraft:
    id: int
    entry: FaqEntry
    handled_keys: tuple[str, ...]   # the unanswered questions it answers (marked handled on approval)
    drafted_by: str
    drafted_at: str
    status: str
    decided_by: str | None
    decided_at: str | None


def approval_actor(approver: str, drafter: str) -> str:
    """What the FAQ history records as the author of an approved draft: both people."""
    return f"{approver}（下書き: {drafter}）"


_COLUMNS = "id, entry, handled_keys, drafted_by, drafted_at, status, decided_by, decided_at"


def _draft(row) -> FaqDraft:
    return FaqDraft(id=row[0], entry=FaqEntry(**json.loads(row[1])), handled_keys=tuple(json.loads(row[2])),
                    drafted_by=row[3], drafted_at=row[4], status=row[5], decided_by=row[6], decided_at=row[7])


class DraftStore:
    def __init__(self, database: ConsoleDatabase):
        self.database = database

    def add(self, entry: FaqEntry, drafted_by: str, handled_keys: list[str]) -> FaqDraft:
        row = self.database.conn().execute(
            "INSERT INTO console_faq_drafts (entry, handled_keys, drafted_by, drafted_at, status) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            [json.dumps(entry.to_record(), ensure_ascii=False), json.dumps(list(handled_keys)), drafted_by,
             utc_now_iso(), PENDING]).fetchall()[0]
        return self.get(row[0])

    def get(self, draft_id: int) -> FaqDraft | None:
        row = self.database.conn().execute(f"SELECT {_COLUMNS} FROM console_faq_drafts WHERE id = ?",
                                           [draft_id]).fetchone()
        return _draft(row) if row else None

    def pending(self) -> list[FaqDraft]:
        return [_draft(r) for r in self.database.conn().execute(
            f"SELECT {_COLUMNS} FROM console_faq_drafts WHERE status = ? ORDER BY id", [PENDING])]

    def recent_decided(self, limit: int = 20) -> list[FaqDraft]:
        return [_draft(r) for r in self.database.conn().execute(
            f"SELECT {_COLUMNS} FROM console_faq_drafts WHERE status != ? ORDER BY decided_at DESC LIMIT ?",
            [PENDING, limit])]

    def _pending_for(self, draft_id: int, approver: str) -> FaqDraft:
        draft = self.get(draft_id)
        if draft is None:
            raise DraftError(f"下書き #{draft_id} が見つかりません。")
        if draft.status != PENDING:
            raise DraftError(f"下書き #{draft_id} はすでに処理されています。")
        if draft.drafted_by == approver:
            raise DraftError("自分で作成した下書きは承認・却下できません。ほかの管理者に依頼してください。")
        return draft

    def _mark(self, draft_id: int, approver: str, status: str) -> None:
        self.database.conn().execute(
            "UPDATE console_faq_drafts SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?",
            [status, approver, utc_now_iso(), draft_id, PENDING])

    def approve(self, draft_id: int, approver: str, publish: Callable[[FaqDraft], object]) -> FaqDraft:
        """``publish(draft)`` adds the entry to the FAQ (its own transaction; if it raises, the draft stays
        pending); then the draft is marked approved. Two approvers at once: the FAQ refuses the second
        entry with the same id."""
        draft = self._pending_for(draft_id, approver)
        publish(draft)
        self._mark(draft_id, approver, APPROVED)
        return self.get(draft_id)

    def reject(self, draft_id: int, approver: str) -> FaqDraft:
        self._pending_for(draft_id, approver)
        self._mark(draft_id, approver, REJECTED)
        return self.get(draft_id)

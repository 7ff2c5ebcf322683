"""The FAQ knowledge base in the database: entries, their edit history, and undo."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from .clock import SYSTEM_CLOCK, Clock
from .db import Database, migrate, open_db, transaction
from .model import CATEGORIES, FaqEntry
from .validate import Problem, ValidationError, validate_record


def _create_v1(db: Database) -> None:
    db.execute("""CREATE TABLE faq_entries (
        id TEXT PRIMARY KEY,
        category TEXT NOT NULL,
        question TEXT NOT NULL,
        alt_questions TEXT NOT NULL DEFAULT '[]',
        answer TEXT NOT NULL,
        url TEXT,
        department TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        active INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL)""")
    db.execute("CREATE INDEX faq_entries_category ON faq_entries(category)")
    db.execute("""CREATE TABLE faq_history (
        id INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        before TEXT,
        after TEXT,
        undone_by INTEGER)""")
    db.execute("CREATE INDEX faq_history_entry ON faq_history(entry_id, id)")
    # (A key/value table "settings" was created here once; the bot's settings migration moves its
    # rows to bot_settings and drops it.)


def _add_translations_v2(db: Database) -> None:
    # {"en": {"question", "answer", "checked"}, ...}; '{}' for an untranslated entry
    db.execute("ALTER TABLE faq_entries ADD COLUMN translations TEXT NOT NULL DEFAULT '{}'")


MIGRATIONS = [_create_v1, _add_translations_v2]


@dataclass(frozen=True)
class HistoryItem:
    id: int
    entry_id: str
    action: str
    actor: str
    at: str
    before: FaqEntry | None
    after: FaqEntry | None
    undone: bool


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int
    deactivated: int


@dataclass(frozen=True)
class ImportPreview:
    """What an import would change, by entry ID, in the file's order (deactivated: in ID order)."""
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    deactivated: tuple[str, ...]

    def report(self) -> ImportReport:
        return ImportReport(len(self.added), len(self.updated), len(self.unchanged), len(self.deactivated))


def _import_diff(existing: dict[str, FaqEntry], entries: list[FaqEntry], replace_all: bool) -> ImportPreview:
    """The one comparison behind both the dry run and the import."""
    added, updated, unchanged = [], [], []
    for entry in entries:
        before = existing.get(entry.id)
        if before is None:
            added.append(entry.id)
        elif _same_content(before, entry):
            unchanged.append(entry.id)
        else:
            updated.append(entry.id)
    deactivated = []
    if replace_all:
        incoming = {e.id for e in entries}
        deactivated = sorted(i for i, before in existing.items() if i not in incoming and before.active)
    return ImportPreview(tuple(added), tuple(updated), tuple(unchanged), tuple(deactivated))


class NotFound(KeyError):
    def __str__(self) -> str:
        return f"FAQが見つかりません: {self.args[0]} / no such FAQ entry"


def _row_to_entry(row: dict) -> FaqEntry:
    return FaqEntry(id=row["id"], category=row["category"], question=row["question"],
                    alt_questions=json.loads(row["alt_questions"]), answer=row["answer"],
                    url=row["url"], department=row["department"], tags=json.loads(row["tags"]),
                    active=bool(row["active"]), translations=json.loads(row["translations"] or "{}"),
                    updated_at=row["updated_at"], updated_by=row["updated_by"])


def _entry_json(entry: FaqEntry | None) -> str | None:
    return None if entry is None else json.dumps(entry.to_record(), ensure_ascii=False)


def _entry_from_json(text: str | None) -> FaqEntry | None:
    return None if text is None else FaqEntry(**json.loads(text))


def _same_content(a: FaqEntry, b: FaqEntry) -> bool:
    return a.to_record() == b.to_record()


class FaqStore:
    """Python API behind `faqctl`; every write is one transaction with a history row."""

    def __init__(self, db: Database, clock: Clock = SYSTEM_CLOCK):
        self.db = db
        self.clock = clock
        migrate(db, "faq", MIGRATIONS)

    @classmethod
    def open(cls, path: str | Path, clock: Clock = SYSTEM_CLOCK) -> "FaqStore":
        return cls(open_db(path), clock)

    def close(self) -> None:
        self.db.conn.close()

    # -- reading ---------------------------------------------------------
    def get(self, entry_id: str) -> FaqEntry:
        rows = list(self.db.query("SELECT * FROM faq_entries WHERE id = ?", [entry_id]))
        if not rows:
            raise NotFound(entry_id)
        return _row_to_entry(rows[0])

    def list(self, category: str | None = None, include_inactive: bool = False) -> list[FaqEntry]:
        where, params = [], []
        if category:
            where.append("category = ?")
            params.append(category)
        if not include_inactive:
            where.append("active = 1")
        sql = "SELECT * FROM faq_entries" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY category, id"
        return [_row_to_entry(r) for r in self.db.query(sql, params)]

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM faq_entries WHERE active = 1").fetchone()[0]

    def stats(self) -> dict:
        by_cat = {c: 0 for c in CATEGORIES}
        for cat, n in self.db.execute("SELECT category, count(*) FROM faq_entries WHERE active = 1 GROUP BY category"):
            by_cat[cat] = n
        total, active, last = self.db.execute(
            "SELECT count(*), coalesce(sum(active), 0), max(updated_at) FROM faq_entries").fetchone()
        edits = self.db.execute("SELECT count(*) FROM faq_history").fetchone()[0]
        return {"total": total, "active": active, "inactive": total - active,
                "by_category": by_cat, "last_updated": last, "history_rows": edits}

    def history(self, entry_id: str) -> list[HistoryItem]:
        rows = self.db.query("SELECT * FROM faq_history WHERE entry_id = ? ORDER BY id", [entry_id])
        items = [HistoryItem(r["id"], r["entry_id"], r["action"], r["actor"], r["at"],
                             _entry_from_json(r["before"]), _entry_from_json(r["after"]), r["undone_by"] is not None)
                 for r in rows]
        if not items:
            self.get(entry_id)  # NotFound for an unknown id
        return items

    # -- writing ---------------------------------------------------------
    def _current(self, entry_id: str) -> FaqEntry | None:
        try:
            return self.get(entry_id)
        except NotFound:
            return None

    def _write(self, before: FaqEntry | None, after: FaqEntry | None, action: str, actor: str, at: str) -> int:
        """Persist one change and its history row (caller holds the transaction)."""
        entry_id = (after or before).id
        if after is None:
            self.db.execute("DELETE FROM faq_entries WHERE id = ?", [entry_id])
        else:
            self.db.execute(
                """INSERT INTO faq_entries (id, category, question, alt_questions, answer, url, department,
                       tags, active, translations, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(id) DO UPDATE SET category=excluded.category, question=excluded.question,
                       alt_questions=excluded.alt_questions, answer=excluded.answer, url=excluded.url,
                       department=excluded.department, tags=excluded.tags, active=excluded.active,
                       translations=excluded.translations, updated_at=excluded.updated_at, updated_by=excluded.updated_by""",
                [after.id, after.category, after.question, json.dumps(after.alt_questions, ensure_ascii=False),
                 after.answer, after.url, after.department, json.dumps(after.tags, ensure_ascii=False),
                 int(after.active), json.dumps(after.to_record()["translations"], ensure_ascii=False), at, actor])
        return self.db.execute(
            "INSERT INTO faq_history (entry_id, action, actor, at, before, after) VALUES (?,?,?,?,?,?) RETURNING id",
            [entry_id, action, actor, at, _entry_json(before), _entry_json(after)]).fetchall()[0][0]

    def _validated(self, entry: FaqEntry) -> FaqEntry:
        problems: list[Problem] = []
        clean = validate_record(entry.to_record(), "入力", "", problems)
        if problems:
            raise ValidationError(problems)
        return clean

    def add(self, entry: FaqEntry, actor: str) -> FaqEntry:
        entry = self._validated(entry)
        with transaction(self.db):
            if self._current(entry.id) is not None:
                raise ValidationError([Problem("入力", "", "id", f"IDが既にあります: {entry.id}",
                                               f"id already exists: {entry.id}")])
            self._write(None, entry, "create", actor, self.clock.now_iso())
        return self.get(entry.id)

    def edit(self, entry_id: str, actor: str, **changes) -> FaqEntry:
        unknown = set(changes) - {"question", "answer", "category", "alt_questions", "url", "department", "tags",
                                 "translations"}
        if unknown:
            raise TypeError(f"unknown field(s): {unknown}")
        with transaction(self.db):
            before = self.get(entry_id)
            after = self._validated(replace(before, **changes))
            if _same_content(before, after):
                return before
            self._write(before, after, "update", actor, self.clock.now_iso())
        return self.get(entry_id)

    def add_alt_question(self, entry_id: str, wording: str, actor: str) -> FaqEntry:
        """Append one alternative question, read and written in one transaction (two staff accepting
        different wordings for the same entry at once both keep theirs). An alt question already there,
        or the question itself, changes nothing."""
        with transaction(self.db):
            before = self.get(entry_id)
            if wording == before.question or wording in before.alt_questions:
                return before
            after = self._validated(replace(before, alt_questions=[*before.alt_questions, wording]))
            self._write(before, after, "update", actor, self.clock.now_iso())
        return self.get(entry_id)

    def _set_active(self, entry_id: str, active: bool, actor: str) -> FaqEntry:
        with transaction(self.db):
            before = self.get(entry_id)
            if before.active != active:
                self._write(before, replace(before, active=active), "restore" if active else "remove", actor,
                            self.clock.now_iso())
        return self.get(entry_id)

    def remove(self, entry_id: str, actor: str) -> FaqEntry:
        """Soft delete: the entry stays, inactive, and can be restored."""
        return self._set_active(entry_id, False, actor)

    def restore(self, entry_id: str, actor: str) -> FaqEntry:
        return self._set_active(entry_id, True, actor)

    def undo(self, entry_id: str, actor: str) -> FaqEntry | None:
        """Revert the newest change to the entry that has not been undone yet.
        Returns the entry as it is now (None when undoing its creation)."""
        with transaction(self.db):
            row = self.db.execute(
                "SELECT id, before, after FROM faq_history WHERE entry_id = ? AND undone_by IS NULL "
                "AND action != 'undo' ORDER BY id DESC LIMIT 1", [entry_id]).fetchone()
            if row is None:
                if not self.db.execute("SELECT 1 FROM faq_history WHERE entry_id = ?", [entry_id]).fetchone():
                    raise NotFound(entry_id)
                raise ValidationError([Problem("入力", "", None, f"取り消せる変更がありません: {entry_id}",
                                               f"nothing to undo for {entry_id}")])
            history_id, before_json, after_json = row
            current = self._current(entry_id) or _entry_from_json(after_json)
            undo_id = self._write(current, _entry_from_json(before_json), "undo", actor, self.clock.now_iso())
            self.db.execute("UPDATE faq_history SET undone_by = ? WHERE id = ?", [undo_id, history_id])
        return self._current(entry_id)

    def preview_import(self, entries: list[FaqEntry], replace_all: bool = False) -> ImportPreview:
        """What import_entries() would change now, without writing anything."""
        return _import_diff({e.id: e for e in self.list(include_inactive=True)}, entries, replace_all)

    def import_entries(self, entries: list[FaqEntry], actor: str, replace_all: bool = False,
                       progress=None) -> ImportReport:
        """All-or-nothing: one transaction; `replace_all` deactivates entries missing from the file."""
        at = self.clock.now_iso()
        with transaction(self.db):
            existing = {e.id: e for e in self.list(include_inactive=True)}
            diff = _import_diff(existing, entries, replace_all)
            changed = set(diff.added) | set(diff.updated)
            for entry in entries:
                if entry.id in changed:
                    self._write(existing.get(entry.id), entry, "import", actor, at)
                if progress:
                    progress(1)
            for entry_id in diff.deactivated:
                before = existing[entry_id]
                self._write(before, replace(before, active=False), "import-remove", actor, at)
        return diff.report()

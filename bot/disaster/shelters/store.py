"""The shelter list and its status (open / full / closed), with a history of who changed what and when."""
from __future__ import annotations

from dataclasses import dataclass

from bot.disaster.shelters.model import STATUSES, Shelter
from bot.disaster.storage import DisasterDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import transaction
from faq.text import normalize_query

BY_MAX = 40
_COLUMNS = "id, name, address, latitude, longitude, hazards, capacity, phone, status, status_at, status_by"


@dataclass(frozen=True)
class ShelterChange:
    at: str
    by: str
    shelter_id: str | None
    action: str
    detail: str | None


def _shelter(row) -> Shelter:
    return Shelter(row[0], row[1], row[2], row[3], row[4], tuple(h for h in row[5].split("|") if h), row[6],
                   row[7], row[8], row[9], row[10])


def _staff(by: str) -> str:
    by = normalize_query(by or "")
    if not by or len(by) > BY_MAX:
        raise ValueError(f"操作した職員名を{BY_MAX}文字以内で指定してください / staff name is required")
    return by


class ShelterStore:
    def __init__(self, db: DisasterDatabase, clock: Clock = SYSTEM_CLOCK):
        self._db = db
        self._clock = clock

    def list(self) -> list[Shelter]:
        return [_shelter(r) for r in self._db.conn().execute(
            f"SELECT {_COLUMNS} FROM disaster_shelters ORDER BY id").fetchall()]

    def any_open(self) -> bool:
        return self._db.conn().execute("SELECT 1 FROM disaster_shelters WHERE status = 'open' LIMIT 1").fetchone() \
            is not None

    def get(self, shelter_id: str) -> Shelter | None:
        row = self._db.conn().execute(f"SELECT {_COLUMNS} FROM disaster_shelters WHERE id = ?",
                                      [shelter_id]).fetchone()
        return _shelter(row) if row else None

    def replace_all(self, shelters: list[Shelter], by: str, source: str = "") -> tuple[int, int]:
        """Import a whole list in one transaction: shelters with a known id keep their status, the
        others start closed, shelters missing from the list are removed. Returns (added, removed)."""
        by = _staff(by)
        now = self._clock.now_iso()
        conn = self._db.conn()
        with transaction(conn):
            known = {r[0] for r in conn.execute("SELECT id FROM disaster_shelters").fetchall()}
            ids = [s.id for s in shelters]
            removed = known - set(ids)
            for shelter_id in removed:
                conn.execute("DELETE FROM disaster_shelters WHERE id = ?", [shelter_id])
            for s in shelters:
                conn.execute(
                    "INSERT INTO disaster_shelters (id, name, address, latitude, longitude, hazards, capacity, "
                    "phone) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                    "address = excluded.address, latitude = excluded.latitude, longitude = excluded.longitude, "
                    "hazards = excluded.hazards, capacity = excluded.capacity, phone = excluded.phone",
                    [s.id, s.name, s.address, s.latitude, s.longitude, "|".join(s.hazards), s.capacity, s.phone])
            added = len(set(ids) - known)
            conn.execute("INSERT INTO disaster_shelter_history (at, by, shelter_id, action, detail) "
                         "VALUES (?, ?, NULL, 'import', ?)",
                         [now, by, f"{len(shelters)}件（追加{added}・削除{len(removed)}） {source}".strip()])
        return added, len(removed)

    def set_status(self, shelter_ids: list[str] | None, status: str, by: str) -> int:
        """Set the status of the given shelters (None: all); raises ValueError for an unknown id or status."""
        if status not in STATUSES:
            raise ValueError(f"状態は {', '.join(STATUSES)} のどれかにしてください / unknown status {status}")
        by = _staff(by)
        now = self._clock.now_iso()
        conn = self._db.conn()
        with transaction(conn):
            if shelter_ids is None:
                shelter_ids = [r[0] for r in conn.execute("SELECT id FROM disaster_shelters").fetchall()]
            missing = [i for i in shelter_ids
                       if conn.execute("SELECT 1 FROM disaster_shelters WHERE id = ?", [i]).fetchone() is None]
            if missing:
                raise ValueError(f"避難所IDがありません: {', '.join(missing)} / unknown shelter id")
            for shelter_id in shelter_ids:
                conn.execute("UPDATE disaster_shelters SET status = ?, status_at = ?, status_by = ? WHERE id = ?",
                             [status, now, by, shelter_id])
                conn.execute("INSERT INTO disaster_shelter_history (at, by, shelter_id, action) VALUES (?, ?, ?, ?)",
                             [now, by, shelter_id, status])
        return len(shelter_ids)

    def history(self, limit: int = 50, shelter_id: str | None = None) -> list[ShelterChange]:
        sql = "SELECT at, by, shelter_id, action, detail FROM disaster_shelter_history"
        params: list = []
        if shelter_id is not None:
            sql += " WHERE shelter_id = ?"
            params.append(shelter_id)
        rows = self._db.conn().execute(sql + " ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
        return [ShelterChange(*r) for r in rows]

"""The console's access log: who opened which ticket or changed what, and when."""
from __future__ import annotations

from dataclasses import dataclass

from bot.console.database import ConsoleDatabase
from faq.clock import SYSTEM_CLOCK, Clock

# action -> label shown on the admin page
ACTIONS = {
    "login": "ログイン",
    "logout": "ログアウト",
    "ticket_view": "相談を表示",
    "ticket_reply": "返信",
    "ticket_retry": "再送",
    "ticket_assign": "担当の変更",
    "ticket_close": "相談を終了",
    "faq_create": "FAQを作成",
    "unanswered_handled": "未回答を対応済みに",
    "disaster_on": "災害モード開始",
    "disaster_off": "災害モード終了",
}


@dataclass(frozen=True)
class AccessEntry:
    id: int
    at: str
    staff: str
    action: str
    ticket_id: int | None
    target: str | None
    ip: str | None

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)


class AccessLog:
    def __init__(self, database: ConsoleDatabase, clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.clock = clock

    def write(self, staff: str, action: str, *, ticket_id: int | None = None, target: str | None = None,
              ip: str | None = None) -> int:
        rows = self.database.conn().execute(
            "INSERT INTO console_access_log (at, staff, action, ticket_id, target, ip) VALUES (?, ?, ?, ?, ?, ?) "
            "RETURNING id", [self.clock.now_iso(), staff, action, ticket_id, target, ip]).fetchall()
        return int(rows[0][0])  # fetchall: finish the statement so it commits

    def recent(self, *, staff: str | None = None, ticket_id: int | None = None, limit: int = 200,
               offset: int = 0) -> list[AccessEntry]:
        where, params = [], []
        if staff:
            where.append("staff = ?")
            params.append(staff)
        if ticket_id is not None:
            where.append("ticket_id = ?")
            params.append(ticket_id)
        sql = ("SELECT id, at, staff, action, ticket_id, target, ip FROM console_access_log"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ? OFFSET ?")
        return [AccessEntry(*row) for row in self.database.conn().execute(sql, params + [limit, offset])]

"""Handoff tickets: a resident's conversation with the human desk (tables of migration v2).

A ticket is ``waiting`` until a staff member takes it or replies (``in_progress``) and
then ``closed``. A resident has at most one open ticket (a unique partial index). Every
message text stored here is already masked (bot/privacy.py). The raw LINE user id, needed
to push staff replies, lives only in ``bot_tickets.line_user_id`` and is never a field of
the data classes below, so it cannot leak into a page or a log by accident.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.storage import BotDatabase, utc_now_iso
from faq.db import transaction

WAITING, IN_PROGRESS, CLOSED = "waiting", "in_progress", "closed"
STATUSES = (WAITING, IN_PROGRESS, CLOSED)
RESIDENT, BOT, STAFF, SYSTEM = "resident", "bot", "staff", "system"
PENDING, SENT, FAILED = "pending", "sent", "failed"

_TICKET_COLUMNS = ("id, status, category, assigned_to, disaster, trigger, created_at, updated_at, "
                   "first_response_at, closed_at, user_hash")
_MESSAGE_COLUMNS = "id, ticket_id, created_at, sender, staff, text, push_status, push_error, attempts"


@dataclass(frozen=True)
class Ticket:
    id: int
    status: str
    category: str | None
    assigned_to: str | None
    disaster: bool
    trigger: str
    created_at: str
    updated_at: str
    first_response_at: str | None
    closed_at: str | None
    user_hash: str           # the LINE user id is stored for push but is not a field here

    @property
    def is_open(self) -> bool:
        return self.status != CLOSED


@dataclass(frozen=True)
class TicketMessage:
    id: int
    ticket_id: int
    created_at: str
    sender: str              # "resident" | "bot" | "staff" | "system"
    staff: str | None
    text: str                # already masked
    push_status: str | None  # messages pushed to the resident: "pending" | "sent" | "failed"; else None
    push_error: str | None
    attempts: int


@dataclass(frozen=True)
class NewMessage:
    """A message to store; ``text`` must already be masked."""
    sender: str
    text: str
    created_at: str | None = None
    staff: str | None = None


def _ticket(row) -> Ticket:
    (id_, status, category, assigned_to, disaster, trigger, created_at, updated_at, first_response_at,
     closed_at, user_hash) = row
    return Ticket(id_, status, category, assigned_to, bool(disaster), trigger, created_at, updated_at,
                  first_response_at, closed_at, user_hash)


def _message(row) -> TicketMessage:
    return TicketMessage(*row)


class TicketStore:
    def __init__(self, database: BotDatabase):
        self.db = database

    # -- reading (the console uses these) ------------------------------------
    def get(self, ticket_id: int) -> Ticket | None:
        row = self.db.conn().execute(f"SELECT {_TICKET_COLUMNS} FROM bot_tickets WHERE id = ?",
                                     [ticket_id]).fetchone()
        return _ticket(row) if row else None

    def messages(self, ticket_id: int) -> list[TicketMessage]:
        rows = self.db.conn().execute(f"SELECT {_MESSAGE_COLUMNS} FROM bot_ticket_messages WHERE ticket_id = ? "
                                      "ORDER BY id", [ticket_id]).fetchall()
        return [_message(r) for r in rows]

    def message(self, message_id: int) -> TicketMessage | None:
        row = self.db.conn().execute(f"SELECT {_MESSAGE_COLUMNS} FROM bot_ticket_messages WHERE id = ?",
                                     [message_id]).fetchone()
        return _message(row) if row else None

    def queue(self, *, include_closed: bool = False, limit: int = 200) -> list[Ticket]:
        """waiting first, then in_progress (then closed, newest first, if asked); oldest first."""
        where = "" if include_closed else "WHERE status != 'closed'"
        rows = self.db.conn().execute(
            f"SELECT {_TICKET_COLUMNS} FROM bot_tickets {where} ORDER BY "
            "CASE status WHEN 'waiting' THEN 0 WHEN 'in_progress' THEN 1 ELSE 2 END, "
            "CASE WHEN status = 'closed' THEN NULL ELSE created_at END, closed_at DESC, id LIMIT ?",
            [limit]).fetchall()
        return [_ticket(r) for r in rows]

    def counts(self) -> dict[str, int]:
        found = dict(self.db.conn().execute("SELECT status, count(*) FROM bot_tickets GROUP BY status").fetchall())
        return {status: int(found.get(status, 0)) for status in STATUSES}

    # -- the resident side -------------------------------------------------------
    def open_for(self, user_hash: str) -> Ticket | None:
        row = self.db.conn().execute(f"SELECT {_TICKET_COLUMNS} FROM bot_tickets WHERE user_hash = ? "
                                     "AND status != 'closed'", [user_hash]).fetchone()
        return _ticket(row) if row else None

    def open_ticket(self, *, user_hash: str, line_user_id: str, trigger: str, category: str | None,
                    disaster: bool, history: list[NewMessage], again_note: NewMessage | None = None
                    ) -> tuple[Ticket, bool]:
        """The resident's open ticket, created (with ``history`` as its first messages) if there is none.

        Returns (ticket, created). A second request while one is open appends ``again_note`` to it.
        One transaction: two events of the same resident at once cannot open two tickets.
        """
        now = utc_now_iso()
        conn = self.db.conn()
        with transaction(conn):
            row = conn.execute(f"SELECT {_TICKET_COLUMNS} FROM bot_tickets WHERE user_hash = ? "
                               "AND status != 'closed'", [user_hash]).fetchone()
            created = row is None
            if created:
                ticket_id = conn.execute(
                    "INSERT INTO bot_tickets (created_at, updated_at, status, category, disaster, user_hash, "
                    "line_user_id, trigger) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    [now, now, WAITING, category, int(disaster), user_hash, line_user_id, trigger]).fetchall()[0][0]
                for message in history:
                    self.insert_message(conn, ticket_id, message)
            else:
                ticket_id = row[0]
                conn.execute("UPDATE bot_tickets SET updated_at = ?, line_user_id = ? WHERE id = ?",
                             [now, line_user_id, ticket_id])
            if again_note is not None and not created:
                self.insert_message(conn, ticket_id, again_note)
        return self.get(ticket_id), created

    def append(self, ticket_id: int, message: NewMessage) -> TicketMessage:
        conn = self.db.conn()
        with transaction(conn):
            message_id = self.insert_message(conn, ticket_id, message)
            conn.execute("UPDATE bot_tickets SET updated_at = ? WHERE id = ?", [utc_now_iso(), ticket_id])
        return self.message(message_id)

    def close_by_resident(self, ticket_id: int, note: str) -> bool:
        now = utc_now_iso()
        conn = self.db.conn()
        with transaction(conn):
            # the resident ended it in the chat: nothing more is pushed, so the raw LINE id goes now
            changed = conn.execute("UPDATE bot_tickets SET status = ?, closed_at = ?, updated_at = ?, "
                                   "line_user_id = NULL WHERE id = ? AND status != 'closed'",
                                   [CLOSED, now, now, ticket_id]).rowcount
            if changed:
                self.insert_message(conn, ticket_id, NewMessage(SYSTEM, note, now))
        return bool(changed)

    def waiting_before(self, ticket: Ticket) -> int:
        """How many waiting tickets were opened before this one (of the same kind: disaster or not)."""
        return self.db.conn().execute(
            "SELECT count(*) FROM bot_tickets WHERE status = 'waiting' AND id < ? AND disaster = ?",
            [ticket.id, int(ticket.disaster)]).fetchone()[0]

    def last_message_by(self, ticket_id: int, sender: str) -> TicketMessage | None:
        row = self.db.conn().execute(f"SELECT {_MESSAGE_COLUMNS} FROM bot_ticket_messages WHERE ticket_id = ? "
                                     "AND sender = ? ORDER BY id DESC LIMIT 1", [ticket_id, sender]).fetchone()
        return _message(row) if row else None

    # -- for the desk (bot/desk.py) -----------------------------------------------
    def line_user_id(self, ticket_id: int) -> str | None:
        row = self.db.conn().execute("SELECT line_user_id FROM bot_tickets WHERE id = ?", [ticket_id]).fetchone()
        return row[0] if row else None

    def forget_line_user_id(self, ticket_id: int) -> bool:
        """Drop the raw LINE id of a closed ticket whose last push is done (nothing more will be sent)."""
        return bool(self.db.conn().execute(
            "UPDATE bot_tickets SET line_user_id = NULL WHERE id = ? AND status = 'closed' "
            "AND line_user_id IS NOT NULL", [ticket_id]).rowcount)

    def retry_key(self, message_id: int) -> str | None:
        row = self.db.conn().execute("SELECT retry_key FROM bot_ticket_messages WHERE id = ?",
                                     [message_id]).fetchone()
        return row[0] if row else None

    def record_push(self, message_id: int, status: str, error: str | None, attempts: int) -> TicketMessage:
        self.db.conn().execute("UPDATE bot_ticket_messages SET push_status = ?, push_error = ?, "
                               "attempts = attempts + ? WHERE id = ?", [status, error, attempts, message_id])
        return self.message(message_id)

    @staticmethod
    def insert_message(conn, ticket_id: int, message: NewMessage, push_status: str | None = None,
                retry_key: str | None = None) -> int:
        return conn.execute(
            "INSERT INTO bot_ticket_messages (ticket_id, created_at, sender, staff, text, push_status, retry_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [ticket_id, message.created_at or utc_now_iso(), message.sender, message.staff, message.text,
             push_status, retry_key]).fetchall()[0][0]

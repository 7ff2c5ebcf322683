"""What desk staff do with a ticket: reply, retry a failed push, assign, close (used by the console).

A staff reply is masked, stored as ``pending`` with a fresh ``X-Line-Retry-Key`` *before*
the first push attempt, then marked ``sent`` or ``failed`` (with the error). A failed push
stays visible and can be pushed again later with the same key, so LINE delivers it at most
once however often it is retried. Every state change is one SQLite transaction.
"""
from __future__ import annotations

import logging
import uuid

from bot import phrases
from bot.desk.tickets import (
    CLOSED,
    FAILED,
    IN_PROGRESS,
    PENDING,
    SENT,
    STAFF,
    SYSTEM,
    WAITING,
    NewMessage,
    Ticket,
    TicketMessage,
    TicketStore,
)
from bot.line.client import PUSH_POLICY, LineSender, RetryPolicy
from bot.line.messages import TEXT_MAX, compose, line_length
from bot.records.privacy import mask_personal_data
from bot.storage import utc_now_iso
from faq.db import transaction
from faq.text import normalize

log = logging.getLogger(__name__)

STAFF_NAME_MAX = 40
# Room for the 「【担当者より】」 heading within LINE's 5,000 characters.
REPLY_TEXT_MAX = TEXT_MAX - 100
_PHONE_PLACEHOLDER = "\ue000DESKPHONE\ue000"


class DeskError(Exception):
    """A refused desk action; the message is Japanese and safe to show staff."""


class DeskService:
    def __init__(self, tickets: TicketStore, sender: LineSender, desk_phone: str = "",
                 policy: RetryPolicy = PUSH_POLICY):
        self.tickets = tickets
        self.sender = sender
        self.desk_phone = desk_phone
        self.policy = policy

    # -- replies ---------------------------------------------------------------
    def reply(self, ticket_id: int, staff: str, text: str) -> TicketMessage:
        """Mask + store as pending, push with X-Line-Retry-Key (retries with backoff on 429/5xx/timeouts,
        same key), then mark sent or failed. Takes the ticket in_progress and assigns it to ``staff``
        if unassigned. Raises DeskError on empty/too long text or a closed ticket."""
        staff = self._staff(staff)
        body = self._reply_text(text)
        ticket = self._open_ticket(ticket_id)
        now = utc_now_iso()
        conn = self.tickets.db.conn()
        with transaction(conn):
            current = conn.execute("SELECT status FROM bot_tickets WHERE id = ?", [ticket.id]).fetchone()
            if current is None or current[0] == CLOSED:  # closed by someone else a moment ago
                raise DeskError(f"相談 #{ticket_id} は終了しているため返信できません。")
            conn.execute("UPDATE bot_tickets SET status = ?, assigned_to = coalesce(assigned_to, ?), "
                         "first_response_at = coalesce(first_response_at, ?), updated_at = ? WHERE id = ?",
                         [IN_PROGRESS, staff, now, now, ticket.id])
            message_id = TicketStore.insert_message(conn, ticket.id, NewMessage(STAFF, body, now, staff),
                                                    push_status=PENDING, retry_key=str(uuid.uuid4()))
        return self._push(message_id, ticket.id)

    def retry_push(self, message_id: int, staff: str) -> TicketMessage:
        """Push a failed message again with its stored retry key (LINE delivers it at most once)."""
        self._staff(staff)
        message = self.tickets.message(message_id)
        if message is None:
            raise DeskError(f"メッセージ #{message_id} が見つかりません。")
        if message.push_status == SENT:
            raise DeskError(f"メッセージ #{message_id} は送信済みです。")
        if message.push_status not in (FAILED, PENDING):
            raise DeskError(f"メッセージ #{message_id} は送信するメッセージではありません。")
        pushed = self._push(message_id, message.ticket_id)
        self._after_close_push(pushed)
        return pushed

    # -- the ticket --------------------------------------------------------------
    def assign(self, ticket_id: int, staff: str | None, by: str) -> Ticket:
        """Set (or clear, with None) who handles the ticket; taking a waiting ticket starts it."""
        by = self._staff(by)
        staff = self._staff(staff) if staff is not None and staff.strip() else None
        ticket = self._open_ticket(ticket_id)
        now = utc_now_iso()
        if staff is not None:
            status = IN_PROGRESS
            note = f"{by} が担当者を {staff} にしました。"
        else:
            status = WAITING if ticket.first_response_at is None else ticket.status
            note = f"{by} が担当者の割り当てを外しました。"
        conn = self.tickets.db.conn()
        with transaction(conn):
            changed = conn.execute("UPDATE bot_tickets SET assigned_to = ?, status = ?, updated_at = ? "
                                   "WHERE id = ? AND status != 'closed'", [staff, status, now, ticket.id]).rowcount
            if not changed:
                raise DeskError(f"相談 #{ticket_id} は終了しています。")
            TicketStore.insert_message(conn, ticket.id, NewMessage(SYSTEM, note, now, by))
        return self.tickets.get(ticket.id)

    def close(self, ticket_id: int, staff: str) -> Ticket:
        """Closes and pushes a short message telling the resident they are back with the bot."""
        staff = self._staff(staff)
        ticket = self._open_ticket(ticket_id)
        now = utc_now_iso()
        conn = self.tickets.db.conn()
        with transaction(conn):
            changed = conn.execute("UPDATE bot_tickets SET status = ?, closed_at = ?, updated_at = ?, "
                                   "assigned_to = coalesce(assigned_to, ?) WHERE id = ? AND status != 'closed'",
                                   [CLOSED, now, now, staff, ticket.id]).rowcount
            if not changed:
                raise DeskError(f"相談 #{ticket_id} はすでに終了しています。")
            TicketStore.insert_message(conn, ticket.id, NewMessage(SYSTEM, f"{staff} が相談を終了しました。", now, staff))
            notice_id = TicketStore.insert_message(conn, ticket.id,
                                                   NewMessage(SYSTEM, phrases.TICKET_CLOSED, now, staff),
                                                   push_status=PENDING, retry_key=str(uuid.uuid4()))
        self._after_close_push(self._push(notice_id, ticket.id))
        return self.tickets.get(ticket.id)

    def _after_close_push(self, message: TicketMessage) -> None:
        # The raw LINE id is only needed for pushes. Once the close notice is delivered nothing more is
        # sent, so it goes now; if the notice failed it stays for a retry from the console until the
        # retention job clears it (LINE_ID_GRACE_DAYS after the close).
        if message.push_status == SENT:
            self.tickets.forget_line_user_id(message.ticket_id)

    # -- helpers -------------------------------------------------------------------
    def _push(self, message_id: int, ticket_id: int) -> TicketMessage:
        message = self.tickets.message(message_id)
        to = self.tickets.line_user_id(ticket_id)
        if not to:
            return self.tickets.record_push(message_id, FAILED, "送り先がありません / no recipient", 0)
        text = phrases.staff_reply(message.text) if message.sender == STAFF else message.text
        result = self.sender.push(to, compose([text]), self.tickets.retry_key(message_id), self.policy)
        if not result.ok:
            log.warning("push of ticket message %s failed after %d attempt(s)", message_id, result.attempts)
        return self.tickets.record_push(message_id, SENT if result.ok else FAILED,
                                        None if result.ok else result.error, result.attempts)

    def _open_ticket(self, ticket_id: int) -> Ticket:
        ticket = self.tickets.get(ticket_id) if isinstance(ticket_id, int) else None
        if ticket is None:
            raise DeskError(f"相談 #{ticket_id} が見つかりません。")
        if ticket.status == CLOSED:
            raise DeskError(f"相談 #{ticket_id} は終了しています。")
        return ticket

    @staticmethod
    def _staff(name: str | None) -> str:
        name = normalize(name or "").replace("\n", " ").strip()
        if not name:
            raise DeskError("職員名を指定してください。")
        if len(name) > STAFF_NAME_MAX:
            raise DeskError(f"職員名は{STAFF_NAME_MAX}文字以内にしてください。")
        return name

    def _reply_text(self, text: str) -> str:
        body = normalize(text or "")
        if not body:
            raise DeskError("返信の本文が空です。")
        if line_length(body) > REPLY_TEXT_MAX:
            raise DeskError(f"返信が長すぎます（{line_length(body)}文字）。{REPLY_TEXT_MAX}文字以内にしてください。")
        # The desk's own phone number is the one number staff may give; everything else is masked.
        phone = self.desk_phone.strip()
        if phone:
            body = body.replace(phone, _PHONE_PLACEHOLDER)
        masked = mask_personal_data(body).text
        return masked.replace(_PHONE_PLACEHOLDER, phone) if phone else masked

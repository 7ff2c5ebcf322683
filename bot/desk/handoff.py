"""The resident's side of the human desk: asking for a person, and talking through a ticket.

Triggers (decided in bot/conversation.py): the 「職員に相談」 button or text (also after a
``fallback``), request phrases such as 「人と話したい」 found by :func:`wants_person`, and two
「解決しない」 in a row. Only one-to-one chats with a known user id get a ticket; groups and
rooms are given the phone number instead.

While a ticket is open the bot answers nothing by itself: the resident's messages are
masked, appended to the ticket and acknowledged briefly (the long notice is sent once,
when the ticket is opened).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import phrases
from bot.desk.hours import DeskHours, format_when
from bot.desk.tickets import BOT, RESIDENT, SYSTEM, NewMessage, Ticket, TicketStore
from bot.disaster_mode import DisasterMode
from bot.faq_directory import FaqDirectory
from bot.line.identity import ChatKey
from bot.records.exchanges import ExchangeLog
from faq.clock import SYSTEM_CLOCK, Clock
from faq.text import normalize_query

HISTORY_EXCHANGES = 6
HISTORY_HOURS = 24
HISTORY_KINDS = ("text", "pick", "desk", "topic", "non_text")

# Triggers
DESK_BUTTON, FALLBACK, KEYWORD, UNRESOLVED_TWICE = "desk_button", "fallback", "keyword", "unresolved_twice"

# 「人と話したい」「担当者につないで」「オペレーターお願い」「電話したい」 … inside longer sentences too.
_PERSON = r"(人間|ひと|人|職員|担当者?|係の?(人|方)|オペレーター|スタッフ|相談員|窓口の(人|方))"
_REQUEST = re.compile(
    _PERSON + r"(さん)?(と|に|へ|で)?(直接)?(話|はな|相談|そうだん|代わ|かわ|替わ|つな|繋|対応し|お願い|おねがい|呼|よんで)"
    r"|オペレーター|有人(対応|窓口|チャット)?|電話(したい|で(話|相談))|直接(話|相談)")
# The whole message is just one of these words.
_BARE = frozenset({"人", "職員", "担当", "担当者", "電話", "窓口", "相談", "有人", "人間", "スタッフ"})
_NEGATION = re.compile(r"(たく|し)ない|なくて(いい|よい|大丈夫)|不要|結構です|いらない")
_TRIM = " 　?？!！。、.・「」"


def wants_person(text: str) -> bool:
    """True if the (normalized) message asks to talk to a person."""
    compact = normalize_query(text or "").replace(" ", "").strip(_TRIM)
    if not compact:
        return False
    if compact in _BARE:
        return True
    return bool(_REQUEST.search(compact)) and not _NEGATION.search(compact)


@dataclass(frozen=True)
class DeskState:
    """Whether the desk handles a ticket now; if not, when it will (Tokyo time, formatted)."""
    open_now: bool
    opening: str | None
    round_the_clock: bool


class Handoff:
    def __init__(self, tickets: TicketStore, exchanges: ExchangeLog, faqs: FaqDirectory, hours: DeskHours, *,
                 minutes_per_ticket: int, desk_phone: str, desk_hours_text: str, clock: Clock = SYSTEM_CLOCK):
        self.tickets = tickets
        self.exchanges = exchanges
        self.faqs = faqs
        self.hours = hours
        self.minutes_per_ticket = minutes_per_ticket
        self.desk_phone = desk_phone
        self.desk_hours_text = desk_hours_text
        self.clock = clock

    def now(self) -> datetime:
        return self.clock.now()

    # -- desk hours --------------------------------------------------------------
    def desk_state(self, disaster_ticket: bool, mode: DisasterMode) -> DeskState:
        if disaster_ticket and mode.active and mode.desk_24h:
            return DeskState(True, None, True)
        now = self.now()
        if self.hours.is_open(now):
            return DeskState(True, None, False)
        opening = self.hours.next_opening(now)
        return DeskState(False, format_when(opening) if opening else None, False)

    # -- opening a ticket ----------------------------------------------------------
    def start(self, chat: ChatKey, line_user_id: str, trigger: str, mode: DisasterMode,
              parent_exchange: int | None = None) -> tuple[Ticket, str]:
        """Open (or reuse) the resident's ticket; returns it and the notice to send."""
        history, category = self._history(chat)
        ticket, created = self.tickets.open_ticket(
            user_hash=chat.key, line_user_id=line_user_id, trigger=trigger, category=category,
            disaster=mode.active, history=history, again_note=NewMessage(SYSTEM, phrases.TICKET_REQUEST_AGAIN_NOTE))
        if not created:
            state = self.desk_state(ticket.disaster, mode)
            return ticket, phrases.HANDOFF_ALREADY_OPEN + "\n" + phrases.ticket_ack(state.opening)
        notice = self._opening_notice(ticket, mode)
        self.tickets.append(ticket.id, NewMessage(BOT, notice))
        return ticket, notice

    def _opening_notice(self, ticket: Ticket, mode: DisasterMode) -> str:
        state = self.desk_state(ticket.disaster, mode)
        if not state.open_now:
            return phrases.handoff_closed(state.opening, self.desk_phone, self.desk_hours_text)
        ahead = self.tickets.waiting_before(ticket)
        minutes = (ahead + 1) * self.minutes_per_ticket
        late = None
        if not state.round_the_clock:
            now = self.now()
            closing = self.hours.closing_today(now)
            if now + timedelta(minutes=minutes) > closing:
                opening = self.hours.next_opening(closing + timedelta(minutes=1))
                late = format_when(opening) if opening else None
        return phrases.handoff_open(ahead, minutes, late, self.desk_phone, self.desk_hours_text)

    # -- while a ticket is open -------------------------------------------------------
    def relay_text(self, ticket: Ticket, masked_text: str, mode: DisasterMode, emergency: bool) -> str:
        self.tickets.append(ticket.id, NewMessage(RESIDENT, masked_text))
        if emergency:
            self.tickets.append(ticket.id, NewMessage(SYSTEM, phrases.TICKET_EMERGENCY_NOTE))
        return phrases.ticket_ack(self.desk_state(ticket.disaster, mode).opening)

    def relay_non_text(self, ticket: Ticket, kind: str, mode: DisasterMode) -> str:
        label = phrases.NON_TEXT_KINDS.get(kind, "メッセージ")
        self.tickets.append(ticket.id, NewMessage(RESIDENT, phrases.TICKET_NON_TEXT_NOTE.format(kind=label)))
        return phrases.TICKET_NON_TEXT_ACK + "\n" + phrases.ticket_ack(self.desk_state(ticket.disaster, mode).opening)

    def end_by_resident(self, chat: ChatKey) -> bool:
        """The resident taps 「相談をやめる」: close their open ticket (False if there was none)."""
        ticket = self.tickets.open_for(chat.key)
        if ticket is None:
            return False
        return self.tickets.close_by_resident(ticket.id, phrases.TICKET_ENDED_NOTE)

    # -- triggers that need the record ---------------------------------------------------
    def was_fallback(self, exchange_id: int | None) -> bool:
        """True if the resident tapped 「職員に相談」 under a 「見つかりませんでした」 answer."""
        if exchange_id is None:
            return False
        return self.exchanges.decision_of(exchange_id) == "fallback"

    def unresolved_twice(self, chat: ChatKey) -> bool:
        """The resident's last two answers (within the hour) were both rated 「解決しない」."""
        last_closed = self.tickets.last_closed_at(chat.key)
        since = max(self.clock.iso_ago(timedelta(hours=1)), last_closed or "")  # a ticket in between starts afresh
        feedback = self.exchanges.recent_feedback(chat.key, since, 2)
        return len(feedback) == 2 and all(f == "unresolved" for f in feedback)

    # -- the conversation so far, for staff ------------------------------------------------
    def _history(self, chat: ChatKey) -> tuple[list[NewMessage], str | None]:
        """The resident's last exchanges (already masked) as ticket messages, and their category."""
        since = max(self.clock.iso_ago(timedelta(hours=HISTORY_HOURS)), self.tickets.last_closed_at(chat.key) or "")
        past = self.exchanges.conversation(chat.key, since, HISTORY_KINDS, HISTORY_EXCHANGES)
        messages: list[NewMessage] = []
        category = None
        questions: dict[str, str] = {}
        for x in past:
            created_at, kind, query, decision, reason, faq_id, feedback = (
                x.created_at, x.kind, x.query, x.decision, x.reason, x.faq_id, x.feedback)
            entry = None
            if faq_id:
                if faq_id not in questions:
                    found = self.faqs.get(faq_id)
                    questions[faq_id] = found.question if found else faq_id
                    if found and decision in ("answer", "suggest"):
                        category = found.category
                entry = questions[faq_id]
            if kind == "topic":
                category = reason or category
                messages.append(NewMessage(RESIDENT, f"（分野を選択：{query or reason}）", created_at))
                continue
            if kind == "non_text":
                messages.append(NewMessage(RESIDENT, "（スタンプ・画像など）", created_at))
                continue
            if query:
                messages.append(NewMessage(RESIDENT, query, created_at))
            summary = _bot_summary(decision, entry, feedback)
            if summary and kind != "desk":
                messages.append(NewMessage(BOT, summary, created_at))
        return messages, category


def _bot_summary(decision: str, question: str | None, feedback: str | None) -> str | None:
    verdict = {"resolved": "（住民の評価：解決した）", "unresolved": "（住民の評価：解決しない）"}.get(feedback or "", "")
    if decision == "answer" and question:
        return f"（自動応答）回答：「{question}」{verdict}"
    if decision == "suggest" and question:
        return f"（自動応答）候補を提示：「{question}」ほか"
    if decision == "fallback":
        return "（自動応答）該当する回答が見つかりませんでした"
    return None

"""The human desk from the resident's side: asking for a person, and the turns while a ticket is open.

A request is recorded first and carried out after (`carry_out`): the new ticket copies the
resident's last exchanges, the request itself included. One-to-one chats get a ticket when
the desk is set up (`handoff`); groups and rooms, or a bot without a desk, get the phone number.
While a ticket is open nothing is searched: the message goes to staff and the resident gets a
short acknowledgement with 「相談をやめる」.
"""
from __future__ import annotations

from typing import Sequence

from bot import phrases
from bot.conversation import choices, menus
from bot.conversation.decision import Decision, DeskRequest, Record
from bot.conversation.turn import Turn, Utterance
from bot.desk.handoff import DESK_BUTTON, FALLBACK, Handoff
from bot.desk.tickets import Ticket
from bot.language import say
from bot.language.texts import texts
from bot.records.exchanges import ExchangeLog

_END_TICKET = (choices.end_ticket(),)


class DeskFlow:
    def __init__(self, handoff: Handoff | None, exchanges: ExchangeLog, desk_phone: str, desk_hours: str,
                 *, help_contact: str = "", default_hours: str = ""):
        self.handoff = handoff              # None: the desk is offered by phone only
        self._exchanges = exchanges
        self._phone = desk_phone
        self._hours = desk_hours
        self._help_contact = help_contact   # multilingual help, named to residents writing in other languages
        self._default_hours = default_hours

    def open_ticket(self, turn: Turn) -> Ticket | None:
        if self.handoff is None or not turn.one_to_one:
            return None
        return self.handoff.tickets.open_for(turn.chat.key)

    # -- asking for a person -------------------------------------------------------------
    def request(self, turn: Turn, parent_id: int | None, trigger: str = DESK_BUTTON, lead: Sequence[str] = (),
                *, query: str | None = None, pii_masked: bool = False) -> Decision:
        lead = list(lead)
        if pii_masked and texts(turn.lang).personal_data_note not in lead:
            lead.append(texts(turn.lang).personal_data_note)
        language_note = say.desk_language_note(turn.lang, self._help_contact)
        if language_note:
            lead.append(language_note)
        record = Record(kind="desk", decision="desk", query=query, pii_masked=pii_masked, reason=trigger,
                        parent_id=parent_id)
        if self.handoff is not None and turn.one_to_one:  # the ticket's notice is added by carry_out
            return Decision(tuple(lead), _END_TICKET, record, DeskRequest(trigger, parent_id, open_ticket=True))
        hours = say.hours(turn.lang, self._hours, self._default_hours)
        info = phrases.group_desk(self._phone, self._hours) if turn.in_group else say.desk(turn.lang, self._phone, hours)
        return Decision((*lead, info), (choices.menu(turn.lang),), record,
                        DeskRequest(trigger, parent_id, open_ticket=False))

    def trigger_for(self, parent_id: int | None) -> str:
        """「職員に相談」 tapped under a reply: after a fallback it counts as the fallback's handoff."""
        return FALLBACK if self.handoff is not None and self.handoff.was_fallback(parent_id) else DESK_BUTTON

    def unresolved_twice(self, turn: Turn) -> bool:
        """Two 「解決しない」 in a row in a one-to-one chat: the desk is offered at once."""
        return self.handoff is not None and turn.one_to_one and self.handoff.unresolved_twice(turn.chat)

    def carry_out(self, request: DeskRequest, turn: Turn, exchange_id: int | None) -> tuple[str, ...]:
        """After the request was recorded as `exchange_id`: the blocks that end the reply."""
        if not request.open_ticket:
            return ()
        _, notice = self.handoff.start(turn.chat, turn.line_user_id, request.trigger, turn.mode)
        return (notice,)

    # -- while a person handles the resident -------------------------------------------
    def relay_text(self, said: Utterance, ticket: Ticket, turn: Turn, lead: Sequence[str], alarm: bool) -> Decision:
        ack = self.handoff.relay_text(ticket, said.lines, turn.mode, alarm)
        return Decision((*lead, ack), _END_TICKET, Record(kind="ticket", decision="ticket", pii_masked=said.masked,
                                                          reason="emergency" if alarm else None))

    def relay_non_text(self, kind: str, ticket: Ticket, turn: Turn) -> Decision:
        ack = self.handoff.relay_non_text(ticket, kind, turn.mode)
        return Decision((ack,), _END_TICKET, Record(kind="non_text", decision="ticket", reason=kind))

    def end_by_resident(self, turn: Turn) -> Decision:
        self.handoff.end_by_resident(turn.chat)
        return menus.with_menu(turn.mode, phrases.TICKET_ENDED_BY_RESIDENT,
                               Record(kind="desk", decision="ticket-ended"), turn.lang)

    def already_open(self, ticket: Ticket, turn: Turn, reason: str) -> Decision:
        opening = self.handoff.desk_state(ticket.disaster, turn.mode).opening
        return Decision((phrases.HANDOFF_ALREADY_OPEN + "\n" + phrases.ticket_ack(opening),), _END_TICKET,
                        Record(kind="ticket", decision="ticket", reason=reason))

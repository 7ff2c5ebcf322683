"""A resident's message, checked in this order:

1. in a group or room, a message that does not mention the bot: silence, nothing stored;
2. not text (sticker, image …): relayed to an open ticket, otherwise a request for text;
3. text (read once into an `Utterance`): emergency words put the emergency numbers first, in
   every mode and also during a ticket; then personal data that was masked gets a note;
4. an open desk ticket: the message goes to staff, no automatic answer;
   (a location message: the nearest open shelters; an open support navigator, its start words or a
   shelter question: `bot.disaster_support`)
5. menu and help words;
6. a request for a person (「職員に相談」 or a request phrase): the desk;
7. otherwise the FAQ search (`answers`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from linebot.v3.webhooks import LocationMessageContent, MessageEvent, TextMessageContent

from bot import phrases
from bot.conversation import emergency, menus
from bot.conversation.answers import Answers
from bot.conversation.decision import Decision, Record
from bot.conversation.desk_flow import DeskFlow
from bot.conversation.turn import Turn, Utterance, mentions_bot, strip_self_mentions
from bot.desk.handoff import DESK_BUTTON, KEYWORD, wants_person
from bot.desk.tickets import Ticket
from bot.records.exchanges import ExchangeLog

if TYPE_CHECKING:
    from bot.disaster_support import DisasterSupport


class MessageFlow:
    def __init__(self, answers: Answers, desk: DeskFlow, exchanges: ExchangeLog, emergency_7119: bool,
                 support: DisasterSupport | None = None):
        self._support = support
        self._answers = answers
        self._desk = desk
        self._exchanges = exchanges
        self._emergency_7119 = emergency_7119

    def decide(self, event: MessageEvent, turn: Turn) -> Decision | None:
        if turn.in_group and not mentions_bot(event.message):
            return None
        if turn.known_user:
            self._exchanges.touch_user(turn.chat)
        ticket = self._desk.open_ticket(turn)
        if isinstance(event.message, LocationMessageContent) and ticket is None and self._support is not None:
            return self._support.shelters.nearest(turn, event.message.latitude, event.message.longitude)
        if not isinstance(event.message, TextMessageContent):
            if ticket is not None:
                return self._desk.relay_non_text(event.message.type, ticket, turn)
            return menus.with_menu(turn.mode, phrases.NON_TEXT,
                                   Record(kind="non_text", decision="ask_text", reason=event.message.type))
        raw = strip_self_mentions(event.message) if turn.in_group else event.message.text
        return self.text(Utterance.read(raw), turn, ticket)

    def text(self, said: Utterance, turn: Turn, ticket: Ticket | None = None) -> Decision:
        alarm = emergency.detect(said.query) is not None
        lead = [phrases.emergency(turn.mode.active, self._emergency_7119)] if alarm else []
        lead += [phrases.PERSONAL_DATA_NOTE] if said.masked else []
        if ticket is not None:
            return self._desk.relay_text(said, ticket, turn, lead, alarm)
        supported = self._support.text(said, turn, tuple(lead)) if self._support is not None else None
        if supported is not None:   # the support navigator or a shelter question
            return supported
        if said.keyword in phrases.MENU_KEYWORDS:
            return menus.menu(turn.mode, Record(kind="menu", decision="menu", query=said.query,
                                                pii_masked=said.masked), lead)
        if said.keyword in phrases.HELP_KEYWORDS:
            return menus.help_(turn.mode, Record(kind="help", decision="help", query=said.query,
                                                 pii_masked=said.masked), lead)
        if said.keyword == phrases.DESK_LABEL or wants_person(said.query):
            trigger = DESK_BUTTON if said.keyword == phrases.DESK_LABEL else KEYWORD
            return self._desk.request(turn, None, trigger, lead, query=said.query, pii_masked=said.masked)
        return self._answers.search(said.query, turn, lead, pii_masked=said.masked, alarm=alarm)

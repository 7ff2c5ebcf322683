"""A resident's message, checked in this order:

1. in a group or room, a message that does not mention the bot: silence, nothing stored;
2. not text (sticker, image …): relayed to an open ticket, otherwise a request for text;
3. text (read once into an `Utterance`): its language (detected, remembered per chat; short texts keep
   the current one); emergency words put the emergency numbers first, in that language, in every mode
   and also during a ticket; then personal data that was masked gets a note;
4. an open desk ticket: the message goes to staff, no automatic answer;
   (a location message: the nearest open shelters; an open support navigator, its start words or a
   shelter question: `bot.disaster.support`)
5. menu and help words; a language's name or 「言語」/"language";
6. a request for a person (「職員に相談」 or a request phrase): the desk;
7. small talk that is the whole message (「ありがとう」): its short reply, recorded as `smalltalk`;
8. otherwise the FAQ search (`answers`); small talk leading a question (「ありがとう、あと住民票は？」)
   is dropped and the question searched.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from linebot.v3.webhooks import LocationMessageContent, MessageEvent, TextMessageContent

from bot import phrases
from bot.conversation import choices, emergency, menus
from bot.conversation.answers import Answers
from bot.conversation.decision import Decision, Record
from bot.conversation.desk_flow import DeskFlow
from bot.conversation.smalltalk import Match, Smalltalk
from bot.conversation.turn import Turn, Utterance, mentions_bot, strip_self_mentions
from bot.desk.handoff import DESK_BUTTON, KEYWORD, wants_person
from bot.desk.tickets import Ticket
from bot.language import say
from bot.language.chat import LANGUAGE_MENU_WORDS, LANGUAGE_WORDS, ChatLanguages
from bot.language.texts import texts
from bot.records.exchanges import ExchangeLog

SMALLTALK = "smalltalk"
_COMMAND_WORDS = phrases.MENU_KEYWORDS | phrases.HELP_KEYWORDS | LANGUAGE_MENU_WORDS | {phrases.DESK_LABEL}

if TYPE_CHECKING:
    from bot.disaster.support import DisasterSupport


class MessageFlow:
    def __init__(self, answers: Answers, desk: DeskFlow, exchanges: ExchangeLog, emergency_7119: bool,
                 support: DisasterSupport | None = None, languages: ChatLanguages | None = None,
                 smalltalk: Smalltalk | None = None):
        self._support = support
        self._answers = answers
        self._desk = desk
        self._exchanges = exchanges
        self._emergency_7119 = emergency_7119
        self._languages = languages or ChatLanguages(None)
        self._smalltalk = smalltalk

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
            return menus.with_menu(turn.mode, texts(turn.lang).non_text,
                                   Record(kind="non_text", decision="ask_text", reason=event.message.type),
                                   turn.lang)
        raw = strip_self_mentions(event.message) if turn.in_group else event.message.text
        return self.text(Utterance.read(raw), turn, ticket)

    def text(self, said: Utterance, turn: Turn, ticket: Ticket | None = None) -> Decision:
        alarm = emergency.detect(said.query)
        small = self._smalltalk.match(said.query) if self._smalltalk else None
        hint = alarm.lang if alarm else (small.lang if small else None)
        if said.keyword not in _COMMAND_WORDS:  # 「メニュー」 from an English speaker says nothing of their language
            turn = replace(turn, lang=self._languages.of_message(turn.chat, turn.lang, said.query, hint))
        lang, t = turn.lang, texts(turn.lang)
        lead = [say.emergency(lang, turn.mode.active, self._emergency_7119)] if alarm else []
        lead += [t.personal_data_note] if said.masked else []
        if ticket is not None:
            return self._desk.relay_text(said, ticket, turn, lead, alarm is not None)
        record = lambda kind, decision=None, reason=None: Record(  # noqa: E731 - this message's record
            kind=kind, decision=decision or kind, query=said.query, pii_masked=said.masked, reason=reason)
        supported = self._support.text(said, turn, tuple(lead)) if self._support is not None else None
        if supported is not None:   # the support navigator or a shelter question
            return supported
        if said.keyword in phrases.MENU_KEYWORDS:
            return menus.menu(turn.mode, record("menu"), lead, lang)
        if said.keyword in phrases.HELP_KEYWORDS:
            return menus.help_(turn.mode, record("help"), lead, lang)
        if said.keyword in LANGUAGE_WORDS:
            return self.choose_language(turn, LANGUAGE_WORDS[said.keyword], record("language"), lead)
        if said.keyword in LANGUAGE_MENU_WORDS:
            return menus.language_choices(record("language", reason="menu"), lead)
        if said.keyword in (phrases.DESK_LABEL, t.desk_label.lower()) or wants_person(said.query):
            trigger = DESK_BUTTON if said.keyword in (phrases.DESK_LABEL, t.desk_label.lower()) else KEYWORD
            return self._desk.request(turn, None, trigger, lead, query=said.query, pii_masked=said.masked)
        if small is not None:
            return self.small_talk(small, turn, lead, record("text", SMALLTALK, small.intent.name))
        query = said.query
        if self._smalltalk is not None and not alarm:
            led = self._smalltalk.split_lead(said.query)
            query = led[1] if led else query
        return self._answers.search(query, turn, lead, pii_masked=said.masked, alarm=alarm is not None)

    def small_talk(self, small: Match, turn: Turn, lead: list[str], record: Record) -> Decision:
        lang = turn.lang
        reply = small.intent.replies.get(lang) or small.intent.replies.get("ja", "")
        if small.intent.action == "help":
            return menus.help_(turn.mode, record, (*lead, reply), lang)
        if small.intent.action == "desk":
            return Decision((*lead, reply), (choices.desk(lang=lang), choices.menu(lang)), record)
        return Decision((*lead, reply), (choices.menu(lang),), record)

    def choose_language(self, turn: Turn, lang: str, record: Record, lead=()) -> Decision:
        self._languages.choose(turn.chat, lang)
        chosen = replace(turn, lang=lang)
        return menus.menu(chosen.mode, record, (*lead, texts(lang).language_chosen), lang)

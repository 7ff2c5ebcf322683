"""The conversation: what the bot answers to each LINE event, and what it records.

Each event becomes a `Turn`; a flow decides what to say as data (`Decision`); the exchange
is recorded once here, a desk request is carried out after it, and `replies` turns the
settled `Outcome` into LINE messages. This class is the webhook handler's `Responder`.

Order for a resident's text (`message_flow`): emergency words first (the emergency numbers
lead the reply, in every mode), then an open desk ticket (the message goes to staff, no auto
answer), menu/help words, a request for a person (opens a ticket), and the search. Quick
replies are handled by `postback_flow` (a table of actions).

Group and room chats: the bot answers only messages that mention it
(``message.mention.mentionees[].isSelf``) and postbacks from its own quick
replies; everything else there is ignored and nothing is stored. Group members'
user ids are never stored (the chat is keyed by the group/room id's HMAC).

In disaster-support mode the greeting and menus switch to the disaster subjects and the
search prefers the ``disaster-support`` category.
"""
from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Callable

from linebot.v3.webhooks import (
    FollowEvent,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    UnfollowEvent,
)

from bot import phrases
from bot.conversation import menus
from bot.conversation.answers import Answers
from bot.conversation.decision import Decision, Outcome
from bot.conversation.desk_flow import DeskFlow
from bot.conversation.message_flow import MessageFlow
from bot.conversation.postback_flow import PostbackFlow, WordingLearner
from bot.conversation.replies import to_reply
from bot.conversation.smalltalk import Smalltalk
from bot.conversation.turn import Turn
from bot.desk.handoff import Handoff
from bot.disaster_mode import OFF, DisasterMode
from bot.faq_directory import FaqDirectory
from bot.language.chat import ChatLanguages
from bot.line.identity import UserHasher
from bot.line.responder import Reply
from bot.records.exchanges import ExchangeLog, ExchangeRecord
from index.search import Searcher

if TYPE_CHECKING:
    from bot.disaster.support import DisasterSupport


class Conversation:
    def __init__(self, searcher: Callable[[], Searcher], faqs: FaqDirectory, exchanges: ExchangeLog,
                 hasher: UserHasher, desk_phone: str, desk_hours: str, *, handoff: Handoff | None = None,
                 disaster_mode: Callable[[], DisasterMode] | None = None, emergency_7119: bool = True,
                 support: DisasterSupport | None = None,
                 languages: ChatLanguages | None = None, smalltalk: Smalltalk | None = None,
                 help_contact: str = "", default_hours: str = "", learn_wording: WordingLearner | None = None):
        self.faqs = faqs
        self.exchanges = exchanges
        self.hasher = hasher
        self.desk_phone = desk_phone
        self.desk_hours = desk_hours
        self._disaster_mode = disaster_mode or (lambda: OFF)
        self.languages = languages or ChatLanguages(None)
        self.desk = DeskFlow(handoff, exchanges, desk_phone, desk_hours, help_contact=help_contact or desk_phone,
                             default_hours=default_hours)
        answers = Answers(searcher, exchanges, faqs, help_contact or desk_phone)
        self.messages = MessageFlow(answers, self.desk, exchanges, emergency_7119, support, self.languages,
                                    smalltalk)
        self.postbacks = PostbackFlow(faqs, exchanges, answers, self.desk, support, self.languages,
                                      learn=learn_wording)

    def respond(self, event, started: float | None = None) -> Reply | None:
        """The reply to one parsed webhook event, or None when the bot stays silent."""
        turn = self.turn(event, started)
        decision = self.decide(event, turn)
        return to_reply(self.settle(decision, turn)) if decision is not None else None

    def system_error_reply(self) -> Reply:
        return to_reply(Outcome((phrases.system_error(self.desk_phone, self.desk_hours),), ()))

    def decide(self, event, turn: Turn) -> Decision | None:
        if isinstance(event, MessageEvent):
            return self.messages.decide(event, turn)
        if isinstance(event, PostbackEvent):
            return self.postbacks.decide(event, turn)
        if isinstance(event, (FollowEvent, UnfollowEvent)):
            following = isinstance(event, FollowEvent)
            if turn.known_user:
                self.exchanges.set_following(turn.chat, following)
            return menus.greeting(turn.mode, turn.lang) if following else None
        if isinstance(event, JoinEvent):
            return Decision((phrases.GROUP_JOIN,))
        return None

    def settle(self, decision: Decision, turn: Turn) -> Outcome:
        """Record the decided exchange (the one place that records), then carry out a desk request."""
        exchange_id = None
        if decision.record is not None:
            exchange_id = self.exchanges.record(ExchangeRecord(
                chat=turn.chat, event_id=turn.event_id, latency_ms=turn.latency_ms(), **asdict(decision.record)))
        blocks = decision.blocks
        if decision.desk is not None:
            blocks += self.desk.carry_out(decision.desk, turn, exchange_id)
        return Outcome(blocks, decision.choices, exchange_id)

    def turn(self, event, started: float | None = None) -> Turn:
        """The context of `event`: its chat, the disaster mode now, the LINE user id of a 1:1 chat."""
        source = getattr(event, "source", None)
        chat = self.hasher.chat_key(source)
        turn = Turn(chat, getattr(event, "webhook_event_id", None), started or time.monotonic(), self._disaster_mode(),
                    lang=self.languages.current(chat))
        # the LINE user id is kept only for a one-to-one chat (a ticket pushes to it)
        return replace(turn, line_user_id=getattr(source, "user_id", None)) if turn.known_user else turn

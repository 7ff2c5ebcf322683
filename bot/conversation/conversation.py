"""The conversation: what the bot answers to each LINE event, and what it records.

Group and room chats: the bot answers only messages that mention it
(``message.mention.mentionees[].isSelf``) and postbacks from its own quick
replies; everything else there is ignored and nothing is stored. Group members'
user ids are never stored (the chat is keyed by the group/room id's HMAC).

Order for a resident's text: emergency words first (the emergency numbers lead the
reply, in every mode), then an open desk ticket (the message goes to staff, no auto
answer), then a request for a person (opens a ticket), menu/help words, and the search.
In disaster-support mode the greeting and menus switch to the disaster subjects and the
search prefers the ``disaster-support`` category.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from linebot.v3.messaging import TextMessage
from linebot.v3.webhooks import (
    FollowEvent,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.conversation import emergency, phrases
from bot.conversation.faq_directory import FaqDirectory
from bot.desk.handoff import (
    DESK_BUTTON,
    FALLBACK,
    KEYWORD,
    UNRESOLVED_TWICE,
    Handoff,
    wants_person,
)
from bot.desk.tickets import Ticket
from bot.disaster import DISASTER_BOOST, DISASTER_CATEGORY, OFF, DisasterMode
from bot.line.identity import ANONYMOUS, USER, ChatKey, UserHasher
from bot.line.messages import QUICK_REPLY_MAX, compose, postback_action
from bot.line.postback import (
    DESK,
    END_TICKET,
    FAQ,
    FEEDBACK,
    HELP,
    MENU,
    SUBJECT,
    TOPIC,
    Postback,
    decode,
)
from bot.records.exchanges import ExchangeLog, ExchangeRecord
from bot.records.privacy import mask_personal_data
from faq.model import CATEGORIES, FaqEntry
from faq.text import normalize, normalize_query
from index.search import ANSWER, SUGGEST, Searcher, SearchOutcome

log = logging.getLogger(__name__)

QUERY_STORE_MAX = 5000
_KEYWORD_TRIM = " 　?？!！。、.・「」"


@dataclass
class Reply:
    messages: list[TextMessage]
    exchange_id: int | None = None


@dataclass(frozen=True)
class Turn:
    """The context of one event."""
    chat: ChatKey
    event_id: str | None
    started: float
    mode: DisasterMode = OFF
    line_user_id: str | None = None   # only for a one-to-one chat; used for a ticket, never stored elsewhere

    @property
    def one_to_one(self) -> bool:
        return self.chat.source_type == USER and self.chat.key != ANONYMOUS and bool(self.line_user_id)

    def latency_ms(self) -> int:
        return int(round((time.monotonic() - self.started) * 1000))


def mentions_bot(message) -> bool:
    mention = getattr(message, "mention", None)
    return any(getattr(m, "is_self", False) for m in (getattr(mention, "mentionees", None) or []))


def strip_self_mentions(message) -> str:
    """The text without the @mentions of the bot (LINE indexes in UTF-16 code units)."""
    text = message.text
    spans = sorted(((m.index, m.length) for m in message.mention.mentionees if getattr(m, "is_self", False)),
                   reverse=True)
    units = text.encode("utf-16-le")
    for index, length in spans:
        units = units[:2 * index] + b" \x00" + units[2 * (index + length):]
    try:
        return units.decode("utf-16-le")
    except UnicodeDecodeError:  # indexes that split a surrogate pair: keep the text as it was
        return text


class Conversation:
    def __init__(self, searcher: Callable[[], Searcher], faqs: FaqDirectory, exchanges: ExchangeLog,
                 hasher: UserHasher, desk_phone: str, desk_hours: str, *, handoff: Handoff | None = None,
                 disaster_mode: Callable[[], DisasterMode] | None = None, emergency_7119: bool = True):
        self._searcher = searcher
        self.faqs = faqs
        self.exchanges = exchanges
        self.hasher = hasher
        self.desk_phone = desk_phone
        self.desk_hours = desk_hours
        self.handoff = handoff              # None: the desk is offered by phone only
        self._disaster_mode = disaster_mode or (lambda: OFF)
        self.emergency_7119 = emergency_7119

    # -- entry point -----------------------------------------------------
    def respond(self, event, started: float | None = None) -> Reply | None:
        """The reply to one parsed webhook event, or None when the bot stays silent."""
        source = getattr(event, "source", None)
        chat = self.hasher.chat_key(source)
        known_user = chat.source_type == USER and chat.key != ANONYMOUS
        turn = Turn(chat, getattr(event, "webhook_event_id", None), started or time.monotonic(),
                    self._disaster_mode(), getattr(source, "user_id", None) if known_user else None)
        if isinstance(event, FollowEvent):
            if known_user:
                self.exchanges.set_following(chat, True)
            greeting = phrases.disaster_greeting(turn.mode.name) if turn.mode.active else phrases.GREETING
            return Reply(compose([greeting], self._topic_actions(turn)))
        if isinstance(event, UnfollowEvent):
            if known_user:
                self.exchanges.set_following(chat, False)
            return None
        if isinstance(event, JoinEvent):
            return Reply(compose([phrases.GROUP_JOIN]))
        if isinstance(event, MessageEvent):
            return self._message(event, turn)
        if isinstance(event, PostbackEvent):
            return self._postback(event, turn)
        return None

    def system_error_reply(self) -> Reply:
        return Reply(compose([phrases.system_error(self.desk_phone, self.desk_hours)]))

    # -- messages --------------------------------------------------------
    def _message(self, event: MessageEvent, turn: Turn) -> Reply | None:
        in_group = turn.chat.source_type != USER
        if in_group and not mentions_bot(event.message):
            return None  # group/room: only when the bot is mentioned
        if turn.chat.source_type == USER and turn.chat.key != ANONYMOUS:
            self.exchanges.touch_user(turn.chat)
        ticket = self._open_ticket(turn)
        if not isinstance(event.message, TextMessageContent):
            if ticket is not None:
                ack = self.handoff.relay_non_text(ticket, event.message.type, turn.mode)
                x = self._record(turn, kind="non_text", decision="ticket", reason=event.message.type)
                return Reply(compose([ack], [self._end_ticket_action()]), x)
            exchange_id = self._record(turn, kind="non_text", decision="ask_text", reason=event.message.type)
            return Reply(compose([phrases.NON_TEXT], self._menu_actions(turn)), exchange_id)
        text = strip_self_mentions(event.message) if in_group else event.message.text
        return self._text(text, turn, ticket)

    def _text(self, text: str, turn: Turn, ticket: Ticket | None = None) -> Reply:
        masked = mask_personal_data(normalize_query(text or ""))
        query = masked.text[:QUERY_STORE_MAX]
        alarm = emergency.detect(query)
        # the emergency numbers come first, before anything else (and before any search)
        lead = [phrases.emergency(turn.mode.active, self.emergency_7119)] if alarm else []
        lead += [phrases.PERSONAL_DATA_NOTE] if masked.masked else []
        common = dict(query=query, pii_masked=masked.masked)
        if ticket is not None:  # a person handles this resident now: no auto answer
            kept = mask_personal_data(normalize(text or "")).text[:QUERY_STORE_MAX] or query
            ack = self.handoff.relay_text(ticket, kept, turn.mode, alarm is not None)
            x = self._record(turn, kind="ticket", decision="ticket", pii_masked=masked.masked,
                             reason="emergency" if alarm else None)
            return Reply(compose(lead + [ack], [self._end_ticket_action()]), x)
        keyword = query.strip(_KEYWORD_TRIM).lower()
        if keyword in phrases.MENU_KEYWORDS:
            x = self._record(turn, kind="menu", decision="menu", **common)
            return Reply(compose(lead + [self._menu_text(turn)], self._menu_actions(turn)), x)
        if keyword in phrases.HELP_KEYWORDS:
            x = self._record(turn, kind="help", decision="help", **common)
            return Reply(compose(lead + [phrases.HELP], self._menu_actions(turn)), x)
        if keyword == phrases.DESK_LABEL or wants_person(query):
            trigger = DESK_BUTTON if keyword == phrases.DESK_LABEL else KEYWORD
            return self._desk(turn, None, trigger, lead, **common)
        return self._search(query, turn, lead, common, alarm=alarm is not None)

    def _search(self, query: str, turn: Turn, note: list[str], common: dict, alarm: bool = False,
                prefer: str | None = None) -> Reply:
        # a topic picked from the menu a moment ago breaks ties towards that category; in
        # disaster-support mode the disaster-support entries do
        topic = prefer or (self.exchanges.recent_topic(turn.chat) if turn.chat.key != ANONYMOUS else None)
        boost = None
        if turn.mode.active and topic in (None, DISASTER_CATEGORY):
            topic, boost = DISASTER_CATEGORY, DISASTER_BOOST
        outcome: SearchOutcome = self._searcher().search(query, prefer_category=topic, category_boost=boost)
        searched = dict(common, reason=outcome.reason, degraded=outcome.degraded)
        if outcome.reason == "no-content":
            x = self._record(turn, kind="text", decision=outcome.decision, **searched)
            return Reply(compose(note + [phrases.NO_CONTENT], self._menu_actions(turn)), x)
        top = outcome.top
        if outcome.decision == ANSWER and top is not None:
            x = self._record(turn, kind="text", decision=ANSWER, faq_id=top.entry.id, score=top.score, **searched)
            return self._answer(top.entry, x, note)
        if outcome.decision == SUGGEST and outcome.suggestions:
            x = self._record(turn, kind="text", decision=SUGGEST, faq_id=top.entry.id, score=top.score, **searched)
            return self._suggest(list(outcome.suggestions), x, note)
        x = self._record(turn, kind="text", decision="fallback", faq_id=top.entry.id if top else None,
                         score=top.score if top else None, **searched)
        actions = [postback_action(phrases.DESK_LABEL, Postback(DESK, exchange_id=x), phrases.DESK_LABEL),
                   postback_action(phrases.HELP_LABEL, Postback(HELP), phrases.HELP_LABEL),
                   postback_action(phrases.MENU_LABEL, Postback(MENU), phrases.MENU_LABEL)]
        # after the emergency numbers, 「見つかりませんでした」 would only distract
        blocks = note if alarm else note + [phrases.FALLBACK]
        return Reply(compose(blocks, actions), x)

    # -- postbacks -------------------------------------------------------
    def _postback(self, event: PostbackEvent, turn: Turn) -> Reply:
        pb = decode(event.postback.data if event.postback else None)
        if turn.chat.source_type == USER and turn.chat.key != ANONYMOUS:
            self.exchanges.touch_user(turn.chat)
        parent = pb.exchange_id if pb and pb.exchange_id and self.exchanges.owns(pb.exchange_id, turn.chat) else None
        ticket = self._open_ticket(turn)
        if ticket is not None:
            return self._ticket_postback(pb, turn, ticket, parent)
        if pb is not None and pb.action == END_TICKET:  # an old button: the ticket is closed already
            x = self._record(turn, kind="menu", decision="menu", reason="ticket-closed")
            return Reply(compose([phrases.TICKET_ENDED_BY_RESIDENT], self._menu_actions(turn)), x)
        if pb is None or pb.action == MENU:
            x = self._record(turn, kind="menu", decision="menu")
            return Reply(compose([self._menu_text(turn)], self._menu_actions(turn)), x)
        if pb.action == HELP:
            x = self._record(turn, kind="help", decision="help")
            return Reply(compose([phrases.HELP], self._menu_actions(turn)), x)
        if pb.action == FEEDBACK:
            if parent is not None:
                self.exchanges.set_feedback(parent, turn.chat, bool(pb.resolved))
            if pb.resolved:
                return Reply(compose([phrases.FEEDBACK_THANKS], [self._menu_action()]))
            if parent is not None and self.handoff is not None and turn.one_to_one \
                    and self.handoff.unresolved_twice(turn.chat):
                return self._desk(turn, parent, UNRESOLVED_TWICE, [phrases.HANDOFF_UNRESOLVED_INTRO])
            return Reply(compose([phrases.FEEDBACK_SORRY], [
                postback_action(phrases.DESK_LABEL, Postback(DESK, exchange_id=parent), phrases.DESK_LABEL),
                self._menu_action()]))
        if pb.action == DESK:
            trigger = FALLBACK if self.handoff is not None and self.handoff.was_fallback(parent) else DESK_BUTTON
            return self._desk(turn, parent, trigger)
        if pb.action == TOPIC:
            return self._topic(pb.category or "", turn)
        if pb.action == SUBJECT:
            return self._subject(pb.category or "", turn)
        # FAQ: a suggestion or a topic question was tapped
        entry = self.faqs.get(pb.faq_id or "")
        if entry is None:
            x = self._record(turn, kind="pick", decision="gone", reason="faq-unavailable", parent_id=parent)
            return Reply(compose([phrases.FAQ_GONE], self._menu_actions(turn)), x)
        x = self._record(turn, kind="pick", decision=ANSWER, query=entry.question, faq_id=entry.id, parent_id=parent)
        return self._answer(entry, x, [])

    # -- replies ---------------------------------------------------------
    def _answer(self, entry: FaqEntry, exchange_id: int, note: list[str]) -> Reply:
        footer = phrases.answer_footer(entry.url, entry.department)
        closing = (footer + "\n\n" if footer else "") + phrases.answer_feedback_prompt()
        actions = [
            postback_action(phrases.RESOLVED_LABEL, Postback(FEEDBACK, exchange_id=exchange_id, resolved=True),
                            phrases.RESOLVED_LABEL),
            postback_action(phrases.UNRESOLVED_LABEL, Postback(FEEDBACK, exchange_id=exchange_id, resolved=False),
                            phrases.UNRESOLVED_LABEL),
        ]
        return Reply(compose(note + [phrases.answer(entry.question, entry.answer), closing], actions), exchange_id)

    def _suggest(self, candidates, exchange_id: int, note: list[str]) -> Reply:
        questions = [c.entry.question for c in candidates]
        text = "\n\n".join([phrases.SUGGEST_INTRO, phrases.numbered(questions), phrases.SUGGEST_OUTRO])
        actions = [postback_action(f"{i}. {c.entry.question}", Postback(FAQ, faq_id=c.entry.id, exchange_id=exchange_id),
                                   c.entry.question)
                   for i, c in enumerate(candidates, 1)]
        actions.append(postback_action(phrases.DESK_LABEL, Postback(DESK, exchange_id=exchange_id), phrases.DESK_LABEL))
        return Reply(compose(note + [text], actions), exchange_id)

    def _topic(self, category: str, turn: Turn) -> Reply:
        if category not in CATEGORIES:
            x = self._record(turn, kind="menu", decision="menu", reason="unknown-topic")
            return Reply(compose([self._menu_text(turn)], self._menu_actions(turn)), x)
        x = self._record(turn, kind="topic", decision="topic", query=phrases.topic_label(category), reason=category)
        entries = self.faqs.in_category(category)
        if not entries:
            return Reply(compose([phrases.topic_empty(category)], self._menu_actions(turn)), x)
        asked = self.exchanges.most_asked([e.id for e in entries])
        order = {e.id: i for i, e in enumerate(entries)}
        entries.sort(key=lambda e: (-asked.get(e.id, 0), order[e.id]))
        shown = entries[:QUICK_REPLY_MAX - 1]
        text = phrases.topic_intro(category) + "\n\n" + phrases.numbered([e.question for e in shown])
        actions = [postback_action(f"{i}. {e.question}", Postback(FAQ, faq_id=e.id, exchange_id=x), e.question)
                   for i, e in enumerate(shown, 1)]
        actions.append(self._menu_action())
        return Reply(compose([text], actions), x)

    def _subject(self, key: str, turn: Turn) -> Reply:
        """A disaster-support quick reply: search its question, preferring disaster-support entries."""
        subjects = {k: (label, question) for k, label, question in phrases.DISASTER_SUBJECTS}
        if key not in subjects:
            x = self._record(turn, kind="menu", decision="menu", reason="unknown-subject")
            return Reply(compose([self._menu_text(turn)], self._menu_actions(turn)), x)
        return self._search(subjects[key][1], turn, [], dict(query=subjects[key][1]), prefer=DISASTER_CATEGORY)

    # -- the human desk ----------------------------------------------------------
    def _open_ticket(self, turn: Turn) -> Ticket | None:
        if self.handoff is None or not turn.one_to_one:
            return None
        return self.handoff.tickets.open_for(turn.chat.key)

    def _desk(self, turn: Turn, parent: int | None, trigger: str = DESK_BUTTON, lead: list[str] | None = None,
              **fields) -> Reply:
        lead = list(lead or [])
        x = self._record(turn, kind="desk", decision="desk", parent_id=parent, reason=trigger, **fields)
        if fields.get("pii_masked") and phrases.PERSONAL_DATA_NOTE not in lead:
            lead.append(phrases.PERSONAL_DATA_NOTE)
        if self.handoff is not None and turn.one_to_one:
            _, notice = self.handoff.start(turn.chat, turn.line_user_id, trigger, turn.mode)
            return Reply(compose(lead + [notice], [self._end_ticket_action()]), x)
        info = phrases.group_desk(self.desk_phone, self.desk_hours) if turn.chat.source_type != USER \
            else phrases.desk(self.desk_phone, self.desk_hours)
        return Reply(compose(lead + [info], [self._menu_action()]), x)

    def _ticket_postback(self, pb: Postback | None, turn: Turn, ticket: Ticket, parent: int | None) -> Reply:
        """Buttons tapped while a person handles the resident: no auto answers until the ticket ends."""
        if pb is not None and pb.action == END_TICKET:
            self.handoff.end_by_resident(turn.chat)
            x = self._record(turn, kind="desk", decision="ticket-ended")
            return Reply(compose([phrases.TICKET_ENDED_BY_RESIDENT], self._menu_actions(turn)), x)
        if pb is not None and pb.action == DESK:
            return self._desk(turn, parent, DESK_BUTTON)
        if pb is not None and pb.action == FEEDBACK and parent is not None:
            self.exchanges.set_feedback(parent, turn.chat, bool(pb.resolved))
        opening = self.handoff.desk_state(ticket.disaster, turn.mode).opening
        x = self._record(turn, kind="ticket", decision="ticket", reason=pb.action if pb else "unknown")
        return Reply(compose([phrases.HANDOFF_ALREADY_OPEN + "\n" + phrases.ticket_ack(opening)],
                             [self._end_ticket_action()]), x)

    # -- quick replies -----------------------------------------------------------
    def _menu_text(self, turn: Turn) -> str:
        return phrases.disaster_menu(turn.mode.name) if turn.mode.active else phrases.MENU

    def _topic_actions(self, turn: Turn) -> list:
        if turn.mode.active:
            actions = [postback_action(label, Postback(SUBJECT, category=key), label)
                       for key, label, _ in phrases.DISASTER_SUBJECTS]
        else:
            actions = [postback_action(phrases.topic_label(c), Postback(TOPIC, category=c), phrases.topic_label(c))
                       for c in phrases.MAIN_TOPICS]
        actions.append(postback_action(phrases.DESK_LABEL, Postback(DESK), phrases.DESK_LABEL))
        return actions

    def _menu_actions(self, turn: Turn) -> list:
        actions = self._topic_actions(turn)
        if turn.mode.active:  # the everyday topics stay reachable
            actions += [postback_action(phrases.topic_label(c), Postback(TOPIC, category=c), phrases.topic_label(c))
                        for c in phrases.MAIN_TOPICS if c != DISASTER_CATEGORY]
        return actions + [postback_action(phrases.HELP_LABEL, Postback(HELP), phrases.HELP_LABEL)]

    def _end_ticket_action(self):
        return postback_action(phrases.END_TICKET_LABEL, Postback(END_TICKET), phrases.END_TICKET_LABEL)

    def _menu_action(self):
        return postback_action(phrases.MENU_LABEL, Postback(MENU), phrases.MENU_LABEL)

    def _record(self, turn: Turn, *, kind: str, decision: str, **fields) -> int:
        return self.exchanges.record(ExchangeRecord(chat=turn.chat, kind=kind, decision=decision,
                                                    event_id=turn.event_id, latency_ms=turn.latency_ms(),
                                                    **fields))

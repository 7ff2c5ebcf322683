"""The conversation: what the bot answers to each LINE event, and what it records.

Group and room chats: the bot answers only messages that mention it
(``message.mention.mentionees[].isSelf``) and postbacks from its own quick
replies; everything else there is ignored and nothing is stored. Group members'
user ids are never stored (the chat is keyed by the group/room id's HMAC).
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

from faq.model import CATEGORIES, FaqEntry
from faq.text import normalize_query
from index.search import ANSWER, SUGGEST, Searcher, SearchOutcome

from . import phrases
from .exchange_log import ExchangeLog, ExchangeRecord
from .faq_directory import FaqDirectory
from .identity import ANONYMOUS, USER, ChatKey, UserHasher
from .line_messages import QUICK_REPLY_MAX, compose, postback_action
from .postback import DESK, FAQ, FEEDBACK, HELP, MENU, TOPIC, Postback, decode
from .privacy import mask_personal_data

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
                 hasher: UserHasher, desk_phone: str, desk_hours: str):
        self._searcher = searcher
        self.faqs = faqs
        self.exchanges = exchanges
        self.hasher = hasher
        self.desk_phone = desk_phone
        self.desk_hours = desk_hours

    # -- entry point -----------------------------------------------------
    def respond(self, event, started: float | None = None) -> Reply | None:
        """The reply to one parsed webhook event, or None when the bot stays silent."""
        chat = self.hasher.chat_key(getattr(event, "source", None))
        known_user = chat.source_type == USER and chat.key != ANONYMOUS
        turn = Turn(chat, getattr(event, "webhook_event_id", None), started or time.monotonic())
        if isinstance(event, FollowEvent):
            if known_user:
                self.exchanges.set_following(chat, True)
            return Reply(compose([phrases.GREETING], self._topic_actions()))
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
        if not isinstance(event.message, TextMessageContent):
            exchange_id = self._record(turn, kind="non_text", decision="ask_text", reason=event.message.type)
            return Reply(compose([phrases.NON_TEXT], self._menu_actions()), exchange_id)
        text = strip_self_mentions(event.message) if in_group else event.message.text
        return self._text(text, turn)

    def _text(self, text: str, turn: Turn) -> Reply:
        masked = mask_personal_data(normalize_query(text or ""))
        query = masked.text[:QUERY_STORE_MAX]
        note = [phrases.PERSONAL_DATA_NOTE] if masked.masked else []
        keyword = query.strip(_KEYWORD_TRIM).lower()
        common = dict(query=query, pii_masked=masked.masked)
        if keyword in phrases.MENU_KEYWORDS:
            x = self._record(turn, kind="menu", decision="menu", **common)
            return Reply(compose(note + [phrases.MENU], self._menu_actions()), x)
        if keyword in phrases.HELP_KEYWORDS:
            x = self._record(turn, kind="help", decision="help", **common)
            return Reply(compose(note + [phrases.HELP], self._menu_actions()), x)
        if keyword == phrases.DESK_LABEL:
            return self._desk(turn, None, **common)

        # a topic picked from the menu a moment ago breaks ties towards that category
        topic = self.exchanges.recent_topic(turn.chat) if turn.chat.key != ANONYMOUS else None
        outcome: SearchOutcome = self._searcher().search(query, prefer_category=topic)
        searched = dict(common, reason=outcome.reason, degraded=outcome.degraded)
        if outcome.reason == "no-content":
            x = self._record(turn, kind="text", decision=outcome.decision, **searched)
            return Reply(compose(note + [phrases.NO_CONTENT], self._menu_actions()), x)
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
        return Reply(compose(note + [phrases.FALLBACK], actions), x)

    # -- postbacks -------------------------------------------------------
    def _postback(self, event: PostbackEvent, turn: Turn) -> Reply:
        pb = decode(event.postback.data if event.postback else None)
        if turn.chat.source_type == USER and turn.chat.key != ANONYMOUS:
            self.exchanges.touch_user(turn.chat)
        parent = pb.exchange_id if pb and pb.exchange_id and self.exchanges.owns(pb.exchange_id, turn.chat) else None
        if pb is None or pb.action == MENU:
            x = self._record(turn, kind="menu", decision="menu")
            return Reply(compose([phrases.MENU], self._menu_actions()), x)
        if pb.action == HELP:
            x = self._record(turn, kind="help", decision="help")
            return Reply(compose([phrases.HELP], self._menu_actions()), x)
        if pb.action == FEEDBACK:
            if parent is not None:
                self.exchanges.set_feedback(parent, turn.chat, bool(pb.resolved))
            if pb.resolved:
                return Reply(compose([phrases.FEEDBACK_THANKS], [self._menu_action()]))
            return Reply(compose([phrases.FEEDBACK_SORRY], [
                postback_action(phrases.DESK_LABEL, Postback(DESK, exchange_id=parent), phrases.DESK_LABEL),
                self._menu_action()]))
        if pb.action == DESK:
            return self._desk(turn, parent)
        if pb.action == TOPIC:
            return self._topic(pb.category or "", turn)
        # FAQ: a suggestion or a topic question was tapped
        entry = self.faqs.get(pb.faq_id or "")
        if entry is None:
            x = self._record(turn, kind="pick", decision="gone", reason="faq-unavailable", parent_id=parent)
            return Reply(compose([phrases.FAQ_GONE], self._menu_actions()), x)
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
            return Reply(compose([phrases.MENU], self._menu_actions()), x)
        x = self._record(turn, kind="topic", decision="topic", query=phrases.topic_label(category), reason=category)
        entries = self.faqs.in_category(category)
        if not entries:
            return Reply(compose([phrases.topic_empty(category)], self._menu_actions()), x)
        asked = self.exchanges.most_asked([e.id for e in entries])
        order = {e.id: i for i, e in enumerate(entries)}
        entries.sort(key=lambda e: (-asked.get(e.id, 0), order[e.id]))
        shown = entries[:QUICK_REPLY_MAX - 1]
        text = phrases.topic_intro(category) + "\n\n" + phrases.numbered([e.question for e in shown])
        actions = [postback_action(f"{i}. {e.question}", Postback(FAQ, faq_id=e.id, exchange_id=x), e.question)
                   for i, e in enumerate(shown, 1)]
        actions.append(self._menu_action())
        return Reply(compose([text], actions), x)

    def _desk(self, turn: Turn, parent: int | None, **fields) -> Reply:
        x = self._record(turn, kind="desk", decision="desk", parent_id=parent, **fields)
        self.exchanges.request_desk(turn.chat, parent if parent is not None else x)
        note = [phrases.PERSONAL_DATA_NOTE] if fields.get("pii_masked") else []
        return Reply(compose(note + [phrases.desk(self.desk_phone, self.desk_hours)], [self._menu_action()]), x)

    def _topic_actions(self) -> list:
        actions = [postback_action(phrases.topic_label(c), Postback(TOPIC, category=c), phrases.topic_label(c))
                   for c in phrases.MAIN_TOPICS]
        actions.append(postback_action(phrases.DESK_LABEL, Postback(DESK), phrases.DESK_LABEL))
        return actions

    def _menu_actions(self) -> list:
        return self._topic_actions() + [postback_action(phrases.HELP_LABEL, Postback(HELP), phrases.HELP_LABEL)]

    def _menu_action(self):
        return postback_action(phrases.MENU_LABEL, Postback(MENU), phrases.MENU_LABEL)

    def _record(self, turn: Turn, *, kind: str, decision: str, **fields) -> int:
        return self.exchanges.record(ExchangeRecord(chat=turn.chat, kind=kind, decision=decision,
                                                    event_id=turn.event_id, latency_ms=turn.latency_ms(),
                                                    **fields))

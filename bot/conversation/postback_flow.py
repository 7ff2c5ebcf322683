"""A tapped quick reply (postback): the action is looked up in a table of handlers.

The first 「解決した」 on a tapped 「もしかして」 choice hands the resident's own question (as stored: masked)
and the picked entry to ``learn``: the console proposes it as an alternative question for staff to accept
(never added on its own). Only Japanese chats, never a masked question, never a disaster subject's fixed
question; a failure there is logged and the resident's reply is unaffected.

Data that is not one of ours counts as 「メニュー」. An exchange id in the data is used only
if the exchange belongs to this chat. While a desk ticket is open, only 「相談をやめる」 and
「職員に相談」 act; any other button gets the reminder that a person is handling the chat
(a 「解決した/しない」 is still stored) and nothing is searched.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from linebot.v3.webhooks import PostbackEvent

from bot import phrases
from bot.conversation import choices, menus
from bot.conversation.answers import Answers
from bot.conversation.decision import Decision, Record
from bot.conversation.desk_flow import DeskFlow
from bot.conversation.turn import Turn
from bot.desk.handoff import DESK_BUTTON, UNRESOLVED_TWICE
from bot.desk.tickets import Ticket
from bot.disaster_mode import DISASTER_CATEGORY
from bot.faq_directory import FaqDirectory
from bot.language import say
from bot.language.chat import ChatLanguages
from bot.language.codes import is_japanese
from bot.language.texts import texts
from bot.line.messages import QUICK_REPLY_MAX
from bot.line.postback import (
    DESK,
    END_TICKET,
    FAQ,
    FEEDBACK,
    HELP,
    LANGUAGE,
    MENU,
    NAVIGATOR,
    SHELTER,
    SUBJECT,
    TOPIC,
    Postback,
    decode,
)
from bot.records.exchanges import RESOLVED, ExchangeLog
from faq.model import CATEGORIES
from index.search import ANSWER

if TYPE_CHECKING:
    from bot.disaster.support import DisasterSupport

log = logging.getLogger(__name__)

# Where a resident's wording for an entry goes: learn(faq_id, wording) (the console's 言い換え候補).
WordingLearner = Callable[[str, str], object]

SHELTER_SUBJECT = "hinanjo"   # the disaster subject 「避難所」 asks for the location while a shelter is open
_SUBJECTS = {key: question for key, _, question in phrases.DISASTER_SUBJECTS}


@dataclass(frozen=True)
class Tap:
    """One postback: what was tapped (None: not ours), where, the exchange it refers to, the open ticket."""
    postback: Postback | None
    turn: Turn
    parent_id: int | None
    ticket: Ticket | None = None

    @property
    def action(self) -> str | None:
        return self.postback.action if self.postback else None


class PostbackFlow:
    def __init__(self, faqs: FaqDirectory, exchanges: ExchangeLog, answers: Answers, desk: DeskFlow,
                 support: DisasterSupport | None = None, languages: ChatLanguages | None = None,
                 learn: WordingLearner | None = None):
        self._support = support
        self._learn = learn
        self._faqs = faqs
        self._exchanges = exchanges
        self._answers = answers
        self._desk = desk
        self._languages = languages or ChatLanguages(None)
        self.handlers: dict[str, Callable[[Tap], Decision]] = {
            MENU: self._menu, HELP: self._help, FEEDBACK: self._feedback, DESK: self._desk_request,
            TOPIC: self._topic, SUBJECT: self._subject, FAQ: self._faq, END_TICKET: self._ticket_gone,
            NAVIGATOR: self._navigator, SHELTER: self._shelter, LANGUAGE: self._language,
        }
        self.during_ticket: dict[str, Callable[[Tap], Decision]] = {
            END_TICKET: self._end_ticket, DESK: self._desk_request_again, LANGUAGE: self._language,
        }

    def decide(self, event: PostbackEvent, turn: Turn) -> Decision:
        pb = decode(event.postback.data if event.postback else None)
        if turn.known_user:
            self._exchanges.touch_user(turn.chat)
        parent = pb.exchange_id if pb and pb.exchange_id and self._exchanges.owns(pb.exchange_id, turn.chat) else None
        ticket = self._desk.open_ticket(turn)
        tap = Tap(pb, turn, parent, ticket)
        if ticket is not None:
            return self.during_ticket.get(tap.action, self._ticket_reminder)(tap)
        return self.handlers.get(tap.action, self._menu)(tap)

    # -- without a ticket ----------------------------------------------------------------
    def _menu(self, tap: Tap) -> Decision:
        return menus.menu(tap.turn.mode, Record(kind="menu", decision="menu"), lang=tap.turn.lang)

    def _help(self, tap: Tap) -> Decision:
        return menus.help_(tap.turn.mode, Record(kind="help", decision="help"), lang=tap.turn.lang)

    def _language(self, tap: Tap) -> Decision:
        """「Language / 言語」: the list; a language tapped in it: answer in that language from now on."""
        chosen = tap.postback.category
        if chosen is None or not self._languages.choose(tap.turn.chat, chosen):
            return menus.language_choices(Record(kind="language", decision="language", reason="menu"))
        record = Record(kind="language", decision="language", reason=chosen)
        note = texts(chosen).language_chosen
        if tap.ticket is not None:  # a person handles the chat: say so, in the new language's words
            return Decision((note,), (choices.end_ticket(),), record)
        return menus.menu(tap.turn.mode, record, (note,), chosen)

    def _ticket_gone(self, tap: Tap) -> Decision:
        """「相談をやめる」 on an old message: the ticket is closed already."""
        return menus.with_menu(tap.turn.mode, phrases.TICKET_ENDED_BY_RESIDENT,
                               Record(kind="menu", decision="menu", reason="ticket-closed"), tap.turn.lang)

    def _feedback(self, tap: Tap) -> Decision:
        resolved = bool(tap.postback.resolved)
        lang = tap.turn.lang
        if tap.parent_id is not None:
            self._store_feedback(tap, resolved)
        if resolved:
            return Decision((texts(lang).feedback_thanks,), (choices.menu(lang),))
        if tap.parent_id is not None and self._desk.unresolved_twice(tap.turn):
            return self._desk.request(tap.turn, tap.parent_id, UNRESOLVED_TWICE, [phrases.HANDOFF_UNRESOLVED_INTRO])
        return Decision((texts(lang).feedback_sorry,), (choices.desk(tap.parent_id, lang), choices.menu(lang)))

    def _desk_request(self, tap: Tap) -> Decision:
        return self._desk.request(tap.turn, tap.parent_id, self._desk.trigger_for(tap.parent_id))

    def _topic(self, tap: Tap) -> Decision:
        """A category's questions, the most asked first, as many as fit next to 「メニュー」."""
        category = tap.postback.category or ""
        if category not in CATEGORIES:
            return menus.menu(tap.turn.mode, Record(kind="menu", decision="menu", reason="unknown-topic"))
        record = Record(kind="topic", decision="topic", query=phrases.topic_label(category), reason=category)
        entries = self._faqs.in_category(category)
        if not entries:
            return menus.with_menu(tap.turn.mode, phrases.topic_empty(category), record)
        asked = self._exchanges.most_asked([e.id for e in entries])
        order = {e.id: i for i, e in enumerate(entries)}
        entries.sort(key=lambda e: (-asked.get(e.id, 0), order[e.id]))
        shown = entries[:QUICK_REPLY_MAX - 1]
        lang = tap.turn.lang
        shown = [self._answers.current(e, lang) for e in shown]
        text = phrases.topic_intro(category) + "\n\n" + phrases.numbered([say.question(e, lang) for e in shown])
        return Decision((text,), (*choices.questions(shown, lang), choices.menu(lang)), record)

    def _subject(self, tap: Tap) -> Decision:
        """A disaster-support subject: its question is searched, preferring disaster-support entries."""
        question = _SUBJECTS.get(tap.postback.category or "")
        if tap.postback.category == SHELTER_SUBJECT and self._support is not None and tap.turn.known_user \
                and self._support.shelters.available():
            return self._shelter(tap)
        if question is None:
            return menus.menu(tap.turn.mode, Record(kind="menu", decision="menu", reason="unknown-subject"))
        return self._answers.search(question, tap.turn, prefer=DISASTER_CATEGORY)

    def _navigator(self, tap: Tap) -> Decision:
        if self._support is None or not tap.turn.known_user or self._support.navigator.catalogue is None:
            return menus.menu(tap.turn.mode, Record(kind="menu", decision="menu", reason="no-navigator"))
        return self._support.navigator.tap(tap.turn, tap.postback.category or "start")

    def _shelter(self, tap: Tap) -> Decision:
        if self._support is None or not self._support.shelters.available():
            return self._answers.search(_SUBJECTS[SHELTER_SUBJECT], tap.turn, prefer=DISASTER_CATEGORY)
        return self._support.shelters.ask_location(tap.turn, phrases.SHELTER_LABEL)

    def _faq(self, tap: Tap) -> Decision:
        """A suggestion or a topic's question was tapped."""
        entry = self._faqs.get(tap.postback.faq_id or "")
        if entry is None:
            return menus.with_menu(tap.turn.mode, texts(tap.turn.lang).faq_gone, Record(
                kind="pick", decision="gone", reason="faq-unavailable", parent_id=tap.parent_id), tap.turn.lang)
        return self._answers.answer(entry, Record(kind="pick", decision=ANSWER, query=entry.question,
                                                  faq_id=entry.id, parent_id=tap.parent_id), lang=tap.turn.lang)

    # -- while a person handles the resident ---------------------------------------------
    def _end_ticket(self, tap: Tap) -> Decision:
        return self._desk.end_by_resident(tap.turn)

    def _desk_request_again(self, tap: Tap) -> Decision:
        return self._desk.request(tap.turn, tap.parent_id, DESK_BUTTON)

    def _ticket_reminder(self, tap: Tap) -> Decision:
        if tap.action == FEEDBACK and tap.parent_id is not None:
            self._store_feedback(tap, bool(tap.postback.resolved))
        return self._desk.already_open(tap.ticket, tap.turn, reason=tap.action or "unknown")

    # -- feedback and what it teaches ----------------------------------------------------
    def _store_feedback(self, tap: Tap, resolved: bool) -> None:
        first_resolution = resolved and self._exchanges.feedback_of(tap.parent_id) != RESOLVED
        if self._exchanges.set_feedback(tap.parent_id, tap.turn.chat, resolved) and first_resolution:
            self._learn_wording(tap)

    def _learn_wording(self, tap: Tap) -> None:
        if self._learn is None or not is_japanese(tap.turn.lang):
            return
        try:
            picked = self._exchanges.picked_suggestion(tap.parent_id)
            if picked is None or picked.pii_masked or picked.query in _SUBJECTS.values():
                return
            self._learn(picked.faq_id, picked.query)
        except Exception:  # noqa: BLE001 - a proposal is a nicety; the resident's reply must not fail
            log.exception("could not propose a resident's wording")

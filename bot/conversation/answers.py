"""Answering from the FAQ: the search and its three outcomes (answer, suggestions, fallback).

A topic picked from the menu a moment ago breaks ties towards that category; in
disaster-support mode the disaster-support entries do (the boost reorders, it never turns a
near-miss into a confident answer). After the emergency numbers, the fallback's
「見つかりませんでした」 is left out: it would only distract.

In another language the answer is the entry's translation (read from the knowledge base, so a new
translation shows without an index rebuild); without one, the Japanese answer with one line in the
resident's language saying so and where multilingual help is.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from bot import phrases
from bot.conversation import choices
from bot.conversation.decision import Decision, Record
from bot.conversation.turn import Turn
from bot.disaster_mode import DISASTER_BOOST, DISASTER_CATEGORY
from bot.faq_directory import FaqDirectory
from bot.language import say
from bot.language.codes import JAPANESE
from bot.language.texts import texts
from bot.line.identity import ANONYMOUS
from bot.records.exchanges import ExchangeLog
from faq.model import FaqEntry
from index.search import ANSWER, SUGGEST, Searcher

NO_CONTENT = "no-content"


def answer(entry: FaqEntry, record: Record, note: Sequence[str] = (), lang: str = JAPANESE,
           help_contact: str = "") -> Decision:
    return Decision((*note, *say.answer_blocks(entry, lang, help_contact)), choices.feedback(lang), record)


def suggest(entries: list[FaqEntry], record: Record, note: Sequence[str] = (), lang: str = JAPANESE) -> Decision:
    t = texts(lang)
    text = "\n\n".join([t.suggest_intro, phrases.numbered([say.question(e, lang) for e in entries]),
                        t.suggest_outro])
    return Decision((*note, text), (*choices.questions(entries, lang), choices.desk_after_this(lang)), record)


class Answers:
    def __init__(self, searcher: Callable[[], Searcher], exchanges: ExchangeLog,
                 faqs: FaqDirectory | None = None, help_contact: str = ""):
        self._searcher = searcher
        self._exchanges = exchanges
        self._faqs = faqs
        self.help_contact = help_contact   # where multilingual help is (phone / URL), said with untranslated answers

    def current(self, entry: FaqEntry, lang: str) -> FaqEntry:
        """For another language, the entry as stored now (its latest translations)."""
        if lang == JAPANESE or self._faqs is None:
            return entry
        return self._faqs.get(entry.id) or entry

    def answer(self, entry: FaqEntry, record: Record, note: Sequence[str] = (), lang: str = JAPANESE) -> Decision:
        return answer(self.current(entry, lang), record, note, lang, self.help_contact)

    def search(self, query: str, turn: Turn, note: Sequence[str] = (), *, pii_masked: bool = False,
               alarm: bool = False, prefer: str | None = None) -> Decision:
        topic = prefer or (self._exchanges.recent_topic(turn.chat) if turn.chat.key != ANONYMOUS else None)
        boost = None
        if turn.mode.active and topic in (None, DISASTER_CATEGORY):
            topic, boost = DISASTER_CATEGORY, DISASTER_BOOST
        found = self._searcher().search(query, prefer_category=topic, category_boost=boost)
        searched = Record(kind="text", decision=found.decision, query=query, pii_masked=pii_masked,
                          reason=found.reason, degraded=found.degraded)
        lang = turn.lang
        if found.reason == NO_CONTENT:
            return Decision((*note, texts(lang).no_content), tuple(choices.menu_choices(turn.mode, lang)), searched)
        top = found.top
        if top is not None:
            searched = replace(searched, faq_id=top.entry.id, score=top.score)
        if found.decision == ANSWER and top is not None:
            return self.answer(top.entry, searched, note, lang)
        if found.decision == SUGGEST and found.suggestions:
            return suggest([self.current(c.entry, lang) for c in found.suggestions], searched, note, lang)
        fallback = replace(searched, decision="fallback")
        blocks = tuple(note) if alarm else (*note, texts(lang).fallback)
        return Decision(blocks, (choices.desk_after_this(lang), choices.help_(lang), choices.menu(lang)), fallback)

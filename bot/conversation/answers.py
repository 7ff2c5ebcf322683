"""Answering from the FAQ: the search and its three outcomes (answer, suggestions, fallback).

A topic picked from the menu a moment ago breaks ties towards that category; in
disaster-support mode the disaster-support entries do (the boost reorders, it never turns a
near-miss into a confident answer). After the emergency numbers, the fallback's
「見つかりませんでした」 is left out: it would only distract.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from bot import phrases
from bot.conversation import choices
from bot.conversation.decision import Decision, Record
from bot.conversation.turn import Turn
from bot.disaster import DISASTER_BOOST, DISASTER_CATEGORY
from bot.line.identity import ANONYMOUS
from bot.records.exchanges import ExchangeLog
from faq.model import FaqEntry
from index.search import ANSWER, SUGGEST, Searcher

NO_CONTENT = "no-content"


def answer(entry: FaqEntry, record: Record, note: Sequence[str] = ()) -> Decision:
    footer = phrases.answer_footer(entry.url, entry.department)
    closing = (footer + "\n\n" if footer else "") + phrases.answer_feedback_prompt()
    return Decision((*note, phrases.answer(entry.question, entry.answer), closing), choices.feedback(), record)


def suggest(entries: list[FaqEntry], record: Record, note: Sequence[str] = ()) -> Decision:
    text = "\n\n".join([phrases.SUGGEST_INTRO, phrases.numbered([e.question for e in entries]),
                        phrases.SUGGEST_OUTRO])
    return Decision((*note, text), (*choices.questions(entries), choices.desk_after_this()), record)


class Answers:
    def __init__(self, searcher: Callable[[], Searcher], exchanges: ExchangeLog):
        self._searcher = searcher
        self._exchanges = exchanges

    def search(self, query: str, turn: Turn, note: Sequence[str] = (), *, pii_masked: bool = False,
               alarm: bool = False, prefer: str | None = None) -> Decision:
        topic = prefer or (self._exchanges.recent_topic(turn.chat) if turn.chat.key != ANONYMOUS else None)
        boost = None
        if turn.mode.active and topic in (None, DISASTER_CATEGORY):
            topic, boost = DISASTER_CATEGORY, DISASTER_BOOST
        found = self._searcher().search(query, prefer_category=topic, category_boost=boost)
        searched = Record(kind="text", decision=found.decision, query=query, pii_masked=pii_masked,
                          reason=found.reason, degraded=found.degraded)
        if found.reason == NO_CONTENT:
            return Decision((*note, phrases.NO_CONTENT), tuple(choices.menu_choices(turn.mode)), searched)
        top = found.top
        if top is not None:
            searched = replace(searched, faq_id=top.entry.id, score=top.score)
        if found.decision == ANSWER and top is not None:
            return answer(top.entry, searched, note)
        if found.decision == SUGGEST and found.suggestions:
            return suggest([c.entry for c in found.suggestions], searched, note)
        fallback = replace(searched, decision="fallback")
        blocks = tuple(note) if alarm else (*note, phrases.FALLBACK)
        return Decision(blocks, (choices.desk_after_this(), choices.help_(), choices.menu()), fallback)

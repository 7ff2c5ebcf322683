"""The greeting, the menu and the help: the same words in every chat, switched in disaster-support mode,
in the chat's language (the disaster subjects' labels stay Japanese)."""
from __future__ import annotations

from typing import Sequence

from bot import phrases
from bot.conversation import choices
from bot.conversation.decision import Decision, Record
from bot.disaster_mode import DisasterMode
from bot.language.codes import JAPANESE
from bot.language.texts import texts


def greeting(mode: DisasterMode, lang: str = JAPANESE) -> Decision:
    if mode.active:
        text = phrases.disaster_greeting(mode.name)
        if lang != JAPANESE:
            text = f"{texts(lang).greeting}\n\n{text}"
    else:
        text = texts(lang).greeting
    return Decision((text,), tuple(choices.topics(mode, lang)))


def menu(mode: DisasterMode, record: Record, lead: Sequence[str] = (), lang: str = JAPANESE) -> Decision:
    if mode.active:
        text = phrases.disaster_menu(mode.name) if lang == JAPANESE else f"【{mode.name}】\n{texts(lang).menu}"
    else:
        text = texts(lang).menu
    return Decision((*lead, text), tuple(choices.menu_choices(mode, lang)), record)


def help_(mode: DisasterMode, record: Record, lead: Sequence[str] = (), lang: str = JAPANESE) -> Decision:
    return Decision((*lead, texts(lang).help), tuple(choices.menu_choices(mode, lang)), record)


def with_menu(mode: DisasterMode, text: str, record: Record | None = None, lang: str = JAPANESE) -> Decision:
    """`text` followed by the menu's choices."""
    return Decision((text,), tuple(choices.menu_choices(mode, lang)), record)


def language_choices(record: Record | None = None, lead: Sequence[str] = ()) -> Decision:
    """The languages to choose from (the prompt is in Japanese and English)."""
    return Decision((*lead, texts(JAPANESE).language_prompt), tuple(choices.languages()), record)

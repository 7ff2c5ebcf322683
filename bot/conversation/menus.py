"""The greeting, the menu and the help: the same words in every chat, switched in disaster-support mode."""
from __future__ import annotations

from typing import Sequence

from bot import phrases
from bot.conversation import choices
from bot.conversation.decision import Decision, Record
from bot.disaster import DisasterMode


def greeting(mode: DisasterMode) -> Decision:
    text = phrases.disaster_greeting(mode.name) if mode.active else phrases.GREETING
    return Decision((text,), tuple(choices.topics(mode)))


def menu(mode: DisasterMode, record: Record, lead: Sequence[str] = ()) -> Decision:
    text = phrases.disaster_menu(mode.name) if mode.active else phrases.MENU
    return Decision((*lead, text), tuple(choices.menu_choices(mode)), record)


def help_(mode: DisasterMode, record: Record, lead: Sequence[str] = ()) -> Decision:
    return Decision((*lead, phrases.HELP), tuple(choices.menu_choices(mode)), record)


def with_menu(mode: DisasterMode, text: str, record: Record | None = None) -> Decision:
    """`text` followed by the menu's choices."""
    return Decision((text,), tuple(choices.menu_choices(mode)), record)

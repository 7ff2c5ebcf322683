"""The quick-reply choices the bot offers, as plain data (`Choice`)."""
from __future__ import annotations

from bot import phrases, support_phrases
from bot.conversation.decision import Choice
from bot.disaster import DISASTER_CATEGORY, DisasterMode
from bot.line.postback import (
    DESK,
    END_TICKET,
    FAQ,
    FEEDBACK,
    HELP,
    MENU,
    NAVIGATOR,
    SUBJECT,
    TOPIC,
    Postback,
)
from faq.model import FaqEntry


def _button(label: str, postback: Postback, of_this_exchange: bool = False) -> Choice:
    return Choice(label, postback, label, of_this_exchange)


def menu() -> Choice:
    return _button(phrases.MENU_LABEL, Postback(MENU))


def help_() -> Choice:
    return _button(phrases.HELP_LABEL, Postback(HELP))


def end_ticket() -> Choice:
    return _button(phrases.END_TICKET_LABEL, Postback(END_TICKET))


def desk(parent_id: int | None = None) -> Choice:
    return _button(phrases.DESK_LABEL, Postback(DESK, exchange_id=parent_id))


def desk_after_this() -> Choice:
    """「職員に相談」 about the exchange of this very reply."""
    return _button(phrases.DESK_LABEL, Postback(DESK), of_this_exchange=True)


def feedback() -> tuple[Choice, Choice]:
    """解決した / 解決しない on this reply's answer."""
    return (_button(phrases.RESOLVED_LABEL, Postback(FEEDBACK, resolved=True), of_this_exchange=True),
            _button(phrases.UNRESOLVED_LABEL, Postback(FEEDBACK, resolved=False), of_this_exchange=True))


def questions(entries: list[FaqEntry]) -> list[Choice]:
    """Numbered FAQ questions to tap (suggestions or a topic's list), tied to this reply's exchange."""
    return [Choice(f"{i}. {e.question}", Postback(FAQ, faq_id=e.id), e.question, of_this_exchange=True)
            for i, e in enumerate(entries, 1)]


def navigator() -> Choice:
    """Starts the support navigator (支援制度ナビ)."""
    return _button(support_phrases.NAVIGATOR_LABEL, Postback(NAVIGATOR, category="start"))


def _topic(category: str) -> Choice:
    return _button(phrases.topic_label(category), Postback(TOPIC, category=category))


def topics(mode: DisasterMode) -> list[Choice]:
    """The greeting's choices: the main topics (in disaster-support mode, the disaster subjects) and the desk."""
    if mode.active:
        shown = [navigator()] + [_button(label, Postback(SUBJECT, category=key))
                                 for key, label, _ in phrases.DISASTER_SUBJECTS]
    else:
        shown = [_topic(c) for c in phrases.MAIN_TOPICS]
    return shown + [desk()]


def menu_choices(mode: DisasterMode) -> list[Choice]:
    shown = topics(mode)
    if mode.active:  # the everyday topics stay reachable
        shown += [_topic(c) for c in phrases.MAIN_TOPICS if c != DISASTER_CATEGORY]
    return shown + [help_()]

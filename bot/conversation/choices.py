"""The quick-reply choices the bot offers, as plain data (`Choice`)."""
from __future__ import annotations

from bot import phrases
from bot.conversation.decision import Choice
from bot.disaster_mode import DISASTER_CATEGORY, DisasterMode
from bot.language import say
from bot.language.codes import JAPANESE, LANGUAGE_NAMES
from bot.language.texts import texts
from bot.line.postback import (
    DESK,
    END_TICKET,
    FAQ,
    FEEDBACK,
    HELP,
    LANGUAGE,
    MENU,
    NAVIGATOR,
    SUBJECT,
    TOPIC,
    Postback,
)
from faq.model import FaqEntry

LANGUAGE_LABEL = "Language / 言語"


def _button(label: str, postback: Postback, of_this_exchange: bool = False) -> Choice:
    return Choice(label, postback, label, of_this_exchange)


def menu(lang: str = JAPANESE) -> Choice:
    return _button(texts(lang).menu_label, Postback(MENU))


def help_(lang: str = JAPANESE) -> Choice:
    return _button(texts(lang).help_label, Postback(HELP))


def end_ticket() -> Choice:
    return _button(phrases.END_TICKET_LABEL, Postback(END_TICKET))


def desk(parent_id: int | None = None, lang: str = JAPANESE) -> Choice:
    return _button(texts(lang).desk_label, Postback(DESK, exchange_id=parent_id))


def desk_after_this(lang: str = JAPANESE) -> Choice:
    """「職員に相談」 about the exchange of this very reply."""
    return _button(texts(lang).desk_label, Postback(DESK), of_this_exchange=True)


def feedback(lang: str = JAPANESE) -> tuple[Choice, Choice]:
    """解決した / 解決しない on this reply's answer."""
    t = texts(lang)
    return (_button(t.resolved_label, Postback(FEEDBACK, resolved=True), of_this_exchange=True),
            _button(t.unresolved_label, Postback(FEEDBACK, resolved=False), of_this_exchange=True))


def language() -> Choice:
    """「Language / 言語」: the list of languages."""
    return _button(LANGUAGE_LABEL, Postback(LANGUAGE))


def languages() -> list[Choice]:
    """One button per language, each named in its own language."""
    return [_button(name, Postback(LANGUAGE, category=code)) for code, name in LANGUAGE_NAMES.items()]


def questions(entries: list[FaqEntry], lang: str = JAPANESE) -> list[Choice]:
    """Numbered FAQ questions to tap (suggestions or a topic's list), tied to this reply's exchange."""
    shown = [say.question(e, lang) for e in entries]
    return [Choice(f"{i}. {q}", Postback(FAQ, faq_id=e.id), q, of_this_exchange=True)
            for i, (e, q) in enumerate(zip(entries, shown), 1)]


def navigator() -> Choice:
    """Starts the support navigator (支援制度ナビ)."""
    return _button(phrases.NAVIGATOR_LABEL, Postback(NAVIGATOR, category="start"))


def _topic(category: str) -> Choice:
    return _button(phrases.topic_label(category), Postback(TOPIC, category=category))


def topics(mode: DisasterMode, lang: str = JAPANESE) -> list[Choice]:
    """The greeting's choices: the main topics (in disaster-support mode, the disaster subjects) and the desk."""
    if mode.active:
        shown = [navigator()] + [_button(label, Postback(SUBJECT, category=key))
                                 for key, label, _ in phrases.DISASTER_SUBJECTS]
    else:
        shown = [_topic(c) for c in phrases.MAIN_TOPICS]
    return shown + [desk(lang=lang), language()]


def menu_choices(mode: DisasterMode, lang: str = JAPANESE) -> list[Choice]:
    shown = topics(mode, lang)
    if mode.active:  # the everyday topics stay reachable
        shown += [_topic(c) for c in phrases.MAIN_TOPICS if c != DISASTER_CATEGORY]
    return shown + [help_(lang)]

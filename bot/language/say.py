"""Phrases that need more than a lookup: the emergency numbers, the desk, an FAQ answer, in a language.

Japanese goes through `bot.phrases` unchanged; other languages through their `Texts`.
"""
from __future__ import annotations

from bot import phrases
from bot.language.codes import JAPANESE
from bot.language.texts import texts
from faq.model import FaqEntry


def emergency(lang: str, disaster: bool, with_7119: bool) -> str:
    if lang == JAPANESE:
        return phrases.emergency(disaster, with_7119)
    t = texts(lang)
    lines = [t.emergency_title, t.emergency_fire, t.emergency_police]
    if with_7119:
        lines.append(t.emergency_7119)
    if disaster:
        lines.append(t.emergency_171)
    lines.append(t.emergency_not_a_line)
    return "\n".join(lines)


def hours(lang: str, configured: str, default: str) -> str:
    """The desk hours: said in the language when they are the default ones, else as configured."""
    localized = texts(lang).desk_hours_default
    return localized if lang != JAPANESE and configured == default and localized else configured


def desk(lang: str, phone: str, hours_text: str) -> str:
    return texts(lang).desk.format(phone=phone, hours=hours_text)


def system_error(lang: str, phone: str, hours_text: str) -> str:
    return texts(lang).system_error.format(phone=phone, hours=hours_text)


def desk_language_note(lang: str, help_contact: str) -> str | None:
    note = texts(lang).desk_language_note
    return note.format(help=help_contact) if lang != JAPANESE and note else None


def question(entry: FaqEntry, lang: str) -> str:
    """The entry's question in `lang` when translated, else in Japanese."""
    translated = entry.translation(lang) if lang != JAPANESE else None
    return translated.question if translated else entry.question


def answer_blocks(entry: FaqEntry, lang: str, help_contact: str) -> tuple[str, ...]:
    """The answer in `lang` when the entry has it; otherwise one line in `lang` saying the answer is in
    Japanese and where help in the language is, then the Japanese answer. Footer and prompt in `lang`."""
    t = texts(lang)
    translated = entry.translation(lang) if lang != JAPANESE else None
    blocks: list[str] = []
    if translated is not None:
        blocks.append(phrases.answer(translated.question, translated.answer))
    else:
        if lang != JAPANESE:
            blocks.append(t.japanese_only.format(help=help_contact))
        blocks.append(phrases.answer(entry.question, entry.answer))
    if lang == JAPANESE:
        footer = phrases.answer_footer(entry.url, entry.department)
    else:
        parts = [f"{t.more_info}\n{entry.url}"] if entry.url else []
        parts += [f"{t.department}：{entry.department}"] if entry.department else []
        footer = "\n\n".join(parts)
    blocks.append((footer + "\n\n" if footer else "") + t.feedback_prompt)
    return tuple(blocks)

"""Which entries lack which translation, and which translations still wait for a person's check."""
from __future__ import annotations

from dataclasses import dataclass

from .model import TRANSLATION_LANGUAGES, FaqEntry


@dataclass(frozen=True)
class LanguageCoverage:
    lang: str
    label: str
    translated: int
    checked: int
    missing: tuple[str, ...]      # entry ids without this language
    unchecked: tuple[str, ...]    # entry ids whose translation is not checked yet


def coverage(entries: list[FaqEntry], languages: list[str] | None = None) -> list[LanguageCoverage]:
    out = []
    for lang in languages or list(TRANSLATION_LANGUAGES):
        have = [e for e in entries if lang in e.translations]
        out.append(LanguageCoverage(
            lang, TRANSLATION_LANGUAGES[lang], len(have), sum(e.translations[lang].checked for e in have),
            tuple(e.id for e in entries if lang not in e.translations),
            tuple(e.id for e in have if not e.translations[lang].checked)))
    return out

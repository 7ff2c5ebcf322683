"""The languages the bot speaks: codes, and the names residents pick them by."""
from __future__ import annotations

from faq.model import TRANSLATION_LANGUAGES

JAPANESE = "ja"
EASY_JAPANESE = "easy"   # やさしい日本語: chosen explicitly, never detected
# code -> the name shown on the language buttons (in the language itself)
LANGUAGE_NAMES: dict[str, str] = {
    JAPANESE: "日本語",
    EASY_JAPANESE: "やさしい日本語",
    "en": "English",
    "zh": "中文（简体）",
    "ko": "한국어",
    "vi": "Tiếng Việt",
    "pt": "Português",
}
LANGUAGES = tuple(LANGUAGE_NAMES)
assert set(LANGUAGES) - {JAPANESE} == set(TRANSLATION_LANGUAGES), "FAQ translations and bot languages differ"
# languages the detector may return (やさしい日本語 reads as Japanese)
DETECTABLE = (JAPANESE, "en", "zh", "ko", "vi", "pt")


def is_japanese(lang: str) -> bool:
    return lang in (JAPANESE, EASY_JAPANESE)

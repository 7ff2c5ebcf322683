"""Which language to answer a chat in: remembered per chat, changed by a confident detection of the
message's language or by an explicit choice; short or ambiguous messages keep the current one.

やさしい日本語 is only ever chosen: a Japanese message keeps a chat in やさしい日本語.
A hint (the language of a matched small-talk or emergency word) answers this one message in that
language when the chat has no language yet, without remembering it (「hi」 alone proves little).
"""
from __future__ import annotations

from bot.language import detect
from bot.language.codes import EASY_JAPANESE, JAPANESE, LANGUAGES
from bot.language.memory import CHOSEN, DETECTED, LanguageMemory
from bot.line.identity import ChatKey

# Typed on its own, a language's name chooses it.
LANGUAGE_WORDS = {
    "english": "en", "英語": "en", "えいご": "en", "in english": "en",
    "中文": "zh", "简体中文": "zh", "中文(简体)": "zh", "中国語": "zh", "汉语": "zh",
    "한국어": "ko", "韓国語": "ko", "조선어": "ko",
    "tiếng việt": "vi", "tieng viet": "vi", "ベトナム語": "vi", "vietnamese": "vi",
    "português": "pt", "portugues": "pt", "ポルトガル語": "pt", "portuguese": "pt",
    "やさしい日本語": "easy", "やさしいにほんご": "easy", "easy japanese": "easy",
    "日本語": "ja", "にほんご": "ja", "japanese": "ja",
}
# Typed on its own, asks for the list of languages.
LANGUAGE_MENU_WORDS = frozenset({"language", "languages", "言語", "ことば", "言葉", "language/言語", "言語設定",
                                 "语言", "언어", "ngôn ngữ", "idioma", "língua"})


class ChatLanguages:
    def __init__(self, memory: LanguageMemory | None):
        self._memory = memory

    def current(self, chat: ChatKey) -> str:
        return (self._memory.get(chat) if self._memory else None) or JAPANESE

    def of_message(self, chat: ChatKey, current: str, text: str, hint: str | None = None) -> str:
        """The language to answer this message in (remembered when the detection is confident)."""
        found = detect.detect(text)
        if found is None:
            if hint and current == JAPANESE and (self._memory is None or self._memory.get(chat) is None):
                return hint
            return current
        if found == JAPANESE and current == EASY_JAPANESE:
            return current
        if found != current and self._memory is not None:
            self._memory.set(chat, found, DETECTED)
        return found

    def choose(self, chat: ChatKey, lang: str) -> bool:
        if lang not in LANGUAGES:
            return False
        if self._memory is not None:
            self._memory.set(chat, lang, CHOSEN)
        return True

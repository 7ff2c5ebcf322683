"""Small talk (greetings, thanks, goodbyes, help, praise, complaints): short replies from a file staff
edit (`faq/smalltalk.yaml`), validated on load.

Only a whole message matches (after NFKC, lower case, surrounding punctuation/emoji/spaces removed),
never a phrase inside a real question. A message that *starts* with small talk and goes on with a
question (「ありがとう、あと住民票は？」) is a question: `split_lead` gives the question to search.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.language.codes import DETECTABLE, LANGUAGES
from faq.text import normalize

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "faq" / "smalltalk.yaml"
ACTIONS = ("help", "desk")
PATTERN_MAX = 60
REPLY_MAX = 1000
_SEPARATOR = re.compile(r"[、,。.!！?？\n]| {1,}")


class SmalltalkError(ValueError):
    """The small-talk file is not valid (message: Japanese / English, with where)."""


@dataclass(frozen=True)
class Intent:
    name: str
    replies: dict[str, str]        # language -> reply
    action: str | None = None      # help: add the help; desk: offer 「職員に相談」


@dataclass(frozen=True)
class Match:
    intent: Intent
    lang: str                      # the language of the pattern that matched


def key(text: str) -> str:
    """The comparable form: NFKC, lower case, without surrounding punctuation, symbols, emoji or spaces;
    a trailing run of ー/〜/w/笑 (「ありがとー」「どうもw」) is dropped too."""
    text = normalize(text or "").lower()
    drop = lambda ch: unicodedata.category(ch)[0] in "PSZC"  # noqa: E731 - punctuation, symbols, spaces
    start, end = 0, len(text)
    while start < end and drop(text[start]):
        start += 1
    while end > start and (drop(text[end - 1]) or text[end - 1] in "ー〜~w笑"):
        end -= 1
    return re.sub(r"\s+", " ", text[start:end])


class Smalltalk:
    def __init__(self, intents: list[Intent], patterns: dict[str, Match]):
        self.intents = intents
        self._patterns = patterns

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> "Smalltalk":
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SmalltalkError(f"{path.name}: 読めません（{exc}） / cannot read the small-talk file") from None
        return cls.from_data(data, path.name)

    @classmethod
    def from_data(cls, data, source: str = "smalltalk") -> "Smalltalk":
        problems: list[str] = []
        intents: list[Intent] = []
        patterns: dict[str, Match] = {}
        items = data.get("intents") if isinstance(data, dict) else None
        if not isinstance(items, dict) or not items:
            raise SmalltalkError(f"{source}: intents: の下に雑談の種類を書いてください / expected an 'intents' mapping")
        for name, body in items.items():
            where = f"{source} intents.{name}"
            if not isinstance(body, dict) or set(body) - {"patterns", "replies", "action"}:
                problems.append(f"{where}: patterns・replies・action だけにしてください / only patterns, replies, action")
                continue
            action = body.get("action")
            if action is not None and action not in ACTIONS:
                problems.append(f"{where}.action: {action} は使えません（{', '.join(ACTIONS)}） / unknown action")
            replies = body.get("replies") if isinstance(body.get("replies"), dict) else {}
            missing = [lang for lang in LANGUAGES if not isinstance(replies.get(lang), str) or not replies[lang].strip()]
            if missing:
                problems.append(f"{where}.replies: 返事がない言語があります: {', '.join(missing)} / replies missing")
            extra = sorted(set(replies) - set(LANGUAGES))
            if extra:
                problems.append(f"{where}.replies: 未対応の言語です: {', '.join(map(str, extra))} / unsupported language")
            if any(isinstance(r, str) and len(r) > REPLY_MAX for r in replies.values()):
                problems.append(f"{where}.replies: 返事は{REPLY_MAX}文字以内にしてください / reply too long")
            intent = Intent(str(name), {lang: normalize(str(r)) for lang, r in replies.items() if lang in LANGUAGES},
                            action)
            by_lang = body.get("patterns") if isinstance(body.get("patterns"), dict) else {}
            if not by_lang:
                problems.append(f"{where}.patterns: 言語ごとの言葉のリストを書いてください / patterns missing")
            for lang, words in by_lang.items():
                if lang not in DETECTABLE:
                    problems.append(f"{where}.patterns.{lang}: 未対応の言語です / unsupported language")
                    continue
                if not isinstance(words, list):
                    problems.append(f"{where}.patterns.{lang}: リストにしてください / must be a list")
                    continue
                for word in words:
                    k = key(str(word))
                    if not k or len(k) > PATTERN_MAX:
                        problems.append(f"{where}.patterns.{lang}: 空か長すぎる言葉があります: {word!r} / empty or too long")
                    elif k in patterns and patterns[k].intent.name != intent.name:
                        problems.append(f"{where}.patterns.{lang}: 「{word}」は {patterns[k].intent.name} にもあります"
                                        f" / pattern used twice")
                    else:
                        patterns.setdefault(k, Match(intent, lang))
            intents.append(intent)
        if problems:
            raise SmalltalkError("\n".join(problems))
        return cls(intents, patterns)

    def match(self, text: str) -> Match | None:
        """The small talk that is the whole message, or None."""
        return self._patterns.get(key(text))

    def split_lead(self, text: str) -> tuple[Match, str] | None:
        """Small talk followed by a question: (the small talk, the rest to search), else None."""
        normalized = normalize(text or "")
        for sep in _SEPARATOR.finditer(normalized):
            head, rest = normalized[:sep.start()], normalized[sep.end():]
            if sep.group(0).isspace() and re.search(r"[A-Za-z]", head):
                continue  # "Thanks for the answer" is one thought; 「ありがとう 住民票は」 is two
            found = self.match(head)
            if found is not None and key(rest):
                return found, rest.strip()
            if sep.start() > PATTERN_MAX:
                break
        return None

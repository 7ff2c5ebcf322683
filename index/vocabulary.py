"""Municipal vocabulary: the words residents type (マイナ, 国保, 粗大, ハンコ …) mapped to the forms FAQs use.

The groups live in `vocabulary.txt` beside this module. A query holding a resident's form of a group is also
searched for the group's FAQ form (the first of its line), at a lower weight (`index.lexical.QueryTerms`)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from faq.text import katakana_to_hiragana, normalize_query

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.txt")


def _key(text: str) -> str:
    # matching ignores case, width and katakana/hiragana: 「ﾏｲﾅ」「まいな」 are マイナ
    return katakana_to_hiragana(normalize_query(text).lower().replace(" ", ""))


@dataclass(frozen=True)
class Vocabulary:
    groups: tuple[tuple[str, ...], ...]   # each: the FAQ form, then the residents' forms

    @cached_property
    def _keys(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        return tuple((_key(c), tuple((_key(v), v) for v in vs)) for c, *vs in self.groups)

    @classmethod
    def parse(cls, text: str) -> "Vocabulary":
        groups = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            forms = tuple(f.strip() for f in line.split("|") if f.strip())
            if len(forms) < 2:
                raise ValueError(f"語彙の行に別の書き方がありません / a vocabulary line needs two forms: {line!r}")
            groups.append(forms)
        return cls(tuple(groups))

    def matches(self, query: str) -> list[tuple[str, str]]:
        """(FAQ form, the resident form found) for each group whose resident form the query holds and whose
        FAQ form it lacks; the longest resident form of a group wins (マイナカード over マイナ)."""
        q = _key(query)
        out: list[tuple[str, str]] = []
        for (canonical, *_), (canonical_key, variants) in zip(self.groups, self._keys):
            if canonical_key in q:
                continue
            found = [v for key, v in variants if key in q]
            if found:
                out.append((canonical, max(found, key=len)))
        return out


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary.parse(VOCABULARY_FILE.read_text(encoding="utf-8"))

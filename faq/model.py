"""The FAQ entry and the fixed vocabularies around it."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

from .text import normalize

# LINE text message limit (characters) -- an answer must fit in one message.
ANSWER_MAX_CHARS = 5000
QUESTION_MAX_CHARS = 500
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def normalize_id(value: str) -> str:
    """An ID as a city's export or staff write it (「Q-001」, 「ＦＡＱ１２」) in the stored form: NFKC, lower case.
    Applied wherever an ID comes in, so the same export imported twice updates the same entries."""
    return normalize(value).lower()


# Category id -> Japanese label shown to residents and staff.
# an entry's fields as staff know them (console forms and the problems an import reports)
FIELD_LABELS: dict[str, str] = {"id": "ID", "category": "カテゴリ", "question": "質問", "alt_questions": "言い換え",
                                "answer": "回答", "url": "URL", "department": "担当課", "tags": "タグ",
                                "active": "公開状態", "translations": "翻訳"}

CATEGORIES: dict[str, str] = {
    "online-procedures": "オンライン手続き",
    "cashless-payment": "キャッシュレス決済",
    "disaster-support": "災害の支援制度",
    "consumer-consultation": "消費生活相談",
    "e-tickets": "電子チケット",
    "e-bidding": "電子入札",
    "contact": "窓口・お問い合わせ",
    "general": "このサービスについて",
}

# Languages an entry may be translated into (code -> label for staff). "easy" is やさしい日本語.
TRANSLATION_LANGUAGES: dict[str, str] = {
    "en": "English",
    "zh": "中文（简体）",
    "ko": "한국어",
    "vi": "Tiếng Việt",
    "pt": "Português",
    "easy": "やさしい日本語",
}
TRANSLATION_FIELDS = ("question", "answer", "checked")

# The exact keys of an import/export record (JSONL, YAML, CSV columns; CSV spreads `translations`
# over question_<lang> / answer_<lang> / checked_<lang> columns).
RECORD_KEYS = ("id", "question", "answer", "category", "alt_questions", "url",
               "department", "tags", "active", "translations")


@dataclass(frozen=True)
class Translation:
    """An entry's question and answer in one language; `checked`: a person has checked it."""
    question: str
    answer: str
    checked: bool = False


@dataclass
class FaqEntry:
    id: str
    question: str
    answer: str
    category: str = "general"
    alt_questions: list[str] = field(default_factory=list)
    url: str | None = None
    department: str | None = None
    tags: list[str] = field(default_factory=list)
    active: bool = True
    translations: dict[str, Translation] = field(default_factory=dict)
    updated_at: str | None = None
    updated_by: str | None = None

    def __post_init__(self):
        # entries read back from JSON (history, index builds) carry translations as plain dicts
        self.translations = {lang: t if isinstance(t, Translation) else Translation(**t)
                             for lang, t in (self.translations or {}).items()}

    def to_record(self) -> dict:
        """The import/export record: exactly RECORD_KEYS (translations in language order)."""
        d = asdict(self)
        order = list(TRANSLATION_LANGUAGES)  # unknown codes last, so that validation sees them
        d["translations"] = dict(sorted(d["translations"].items(),
                                        key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
        return {k: d[k] for k in RECORD_KEYS}

    def translation(self, lang: str) -> Translation | None:
        return self.translations.get(lang)

    def missing_translations(self) -> list[str]:
        return [lang for lang in TRANSLATION_LANGUAGES if lang not in self.translations]

    def content_hash(self) -> str:
        """Hash of everything that search reads; unchanged hash = no re-embedding. Translations are not
        searched: indexed as alternative questions they pulled other queries of their language towards the
        few translated entries (docs/BENCHMARKS.md), and e5 matches across languages without them."""
        payload = json.dumps([self.question, self.alt_questions, self.answer, self.category,
                              self.tags], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

"""The FAQ entry and the fixed vocabularies around it."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

# LINE text message limit (characters) -- an answer must fit in one message.
ANSWER_MAX_CHARS = 5000
QUESTION_MAX_CHARS = 500
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

# Category id -> Japanese label shown to residents and staff.
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

# The exact keys of an import/export record (JSONL, YAML, CSV columns).
RECORD_KEYS = ("id", "question", "answer", "category", "alt_questions", "url",
               "department", "tags", "active")


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
    updated_at: str | None = None
    updated_by: str | None = None

    def to_record(self) -> dict:
        """The import/export record: exactly RECORD_KEYS."""
        d = asdict(self)
        return {k: d[k] for k in RECORD_KEYS}

    def content_hash(self) -> str:
        """Hash of everything that search reads; unchanged hash = no re-embedding."""
        payload = json.dumps([self.question, self.alt_questions, self.answer, self.category,
                              self.tags], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

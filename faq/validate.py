"""Validation of FAQ records from any source, with errors staff can act on."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .headers import known_headers_hint, read_headers
from .markup import plain_text
from .model import (
    ANSWER_MAX_CHARS,
    CATEGORIES,
    ID_PATTERN,
    QUESTION_MAX_CHARS,
    RECORD_KEYS,
    TRANSLATION_FIELDS,
    TRANSLATION_LANGUAGES,
    FaqEntry,
    Translation,
)
from .text import normalize

MAX_ALT_QUESTIONS = 20
MAX_TAGS = 20


@dataclass(frozen=True)
class Problem:
    source: str       # file name or "入力"
    location: str     # "3行目", "2件目" ...
    field: str | None
    ja: str
    en: str

    def __str__(self) -> str:
        where = f"{self.source} {self.location}".strip()
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.ja} / {self.en}"


@dataclass
class ImportNotes:
    """What the import did to the records beyond checking them, for the staff report."""
    html_entries: list[str] = field(default_factory=list)   # ids of entries whose text was HTML
    renamed: dict[str, str] = field(default_factory=dict)    # local header -> record key

    def add(self, other: "ImportNotes") -> None:
        self.html_entries += other.html_entries
        self.renamed.update(other.renamed)


def too_long_advice(length: int) -> tuple[str, str]:
    """The answer-length problem with what staff can do about it (never cut silently)."""
    return (f"回答が長すぎます（{length}文字、LINEの上限{ANSWER_MAX_CHARS}文字）。"
            "内容ごとに2件以上のFAQに分けるか、要点に絞って短くし、詳しい説明は url の公式ページに任せてください",
            f"answer too long ({length} > {ANSWER_MAX_CHARS} chars, LINE's limit): split it into several entries "
            "or shorten it and link the details with url")


class ValidationError(Exception):
    """One or more problems; nothing has been changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def generated_id(question: str) -> str:
    """Deterministic, so that re-importing a sheet without ids does not duplicate rows."""
    return "faq-" + hashlib.sha1(normalize(question).encode("utf-8")).hexdigest()[:10]


def _as_list(value, field, problem, clean=normalize) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        # CSV cells: one item per line or separated by "|"
        parts = value.replace("|", "\n").split("\n")
    elif isinstance(value, list):
        parts = value
    else:
        problem(field, "文字列のリストにしてください", "must be a list of strings")
        return []
    out = []
    for part in parts:
        if not isinstance(part, str):
            problem(field, "文字列のリストにしてください", "must be a list of strings")
            return []
        part = clean(part)
        if part and part not in out:
            out.append(part)
    return out


_TRUE = {"true", "1", "yes", "y", "はい", "有効", "○", "公開", "公開中"}
_FALSE = {"false", "0", "no", "n", "いいえ", "無効", "×", "非公開"}


def _as_bool(value, field, problem) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = normalize(value).lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    problem(field, "true か false を指定してください", "must be true or false")
    return True


def _translations(value, problem, clean=normalize) -> dict[str, Translation]:
    """{"en": {"question", "answer", "checked"}, ...}: both texts or neither (missing ones are allowed)."""
    if value is None or value == "" or value == {}:
        return {}
    if not isinstance(value, dict):
        problem("translations", "言語ごとの質問と回答の組にしてください（例: {\"en\": {\"question\": ..., \"answer\": ...}}）",
                "must map a language to its question and answer")
        return {}
    out: dict[str, Translation] = {}
    for lang, item in value.items():
        field = f"translations.{lang}"
        if lang not in TRANSLATION_LANGUAGES:
            problem(field, f"未対応の言語です: {lang}（使えるもの: {', '.join(TRANSLATION_LANGUAGES)}）",
                    f"unsupported language: {lang}")
            continue
        if item is None or item == {}:
            continue
        if not isinstance(item, dict) or set(item) - set(TRANSLATION_FIELDS):
            problem(field, "question・answer・checked の項目にしてください", "expected question, answer, checked")
            continue
        texts = {}
        for key in ("question", "answer"):
            text = item.get(key)
            text = "" if text is None else text
            if not isinstance(text, str):
                problem(f"{field}.{key}", "文字列にしてください", "must be a string")
                text = ""
            texts[key] = clean(text)
        if not texts["question"] and not texts["answer"]:
            continue  # an empty pair of cells: no translation
        if not texts["question"] or not texts["answer"]:
            missing = "question" if not texts["question"] else "answer"
            problem(f"{field}.{missing}", "翻訳は質問と回答の両方が必要です", f"a translation needs both texts ({missing} is empty)")
            continue
        if len(texts["question"]) > QUESTION_MAX_CHARS:
            problem(f"{field}.question", f"質問が長すぎます（上限{QUESTION_MAX_CHARS}文字）", "question too long")
        if len(texts["answer"]) > ANSWER_MAX_CHARS:
            problem(f"{field}.answer", *too_long_advice(len(texts["answer"])))
        checked = item.get("checked")
        checked = False if checked in (None, "") else _as_bool(checked, f"{field}.checked", problem)
        out[lang] = Translation(texts["question"], texts["answer"], checked)
    return out


def _valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


def validate_record(record, source: str, location: str, problems: list[Problem],
                    strict_keys: bool = True, notes: ImportNotes | None = None) -> FaqEntry | None:
    """Turn one raw record into a FaqEntry, appending any problems found. A city's Japanese headers
    are read as our keys (faq/headers.py) and HTML text becomes plain text (faq/markup.py); `notes`
    collects both for the report."""
    before = len(problems)
    converted = False

    def problem(field, ja, en):
        problems.append(Problem(source, location, field, ja, en))

    def clean(value: str) -> str:
        nonlocal converted
        value, was_html = plain_text(value)
        converted = converted or was_html
        return value

    if not isinstance(record, dict):
        problem(None, "レコードはオブジェクト（キーと値の組）にしてください", "record must be an object")
        return None
    reading = read_headers(record)
    record = reading.record
    for args in reading.problems:
        problem(*args)
    if strict_keys:
        unknown = sorted((k for k in record if k not in RECORD_KEYS), key=str)
        if unknown:
            problem(", ".join(map(str, unknown)), "未知の項目があります（誤字がないか確認してください。"
                    f"不要な列は削除してください。読み替える見出し: {known_headers_hint()}）",
                    f"unknown key(s): {', '.join(map(str, unknown))}")

    def text(field, required, markup=False):
        value = record.get(field)
        if value is None:
            value = ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            problem(field, "文字列にしてください", "must be a string")
            return ""
        value = clean(value) if markup else normalize(value)
        if required and not value:
            label = {"question": "質問", "answer": "回答"}.get(field, field)
            problem(field, f"{label}が空です", f"{field} is empty")
        return value

    question = text("question", True, markup=True)
    answer = text("answer", True, markup=True)
    if len(question) > QUESTION_MAX_CHARS:
        problem("question", f"質問が長すぎます（{len(question)}文字、上限{QUESTION_MAX_CHARS}文字）",
                f"question too long ({len(question)} > {QUESTION_MAX_CHARS} chars)")
    if len(answer) > ANSWER_MAX_CHARS:  # counted after HTML conversion: markup is not sent
        problem("answer", *too_long_advice(len(answer)))

    entry_id = text("id", False)
    if not entry_id and question:
        entry_id = generated_id(question)
    elif entry_id and not ID_PATTERN.match(entry_id):
        problem("id", "IDは半角英小文字・数字・-・_ の64文字以内にしてください",
                "id must match [a-z0-9][a-z0-9_-]{0,63}")

    category = text("category", False) or "general"
    if category not in CATEGORIES:
        problem("category", f"未知のカテゴリです: {category}（使えるもの: {', '.join(CATEGORIES)}）",
                f"unknown category: {category}")

    url = text("url", False) or None
    if url and not _valid_url(url):
        problem("url", f"URLの形式が正しくありません: {url}", f"bad URL: {url}")

    department = text("department", False, markup=True) or None
    alt_questions = _as_list(record.get("alt_questions"), "alt_questions", problem, clean)
    alt_questions = [q for q in alt_questions if q != question]
    if len(alt_questions) > MAX_ALT_QUESTIONS:
        problem("alt_questions", f"言い換えは{MAX_ALT_QUESTIONS}件までです", f"at most {MAX_ALT_QUESTIONS} alt_questions")
    for alt in alt_questions:
        if len(alt) > QUESTION_MAX_CHARS:
            problem("alt_questions", "言い換えの質問が長すぎます", "alt_question too long")
            break
    tags = _as_list(record.get("tags"), "tags", problem)
    if len(tags) > MAX_TAGS:
        problem("tags", f"タグは{MAX_TAGS}件までです", f"at most {MAX_TAGS} tags")
    active = _as_bool(record.get("active"), "active", problem)
    translations = _translations(record.get("translations"), problem, clean)

    if len(problems) > before:
        return None
    if notes is not None:
        notes.renamed.update(reading.renamed)
        if converted:
            notes.html_entries.append(entry_id)
    return FaqEntry(id=entry_id, question=question, answer=answer, category=category,
                    alt_questions=alt_questions, url=url, department=department, tags=tags,
                    active=active, translations=translations)


def validate_records(rows, source: str, notes: ImportNotes | None = None) -> list[FaqEntry]:
    """rows: iterable of (location, record). Raises ValidationError listing every problem."""
    problems: list[Problem] = []
    entries: list[FaqEntry] = []
    seen: dict[str, str] = {}
    for location, record in rows:
        entry = validate_record(record, source, location, problems, notes=notes)
        if entry is None:
            continue
        if entry.id in seen:
            problems.append(Problem(source, location, "id", f"IDが重複しています: {entry.id}（{seen[entry.id]}と同じ）",
                                    f"duplicate id: {entry.id} (also at {seen[entry.id]})"))
            continue
        seen[entry.id] = location
        entries.append(entry)
    if problems:
        raise ValidationError(problems)
    return entries

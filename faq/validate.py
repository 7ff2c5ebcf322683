"""Validation of FAQ records from any source, with errors staff can act on."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .headers import closest_header, known_headers_hint, read_headers
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
    normalize_id,
)
from .text import normalize

MAX_ALT_QUESTIONS = 20
MAX_NAMED_HEADERS = 20
MAX_TAGS = 20


@dataclass(frozen=True)
class UnknownNames:
    """The unknown columns (or keys) a problem is about, so a caller can word its own way around them."""
    names: tuple[str, ...]
    what: str = "列"


@dataclass(frozen=True)
class Problem:
    source: str       # file name or "入力"
    location: str     # "3行目", "2件目" ...
    field: str | None
    ja: str
    en: str
    unknown: UnknownNames | None = None   # set on the unknown-columns problem

    def __str__(self) -> str:
        where = f"{self.source} {self.location}".strip()
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.ja} / {self.en}"


@dataclass
class ImportNotes:
    """What the import did to the records beyond checking them, for the staff report."""
    html_entries: list[str] = field(default_factory=list)   # ids of entries whose text was HTML
    renamed: dict[str, str] = field(default_factory=dict)    # local header -> record key
    skipped: list[str] = field(default_factory=list)         # metadata headers recognised and not read
    ignored: list[str] = field(default_factory=list)         # headers staff asked not to read (--ignore-column)
    ids: dict[str, str] = field(default_factory=dict)        # ID as written -> stored form, when they differ
    shift_jis: list[str] = field(default_factory=list)       # CSV files read as Shift_JIS (cp932)
    sheets: dict[str, str] = field(default_factory=dict)     # .xlsx file -> the worksheet read

    def add(self, other: "ImportNotes") -> None:
        self.html_entries += other.html_entries
        self.renamed.update(other.renamed)
        self.note_headers(other.skipped, other.ignored)
        self.ids.update(other.ids)
        self.shift_jis += [f for f in other.shift_jis if f not in self.shift_jis]
        self.sheets.update(other.sheets)

    def note_headers(self, skipped, ignored) -> None:
        self.skipped += [h for h in skipped if h not in self.skipped]
        self.ignored += [h for h in ignored if h not in self.ignored]


_SHELL_SPECIAL = re.compile(r"""[\s'"$`\\|&;<>()*?#~!{}\[\]]""")


def _shell_word(text: str) -> str:
    """A header or file name as staff can paste it into the command (「回 答」 → '回 答')."""
    if not _SHELL_SPECIAL.search(text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def cli_ignore_advice(source: str, names: list[str], what: str) -> tuple[str, str]:
    """How to import without the unknown columns, from the shell."""
    ignore = " ".join(f"--ignore-column {_shell_word(n)}" for n in names)
    return (f"読まなくてよい{what}なら、指定して取り込めます: faqctl import {_shell_word(source)} {ignore}",
            f"fix the header or import without it: {ignore}")


def unknown_headers_message(source: str, names, what: str = "列", advice=cli_ignore_advice) -> tuple[str, str]:
    """The message (ja, en) for unknown columns: each named with the header it is most likely a typo of, and
    `advice(source, shown names, what)` on importing without them (the CLI's option or a form's field)."""
    names = [str(n) for n in names]
    shown = names[:MAX_NAMED_HEADERS]   # a file of thousands of stray keys: the first ones say enough
    more = f" ほか{len(names) - len(shown)}件" if len(names) > len(shown) else ""
    near = {name: closest_header(name) for name in shown}
    listed = [f"{name}（「{near[name]}」の誤りでは？）" if near[name] else name for name in shown]
    near_en = [f"{name} (did you mean {near[name]}?)" if near[name] else name for name in shown]
    how_ja, how_en = advice(source, shown, what)
    return (f"未知の{what}があります: {'、'.join(listed)}{more}。見出しの誤りなら直してください。"
            f"{how_ja}（読み替える見出し: {known_headers_hint()}）",
            f"unknown column(s): {', '.join(near_en)}{more and f' and {len(names) - len(shown)} more'}; {how_en}")


def unknown_headers_problem(source: str, location: str, names, what: str = "列") -> Problem:
    """Unknown columns (CSV) or keys (JSONL/YAML): named, with the header each is most likely a typo of, and the
    way to import without them. Never dropped silently: a mistyped 「回 答」 would lose every answer."""
    names = [str(n) for n in names]
    shown = names[:MAX_NAMED_HEADERS]
    more = f" ほか{len(names) - len(shown)}件" if len(names) > len(shown) else ""
    ja, en = unknown_headers_message(source, names, what)
    return Problem(source, location, ", ".join(shown) + more, ja, en, UnknownNames(tuple(names), what))


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


# 公開状態 as CMSs write it: anything not public (下書き, 公開停止 …) is imported inactive
_TRUE = {"true", "1", "yes", "y", "はい", "有効", "○", "公開", "公開中", "掲載", "掲載中", "表示"}
_FALSE = {"false", "0", "no", "n", "いいえ", "無効", "×", "非公開", "下書き", "公開停止", "公開終了", "未公開",
          "非表示", "掲載終了", "掲載停止", "承認待ち"}


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


def _private_use(field: str, value: str, problem, item: int | None = None) -> None:
    """Shift_JIS 外字 (cp932's user-defined area) decode to private-use characters, which LINE shows as
    nothing or a box: refused, with where the first one is (position in the stored text)."""
    position = next((i for i, c in enumerate(value) if unicodedata.category(c) == "Co"), None)
    if position is None:
        return
    before = value[max(0, position - 10):position].replace("\n", " ")
    which = f"{item}つ目の" if item is not None else ""
    after = f"、「{before}」の次" if before else ""
    problem(field, f"表示できない文字（外字）があります: {which}{position + 1}文字目{after}。通常の文字に置き換えてください",
            f"a character LINE cannot display (private use U+{ord(value[position]):04X}, Shift_JIS gaiji) at "
            f"{f'item {item}, ' if item is not None else ''}character {position + 1}: replace it")


def _valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


def validate_record(record, source: str, location: str, problems: list[Problem],
                    notes: ImportNotes | None = None, ignore=(), unknown: dict | None = None) -> FaqEntry | None:
    """Turn one raw record into a FaqEntry, appending any problems found. A city's Japanese headers
    are read as our keys, its metadata headers and `ignore`d ones left out (faq/headers.py), HTML text
    becomes plain text (faq/markup.py) and the ID its stored form (normalize_id); `notes` collects
    all of it for the report. Unknown keys are a problem, or, given `unknown` (key -> first location),
    collected there for one problem per file; the record is refused either way."""
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
    reading = read_headers(record, ignore)
    record = reading.record
    for args in reading.problems:
        problem(*args)
    unknown_keys = [k for k in record if k not in RECORD_KEYS]
    if unknown_keys and unknown is None:
        problems.append(unknown_headers_problem(source, location, sorted(unknown_keys, key=str), "項目"))
    for k in unknown_keys if unknown is not None else ():
        unknown.setdefault(str(k), location)

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

    written_id = text("id", False)
    entry_id = normalize_id(written_id)
    if not entry_id and question:
        entry_id = generated_id(question)
    elif entry_id and not ID_PATTERN.match(entry_id):
        problem("id", f"IDは半角英小文字・数字・-・_ の64文字以内にしてください（英大文字・全角は半角小文字にそろえます）: "
                f"{written_id}", f"id must match [a-z0-9][a-z0-9_-]{{0,63}} after lower-casing: {written_id}")

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
    texts = [("question", question), ("answer", answer), ("url", url or ""), ("department", department or "")]
    texts += [(f"translations.{lang}.{key}", getattr(t, key)) for lang, t in translations.items()
              for key in ("question", "answer")]
    for name, value in texts:
        _private_use(name, value, problem)
    for name, values in (("alt_questions", alt_questions), ("tags", tags)):
        for number, value in enumerate(values, start=1):
            _private_use(name, value, problem, number if len(values) > 1 else None)

    if len(problems) > before or unknown_keys:
        return None
    if notes is not None:
        notes.renamed.update(reading.renamed)
        notes.note_headers(reading.skipped, reading.ignored)
        raw_id = record.get("id")
        if isinstance(raw_id, str) and raw_id.strip() != entry_id and written_id:
            notes.ids[raw_id] = entry_id
        if converted:
            notes.html_entries.append(entry_id)
    return FaqEntry(id=entry_id, question=question, answer=answer, category=category,
                    alt_questions=alt_questions, url=url, department=department, tags=tags,
                    active=active, translations=translations)


def validate_records(rows, source: str, notes: ImportNotes | None = None, ignore=(), what: str = "項目") -> list[FaqEntry]:
    """rows: iterable of (location, record). Raises ValidationError listing every problem; unknown keys
    once for the file (the first row that has them), as CSV reports unknown columns once."""
    problems: list[Problem] = []
    entries: list[FaqEntry] = []
    seen: dict[str, str] = {}
    unknown: dict[str, str] = {}
    local = ImportNotes()
    spellings: dict[str, list[str]] = {}   # stored id -> the other ways the file wrote it
    for location, record in rows:
        normalised = len(local.ids)
        entry = validate_record(record, source, location, problems, local, ignore, unknown)
        if len(local.ids) > normalised:
            written = next(reversed(local.ids))
            spellings.setdefault(local.ids[written], []).append(written)
        if entry is None:
            continue
        if entry.id in seen:
            written = spellings.get(entry.id, [])
            same = f"。{'、'.join(written)} は小文字にそろえると同じIDです" if written else ""
            problems.append(Problem(source, location, "id", f"IDが重複しています: {entry.id}（{seen[entry.id]}と同じ{same}）",
                                    f"duplicate id: {entry.id} (also at {seen[entry.id]}"
                                    f"{'; ids differing only in case or width are the same' if written else ''})"))
            continue
        seen[entry.id] = location
        entries.append(entry)
    if unknown:
        first = next(iter(unknown.values()))
        problems.insert(0, unknown_headers_problem(source, first, list(unknown), what))
    if problems:
        raise ValidationError(problems)
    if notes is not None:
        notes.add(local)
    return entries


def check_entries(entries) -> list[Problem]:
    """Stored entries against today's rules (a rule added later — 外字, the answer limit — may catch an entry
    stored before it): every problem, located by the entry's ID."""
    problems: list[Problem] = []
    for entry in entries:
        validate_record(entry.to_record(), "保存済み", entry.id, problems)
    return problems

"""A city's own column headers (Japanese, from a CMS or an Excel sheet) read as our record keys.

A small fixed table, not guesswork: a header not in it stays unknown and is reported by validation."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import CATEGORIES, RECORD_KEYS
from .text import normalize

# header as staff write it -> record key (matched after NFKC, ASCII in any case)
SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("質問", "問い", "質問内容", "問", "質問文", "Q"), "question"),
    **dict.fromkeys(("回答", "答え", "回答内容", "答", "回答文", "A"), "answer"),
    **dict.fromkeys(("ID", "No.", "番号", "No", "FAQ番号", "管理番号", "FAQID", "FAQ ID"), "id"),
    **dict.fromkeys(("キーワード", "タグ", "検索キーワード"), "tags"),
    **dict.fromkeys(("言い換え", "類似質問", "別の聞き方"), "alt_questions"),
    **dict.fromkeys(("URL", "関連URL", "参考URL", "リンク", "関連リンク", "関連ページ"), "url"),
    **dict.fromkeys(("担当課", "担当部署", "所管課", "担当"), "department"),
    # values 公開／非公開／下書き … (faq/validate.py): an entry not public in the CMS is imported inactive
    **dict.fromkeys(("公開", "公開状態", "状態", "公開区分", "公開ステータス", "掲載状態"), "active"),
}
# Read only when the export has no column above for the same key: a CMS often carries both 担当課 and
# 問い合わせ先 (the same section, with its phone number); the one named 担当課 wins and the other is skipped.
FALLBACKS: dict[str, str] = dict.fromkeys(
    ("問い合わせ先", "お問い合わせ先", "問合せ先", "問合わせ先", "所属", "所属名", "担当所属"), "department")
# CMS bookkeeping with no place in an FAQ entry: recognised, not read, and named in the import report.
METADATA_HEADERS = (
    "更新日", "更新日時", "最終更新日", "作成日", "作成日時", "登録日", "登録日時",
    "公開日", "公開日時", "公開開始日", "公開終了日", "掲載日", "掲載開始日", "掲載終了日",
    "表示順", "並び順", "表示順序", "閲覧数", "アクセス数", "表示回数", "評価", "役に立った", "役に立たなかった",
    "担当者", "作成者", "更新者", "登録者", "所属コード", "課コード", "組織コード", "添付ファイル", "添付", "画像",
)
# A city's own classification rarely uses our category ids: its value becomes the category only when it
# is one of ours (id or Japanese label), otherwise a tag, so that the words stay searchable.
CATEGORY_HEADERS = ("カテゴリ", "分類", "カテゴリー", "大分類", "中分類", "小分類")
_LABEL_TO_CATEGORY = {normalize(label): cid for cid, label in CATEGORIES.items()}
# キーワード cells are written with 「、」 or commas, not our "|"
_KEYWORD_SEPARATORS = re.compile(r"[|\n、，,;；]")
# several classification/keyword columns add up; two columns for any other key is ambiguous
_MANY_ALLOWED = ("category", "tags")


def header_key(name) -> str:
    return normalize(str(name)).strip().lower()


_LOOKUP = {header_key(h): key for h, key in SYNONYMS.items()} | {header_key(h): "category" for h in CATEGORY_HEADERS}
_FALLBACK_LOOKUP = {header_key(h): key for h, key in FALLBACKS.items()}
_METADATA_LOOKUP = {header_key(h) for h in METADATA_HEADERS}


def target(name) -> str | None:
    """The record key a header stands for: itself when it is one of ours, "category" for a
    classification header, the synonym's key, or None (unknown)."""
    if name in RECORD_KEYS:
        return name
    key = header_key(name)
    if key in RECORD_KEYS:   # "Question", "ＵＲＬ": ours in another case or width
        return key
    return _LOOKUP.get(key)


def known_headers_hint() -> str:
    """For error messages: the Japanese headers the import understands."""
    by_key: dict[str, list[str]] = {}
    for header, key in [*SYNONYMS.items(), *((h, "category") for h in CATEGORY_HEADERS)]:
        by_key.setdefault(key, []).append(header)
    return "、".join(f"{key}（{'・'.join(names[:3])}）" for key, names in by_key.items())


@dataclass
class HeaderPlan:
    """What an import does with each header of a file (CSV) or record (JSONL/YAML)."""
    read: dict = field(default_factory=dict)            # header -> record key
    skipped: list[str] = field(default_factory=list)    # metadata headers (and a fallback when its key is taken)
    ignored: list[str] = field(default_factory=list)    # named by staff: --ignore-column
    unknown: list = field(default_factory=list)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)   # (key, first header, second header)


def plan_headers(names, ignore=()) -> HeaderPlan:
    """Sort headers into read / skipped / ignored / unknown; two headers for one key are a duplicate."""
    ignore_keys = {header_key(n) for n in ignore}
    plan = HeaderPlan()
    first: dict[str, str] = {}
    fallbacks = []
    for name in names:
        key = header_key(name)
        if key in ignore_keys:
            plan.ignored.append(str(name))
        elif (record_key := target(name)) is not None:
            if record_key in first and record_key not in _MANY_ALLOWED:
                plan.duplicates.append((record_key, first[record_key], str(name)))
                continue
            first.setdefault(record_key, str(name))
            plan.read[name] = record_key
        elif key in _FALLBACK_LOOKUP:
            fallbacks.append(name)
        elif key in _METADATA_LOOKUP:
            plan.skipped.append(str(name))
        else:
            plan.unknown.append(name)
    for name in fallbacks:
        record_key = _FALLBACK_LOOKUP[header_key(name)]
        if record_key in first:
            plan.skipped.append(str(name))
        else:
            first[record_key] = str(name)
            plan.read[name] = record_key
    order = {str(n): i for i, n in enumerate(names)}
    plan.skipped.sort(key=order.__getitem__)   # as the file has them
    return plan


# characters a typed or OCR'd header confuses with the long vowel mark: 「キーワ一ド」 (kanji one)
_LOOKALIKES = str.maketrans({"一": "ー", "―": "ー", "─": "ー", "‐": "ー", "-": "ー"})
_SPACE = re.compile(r"\s+")


def _compact(name) -> str:
    return _SPACE.sub("", header_key(name)).translate(_LOOKALIKES).replace("_", "")


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_ALL_HEADERS = (*RECORD_KEYS, *SYNONYMS, *CATEGORY_HEADERS, *FALLBACKS, *METADATA_HEADERS)


def closest_header(name) -> str | None:
    """The known header an unknown one is most likely a typo of (spaces, a look-alike character, one or
    two characters off in a longer header), or None. Only a suggestion for the error message: never read silently."""
    compact = _compact(name)
    if not compact:
        return None
    allowed = 0 if len(compact) < 3 else 1 if len(compact) < 7 else 2
    best, best_distance = None, allowed + 1
    for header in _ALL_HEADERS:
        known = _compact(header)
        if abs(len(known) - len(compact)) > allowed:
            continue
        # a short header only by its spelling: 「旧ID」 or 「回答日」 is another column, not a typo of ID / 回答文
        distance = _distance(compact, known) if len(known) >= 4 else 0 if compact == known else best_distance
        if distance < best_distance:
            best, best_distance = header, distance
    return best


@dataclass
class HeaderReading:
    record: dict
    renamed: dict[str, str] = field(default_factory=dict)          # local header -> record key
    problems: list[tuple[str, str, str]] = field(default_factory=list)   # (field, ja, en)
    skipped: list[str] = field(default_factory=list)               # metadata headers, not read
    ignored: list[str] = field(default_factory=list)               # named by staff, not read


def _category_of(value) -> str | None:
    if not isinstance(value, str):
        return None
    v = normalize(value)
    return v if v in CATEGORIES else _LABEL_TO_CATEGORY.get(v)


def _items(value, separators: re.Pattern) -> list | None:
    """A cell's items, or None when the value is of a type validation will refuse."""
    if value is None:
        return []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        return [p for p in separators.split(value) if p.strip()]
    if isinstance(value, list):
        return value
    return None


def read_headers(record: dict, ignore=()) -> HeaderReading:
    """The record with local headers renamed to our keys and metadata / ignored headers left out.
    Our own keys and unknown keys are kept as they are (validation reports the unknown ones); two
    headers for the same key is a problem (which one is meant cannot be told)."""
    if not ignore and all(k in RECORD_KEYS for k in record):
        return HeaderReading(record)
    plan = plan_headers(list(record), ignore)
    out: dict = {}
    reading = HeaderReading(out, skipped=plan.skipped, ignored=plan.ignored)
    for key, first, second in plan.duplicates:
        reading.problems.append((f"{first}, {second}", "同じ項目を表す列が複数あります（どちらか一方にしてください）",
                                 f"two columns for {key}: {first}, {second}"))
    extra_tags: list = []
    categories: list[tuple[str, object]] = []
    for name, value in record.items():
        if name in plan.unknown:
            out[name] = value
            continue
        key = plan.read.get(name)
        if key is None:   # skipped, ignored, or the second column of a duplicate
            continue
        if name != key:
            reading.renamed[str(name)] = key
        if key == "category" and name != key:
            categories.append((name, value))
        elif key == "tags" and name != key:
            items = _items(value, _KEYWORD_SEPARATORS)
            if items is None:
                reading.problems.append(("tags", "文字列のリストにしてください", "must be a list of strings"))
            else:
                extra_tags += items
        else:
            out[key] = value
    for name, value in categories:
        category = _category_of(value)
        if category and "category" not in out:
            out["category"] = category
        else:
            items = _items(value, _KEYWORD_SEPARATORS)
            extra_tags += items if items is not None else [value]
    if extra_tags:
        own = _items(out.get("tags"), re.compile(r"[|\n]"))
        if own is None:
            reading.problems.append(("tags", "文字列のリストにしてください", "must be a list of strings"))
        else:
            out["tags"] = own + extra_tags
    return reading

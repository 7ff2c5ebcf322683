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
    **dict.fromkeys(("ID", "No.", "番号", "No", "FAQ番号", "管理番号"), "id"),
    **dict.fromkeys(("キーワード", "タグ", "検索キーワード"), "tags"),
    **dict.fromkeys(("言い換え", "類似質問", "別の聞き方"), "alt_questions"),
    **dict.fromkeys(("URL", "関連URL", "参考URL", "リンク", "関連リンク"), "url"),
    **dict.fromkeys(("担当課", "担当部署", "所管課", "担当"), "department"),
    **dict.fromkeys(("公開", "公開状態", "状態"), "active"),
}
# A city's own classification rarely uses our category ids: its value becomes the category only when it
# is one of ours (id or Japanese label), otherwise a tag, so that the words stay searchable.
CATEGORY_HEADERS = ("カテゴリ", "分類", "カテゴリー", "大分類", "中分類", "小分類")
_LABEL_TO_CATEGORY = {normalize(label): cid for cid, label in CATEGORIES.items()}
# キーワード cells are written with 「、」 or commas, not our "|"
_KEYWORD_SEPARATORS = re.compile(r"[|\n、，,;；]")


def header_key(name) -> str:
    return normalize(str(name)).strip().lower()


_LOOKUP = {header_key(h): key for h, key in SYNONYMS.items()} | {header_key(h): "category" for h in CATEGORY_HEADERS}


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
class HeaderReading:
    record: dict
    renamed: dict[str, str] = field(default_factory=dict)          # local header -> record key
    problems: list[tuple[str, str, str]] = field(default_factory=list)   # (field, ja, en)


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


def read_headers(record: dict) -> HeaderReading:
    """The record with local headers renamed to our keys. Our own keys and unknown keys are kept as
    they are; two headers for the same key is a problem (which one is meant cannot be told)."""
    if all(k in RECORD_KEYS for k in record):
        return HeaderReading(record)
    out: dict = {}
    reading = HeaderReading(out)
    origin: dict[str, str] = {}
    extra_tags: list = []
    categories: list[tuple[str, object]] = []
    for name, value in record.items():
        key = target(name)
        if key is None:
            out[name] = value
            continue
        if name != key:
            reading.renamed[str(name)] = key
        if key == "category" and name != key:
            categories.append((name, value))
            continue
        if key == "tags" and name != key:
            items = _items(value, _KEYWORD_SEPARATORS)
            if items is not None:
                extra_tags += items
                continue
        if key in origin:
            reading.problems.append((f"{origin[key]}, {name}", "同じ項目を表す列が複数あります（どちらか一方にしてください）",
                                     f"two columns for {key}: {origin[key]}, {name}"))
            continue
        origin[key] = str(name)
        out[key] = value
    for name, value in categories:
        category = _category_of(value)
        if category and "category" not in out:
            out["category"] = category
            origin["category"] = str(name)
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

"""Text normalization applied at every boundary (webhook, import, CLI, search)."""
from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\u3000]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def normalize(text: str) -> str:
    """NFKC (full-width ASCII -> half-width, half-width kana -> full-width),
    drop control/invisible characters and lone surrogates, fold runs of spaces.
    Newlines are kept because FAQ answers are multi-line."""
    if not text:
        return ""
    text = _SURROGATES.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def normalize_query(text: str) -> str:
    """A resident's query on one line."""
    return _SPACES.sub(" ", normalize(text).replace("\n", " ")).strip()


_JA = "\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f々〆ー"
_JA_MARK = re.compile(f"(?<=[{_JA}])([?!])")
_JA_OPEN = re.compile(f"\\((?=[{_JA}])")
_JA_CLOSE = re.compile(f"(?<=[{_JA}？！。、」])\\)")
_FULL_WIDTH = {"?": "？", "!": "！"}


def japanese_punctuation(text: str) -> str:
    """For display: NFKC made 「？」「！」「（）」 half-width; put them back where they touch Japanese
    text (「ですか?」→「ですか？」, 「(土日を除く)」→「（土日を除く）」). URLs and ASCII text are untouched."""
    if not text:
        return text
    text = _JA_MARK.sub(lambda m: _FULL_WIDTH[m.group(1)], text)
    text = _JA_OPEN.sub("（", text)
    return _JA_CLOSE.sub("）", text)


def katakana_to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)

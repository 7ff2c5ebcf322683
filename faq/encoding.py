"""Text files as Japanese offices save them: UTF-8 (with or without BOM), or Shift_JIS (cp932), which is what
Japanese Excel writes for 「CSV (コンマ区切り)」. Shared by the FAQ import and the shelter import."""
from __future__ import annotations

from dataclasses import dataclass

UTF8 = "utf-8"
SHIFT_JIS = "cp932"


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str   # UTF8 or SHIFT_JIS


class UndecodableText(ValueError):
    """Neither UTF-8 nor Shift_JIS; `line` is where the reading that got further stopped."""

    def __init__(self, line: int):
        self.line = line
        super().__init__(f"line {line}: neither UTF-8 nor Shift_JIS")


def _line_of(data: bytes, error: UnicodeDecodeError) -> int:
    return data[:error.start].count(b"\n") + 1


def _mostly_utf8(data: bytes) -> bool:
    """A UTF-8 file with a damaged byte or two, not Shift_JIS: decoded as UTF-8 it has more good non-ASCII
    characters than bad bytes. (Shift_JIS text read as UTF-8 is almost all bad bytes.) Reading such a file as
    Shift_JIS would store mojibake as if it were the answer."""
    text = data.decode(UTF8, errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f" and c not in ("\ufffd", "\ufeff"))
    return good > bad


def decode_text(data: bytes) -> DecodedText:
    """UTF-8 first (a BOM is dropped); when that fails and the whole file reads as cp932 (strict), cp932.
    Raises UndecodableText otherwise, never guessing a third encoding."""
    try:
        return DecodedText(data.decode("utf-8-sig"), UTF8)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode(SHIFT_JIS)
    except UnicodeDecodeError as exc:
        raise UndecodableText(max(_line_of(data, utf8_error), _line_of(data, exc))) from None
    if _mostly_utf8(data):
        raise UndecodableText(_line_of(data, utf8_error))
    return DecodedText(text, SHIFT_JIS)

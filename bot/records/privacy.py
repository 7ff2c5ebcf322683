"""Masking personal data in a resident's message before anything is stored or searched.

Public bodies using LINE must not collect personal data through it, so the bot
asks for none, masks what residents send anyway, and tells them not to send it.
The input is expected to be NFKC-normalized already (full-width digits and
hyphens become ASCII); other dash-like characters are accepted as separators.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_MASK = "[メールアドレス]"
CARD_MASK = "[カード番号]"
MY_NUMBER_MASK = "[個人番号]"
PHONE_MASK = "[電話番号]"
NUMBER_MASK = "[番号]"

# A separator inside a number: hyphens and dash look-alikes residents type, or a space.
_SEP = r"[\-\u2010-\u2015\u2212\u30fc\uff0d\uff70 ]"
_NO_DIGIT_BEFORE = r"(?<![0-9])"
_NO_DIGIT_AFTER = r"(?![0-9])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# 16-digit payment card numbers (4-4-4-4, or 16 digits in a row).
_CARD = re.compile(_NO_DIGIT_BEFORE + rf"[0-9]{{4}}{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{4}}" + _NO_DIGIT_AFTER)
# 12-digit numbers (My Number, 4-4-4 or 12 in a row).
_MY_NUMBER = re.compile(_NO_DIGIT_BEFORE + rf"[0-9]{{4}}{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{4}}" + _NO_DIGIT_AFTER)
# Japanese phone numbers: 0AB-CDE-FGHJ / 090-1234-5678 / 03(1234)5678 / 0312345678 / +81 90-1234-5678.
_PHONE = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:\+81[ \-]?|0)[0-9]{1,4}"
    + rf"(?:{_SEP}|\(|\)|{_SEP}?\(|\){_SEP}?)?[0-9]{{1,4}}"
    + rf"(?:{_SEP}|\)|\){_SEP}?)?[0-9]{{3,4}}"
    + _NO_DIGIT_AFTER)
# Any remaining long run of digits (account numbers, insurance numbers ...).
_LONG_NUMBER = re.compile(_NO_DIGIT_BEFORE + rf"[0-9](?:{_SEP}?[0-9]){{9,}}" + _NO_DIGIT_AFTER)


@dataclass(frozen=True)
class MaskResult:
    text: str
    kinds: tuple[str, ...]  # what was masked, e.g. ("phone", "email"); empty when nothing was

    @property
    def masked(self) -> bool:
        return bool(self.kinds)


def _digit_count(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _phone_replacement(match: re.Match) -> str:
    digits = _digit_count(match.group(0))
    international = match.group(0).startswith("+81")
    # Japanese numbers have 10 digits (11 for mobile / IP phones); +81 drops the leading 0.
    if (international and digits in (11, 12)) or (not international and digits in (10, 11)):
        return PHONE_MASK
    return match.group(0)


def mask_personal_data(text: str) -> MaskResult:
    """Replace e-mail addresses, card numbers, 12-digit numbers, phone numbers and long digit runs."""
    kinds: list[str] = []

    def sub(pattern: re.Pattern, replacement, kind: str, value: str) -> str:
        result = pattern.sub(replacement, value)
        if result != value:
            kinds.append(kind)
        return result

    text = sub(_EMAIL, EMAIL_MASK, "email", text)
    text = sub(_CARD, CARD_MASK, "card", text)
    text = sub(_MY_NUMBER, MY_NUMBER_MASK, "my_number", text)
    text = sub(_PHONE, _phone_replacement, "phone", text)
    text = sub(_LONG_NUMBER, NUMBER_MASK, "number", text)
    return MaskResult(text, tuple(kinds))

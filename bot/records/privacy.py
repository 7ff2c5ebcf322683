"""Masking personal data in a resident's message before anything is stored or searched.

Public bodies using LINE must not collect personal data through it, so the bot
asks for none, masks what residents send anyway, and tells them not to send it.
The input is expected to be NFKC-normalized already (full-width digits, hyphens and ＠
become ASCII). Before matching, runs of kanji digits (〇九〇-一二三四-…) that are long enough
to be a number are read as ASCII digits.

What is masked: e-mail addresses (also with spaces around @), 16-digit card numbers, 12-digit
numbers (My Number), Japanese phone numbers, postal codes written with 〒 or 郵便番号, the house
number of an address (…1丁目2番3号, 12番地, 1丁目2-3; the town and 丁目 alone stay, since they are
what a question about a district needs), and any other run of 10 or more digits. Digits may be
separated by hyphens and their look-alikes, spaces, dots, slashes or underscores.

Kept: dates (2026年12月1日, 2026/12/01), times, amounts (300万円, 1,000,000円), FAQ ids, short numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_MASK = "[メールアドレス]"
CARD_MASK = "[カード番号]"
MY_NUMBER_MASK = "[個人番号]"
PHONE_MASK = "[電話番号]"
POSTAL_MASK = "[郵便番号]"
ADDRESS_MASK = "[番地]"
NUMBER_MASK = "[番号]"

_KANJI_DIGITS = str.maketrans("〇零一二三四五六七八九○", "001234567890")
# A separator inside a number: hyphens and dash look-alikes residents type, a space, a dot, a slash
# an underscore or 「・」.
_SEP = r"[\-\u2010-\u2015\u2212\u30fc\u30fb\uff0d\uff70 ._/]"
# Between digit groups of a plain long number: hyphen-like or a space only, so that a date range
# such as 2026/12/01-2027/01/31 is not taken for one number.
_RUN_SEP = r"[\-\u2010-\u2015\u2212\u30fc\uff0d\uff70 ]"
_NO_DIGIT_BEFORE = r"(?<![0-9])"
_NO_DIGIT_AFTER = r"(?![0-9])"

# Seven or more kanji digits in a row (possibly separated): a number written in kanji, not a word.
_KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九○](?:" + _SEP + r"?[〇零一二三四五六七八九○]){6,}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+ ?@ ?[A-Za-z0-9\-]+(?: ?\. ?[A-Za-z0-9\-]+)+")
# 16-digit payment card numbers (4-4-4-4, or 16 digits in a row).
_CARD = re.compile(_NO_DIGIT_BEFORE + rf"[0-9]{{4}}({_SEP}?)[0-9]{{4}}\1[0-9]{{4}}\1[0-9]{{4}}" + _NO_DIGIT_AFTER)
# 12-digit numbers (My Number, 4-4-4 or 12 in a row).
_MY_NUMBER = re.compile(_NO_DIGIT_BEFORE + rf"[0-9]{{4}}({_SEP}?)[0-9]{{4}}\1[0-9]{{4}}" + _NO_DIGIT_AFTER)
# Japanese phone numbers: 0AB-CDE-FGHJ / 090-1234-5678 / 03(1234)5678 / 0312345678 / +81 90-1234-5678.
_PHONE = re.compile(
    _NO_DIGIT_BEFORE
    + rf"(?:\+81{_SEP}?|0)[0-9]{{1,4}}"
    + rf"(?:{_SEP}|\(|\)|{_SEP}?\(|\){_SEP}?)?[0-9]{{1,4}}"
    + rf"(?:{_SEP}|\)|\){_SEP}?)?[0-9]{{3,4}}"
    + _NO_DIGIT_AFTER)
# Postal codes only where marked as such (〒 or 郵便番号), so that other 7-digit numbers are not guessed at.
_POSTAL = re.compile(r"(〒|郵便番号 ?[:は]? ?)" + _NO_DIGIT_BEFORE + rf"[0-9]{{3}}{_SEP}?[0-9]{{4}}" + _NO_DIGIT_AFTER)
# The house number of an address: after 丁目 (or a number followed by 番/番地) up to 号 or the last number.
_ADDRESS = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:[0-9]+丁目 ?)?[0-9]+ ?番地?(?: ?の? ?[0-9]+(?: ?号)?(?:[\-\u2010-\u2015\u2212\u30fc][0-9]+)*)?"
    + r"|(?<=丁目)" + r" ?[0-9]+[\-\u2010-\u2015\u2212\u30fc][0-9]+(?:[\-\u2010-\u2015\u2212\u30fc][0-9]+)*"
    + _NO_DIGIT_AFTER)
_HOUSE_NUMBER_TAIL = re.compile(r"番 ?[0-9]|[0-9][\-\u2010-\u2015\u2212\u30fc][0-9]")
# Any remaining long run of digits (account numbers, insurance numbers ...).
_LONG_NUMBER = re.compile(_NO_DIGIT_BEFORE + rf"[0-9](?:{_RUN_SEP}?[0-9]){{9,}}" + _NO_DIGIT_AFTER)


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


def _address_replacement(match: re.Match) -> str:
    text = match.group(0)
    if "丁目" in text:  # the 丁目 is a district and stays; the numbers after it go
        return text[:text.index("丁目") + 2] + ADDRESS_MASK
    # 「3番のバス」「1番線」 are not addresses: a bare 「N番」 counts only as 番地 or with a further number.
    if "番地" in text or "号" in text or "の" in text or _HOUSE_NUMBER_TAIL.search(text):
        return ADDRESS_MASK
    return text


def kanji_digits_to_ascii(text: str) -> str:
    """Long runs of kanji digits (〇九〇一二三四五六七八) as ASCII digits; words like 一人 stay."""
    return _KANJI_NUMBER.sub(lambda m: m.group(0).translate(_KANJI_DIGITS), text)


def mask_personal_data(text: str) -> MaskResult:
    """Replace e-mail addresses, card numbers, 12-digit numbers, phone numbers, postal codes, house
    numbers and long digit runs."""
    kinds: list[str] = []

    def sub(pattern: re.Pattern, replacement, kind: str, value: str) -> str:
        result = pattern.sub(replacement, value)
        if result != value:
            kinds.append(kind)
        return result

    text = kanji_digits_to_ascii(text)
    text = sub(_EMAIL, EMAIL_MASK, "email", text)
    text = sub(_POSTAL, lambda m: m.group(1) + POSTAL_MASK, "postal_code", text)
    text = sub(_CARD, CARD_MASK, "card", text)
    text = sub(_MY_NUMBER, MY_NUMBER_MASK, "my_number", text)
    text = sub(_PHONE, _phone_replacement, "phone", text)
    text = sub(_ADDRESS, _address_replacement, "address", text)
    text = sub(_LONG_NUMBER, NUMBER_MASK, "number", text)
    return MaskResult(text, tuple(kinds))

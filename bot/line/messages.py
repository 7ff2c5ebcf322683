"""Building LINE reply messages within LINE's limits (line-bot-sdk v3 models).

Limits enforced here (LINE documents them; messaging-api.yml encodes only some):
text ≤ 5,000 characters, ≤ 5 messages per reply, ≤ 13 quick reply items, action
label ≤ 20 characters, postback data ≤ 300, displayText / message-action text ≤ 300.
Lengths are counted in UTF-16 code units, which is never less than LINE's count.
"""
from __future__ import annotations

import re
from typing import Sequence

from linebot.v3.messaging import (
    LocationAction,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    URIAction,
)

from bot.line.postback import POSTBACK_DATA_MAX, Postback
from faq.text import japanese_punctuation

TEXT_MAX = 5000
MESSAGES_MAX = 5
QUICK_REPLY_MAX = 13
LABEL_MAX = 20
ACTION_TEXT_MAX = 300
ELLIPSIS = "…"
TRUNCATED_NOTE = "\n…（長いため省略しました）"

# Where a long text may be split, best first. Each pattern matches the end of a piece.
_BOUNDARIES = (
    re.compile(r"\n\s*\n"),            # paragraph
    re.compile(r"\n"),                  # line
    re.compile(r"[。．！？!?](?:[」』）)]*)"),  # sentence (keeping closing brackets with it)
    re.compile(r"[、，,；;：:]"),          # clause
    re.compile(r"\s"),                  # word (for Latin text)
)


def line_length(text: str) -> int:
    """LINE-safe length: UTF-16 code units (emoji outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _prefix_within(text: str, limit: int) -> int:
    """The largest n such that text[:n] is at most `limit` long."""
    if line_length(text) <= limit:
        return len(text)
    n, used = 0, 0
    for ch in text:
        w = 2 if ord(ch) > 0xFFFF else 1
        if used + w > limit:
            break
        used += w
        n += 1
    return n


def truncate(text: str, limit: int) -> str:
    """`text` shortened to `limit` with a trailing … when it does not fit."""
    if line_length(text) <= limit:
        return text
    return text[:_prefix_within(text, limit - line_length(ELLIPSIS))] + ELLIPSIS


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Split into pieces ≤ `limit`, at the best boundary in the second half of each piece.

    Nothing is dropped: joining the pieces gives `text` back except for the
    whitespace stripped at the piece edges.
    """
    pieces: list[str] = []
    rest = text.strip()
    while line_length(rest) > limit:
        hard = _prefix_within(rest, limit)
        window = rest[:hard]
        cut = 0
        for boundary in _BOUNDARIES:
            ends = [m.end() for m in boundary.finditer(window) if m.end() >= hard // 2]
            if ends:
                cut = ends[-1]
                break
        if cut == 0:
            cut = hard
        piece, rest = rest[:cut].strip(), rest[cut:].strip()
        if piece:
            pieces.append(piece)
    if rest:
        pieces.append(rest)
    return pieces


def postback_action(label: str, postback: Postback, display_text: str | None = None) -> PostbackAction:
    data = postback.encode()
    assert len(data) <= POSTBACK_DATA_MAX
    label, display_text = japanese_punctuation(label), japanese_punctuation(display_text)
    return PostbackAction(label=truncate(label, LABEL_MAX), data=data,
                          display_text=truncate(display_text, ACTION_TEXT_MAX) if display_text else None)


def message_action(label: str, text: str) -> MessageAction:
    return MessageAction(label=truncate(label, LABEL_MAX), text=truncate(text, ACTION_TEXT_MAX))


def location_action(label: str) -> LocationAction:
    """LINE's 「位置情報」 quick reply: opens the resident's location picker (quick replies only)."""
    return LocationAction(label=truncate(label, LABEL_MAX))


def uri_action(label: str, uri: str) -> URIAction:
    return URIAction(label=truncate(label, LABEL_MAX), uri=uri)


def quick_reply(actions: Sequence) -> QuickReply | None:
    """At most 13 items; the first ones win (callers put the most useful first)."""
    items = [QuickReplyItem(action=a) for a in list(actions)[:QUICK_REPLY_MAX]]
    return QuickReply(items=items) if items else None


def compose(blocks: Sequence[str], actions: Sequence = ()) -> list[TextMessage]:
    """Text blocks as ≤ 5 text messages, each ≤ 5,000; quick replies on the last message.

    Each block starts a new message when there is room; long blocks are split on
    paragraph/sentence boundaries; when more than 5 messages would be needed,
    neighbours are merged, and only text that cannot fit even then is cut (marked).
    """
    texts = [piece for block in blocks if block and block.strip()
             for piece in split_text(japanese_punctuation(block))]
    while len(texts) > MESSAGES_MAX:
        merges = [(line_length(texts[i]) + line_length(texts[i + 1]), i) for i in range(len(texts) - 1)
                  if line_length(texts[i]) + 2 + line_length(texts[i + 1]) <= TEXT_MAX]
        if not merges:
            break
        _, i = min(merges)
        texts[i:i + 2] = [texts[i] + "\n\n" + texts[i + 1]]
    if len(texts) > MESSAGES_MAX:
        texts = texts[:MESSAGES_MAX]
        texts[-1] = texts[-1][:_prefix_within(texts[-1], TEXT_MAX - line_length(TRUNCATED_NOTE))] + TRUNCATED_NOTE
    if not texts:
        texts = ["（内容がありません）"]
    qr = quick_reply(actions)
    return [TextMessage(text=t, quick_reply=qr if i == len(texts) - 1 else None) for i, t in enumerate(texts)]

"""Spotting messages from someone who may be in danger right now.

Such a message gets the emergency numbers first, before any FAQ search, in every mode
and also while a desk ticket is open; the normal answer follows in the same reply, so a
false alarm costs one extra paragraph and a missed one is less likely.

Two kinds of words:

* urgent words (助けて, 逃げ遅れ, 息をしていない, 119 …) always count;
* situation words (火事, けが, 倒れ, 流され …) count unless the message is plainly about a
  support procedure (「火事の後の罹災証明」, 「けがをしたときの見舞金」): those are
  disaster-support questions, not emergencies.

Input is the normalized (NFKC) resident text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

URGENT = re.compile(
    r"助けて|たすけて|助けてください|たすけてー|ヘルプミー|"
    r"逃げ遅れ|にげおくれ|取り残され|とりのこされ|生き埋め|いきうめ|"
    r"息をしていない|息してない|息をしてない|呼吸していない|呼吸がない|息が(でき|出来)ない|"
    r"意識がない|意識が無い|意識不明|心肺停止|"
    r"溺れて(いる|る)|おぼれて(いる|る)|閉じ込められて|とじこめられて|"
    r"動けない|うごけない|血が止まらない|挟まれて|はさまれて|下敷きに|"
    r"救急車(を|が)?(呼|よ)|(?<![0-9#])(119|110)(?![0-9])")
SITUATION = re.compile(
    r"火事|かじだ|火災|燃えて|もえて|煙が|けむりが|救急|けが|怪我|ケガ|倒れ|たおれ|溺れ|おぼれ|"
    r"流され|ながされ|閉じ込め|とじこめ|出血|挟まれ|はさまれ|下敷き|"
    r"浸水して(いる|る)|水が(来|き)て(いる|る)")
# Words of a question about a procedure or a support scheme rather than a call for help.
SUPPORT_CONTEXT = re.compile(
    r"証明|罹災|りさい|被災証明|支援金|支援制度|支援|申請|手続|制度|給付|補助|補償|助成|見舞金|弔慰金|義援金|"
    r"保険|減免|免除|猶予|税|費用|資金|貸付|修理|解体|仮設|ごみ|後の|あとの|その後|以前|去年|昨年|"
    r"予防|対策|訓練|とは|って何|ってなに")


@dataclass(frozen=True)
class EmergencyMatch:
    urgent: bool      # an urgent word (as opposed to a situation word outside a support question)
    word: str


def detect(text: str) -> EmergencyMatch | None:
    """The emergency word in ``text``, or None. Never raises."""
    if not text:
        return None
    urgent = URGENT.search(text)
    if urgent:
        return EmergencyMatch(True, urgent.group(0))
    situation = SITUATION.search(text)
    if situation and not SUPPORT_CONTEXT.search(text):
        return EmergencyMatch(False, situation.group(0))
    return None

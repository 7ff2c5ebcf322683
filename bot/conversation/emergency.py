"""Spotting messages from someone who may be in danger right now.

Such a message gets the emergency numbers first, before any FAQ search, in every mode
and also while a desk ticket is open; the normal answer follows in the same reply, so a
false alarm costs one extra paragraph and a missed one is less likely.

Two kinds of words:

* urgent words (助けて, 逃げ遅れ, 息をしていない, 119 …) always count;
* situation words (火事, けが, 倒れ, 流され …) count unless the message is plainly about a
  support procedure (「火事の後の罹災証明」, 「けがをしたときの見舞金」): those are
  disaster-support questions, not emergencies.

Other languages (English, Chinese, Korean, Vietnamese, Portuguese) have their own urgent and
situation words; the match tells the language, so 「Cháy!」 gets the numbers in Vietnamese even when
the text is too short for the language detector.

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


# language -> (urgent words, situation words, support-question words); matched case-insensitively
FOREIGN = {
    "en": (r"\bhelp me\b|\bhelp!|\bsos\b|\bsomeone (is )?trapped|\bnot breathing|\bcan'?t breathe|\bunconscious|"
           r"\bdrowning|\bcall (an )?ambulance|\bheart attack|\bbleeding (badly|heavily)",
           r"\bfire\b|\bburning\b|\bsmoke\b|\bambulance\b|\binjured\b|\bcollapsed\b|\btrapped\b|\bflooding\b|"
           r"\bswept away\b|\bbleeding\b",
           r"certificate|support|apply|application|insurance|tax|subsid|grant|fund|loan|repair|after the|"
           r"prevent|drill|what is"),
    "zh": (r"救命|救救|快来人|被困|没有呼吸|不能呼吸|失去意识|昏迷|溺水|叫救护车",
           r"着火|失火|起火|火灾|冒烟|救护车|受伤|晕倒|倒下|流血|被冲走|淹水",
           r"证明|支援|申请|手续|制度|补助|保险|减免|税|贷款|修理|之后|以后|预防"),
    "ko": (r"살려|도와주세요|구해 ?주세요|갇혔|숨을 안|숨을 못|의식이 없|물에 빠졌|구급차 불러",
           r"불이야|불이 났|화재|연기가|구급차|다쳤|쓰러졌|피가|떠내려|침수",
           r"증명|지원|신청|절차|제도|보험|감면|세금|대출|수리|후에|예방"),
    "vi": (r"cứu tôi|cứu với|cứu!|cứu giúp|bị mắc kẹt|không thở|bất tỉnh|chết đuối|gọi xe cấp cứu",
           r"cháy|hỏa hoạn|khói|cấp cứu|bị thương|ngất|chảy máu|bị cuốn trôi|ngập",
           r"giấy chứng nhận|hỗ trợ|đăng ký|nộp đơn|thủ tục|chế độ|bảo hiểm|thuế|vay|sửa chữa|sau khi|phòng"),
    "pt": (r"socorro|me ajude|me ajudem|preso|não está respirando|não consigo respirar|inconsciente|"
           r"afogando|chame (uma )?ambulância",
           r"\bfogo\b|incêndio|fumaça|ambulância|ferido|desmaiou|sangrando|inundação|arrastad",
           r"certificado|apoio|auxílio|pedido|solicitar|procedimento|seguro|imposto|empréstimo|reparo|depois|"
           r"prevenção"),
}
_FOREIGN = {lang: tuple(re.compile(p, re.IGNORECASE) for p in patterns) for lang, patterns in FOREIGN.items()}


@dataclass(frozen=True)
class EmergencyMatch:
    urgent: bool      # an urgent word (as opposed to a situation word outside a support question)
    word: str
    lang: str = "ja"  # the language of the word that matched


def detect(text: str) -> EmergencyMatch | None:
    """The emergency word in ``text``, or None. Never raises."""
    if not text:
        return None
    urgent = URGENT.search(text)
    if urgent:
        return EmergencyMatch(True, urgent.group(0))
    situation = SITUATION.search(text)
    if situation:  # a Japanese situation word decides, with the Japanese support words
        return None if SUPPORT_CONTEXT.search(text) else EmergencyMatch(False, situation.group(0))
    return _detect_foreign(text)


def _detect_foreign(text: str) -> EmergencyMatch | None:
    for lang, (urgent, situation, support) in _FOREIGN.items():
        found = urgent.search(text)
        if found:
            return EmergencyMatch(True, found.group(0), lang)
    for lang, (urgent, situation, support) in _FOREIGN.items():
        found = situation.search(text)
        if found and not support.search(text):
            return EmergencyMatch(False, found.group(0), lang)
    return None

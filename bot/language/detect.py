"""The language of a resident's message, offline (py3langid, restricted to the supported languages).

Short or ambiguous texts decide nothing (`None`: keep the remembered language, Japanese by default):
「OK」, 「はい」 aside, emoji, numbers, a single Latin word. Script rules come first, because they are
certain and cheap: any kana means Japanese (mixed Japanese/English is Japanese), hangul means Korean.
Text in Chinese characters only is Chinese only when the model is sure (Japanese also writes
「罹災証明書」 without kana). The model (a few MB) is loaded once per process on first use.
"""
from __future__ import annotations

import re
import threading

from bot.language.codes import DETECTABLE, JAPANESE

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏḀ-ỿ]{2,}")
_VIET_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)

LATIN_MIN_CONFIDENCE = 0.90
HAN_MIN_CONFIDENCE = 0.90

_model = None
_lock = threading.Lock()


def _identifier():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
                model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                model.set_languages(list(DETECTABLE))
                _model = model
    return _model


def classify(text: str, among: tuple[str, ...] = DETECTABLE) -> tuple[str, float]:
    """The model's best language among `among` and its probability."""
    ranked = [(lang, p) for lang, p in _identifier().rank(text) if lang in among]
    total = sum(p for _, p in ranked) or 1.0
    lang, p = ranked[0]
    return lang, p / total


def detect(text: str) -> str | None:
    """The language `text` is written in, or None when the text does not tell (keep the current one)."""
    if not text:
        return None
    if _KANA.search(text):
        return JAPANESE
    if _HANGUL.search(text):
        return "ko"
    latin_words = _LATIN_WORD.findall(text)
    if _HAN.search(text):
        if latin_words:
            return None  # 「LINE Pay使える」 without kana, "PayPay 罹災": not clear
        if len(_HAN.findall(text)) < 2:
            return None
        lang, p = classify(text, (JAPANESE, "zh"))
        return lang if p >= HAN_MIN_CONFIDENCE else None
    if _VIET_MARKS.search(text):
        return "vi"  # letters only Vietnamese uses: certain even for 「Cháy!」
    if len(latin_words) < 2 and not (latin_words and len(latin_words[0]) >= 6):
        return None  # "OK", "hi", "no": too short to tell
    lang, p = classify(" ".join(latin_words), ("en", "vi", "pt"))
    return lang if p >= LATIN_MIN_CONFIDENCE else None

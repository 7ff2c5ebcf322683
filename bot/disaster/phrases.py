"""What the support navigator (支援制度ナビ) and the shelter search say to residents (Japanese).

Reviewed by staff together with ``bot/phrases.py``, which holds the labels of the buttons that open
the navigator and the shelter search; the programmes' own texts are in ``faq/support_programmes.yaml``."""
from __future__ import annotations

import re

LOCATION_LABEL = "位置情報を送る"
BACK_LABEL = "戻る"
RESTART_LABEL = "最初から"
BACK_WORDS = frozenset({"戻る", "もどる", "ひとつ戻る", "1つ戻る"})
RESTART_WORDS = frozenset({"最初から", "はじめから", "さいしょから"})

# Words that start the navigator (checked on the normalised one-line text).
NAVIGATOR_WORDS = re.compile(
    r"支援制度ナビ|(支援金|支援制度|支援)の?(診断|ナビ|チェック)|"
    r"どんな支援(が|を)?(受けられ|もらえ|ある|使え)|受けられる支援|使える(支援|制度)")
# Words that ask where the nearest shelter is.
SHELTER_WORDS = re.compile(
    r"(近く|ちかく|最寄り|もより|一番近い|近所)の?(避難所|ひなんじょ|避難場所)|"
    r"(避難所|ひなんじょ|避難場所)(は|って)?(どこ|何処)|(避難所|避難場所)を?(探|さが|教えて)")

NAVIGATOR_INTRO = (
    "【支援制度ナビ】\n"
    "いくつかの質問に答えていただくと、受けられる可能性がある支援制度と、金額の目安をご案内します。\n"
    "お名前や住所などの個人情報はお聞きしません。途中でふつうの質問を送ると、ナビを終わります。"
)
NAVIGATOR_EXPIRED = "時間がたったため、最初からお聞きします。"


def navigator_step(number: int, total: int, text: str) -> str:
    return f"（{number}/{total}）{text}"


def navigator_summary(labels: list[str]) -> str:
    return (
        "【支援制度ナビの結果（目安）】\n"
        f"お答え：{'・'.join(labels)}\n\n"
        "受けられる可能性がある制度です。金額は法律で決まっている額の目安で、実際の対象と金額は、"
        "罹災証明書の判定や、この災害に制度が適用されるかどうかで決まります。"
    )


NOT_APPLICABLE_HEADING = "■対象にならない可能性が高い制度"
NAVIGATOR_CLOSING = (
    "ご自分の場合にあてはまるか分からないときは、下の「職員に相談」を押してください。\n"
    "くわしい説明は、下のボタンから制度を選んでください。"
)
AMOUNT_HEADING = "金額の目安"
TOTAL_LABEL = "合計"
TO_CONFIRM_NOTE = "（市町村の独自制度です。要確認）"


# -- shelters -------------------------------------------------------------------
ASK_LOCATION = (
    "近くの開いている避難所をお探しします。\n"
    "下の「位置情報を送る」を押して、今いる場所を送ってください。\n"
    "（送られた位置は、避難所を探すためだけに使い、保存しません）"
)


def shelters_found(hazard: str | None) -> str:
    suited = f"（{hazard}に対応する避難所）" if hazard else ""
    return f"近くの開設中の避難所です{suited}。\n距離は直線距離です。移動の前に、道路の安全を確かめてください。"


SHELTERS_NOT_SUITED = ("この災害の種類に対応する開設中の避難所が近くに見つからないため、"
                       "開設中の避難所を近い順にご案内します。災害の種類に対応しているか、現地でご確認ください。")
NO_OPEN_SHELTER = (
    "申し訳ありません。いま開設が確認できている避難所が見つかりませんでした。\n"
    "市町村の防災無線・ホームページ・テレビなどで、開設中の避難所を確認してください。\n"
    "危険が迫っていて移動が難しいときは、近くの頑丈な建物の高い階など、より安全な場所へ移ってください。\n"
    "命に危険があるときは、すぐに119番（火事・救急）・110番（警察）へ電話してください。"
)


def shelter_line(number: int, name: str, distance_m: float, address: str, map_url: str, full_note: str = "") -> str:
    distance = f"{distance_m:.0f}m" if distance_m < 1000 else f"{distance_m / 1000:.1f}km"
    return f"{number}. {name}（約{distance}）{full_note}\n{address}\n地図：{map_url}"

"""Everything the bot says to residents (Japanese), in one place for review by staff."""
from __future__ import annotations

from faq.model import CATEGORIES

# The main topics offered on the greeting and the menu (category ids).
MAIN_TOPICS = ("online-procedures", "cashless-payment", "disaster-support")
DESK_LABEL = "職員に相談"
MENU_LABEL = "メニュー"
HELP_LABEL = "使い方"
RESOLVED_LABEL = "解決した"
UNRESOLVED_LABEL = "解決しない"

MENU_KEYWORDS = frozenset({"メニュー", "めにゅー", "menu", "もどる", "戻る", "最初から", "はじめから"})
HELP_KEYWORDS = frozenset({"使い方", "つかいかた", "ヘルプ", "へるぷ", "help", "使いかた", "使い方を教えて"})

GREETING = (
    "友だち追加ありがとうございます。\n"
    "県と市の手続きや制度について、よくある質問に自動でお答えするLINEです。24時間ご利用いただけます。\n\n"
    "知りたいことを、ふだんの言葉で送ってください。\n"
    "（例）「罹災証明書はどうやって申請するの？」\n\n"
    "下のボタンから分野を選ぶこともできます。\n"
    "※氏名・住所・電話番号・マイナンバーなどの個人情報は送らないでください。"
)

MENU = (
    "知りたいことを、ふだんの言葉で送ってください。\n"
    "（例）「税金をキャッシュレスで払える？」\n\n"
    "下のボタンから分野を選ぶこともできます。"
)

HELP = (
    "【使い方】\n"
    "・知りたいことを文章で送ってください。\n"
    "　（例）「罹災証明書はどうやって申請するの？」\n"
    "・答えの下の「解決した」「解決しない」を押していただくと、回答の改善に役立てます。\n"
    "・「メニュー」と送ると、分野の一覧を表示します。\n"
    "・自動でお答えできないときは「職員に相談」から窓口をご案内します。\n"
    "・氏名・住所・電話番号・マイナンバーなどの個人情報は送らないでください。\n"
    "・回答は一般的なご案内です。くわしくは担当課にご確認ください。"
)

NON_TEXT = (
    "恐れ入りますが、スタンプ・画像・動画・音声・ファイル・位置情報には、お答えできません。\n"
    "ご質問を文字で送ってください。"
)

NO_CONTENT = (
    "ご質問の内容を読み取れませんでした。\n"
    "知りたいことを、文字で送ってください。（例）「電子申請のやり方は？」"
)

PERSONAL_DATA_NOTE = (
    "【ご注意】電話番号・メールアドレス・マイナンバーなどの個人情報は、送らないでください。"
    "このLINEでは個人情報をお伺いしていません。\n"
    "（いただいた番号などは、記録に残らないよう伏せ字にしました）"
)

SUGGEST_INTRO = "お探しの内容は、次のどれですか？\n下のボタンから選んでください。"
SUGGEST_OUTRO = "どれにも当てはまらないときは、言葉を変えて送っていただくか、「職員に相談」を押してください。"

FALLBACK = (
    "申し訳ありません。お尋ねの内容に合う答えが見つかりませんでした。\n\n"
    "言葉を変えて、もう一度送っていただくか、下の「職員に相談」を押してください。"
)

FEEDBACK_THANKS = "ありがとうございます。お役に立ててよかったです。\nほかにも知りたいことがあれば、いつでも送ってください。"
FEEDBACK_SORRY = (
    "お役に立てず申し訳ありません。\n"
    "言葉を変えて、もう一度送っていただくか、下の「職員に相談」を押してください。"
)

FAQ_GONE = "申し訳ありません。このご質問の案内は現在掲載を終了しています。\n知りたいことを、文章で送ってください。"

GROUP_JOIN = (
    "グループに追加していただき、ありがとうございます。\n"
    "県と市の手続きや制度について、よくある質問に自動でお答えします。\n"
    "質問するときは、このアカウントにメンション（@）をつけて送ってください。"
)


def desk(phone: str, hours: str) -> str:
    return (
        "職員へのご相談は、次の窓口で受け付けています。\n\n"
        f"電話：{phone}\n"
        f"受付時間：{hours}\n\n"
        "担当課がわからない場合も、こちらにおかけください。担当課におつなぎします。\n"
        "※このLINEでは、個人的なご事情のご相談や手続きはできません。"
    )


def system_error(phone: str, hours: str) -> str:
    return (
        "申し訳ありません。ただいまシステムの不具合で、お答えできませんでした。\n"
        "少し時間をおいて、もう一度送ってください。\n"
        f"お急ぎの場合は {phone}（{hours}）へお電話ください。"
    )


def answer(question: str, body: str) -> str:
    return f"Q. {question}\n\n{body}"


def answer_footer(url: str | None, department: str | None) -> str:
    parts = []
    if url:
        parts.append(f"▼くわしくはこちら\n{url}")
    if department:
        parts.append(f"担当：{department}")
    return "\n\n".join(parts)


def answer_feedback_prompt() -> str:
    return "この回答で解決しましたか？下のボタンで教えてください。"


def numbered(questions: list[str]) -> str:
    return "\n".join(f"{i}. {q}" for i, q in enumerate(questions, 1))


def topic_intro(category: str) -> str:
    label = CATEGORIES.get(category, category)
    return f"「{label}」のよくある質問です。\n下のボタンから選ぶか、知りたいことを文章で送ってください。"


def topic_empty(category: str) -> str:
    label = CATEGORIES.get(category, category)
    return f"「{label}」のよくある質問は、ただいま準備中です。\n知りたいことを、文章で送ってください。"


def topic_label(category: str) -> str:
    return CATEGORIES.get(category, category)

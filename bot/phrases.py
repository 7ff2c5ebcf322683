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
    "恐れ入りますが、スタンプ・画像・動画・音声・ファイルには、お答えできません。\n"
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


# -- emergencies ---------------------------------------------------------------
def emergency(disaster: bool, with_7119: bool) -> str:
    lines = [
        "【命に危険があるときは、すぐに電話してください】",
        "・火事・救急：119",
        "・事件・事故：110",
    ]
    if with_7119:
        lines.append("・救急車を呼ぶか迷うとき：#7119（救急安心センター）")
    if disaster:
        lines.append("・家族の安否の伝言：171（災害用伝言ダイヤル）")
    lines.append("このLINEは緊急通報を受け付けていません。返信を待たずにお電話ください。")
    return "\n".join(lines)


# -- the human desk (handoff tickets) --------------------------------------------
END_TICKET_LABEL = "相談をやめる"
STAFF_REPLY_HEADING = "【担当者からのお返事】"

HANDOFF_UNRESOLVED_INTRO = "お役に立てず申し訳ありません。"


def _phone_line(phone: str, hours: str) -> str:
    return f"お急ぎの場合はお電話でも受け付けています。\n電話：{phone}\n受付時間：{hours}"


def handoff_open(ahead: int, minutes: int, late_opening: str | None, phone: str, hours: str) -> str:
    """Inside desk hours: the ticket is in the queue."""
    if ahead:
        wait = f"ただいま{ahead}件の相談をお受けしています。お返事まで、およそ{minutes}分の見込みです。"
    else:
        wait = f"お返事まで、およそ{minutes}分の見込みです。"
    late = (f"\n本日の受付時間内にお返事できない場合は、{late_opening}以降にご連絡します。"
            if late_opening else "")
    return (
        "担当者におつなぎします。\n"
        f"{wait}{late}\n\n"
        "このままメッセージで、ご相談の内容を送ってください。担当者が順番に確認してお返事します。\n"
        "※氏名・住所・電話番号・マイナンバーなどの個人情報は送らないでください。\n\n"
        + _phone_line(phone, hours)
    )


def handoff_closed(opening: str | None, phone: str, hours: str) -> str:
    """Outside desk hours: the ticket is kept for the next opening."""
    when = (f"{opening}以降に担当者からご連絡します。" if opening
            else "受付を再開したあと、担当者からご連絡します。")
    return (
        "ただいま受付時間外のため、ご相談を受け付けて保存しました。\n"
        f"{when}\n\n"
        "ご相談の内容は、このままメッセージで送ってください。いただいた内容は担当者に届きます。\n"
        "※氏名・住所・電話番号・マイナンバーなどの個人情報は送らないでください。\n\n"
        + _phone_line(phone, hours)
    )


HANDOFF_ALREADY_OPEN = "すでに担当者へのご相談を受け付けています。このままメッセージを送ってください。"


def ticket_ack(opening: str | None) -> str:
    """The short acknowledgement of a message sent while a ticket is open."""
    if opening:
        return f"担当者に伝えました。{opening}以降にお返事します。"
    return "担当者に伝えました。お返事まで、しばらくお待ちください。"


TICKET_NON_TEXT_ACK = "スタンプ・画像などは担当者に届きません。ご相談の内容は文字で送ってください。"
TICKET_NON_TEXT_NOTE = "（{kind}が送られました。内容は保存していません）"
NON_TEXT_KINDS = {"sticker": "スタンプ", "image": "画像", "video": "動画", "audio": "音声", "file": "ファイル",
                  "location": "位置情報"}
TICKET_ENDED_BY_RESIDENT = (
    "担当者へのご相談を終了しました。ここからは自動でお答えします。\n"
    "知りたいことを、ふだんの言葉で送ってください。"
)
TICKET_ENDED_NOTE = "住民の方が相談を終了しました。"
TICKET_CLOSED = (
    "担当者とのご相談を終了しました。ご利用ありがとうございました。\n"
    "ここからは自動でお答えします。ほかにも知りたいことがあれば、いつでも送ってください。"
)
TICKET_EMERGENCY_NOTE = "（緊急の言葉があったため、緊急の連絡先を案内しました）"
TICKET_REQUEST_AGAIN_NOTE = "（住民の方が、もう一度職員への相談を希望しました）"


def staff_reply(text: str) -> str:
    return f"{STAFF_REPLY_HEADING}\n{text}"


def group_desk(phone: str, hours: str) -> str:
    """Groups and rooms get no ticket (replies are one-to-one): the phone number instead."""
    return desk(phone, hours) + "\n担当者とのLINEでのご相談は、このアカウントとの1対1のトークでお受けしています。"


# -- disaster-support mode ---------------------------------------------------------
# The buttons that open disaster support (bot/disaster/); what the support then says is in bot/disaster/phrases.py.
NAVIGATOR_LABEL = "支援制度ナビ"
SHELTER_LABEL = "近くの避難所"
# (key, quick reply label, the question searched for it)
DISASTER_SUBJECTS = (
    ("risai", "罹災証明書", "罹災証明書の申請"),
    ("saiken", "生活再建支援金", "被災者生活再建支援金"),
    ("engo", "災害援護資金", "災害援護資金の貸付"),
    ("shuri", "住宅の応急修理", "住宅の応急修理制度"),
    ("hinanjo", "避難所", "避難所の場所"),
    ("gienkin", "義援金", "義援金の受け取り"),
    ("genmen", "税・保険料の減免", "被災したときの税金や保険料の減免"),
)


def disaster_greeting(name: str) -> str:
    return (
        f"【災害支援：{name}】\n"
        f"{name}で被害を受けられた皆さまに、心よりお見舞い申し上げます。\n"
        "このLINEでは、罹災証明書や支援金など、支援制度のご案内に24時間自動でお答えします。\n\n"
        "下のボタンから選ぶか、知りたいことをふだんの言葉で送ってください。\n"
        "命に危険があるときは、すぐに119番（火事・救急）・110番（警察）へ電話してください。\n"
        "※氏名・住所・電話番号・マイナンバーなどの個人情報は送らないでください。"
    )


def disaster_menu(name: str) -> str:
    return (
        f"【災害支援：{name}】\n"
        "支援制度や手続きについて、下のボタンから選ぶか、知りたいことをふだんの言葉で送ってください。\n"
        "（例）「罹災証明書はどうやって申請するの？」"
    )

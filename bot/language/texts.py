"""The bot's fixed phrases in every supported language (`Texts`), for review by staff and translators.

Japanese (``ja``) is `bot.phrases` itself, so the Japanese path says exactly what it always said.
``easy`` is やさしい日本語 (short sentences, simple words, kana readings for hard words).
Placeholders: ``{phone}``, ``{hours}``, ``{help}`` (where multilingual help is), ``{label}``.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from bot import phrases
from bot.language.codes import JAPANESE


@dataclass(frozen=True)
class Texts:
    greeting: str
    menu: str
    help: str
    non_text: str
    no_content: str
    personal_data_note: str
    suggest_intro: str
    suggest_outro: str
    fallback: str
    feedback_prompt: str
    feedback_thanks: str
    feedback_sorry: str
    faq_gone: str
    menu_label: str
    help_label: str
    desk_label: str
    resolved_label: str
    unresolved_label: str
    desk: str                 # {phone} {hours}
    desk_language_note: str   # {help}: staff answer in Japanese; where help in this language is
    system_error: str         # {phone} {hours}
    japanese_only: str        # {help}: the answer below exists in Japanese only
    more_info: str
    department: str
    emergency_title: str
    emergency_fire: str
    emergency_police: str
    emergency_7119: str
    emergency_171: str
    emergency_not_a_line: str
    language_prompt: str
    language_chosen: str
    desk_hours_default: str   # the default desk hours, said in this language


JA = Texts(
    greeting=phrases.GREETING, menu=phrases.MENU, help=phrases.HELP, non_text=phrases.NON_TEXT,
    no_content=phrases.NO_CONTENT, personal_data_note=phrases.PERSONAL_DATA_NOTE,
    suggest_intro=phrases.SUGGEST_INTRO, suggest_outro=phrases.SUGGEST_OUTRO, fallback=phrases.FALLBACK,
    feedback_prompt=phrases.answer_feedback_prompt(), feedback_thanks=phrases.FEEDBACK_THANKS,
    feedback_sorry=phrases.FEEDBACK_SORRY, faq_gone=phrases.FAQ_GONE, menu_label=phrases.MENU_LABEL,
    help_label=phrases.HELP_LABEL, desk_label=phrases.DESK_LABEL, resolved_label=phrases.RESOLVED_LABEL,
    unresolved_label=phrases.UNRESOLVED_LABEL, desk=phrases.desk("{phone}", "{hours}"),
    desk_language_note="", system_error=phrases.system_error("{phone}", "{hours}"), japanese_only="",
    more_info="▼くわしくはこちら", department="担当",
    emergency_title="【命に危険があるときは、すぐに電話してください】", emergency_fire="・火事・救急：119",
    emergency_police="・事件・事故：110", emergency_7119="・救急車を呼ぶか迷うとき：#7119（救急安心センター）",
    emergency_171="・家族の安否の伝言：171（災害用伝言ダイヤル）",
    emergency_not_a_line="このLINEは緊急通報を受け付けていません。返信を待たずにお電話ください。",
    language_prompt="ことばを えらんでください。\nChoose your language.",
    language_chosen="日本語でお答えします。", desk_hours_default="",
)

EASY = Texts(
    greeting=("ともだち ついか ありがとう ございます。\n"
              "県（けん）と 市（し）の 手続き（てつづき）や 制度（せいど）の しつもんに、じどうで こたえます。24時間 つかえます。\n\n"
              "しりたい ことを みじかい ことばで おくって ください。\n"
              "（れい）「罹災証明書（りさいしょうめいしょ）は どうやって もらう？」\n"
              "※なまえ・じゅうしょ・でんわばんごうは おくらないで ください。"),
    menu="しりたい ことを みじかい ことばで おくって ください。\n下の ボタンから えらぶ ことも できます。",
    help=("【つかいかた】\n・しりたい ことを 文（ぶん）で おくって ください。\n"
          "・こたえの 下の「わかった」「わからない」を おして ください。\n"
          "・「メニュー」と おくると、いちらんが でます。\n"
          "・じどうで こたえられない ときは「しょくいんに そうだん」を おして ください。\n"
          "・なまえ・じゅうしょ・でんわばんごうは おくらないで ください。"),
    non_text="スタンプ・しゃしん・どうが には こたえられません。\nしつもんを もじで おくって ください。",
    no_content="しつもんが わかりませんでした。\nしりたい ことを もじで おくって ください。",
    personal_data_note=("【ちゅうい】でんわばんごう・メール・マイナンバーは おくらないで ください。\n"
                        "（おくられた ばんごうは、きろくに のこらないように かくしました）"),
    suggest_intro="しりたい ことは、つぎの どれですか？\n下の ボタンから えらんで ください。",
    suggest_outro="どれでも ない ときは、ちがう ことばで おくるか、「しょくいんに そうだん」を おして ください。",
    fallback=("ごめんなさい。こたえが みつかりませんでした。\n\n"
              "ちがう ことばで もう一度 おくるか、下の「しょくいんに そうだん」を おして ください。"),
    feedback_prompt="この こたえで わかりましたか？ 下の ボタンで おしえて ください。",
    feedback_thanks="ありがとう ございます。\nほかにも しりたい ことが あれば、いつでも おくって ください。",
    feedback_sorry="ごめんなさい。\nちがう ことばで もう一度 おくるか、「しょくいんに そうだん」を おして ください。",
    faq_gone="ごめんなさい。この あんないは もう ありません。\nしりたい ことを おくって ください。",
    menu_label="メニュー", help_label="つかいかた", desk_label="しょくいんに そうだん",
    resolved_label="わかった", unresolved_label="わからない",
    desk=("しょくいん（市の 人）に そうだん できます。\n\nでんわ：{phone}\nうけつけ：{hours}\n\n"
          "どこに きけば いいか わからない ときも、ここに でんわ して ください。"),
    desk_language_note="しょくいんが こたえます。やさしい 日本語で こたえて ほしい ときは、そう かいて ください。",
    system_error=("ごめんなさい。いま システムが うごいて いません。\nすこし まって から もう一度 おくって ください。\n"
                  "いそぐ ときは {phone}（{hours}）に でんわ して ください。"),
    japanese_only="この こたえは ふつうの 日本語しか ありません。わからない ときは {help} に きいて ください。",
    more_info="▼くわしく", department="たんとう",
    emergency_title="【あぶない ときは すぐ でんわ して ください】",
    emergency_fire="・かじ・きゅうきゅうしゃ：119", emergency_police="・じけん・じこ：110",
    emergency_7119="・きゅうきゅうしゃを よぶか まよう とき：#7119",
    emergency_171="・かぞくの あんぴの でんごん：171",
    emergency_not_a_line="この LINE は 119・110 では ありません。へんじを またないで でんわ して ください。",
    language_prompt="ことばを えらんでください。\nChoose your language.",
    language_chosen="やさしい 日本語で こたえます。",
    desk_hours_default="月曜日〜金曜日 8:30〜17:15（土・日・祝日・年末年始は お休み）",
)

EN = Texts(
    greeting=("Thank you for adding us as a friend.\n"
              "This LINE account answers common questions about prefectural and city procedures and support, "
              "24 hours a day.\n\nSend your question in your own words.\n"
              "(Example) \"How do I get a disaster damage certificate?\"\n"
              "* Please do not send your name, address, phone number or My Number."),
    menu="Send your question in your own words, or choose a topic below.",
    help=("[How to use]\n・Send your question as a sentence.\n"
          "・Tap \"Solved\" or \"Not solved\" under an answer to help us improve.\n"
          "・Send \"menu\" to see the topics.\n"
          "・If the bot cannot answer, tap \"Ask staff\".\n"
          "・Please do not send personal information (name, address, phone number, My Number).\n"
          "・Answers are general guidance; please check details with the department in charge."),
    non_text="Sorry, I cannot answer stickers, images, videos, audio, files or locations.\nPlease send your question as text.",
    no_content="I could not read your question.\nPlease send what you want to know as text.",
    personal_data_note=("[Note] Please do not send phone numbers, email addresses or My Number. "
                        "This LINE does not ask for personal information.\n"
                        "(The numbers you sent were masked so that they are not stored.)"),
    suggest_intro="Are you looking for one of these?\nChoose one of the buttons below.",
    suggest_outro="If none of them fits, try other words or tap \"Ask staff\".",
    fallback=("Sorry, I could not find an answer to your question.\n\n"
              "Please try other words, or tap \"Ask staff\" below."),
    feedback_prompt="Did this answer help? Please tell us with the buttons below.",
    feedback_thanks="Thank you. We are glad it helped.\nSend another question at any time.",
    feedback_sorry="We are sorry it did not help.\nPlease try other words, or tap \"Ask staff\" below.",
    faq_gone="Sorry, this information is no longer available.\nPlease send your question as text.",
    menu_label="Menu", help_label="How to use", desk_label="Ask staff", resolved_label="Solved",
    unresolved_label="Not solved",
    desk=("You can talk to city staff here:\n\nPhone: {phone}\nHours: {hours}\n\n"
          "If you do not know which department to ask, call this number and we will connect you.\n"
          "* Personal matters and applications cannot be handled on this LINE."),
    desk_language_note="Staff usually reply in Japanese. Help in English: {help}",
    system_error=("Sorry, a system problem stopped me from answering.\nPlease try again in a little while.\n"
                  "If it is urgent, please call {phone} ({hours})."),
    japanese_only="This answer is available in Japanese only. Help in English: {help}",
    more_info="▼More information", department="Department",
    emergency_title="[If a life is in danger, call now]", emergency_fire="・Fire / ambulance: 119",
    emergency_police="・Police (crime, accident): 110",
    emergency_7119="・Not sure whether to call an ambulance: #7119",
    emergency_171="・Disaster message dial (family safety): 171",
    emergency_not_a_line="This LINE does not take emergency calls. Do not wait for a reply: call now.",
    language_prompt="ことばを えらんでください。\nChoose your language.",
    language_chosen="I will answer in English.",
    desk_hours_default="Weekdays 8:30–17:15 (closed on weekends, national holidays and Dec 29–Jan 3)",
)

ZH = Texts(
    greeting=("感谢您添加好友。\n本LINE账号24小时自动回答关于县和市的手续与支援制度的常见问题。\n\n"
              "请用您自己的话发送问题。\n（例）“受灾证明书怎么申请？”\n※请不要发送姓名、住址、电话号码或个人编号。"),
    menu="请用您自己的话发送问题，也可以从下面的按钮选择类别。",
    help=("【使用方法】\n・请用句子发送您的问题。\n・请在回答下方点击“已解决”或“未解决”，帮助我们改进。\n"
          "・发送“menu”可显示类别列表。\n・无法自动回答时，请点击“咨询工作人员”。\n"
          "・请不要发送姓名、住址、电话号码等个人信息。"),
    non_text="抱歉，无法回答贴图、图片、视频、语音、文件或位置信息。\n请用文字发送您的问题。",
    no_content="无法读取您的问题。\n请用文字发送您想了解的内容。",
    personal_data_note="【注意】请不要发送电话号码、电子邮件或个人编号。\n（您发送的号码已被遮盖，不会被保存。）",
    suggest_intro="您要找的是以下哪一项？\n请从下面的按钮中选择。",
    suggest_outro="如果都不符合，请换个说法再发送，或点击“咨询工作人员”。",
    fallback="抱歉，没有找到与您的问题相符的回答。\n\n请换个说法再发送，或点击下面的“咨询工作人员”。",
    feedback_prompt="这个回答解决您的问题了吗？请用下面的按钮告诉我们。",
    feedback_thanks="谢谢。很高兴能帮到您。\n如有其他问题，请随时发送。",
    feedback_sorry="抱歉没能帮到您。\n请换个说法再发送，或点击“咨询工作人员”。",
    faq_gone="抱歉，此信息已停止提供。\n请用文字发送您的问题。",
    menu_label="菜单", help_label="使用方法", desk_label="咨询工作人员", resolved_label="已解决",
    unresolved_label="未解决",
    desk="您可以通过以下窗口咨询工作人员：\n\n电话：{phone}\n受理时间：{hours}\n\n不知道该问哪个部门时，也请拨打此电话。",
    desk_language_note="工作人员通常用日语回复。中文咨询：{help}",
    system_error="抱歉，系统出现故障，无法回答。\n请稍后再试。\n紧急时请拨打 {phone}（{hours}）。",
    japanese_only="此回答只有日语版本。中文咨询：{help}",
    more_info="▼详细信息", department="负责部门",
    emergency_title="【有生命危险时，请立即拨打电话】", emergency_fire="・火灾・急救：119",
    emergency_police="・案件・事故（警察）：110", emergency_7119="・不确定是否需要叫救护车：#7119",
    emergency_171="・灾害留言电话（家人安全）：171",
    emergency_not_a_line="本LINE不受理紧急报警。请不要等待回复，立即拨打电话。",
    language_prompt="ことばを えらんでください。\nChoose your language.",
    language_chosen="我将用中文回答。",
    desk_hours_default="工作日 8:30～17:15（周末、法定节假日及12月29日～1月3日休息）",
)

KO = Texts(
    greeting=("친구 추가 감사합니다.\n현과 시의 절차와 지원 제도에 관한 자주 묻는 질문에 24시간 자동으로 답변합니다.\n\n"
              "궁금한 것을 평소 말로 보내 주세요.\n(예) \"피해 증명서(이재증명서)는 어떻게 신청하나요?\"\n"
              "※이름, 주소, 전화번호, 마이넘버는 보내지 마세요."),
    menu="궁금한 것을 평소 말로 보내 주세요. 아래 버튼에서 분야를 고를 수도 있습니다.",
    help=("【사용 방법】\n・궁금한 것을 문장으로 보내 주세요.\n・답변 아래의 \"해결됨\" \"해결 안 됨\"을 눌러 주세요.\n"
          "・\"menu\"라고 보내면 분야 목록이 나옵니다.\n・자동으로 답할 수 없을 때는 \"직원에게 상담\"을 눌러 주세요.\n"
          "・이름, 주소, 전화번호 등 개인정보는 보내지 마세요."),
    non_text="죄송합니다. 스티커, 이미지, 동영상, 음성, 파일, 위치 정보에는 답할 수 없습니다.\n질문을 문자로 보내 주세요.",
    no_content="질문을 읽을 수 없었습니다.\n궁금한 것을 문자로 보내 주세요.",
    personal_data_note="【주의】전화번호, 이메일, 마이넘버는 보내지 마세요.\n(보내신 번호는 기록에 남지 않도록 가렸습니다.)",
    suggest_intro="찾으시는 내용이 다음 중 어느 것인가요?\n아래 버튼에서 골라 주세요.",
    suggest_outro="해당하는 것이 없으면 다른 말로 보내시거나 \"직원에게 상담\"을 눌러 주세요.",
    fallback="죄송합니다. 질문에 맞는 답변을 찾지 못했습니다.\n\n다른 말로 다시 보내시거나 아래의 \"직원에게 상담\"을 눌러 주세요.",
    feedback_prompt="이 답변으로 해결되었나요? 아래 버튼으로 알려 주세요.",
    feedback_thanks="감사합니다. 도움이 되어 기쁩니다.\n다른 궁금한 것이 있으면 언제든지 보내 주세요.",
    feedback_sorry="도움이 되지 못해 죄송합니다.\n다른 말로 다시 보내시거나 \"직원에게 상담\"을 눌러 주세요.",
    faq_gone="죄송합니다. 이 안내는 더 이상 제공되지 않습니다.\n질문을 문자로 보내 주세요.",
    menu_label="메뉴", help_label="사용 방법", desk_label="직원에게 상담", resolved_label="해결됨",
    unresolved_label="해결 안 됨",
    desk="직원 상담은 다음 창구에서 받습니다.\n\n전화: {phone}\n접수 시간: {hours}\n\n담당 부서를 모를 때도 이 번호로 전화해 주세요.",
    desk_language_note="직원은 보통 일본어로 답변합니다. 한국어 상담: {help}",
    system_error="죄송합니다. 시스템 오류로 답변하지 못했습니다.\n잠시 후 다시 보내 주세요.\n급하시면 {phone}({hours})로 전화해 주세요.",
    japanese_only="이 답변은 일본어로만 제공됩니다. 한국어 상담: {help}",
    more_info="▼자세한 내용", department="담당",
    emergency_title="【생명이 위험할 때는 바로 전화하세요】", emergency_fire="・화재・구급: 119",
    emergency_police="・사건・사고(경찰): 110", emergency_7119="・구급차를 부를지 망설여질 때: #7119",
    emergency_171="・재해용 전언 다이얼(가족 안부): 171",
    emergency_not_a_line="이 LINE은 긴급 신고를 받지 않습니다. 답장을 기다리지 말고 바로 전화하세요.",
    language_prompt="ことばを えらんでください。\nChoose your language.",
    language_chosen="한국어로 답변하겠습니다.",
    desk_hours_default="평일 8:30~17:15 (주말, 공휴일, 12월 29일~1월 3일 휴무)",
)

VI = Texts(
    greeting=("Cảm ơn bạn đã kết bạn.\nTài khoản LINE này tự động trả lời 24 giờ các câu hỏi thường gặp về thủ tục "
              "và chế độ hỗ trợ của tỉnh và thành phố.\n\nHãy gửi câu hỏi bằng lời của bạn.\n"
              "(Ví dụ) \"Làm thế nào để xin giấy chứng nhận thiệt hại do thiên tai?\"\n"
              "* Vui lòng không gửi họ tên, địa chỉ, số điện thoại hoặc số My Number."),
    menu="Hãy gửi câu hỏi bằng lời của bạn, hoặc chọn chủ đề ở các nút bên dưới.",
    help=("[Cách sử dụng]\n・Gửi câu hỏi thành một câu.\n・Bấm \"Đã giải quyết\" hoặc \"Chưa giải quyết\" dưới câu trả lời.\n"
          "・Gửi \"menu\" để xem các chủ đề.\n・Nếu không có câu trả lời tự động, hãy bấm \"Hỏi nhân viên\".\n"
          "・Vui lòng không gửi thông tin cá nhân (họ tên, địa chỉ, số điện thoại)."),
    non_text="Xin lỗi, tôi không trả lời được nhãn dán, hình ảnh, video, âm thanh, tệp hoặc vị trí.\nHãy gửi câu hỏi bằng chữ.",
    no_content="Tôi không đọc được câu hỏi.\nHãy gửi điều bạn muốn biết bằng chữ.",
    personal_data_note=("[Lưu ý] Vui lòng không gửi số điện thoại, email hoặc số My Number.\n"
                        "(Các số bạn gửi đã được che để không bị lưu lại.)"),
    suggest_intro="Bạn đang tìm điều nào sau đây?\nHãy chọn ở các nút bên dưới.",
    suggest_outro="Nếu không có mục phù hợp, hãy dùng từ khác hoặc bấm \"Hỏi nhân viên\".",
    fallback="Xin lỗi, tôi không tìm thấy câu trả lời phù hợp.\n\nHãy dùng từ khác và gửi lại, hoặc bấm \"Hỏi nhân viên\" bên dưới.",
    feedback_prompt="Câu trả lời này có giúp được bạn không? Hãy cho chúng tôi biết bằng các nút bên dưới.",
    feedback_thanks="Cảm ơn bạn. Rất vui vì đã giúp được.\nBạn có thể gửi câu hỏi khác bất cứ lúc nào.",
    feedback_sorry="Xin lỗi vì chưa giúp được bạn.\nHãy dùng từ khác và gửi lại, hoặc bấm \"Hỏi nhân viên\".",
    faq_gone="Xin lỗi, thông tin này không còn nữa.\nHãy gửi câu hỏi bằng chữ.",
    menu_label="Menu", help_label="Cách dùng", desk_label="Hỏi nhân viên", resolved_label="Đã giải quyết",
    unresolved_label="Chưa giải quyết",
    desk="Bạn có thể hỏi nhân viên tại:\n\nĐiện thoại: {phone}\nGiờ làm việc: {hours}\n\nNếu không biết hỏi bộ phận nào, hãy gọi số này.",
    desk_language_note="Nhân viên thường trả lời bằng tiếng Nhật. Hỗ trợ bằng tiếng Việt: {help}",
    system_error="Xin lỗi, hệ thống đang gặp sự cố.\nHãy thử lại sau ít phút.\nNếu gấp, hãy gọi {phone} ({hours}).",
    japanese_only="Câu trả lời này chỉ có bằng tiếng Nhật. Hỗ trợ bằng tiếng Việt: {help}",
    more_info="▼Thông tin chi tiết", department="Bộ phận phụ trách",
    emergency_title="[Khi có nguy hiểm đến tính mạng, hãy gọi ngay]", emergency_fire="・Cháy / cấp cứu: 119",
    emergency_police="・Cảnh sát (vụ việc, tai nạn): 110",
    emergency_7119="・Không chắc có nên gọi xe cấp cứu: #7119",
    emergency_171="・Tổng đài nhắn tin thảm họa (an toàn gia đình): 171",
    emergency_not_a_line="LINE này không nhận cuộc gọi khẩn cấp. Đừng chờ trả lời, hãy gọi ngay.",
    language_prompt="ことばを えらんでください。\nChoose your language.",
    language_chosen="Tôi sẽ trả lời bằng tiếng Việt.",
    desk_hours_default="Ngày thường 8:30–17:15 (nghỉ thứ Bảy, Chủ nhật, ngày lễ và 29/12–3/1)",
)

PT = Texts(
    greeting=("Obrigado por nos adicionar como amigo.\nEsta conta do LINE responde 24 horas às perguntas frequentes "
              "sobre procedimentos e apoios da província e da cidade.\n\nEnvie sua pergunta com suas palavras.\n"
              "(Exemplo) \"Como obter o certificado de danos por desastre?\"\n"
              "* Não envie nome, endereço, telefone ou My Number."),
    menu="Envie sua pergunta com suas palavras, ou escolha um tema nos botões abaixo.",
    help=("[Como usar]\n・Envie sua pergunta em uma frase.\n・Toque em \"Resolvido\" ou \"Não resolvido\" abaixo da resposta.\n"
          "・Envie \"menu\" para ver os temas.\n・Se o bot não souber responder, toque em \"Falar com funcionário\".\n"
          "・Não envie dados pessoais (nome, endereço, telefone)."),
    non_text="Desculpe, não consigo responder figurinhas, imagens, vídeos, áudios, arquivos ou localização.\nEnvie sua pergunta por texto.",
    no_content="Não consegui ler sua pergunta.\nEnvie o que deseja saber por texto.",
    personal_data_note=("[Atenção] Não envie telefone, e-mail ou My Number.\n"
                        "(Os números enviados foram ocultados para não ficarem registrados.)"),
    suggest_intro="Você procura uma destas opções?\nEscolha nos botões abaixo.",
    suggest_outro="Se nenhuma servir, tente outras palavras ou toque em \"Falar com funcionário\".",
    fallback="Desculpe, não encontrei uma resposta para sua pergunta.\n\nTente outras palavras ou toque em \"Falar com funcionário\" abaixo.",
    feedback_prompt="Esta resposta ajudou? Conte-nos pelos botões abaixo.",
    feedback_thanks="Obrigado. Que bom que ajudou.\nEnvie outra pergunta quando quiser.",
    feedback_sorry="Desculpe não ter ajudado.\nTente outras palavras ou toque em \"Falar com funcionário\".",
    faq_gone="Desculpe, esta informação não está mais disponível.\nEnvie sua pergunta por texto.",
    menu_label="Menu", help_label="Como usar", desk_label="Falar com funcionário", resolved_label="Resolvido",
    unresolved_label="Não resolvido",
    desk="Você pode falar com um funcionário:\n\nTelefone: {phone}\nHorário: {hours}\n\nSe não souber qual setor procurar, ligue para este número.",
    desk_language_note="Os funcionários costumam responder em japonês. Ajuda em português: {help}",
    system_error="Desculpe, um problema no sistema impediu a resposta.\nTente novamente daqui a pouco.\nSe for urgente, ligue para {phone} ({hours}).",
    japanese_only="Esta resposta existe apenas em japonês. Ajuda em português: {help}",
    more_info="▼Mais informações", department="Setor responsável",
    emergency_title="[Se houver risco de vida, ligue agora]", emergency_fire="・Incêndio / ambulância: 119",
    emergency_police="・Polícia (crime, acidente): 110",
    emergency_7119="・Em dúvida se deve chamar ambulância: #7119",
    emergency_171="・Disque recado de desastres (segurança da família): 171",
    emergency_not_a_line="Este LINE não recebe chamadas de emergência. Não espere resposta: ligue agora.",
    language_prompt="ことばを えらんでください。\nChoose your language.",
    language_chosen="Vou responder em português.",
    desk_hours_default="Dias úteis 8:30–17:15 (fechado fins de semana, feriados e 29/12–3/1)",
)

TEXTS: dict[str, Texts] = {JAPANESE: JA, "easy": EASY, "en": EN, "zh": ZH, "ko": KO, "vi": VI, "pt": PT}


def texts(lang: str | None) -> Texts:
    return TEXTS.get(lang or JAPANESE, JA)


def missing_phrases() -> list[tuple[str, str]]:
    """(language, phrase) pairs left empty where the language needs them (for tests and reviews)."""
    optional_in_japanese = {"desk_language_note", "japanese_only", "desk_hours_default"}
    return [(lang, f.name) for lang, t in TEXTS.items() for f in fields(Texts)
            if not getattr(t, f.name) and not (lang == JAPANESE and f.name in optional_in_japanese)]

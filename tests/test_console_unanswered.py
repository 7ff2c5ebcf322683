"""「未回答の質問」: grouping (deterministic), the page, 「この質問からFAQを作成」 with good and bad input,
handled groups, and the index rebuild after saving."""
from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from console_testkit import (
    TODAY,
    Console,
    add_staff,
    insert_exchange,
    jst_time,
    make_app,
    rebuild_with,
    services,
)
from line_testkit import rows

from bot.console.unanswered import (
    UnansweredQuestion,
    bigrams,
    group_questions,
    jaccard,
    key_text,
)
from bot.services import bot_services
from faq.db import open_db
from faq.store import FaqStore
from index.search import Searcher

PET = ["ペットと一緒に避難できますか", "ペットと一緒に避難できますか？", "ペットと一緒に避難できる？",
       "ペットと避難所に行けますか"]
RISAI = ["罹災証明書の発行に必要な書類は何ですか", "罹災証明書の発行に必要な書類は？"]
LONELY = "マイナンバーカードの暗証番号を忘れました"


def q(i: int, text: str, reason: str = "fallback", at: str | None = None, faq_id=None) -> UnansweredQuestion:
    return UnansweredQuestion(i, at or f"2025-04-01T00:00:{i:02d}.000+00:00", text, reason, faq_id)


# ------------------------------------------------------------------ grouping
def test_key_text_and_similarity():
    assert key_text("ペットと一緒に 避難できますか？") == "ペットと一緒に避難できますか"
    assert key_text("ＡＢＣ！") == "abc"
    assert jaccard(bigrams("ペットと一緒に避難できますか"), bigrams("ペットと一緒に避難できる")) >= 0.4
    assert jaccard(bigrams("ペットと一緒に避難できますか"), bigrams(LONELY)) == 0


def test_similar_questions_form_groups_most_frequent_first():
    items = [q(1, PET[0]), q(2, PET[1]), q(3, PET[2]), q(4, RISAI[0], "unresolved", faq_id="disaster-risai"),
             q(5, RISAI[1]), q(6, LONELY), q(7, PET[0])]
    groups = group_questions(items)
    assert [g.count for g in groups] == [4, 2, 1]
    pet, risai, lonely = groups
    assert pet.representative == PET[0]  # asked most often (twice, counting 「？」)
    assert [v.query for v in pet.variants] == [PET[0], PET[2]]
    assert [v.count for v in pet.variants] == [3, 1]
    assert (risai.fallback, risai.unresolved, risai.faq_ids) == (1, 1, ("disaster-risai",))
    assert lonely.representative == LONELY
    assert len({g.key for g in groups}) == 3


def test_grouping_is_deterministic_whatever_the_input_order():
    items = [q(i, text) for i, text in enumerate(PET + RISAI + [LONELY] + PET[:2], 1)]
    expected = group_questions(items)
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert group_questions(shuffled) == expected


def test_handled_questions_are_hidden_until_asked_again():
    items = [q(1, PET[0]), q(2, PET[0]), q(3, LONELY)]
    key = group_questions(items)[0].variants[0].key
    handled = {key: "2025-04-01T00:00:05.000+00:00"}
    assert [g.representative for g in group_questions(items, handled)] == [LONELY]
    later = items + [q(9, PET[0], at="2025-04-02T00:00:00.000+00:00")]
    assert [(g.representative, g.count) for g in group_questions(later, handled)] == [(LONELY, 1), (PET[0], 1)]


# ------------------------------------------------------------------ the page and FAQ creation
@pytest.fixture
def app(tmp_path, searcher, embedder, shared_cache):
    app = make_app(tmp_path)
    bot_services(app).searcher = searcher  # the seed index: the nearest FAQ gives the category
    rebuild_with(app, embedder, shared_cache)
    add_staff(app, "yamada", admin=True)
    db = app.config["FAQBOT_DB"]
    today = TODAY
    for i, text in enumerate(PET + PET[:1]):
        insert_exchange(db, jst_time(today - timedelta(days=1), 10, i), query=text)
    answered = insert_exchange(db, jst_time(today, 9), decision="answer", query=RISAI[0],
                               faq_id="disaster-risai-shomeisho", feedback="unresolved")
    assert answered
    # a tapped 「もしかして」 candidate that did not help counts as the question that led to it
    suggested = insert_exchange(db, jst_time(today, 9, 4), decision="suggest", query=RISAI[1])
    insert_exchange(db, jst_time(today, 9, 5), kind="pick", decision="answer", query="罹災証明書とは",
                    faq_id="disaster-risai-shomeisho", feedback="unresolved", parent_id=suggested)
    insert_exchange(db, jst_time(today, 10), query=LONELY)
    # not unanswered: answered without feedback, resolved, an empty message, and too old
    insert_exchange(db, jst_time(today, 11), decision="answer", query="ごみの出し方", faq_id="x")
    insert_exchange(db, jst_time(today, 11), decision="answer", query="電子申請", faq_id="y", feedback="resolved")
    insert_exchange(db, jst_time(today, 11), query="？？", reason="no-content")
    insert_exchange(db, jst_time(today - timedelta(days=40)), query="昔の質問です")
    return app


@pytest.fixture
def console(app):
    c = Console(app)
    c.login()
    return c


def group_keys(html: str) -> list[str]:
    return re.findall(r'<section class="group" data-key="([0-9a-f]+)"', html)


def test_the_page_lists_groups_largest_first_in_the_date_range(app, console):
    html = console.get("/console/unanswered").get_data(as_text=True)
    headings = re.findall(r'<h2><span class="count">(\d+)件</span> ([^<]+)</h2>', html)
    # 「ペットと避難所に行けますか」 shares too few character pairs (Jaccard 0.32) to join the first group
    assert headings == [("4", PET[0]), ("2", RISAI[0]), ("1", PET[3]), ("1", LONELY)]
    assert "ごみの出し方" not in html and "電子申請" not in html and "昔の質問です" not in html
    assert "この質問からFAQを作成" in html
    older = console.get(f"/console/unanswered?from={TODAY - timedelta(days=60)}&to={TODAY}")
    assert "昔の質問です" in older.get_data(as_text=True)
    only_today = console.get(f"/console/unanswered?from={TODAY}&to={TODAY}").get_data(as_text=True)
    assert PET[0] not in only_today and LONELY in only_today


def test_a_bad_date_range_gets_a_clear_message(console):
    for query in ("from=2025-13-01", "from=2025-04-10&to=2025-04-01", "from=2020-01-01&to=2025-01-01"):
        response = console.get(f"/console/unanswered?{query}")
        assert response.status_code == 400 and "直近30日を表示しています" in response.get_data(as_text=True)


def test_create_faq_from_a_group_prefills_the_form(app, console):
    page = console.get("/console/unanswered").get_data(as_text=True)
    link = re.findall(r'href="(/console/faq/new\?[^"]+)"', page)[1].replace("&amp;", "&")  # the 罹災 group
    form = console.get(link).get_data(as_text=True)
    assert f'name="question" value="{RISAI[0]}"' in form
    assert re.search(r'<option value="disaster-support" selected>', form)  # the nearest FAQ's category
    assert f'name="alt_questions" rows="4">{RISAI[1]}</textarea>' in form  # the other wording
    assert "罹災証明書とは" not in form
    assert len(re.findall(r'name="handled_key"', form)) == 2


def _form_for_first_group(console) -> tuple[str, dict]:
    page = console.get("/console/unanswered").get_data(as_text=True)
    link = re.findall(r'href="(/console/faq/new\?[^"]+)"', page)[0].replace("&amp;", "&")
    form = console.get(link).get_data(as_text=True)
    keys = re.findall(r'name="handled_key" value="([0-9a-f]+)"', form)
    category = re.search(r'<option value="([a-z-]+)" selected>', form).group(1)
    return form, {"question": PET[0], "category": category, "handled_key": keys}


def test_saving_a_good_faq_stores_it_marks_the_group_and_rebuilds_the_index(app, console):
    _, data = _form_for_first_group(console)
    data.update(answer="ペットと一緒に避難できる避難所があります。市のホームページで確認してください。",
                alt_questions="ペットと避難所に行けますか\nペット連れの避難", url="https://www.example.lg.jp/pet",
                department="防災課", tags="ペット\n避難")
    response = console.post("/console/faq/new", data)
    assert response.status_code == 302
    entry_id = response.headers["Location"].rsplit("/", 1)[1]
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        entry = store.get(entry_id)
        [created] = store.history(entry_id)
    finally:
        store.close()
    assert entry.question == PET[0] and entry.department == "防災課" and entry.category == data["category"]
    assert entry.alt_questions == ["ペットと避難所に行けますか", "ペット連れの避難"]
    assert (created.action, created.actor) == ("create", "yamada")
    status = services(app).rebuilder.wait(timeout=300)
    assert status.state == "done", status
    found = Searcher(app.config["FAQBOT_INDEX_DIR"], lambda: services(app).rebuilder._embedder).search(PET[2])
    assert found.top.entry.id == entry_id
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "を登録しました" in page and "検索インデックスを更新しました" in page
    remaining = console.get("/console/unanswered").get_data(as_text=True)
    assert PET[0] not in remaining and RISAI[0] in remaining
    assert rows(app.config["FAQBOT_DB"], "SELECT target FROM console_access_log WHERE action = 'faq_create'") == \
        [{"target": f"faq:{entry_id}"}]


@pytest.mark.parametrize("changes, field, message", [
    ({"answer": ""}, "answer", "回答が空です"),
    ({"question": "   "}, "question", "質問が空です"),
    ({"url": "javascript:alert(1)"}, "url", "URLの形式が正しくありません"),
    ({"id": "Bad ID!"}, "id", "IDは半角英小文字"),
    ({"category": "nope"}, "category", "未知のカテゴリです"),
    ({"answer": "あ" * 5001}, "answer", "回答が長すぎます"),
])
def test_bad_input_shows_field_errors_and_changes_nothing(app, console, changes, field, message):
    _, data = _form_for_first_group(console)
    data.update({"answer": "回答です。", **changes})
    response = console.post("/console/faq/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "保存していません" in html and message in html and f'id="error-{field}"' in html
    assert rows(app.config["FAQBOT_DB"], "SELECT count(*) AS n FROM faq_entries") == [{"n": 0}]
    assert rows(app.config["FAQBOT_DB"], "SELECT count(*) AS n FROM console_handled_queries") == [{"n": 0}]
    assert services(app).rebuilder.status().state == "idle"
    assert len(re.findall(r'name="handled_key"', html)) == len(data["handled_key"])  # kept for the next try


def test_a_duplicate_id_is_a_field_error(app, console):
    first = console.post("/console/faq/new", {"id": "pet-hinan", "question": "質問A", "answer": "回答A",
                                              "category": "general"})
    assert first.status_code == 302
    again = console.post("/console/faq/new", {"id": "pet-hinan", "question": "質問B", "answer": "回答B",
                                              "category": "general"})
    assert again.status_code == 400 and "IDが既にあります" in again.get_data(as_text=True)
    assert rows(app.config["FAQBOT_DB"], "SELECT question FROM faq_entries") == [{"question": "質問A"}]
    services(app).rebuilder.wait(timeout=300)


def test_mark_a_group_handled_without_an_faq(app, console):
    page = console.get("/console/unanswered").get_data(as_text=True)
    lonely = page[page.index(LONELY):]
    keys = re.findall(r'name="handled_key" value="([0-9a-f]+)"', lonely)[:1]
    response = console.post("/console/unanswered/handled", {"handled_key": keys, "from": "", "to": ""})
    after = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "対応済みにしました" in after and LONELY not in after and PET[0] in after
    insert_exchange(app.config["FAQBOT_DB"], jst_time(TODAY, 23, 59), query=LONELY)
    assert LONELY in console.get("/console/unanswered").get_data(as_text=True)


def test_a_group_that_no_longer_exists_opens_an_empty_form(console):
    form = console.get("/console/faq/new?group=" + "0" * 24).get_data(as_text=True)
    assert "見つかりませんでした" in form and 'name="question" value=""' in form


# ------------------------------------------------------------------ bounded work (any resident can send long text)
def _random_kanji(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(n))


def test_grouping_compares_each_question_with_a_bounded_number_of_groups(monkeypatch):
    import bot.console.unanswered as unanswered
    rng = random.Random(7)
    items = [q(i, _random_kanji(rng, 5000)) for i in range(300)] + [q(1000 + i, t) for i, t in enumerate(PET)]
    calls = []
    real = unanswered.jaccard
    monkeypatch.setattr(unanswered, "jaccard", lambda a, b: calls.append(1) or real(a, b))
    groups = group_questions(items)
    # all-pairs grouping compared each of the 300 distinct questions with every earlier group (~45,000 times)
    assert len(calls) <= len(items) * unanswered.MAX_CANDIDATES
    assert len(groups) == 302 and groups[0].count == 3            # similar questions still group
    assert all(len(key_text(g.representative)) <= unanswered.KEY_CHARS for g in groups)
    assert all(len(g.representative) <= unanswered.DISPLAY_CHARS + 1 for g in groups)


def test_long_questions_are_read_truncated_and_the_page_lists_the_largest_groups(tmp_path):
    import bot.console.unanswered as unanswered
    from bot.console.views.unanswered import MAX_GROUPS_SHOWN
    app = make_app(tmp_path)
    add_staff(app, "yamada")
    rng = random.Random(3)
    yesterday = TODAY - timedelta(days=1)
    for i in range(MAX_GROUPS_SHOWN + 5):
        insert_exchange(app.config["FAQBOT_DB"], jst_time(yesterday, 10, i % 60), query=_random_kanji(rng, 5000))
    conn = open_db(app.config["FAQBOT_DB"])
    loaded = unanswered.load_unanswered(conn, yesterday, TODAY)
    conn.conn.close()
    assert len(loaded) == MAX_GROUPS_SHOWN + 5 and max(len(x.query) for x in loaded) == unanswered.READ_CHARS
    c = Console(app)
    c.login()
    html = c.get("/console/unanswered").get_data(as_text=True)
    assert len(group_keys(html)) == MAX_GROUPS_SHOWN
    assert f"（{MAX_GROUPS_SHOWN + 5}グループ）" in html and "ほか5グループ" in html

"""The support-programme navigator (支援制度ナビ): its data file, its rules against a table of
households, its state, and a resident's path through the signed webhook."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from desk_testkit import running_bot
from line_testkit import quick_items, rows, texts

from bot.disaster.navigator.rules import evaluate
from bot.disaster.navigator.state import EXPIRY_SECONDS, NavigatorStore
from bot.disaster.storage import DisasterDatabase
from bot.emulator import signed_events as wh
from bot.services import bot_services
from faq.clock import FixedClock
from faq.support_programmes import DEFAULT_PATH, SupportDataError, load_catalogue

SEED = Path(__file__).resolve().parents[1] / "faq" / "seed" / "disaster-support.jsonl"
CATALOGUE = load_catalogue()


# ------------------------------------------------------------------ the data file
def test_the_shipped_file_loads_and_every_programme_is_sourced():
    ids = {p.id for p in CATALOGUE.programmes}
    for required in ("seikatsu-saiken", "oukyu-shuri", "engo-shikin", "choikin", "shogai-mimaikin", "genmen",
                     "mimaikin-local", "jigyosha", "risai-shomeisho", "gienkin"):
        assert required in ids
    assert CATALOGUE.keys == ("damage", "housing", "household", "casualty", "income", "business")
    for p in CATALOGUE.programmes:
        assert p.source.strip(), p.id
        if p.local:
            assert "要確認" in f"{p.source}{p.amount_note}", p.id


def test_every_faq_link_points_at_a_seed_entry():
    seed_ids = {yaml.safe_load(line)["id"] for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()}
    linked = [p.faq_id for p in CATALOGUE.programmes if p.faq_id]
    assert linked and set(linked) <= seed_ids


def _broken(tmp_path, mutate) -> list[str]:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "programmes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SupportDataError) as info:
        load_catalogue(path)
    assert all(str(path) in p for p in info.value.problems)
    return info.value.problems


def _programme(data, pid):
    return next(p for p in data["programmes"] if p["id"] == pid)


@pytest.mark.parametrize("mutate, where, what", [
    (lambda d: _programme(d, "seikatsu-saiken").pop("source"), "programmes[1](seikatsu-saiken).source", "必須"),
    (lambda d: _programme(d, "seikatsu-saiken")["when"][0].update(damage=["zenkai", "hankaii"]),
     "seikatsu-saiken).when[0].damage", "hankaii"),
    (lambda d: _programme(d, "oukyu-shuri")["when"][0].update(floor=["1"]), "oukyu-shuri).when[0].floor",
     "質問はありません"),
    (lambda d: _programme(d, "seikatsu-saiken")["amount"]["parts"][0]["values"].update(zenkai="百万"),
     "parts[0].values.zenkai", "0以上の数"),
    (lambda d: _programme(d, "seikatsu-saiken")["amount"]["factors"][0].update(multiply=1.5),
     "factors[0]", "multiply"),
    (lambda d: _programme(d, "mimaikin-local").update(source="市町村の条例", amount_note="市町村による",
                                                      deadline="市町村による", apply_at="市町村"),
     "mimaikin-local)", "要確認"),
    (lambda d: d["programmes"].append(dict(_programme(d, "gienkin"))), "programmes[11](gienkin).id", "重複"),
    (lambda d: d["questions"][0]["options"][0].update(label="全壊（住宅が全部こわれた・流された・焼けた）"),
     "questions[0].options[0].label", "20文字以内"),
    (lambda d: d.update(extra=1), "extra", "知らない項目"),
])
def test_broken_files_are_refused_with_the_path_and_the_problem(tmp_path, mutate, where, what):
    problems = _broken(tmp_path, mutate)
    assert any(where in p and what in p for p in problems), problems


def test_a_file_that_is_not_yaml_names_the_line(tmp_path):
    path = tmp_path / "programmes.yaml"
    path.write_text("questions:\n  - key: damage\n    text: [unclosed\n", encoding="utf-8")
    with pytest.raises(SupportDataError) as info:
        load_catalogue(path)
    assert "YAML" in str(info.value) and str(path) in str(info.value)


# ---------------------------------------------------------------- the rules
def household(damage, housing="repair", household="multi", casualty="none", income="no", business="no"):
    return dict(damage=damage, housing=housing, household=household, casualty=casualty, income=income,
                business=business)


def amounts(answers, pid):
    result = evaluate(CATALOGUE, answers)
    finding = next((f for f in result.applies if f.programme.id == pid), None)
    if finding is None:
        return None
    lines = {line.label: line.man_yen for line in finding.estimate.lines}
    return lines, finding.estimate.total


# (household, 基礎支援金, 加算支援金, total) of 被災者生活再建支援金 (法第3条); None: not applicable
SAIKEN = [
    (household("zenkai", "build"), 100, 200, 300),
    (household("zenkai", "repair"), 100, 100, 200),
    (household("zenkai", "rent"), 100, 50, 150),
    (household("zenkai", "undecided"), 100, None, None),
    (household("daikibo", "build"), 50, 200, 250),
    (household("daikibo", "rent", "one"), 37.5, 37.5, 75),
    (household("chukibo", "build"), None, 100, None),
    (household("chukibo", "repair"), None, 50, None),
    (household("chukibo", "rent"), None, 25, None),
    (household("chukibo", "repair", "one"), None, 37.5, None),
    (household("zenkai", "build", "one"), 75, 150, 225),
]


@pytest.mark.parametrize("answers, basic, additional, total", SAIKEN)
def test_seikatsu_saiken_amounts_follow_the_law(answers, basic, additional, total):
    lines, got_total = amounts(answers, "seikatsu-saiken")
    assert lines == {"基礎支援金": basic, "加算支援金": additional}
    assert got_total == total


@pytest.mark.parametrize("damage", ["hankai", "junhankai", "ichibu", "unknown"])
def test_seikatsu_saiken_does_not_apply_below_chukibo_and_says_why(damage):
    result = evaluate(CATALOGUE, household(damage))
    assert "seikatsu-saiken" not in {f.programme.id for f in result.applies}
    [why] = [text for p, text in result.not_applicable if p.id == "seikatsu-saiken"]
    if damage == "hankai":
        assert "解体" in why and "100万円" in why


HOUSEHOLDS = [  # (answers, programmes that must apply, programmes that must not)
    (household("hankai"), {"risai-shomeisho", "oukyu-shuri", "engo-shikin", "genmen", "mimaikin-local", "gienkin"},
     {"seikatsu-saiken", "choikin", "jigyosha", "seikatsu-fukushi"}),
    (household("hankai", "build"), {"engo-shikin", "genmen"}, {"oukyu-shuri", "seikatsu-saiken"}),
    (household("ichibu"), {"risai-shomeisho", "genmen"}, {"oukyu-shuri", "engo-shikin", "seikatsu-saiken"}),
    (household("unknown", "undecided", casualty="death"), {"risai-shomeisho", "choikin", "gienkin"},
     {"shogai-mimaikin", "seikatsu-saiken"}),
    (household("ichibu", casualty="injury", income="yes", business="yes"),
     {"shogai-mimaikin", "engo-shikin", "seikatsu-fukushi", "jigyosha", "genmen"}, {"choikin"}),
]


@pytest.mark.parametrize("answers, must, must_not", HOUSEHOLDS)
def test_households_get_the_programmes_that_fit(answers, must, must_not):
    applies = {f.programme.id for f in evaluate(CATALOGUE, answers).applies}
    assert must <= applies and not (must_not & applies)
    assert [f.programme.id for f in evaluate(CATALOGUE, answers).applies][0] == "risai-shomeisho"


def test_the_loan_limit_depends_on_damage_and_injury():
    assert amounts(household("zenkai"), "engo-shikin")[0] == {"貸付限度額": 250}
    assert amounts(household("hankai"), "engo-shikin")[0] == {"貸付限度額": 170}
    assert amounts(household("zenkai", casualty="injury"), "engo-shikin")[0] == {"貸付限度額": 350}
    assert amounts(household("hankai", casualty="injury"), "engo-shikin")[0] == {"貸付限度額": 270}
    assert amounts(household("ichibu", casualty="injury"), "engo-shikin")[0] == {"貸付限度額": 150}


# ---------------------------------------------------------------- the state
def test_state_expires_after_an_hour(tmp_path):
    clock = FixedClock(datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc))
    store = NavigatorStore(DisasterDatabase(tmp_path / "db.sqlite3"), clock)
    store.save("u1", {"damage": "hankai"})
    clock.advance(seconds=EXPIRY_SECONDS - 1)
    assert store.answers("u1") == {"damage": "hankai"}
    clock.moment += timedelta(seconds=2)
    assert store.answers("u1") is None
    store.save("u2", {})
    assert rows(tmp_path / "db.sqlite3", "SELECT user_hash FROM disaster_navigator") == [{"user_hash": "u2"}]


# ---------------------------------------------------------- through the webhook
@pytest.fixture(scope="module")
def rig(tmp_path_factory, seed_entries, searcher):
    with running_bot(tmp_path_factory.mktemp("navigator"), seed_entries, searcher) as rig:
        yield rig


def tap_label(rig, user, replies, label):
    [action] = [a for a in quick_items(replies) if a["label"] == label]
    return rig.tap(user, action["data"])


def labels(replies):
    return [a["label"] for a in quick_items(replies)]


def test_hankai_repair_household_through_the_webhook(rig):
    user = wh.new_user_id()
    _, replies = rig.say(user, "支援金の診断")
    assert "【支援制度ナビ】" in texts(replies) and "（1/6）" in texts(replies)
    assert labels(replies)[:7] == ["全壊", "大規模半壊", "中規模半壊", "半壊", "準半壊", "一部損壊", "まだ分からない"]
    _, replies = tap_label(rig, user, replies, "半壊")
    assert "（2/6）" in texts(replies) and {"戻る", "最初から", "職員に相談"} <= set(labels(replies))
    _, replies = tap_label(rig, user, replies, "補修")
    _, replies = tap_label(rig, user, replies, "2人以上")
    for label in ("いない", "いいえ", "いいえ"):
        _, replies = tap_label(rig, user, replies, label)
    result = texts(replies)
    assert "目安" in result and "■住宅の応急修理" in result and "■税・保険料の減免・猶予" in result
    assert "■災害援護資金" in result and "170万円" in result
    assert "■被災者生活再建支援金" not in result
    assert "被災者生活再建支援金:" in result.replace("：", ":") and "解体" in result
    assert "職員に相談" in result and {"戻る", "最初から", "職員に相談"} <= set(labels(replies))
    assert "住宅の応急修理" in labels(replies)       # the programme's FAQ entry
    steps = rows(rig.db, "SELECT kind, decision, reason FROM bot_exchanges WHERE user_hash = "
                         "(SELECT user_hash FROM bot_exchanges WHERE event_id = ?) ORDER BY id", (_["webhookEventId"],))
    assert [s["decision"] for s in steps] == ["damage", "housing", "household", "casualty", "income", "business",
                                              "result"]
    assert {s["kind"] for s in steps} == {"navigator"} and steps[1]["reason"] == "damage=hankai"


def test_chukibo_repair_shows_the_additional_amount_only(rig):
    user = wh.new_user_id()
    _, replies = rig.say(user, "どんな支援が受けられる？")
    for label in ("中規模半壊", "補修", "2人以上", "いない", "いいえ", "いいえ"):
        _, replies = tap_label(rig, user, replies, label)
    result = texts(replies)
    assert "■被災者生活再建支援金" in result
    assert "加算支援金:50万円" in result.replace("：", ":") and "基礎支援金の対象外" in result


def test_back_restart_and_typed_choices(rig):
    user = wh.new_user_id()
    _, replies = rig.say(user, "支援制度ナビ")
    _, replies = rig.say(user, "全壊")                 # a typed option label counts as the choice
    assert "（2/6）" in texts(replies)
    _, replies = tap_label(rig, user, replies, "戻る")
    assert "（1/6）" in texts(replies)
    _, replies = tap_label(rig, user, replies, "大規模半壊")
    _, replies = rig.say(user, "最初から")
    assert "（1/6）" in texts(replies) and "【支援制度ナビ】" in texts(replies)


def test_a_question_that_is_not_a_choice_leaves_the_navigator(rig):
    user = wh.new_user_id()
    _, replies = rig.say(user, "支援金の診断")
    event, replies = rig.say(user, "罹災証明書はどうやって申請しますか？")
    assert "Q. " in texts(replies) and "（2/6）" not in texts(replies)
    [row] = rows(rig.db, "SELECT kind, decision FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    assert row == {"kind": "text", "decision": "answer"}
    _, replies = rig.say(user, "全壊")                  # the navigator is closed: searched as usual
    assert "（2/6）" not in texts(replies)


def test_an_old_button_after_expiry_starts_again(rig):
    user = wh.new_user_id()
    _, replies = rig.say(user, "支援金の診断")
    _, replies = tap_label(rig, user, replies, "全壊")
    housing = [a for a in quick_items(replies) if a["label"] == "補修"][0]["data"]
    DisasterDatabase(rig.db).conn().execute("DELETE FROM disaster_navigator")   # as if an hour had passed
    _, replies = rig.tap(user, housing)
    assert "最初からお聞きします" in texts(replies) and "（1/6）" in texts(replies)


def test_the_disaster_menu_starts_the_navigator(rig):
    bot_services(rig.app).disaster.set(active=True, name="令和8年台風10号", by="test")
    try:
        user = wh.new_user_id()
        replies = rig.send_event(user, wh.follow_event(wh.user_source(user)))
        assert labels(replies)[0] == "支援制度ナビ"
        _, replies = tap_label(rig, user, replies, "支援制度ナビ")
        assert "（1/6）" in texts(replies)
    finally:
        bot_services(rig.app).disaster.set(active=False, by="test")


# ------------------------------------------------------- a broken file in service
def test_a_broken_edit_keeps_the_last_good_data_and_a_fix_is_picked_up(tmp_path):
    import os

    from bot.conversation.turn import Turn, Utterance
    from bot.disaster.support import build_disaster_support
    from bot.line.identity import USER, ChatKey
    path = tmp_path / "programmes.yaml"
    path.write_text("questions: [", encoding="utf-8")
    support = build_disaster_support(tmp_path / "db.sqlite3", FixedClock(datetime(2026, 12, 1, tzinfo=timezone.utc)),
                                     catalogue_path=path)
    turn = Turn(ChatKey(USER, "h-user"), None, 0.0)
    assert support.navigator.catalogue is None                       # never valid: unavailable, not a crash
    assert support.text(Utterance.read("支援金の診断"), turn) is None   # searched as usual
    good = DEFAULT_PATH.read_text(encoding="utf-8")
    path.write_text(good, encoding="utf-8")
    decision = support.text(Utterance.read("支援金の診断"), turn)
    assert decision is not None and decision.record.kind == "navigator"
    path.write_text(good.replace("key: damage", "key: Damage!"), encoding="utf-8")
    os.utime(path, ns=(1, 1))                                         # a different stamp even within one tick
    assert support.navigator.catalogue is not None and support.navigator.catalogue.keys[0] == "damage"
    assert any("questions[0].key" in p for p in support.navigator._catalogue.problems)


def test_the_check_command_reports_problems(tmp_path):
    import subprocess
    import sys
    ok = subprocess.run([sys.executable, "-m", "faq.support_programmes"], capture_output=True, text=True,
                        cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT_PATH.read_text(encoding="utf-8").replace("source: 被災者生活再建支援法", "note: x"),
                   encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "faq.support_programmes", str(bad)], capture_output=True,
                             text=True, cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert refused.returncode == 1 and "seikatsu-saiken" in refused.stderr and "Traceback" not in refused.stderr


def test_personal_data_in_the_start_words_is_masked_and_noted(rig):
    user = wh.new_user_id()
    event, replies = rig.say(user, "支援金の診断 電話は090-1234-5678")
    assert "個人情報" in texts(replies) and "（1/6）" in texts(replies)
    [row] = rows(rig.db, "SELECT query, pii_masked FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    assert row["pii_masked"] == 1 and "5678" not in row["query"]

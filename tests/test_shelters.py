"""Shelters: the open-data CSV import (encodings, header variants, errors with line and column, all or
nothing), the CLI, the nearest open shelters (haversine), and a location message through the signed webhook."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from desk_testkit import running_bot
from line_testkit import quick_items, rows, texts

from bot.disaster.shelters.csv_import import (
    ShelterImportError,
    decode,
    parse,
    read_file,
)
from bot.disaster.shelters.model import (
    CLOSED,
    FULL,
    OPEN,
    Shelter,
    haversine_m,
    hazards_for,
    nearest_open,
)
from bot.disaster.shelters.store import ShelterStore
from bot.emulator import signed_events as wh
from bot.services import bot_services

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "shelters_sample.csv"
# 国土地理院の指定緊急避難場所データの列（災害種別は接頭辞なし）
GSI_CSV = ("共通ID,施設・場所名,住所,洪水,崖崩れ、土石流及び地滑り,高潮,地震,津波,大規模な火事,内水氾濫,火山現象,緯度,経度\n"
           "G-1,山の上広場,架空県やま村1,,◎,,◎,,,,,35.1,136.2\n"
           "G-2,川べり会館,架空県やま村2,◎,,,,,,◎,,35.2,136.3\n")


# ----------------------------------------------------------------------- the CSV
def test_the_sample_reads_the_same_in_utf8_bom_and_shift_jis(tmp_path):
    shelters = read_file(SAMPLE)
    assert [s.id for s in shelters] == [f"999991-00{i}" for i in range(1, 6)]
    first = shelters[0]
    assert first.name == "みなと町立第一小学校" and first.address == "架空県みなと町本町1-1"
    assert (first.latitude, first.longitude, first.capacity) == (34.6, 135.4, 500)
    assert first.hazards == ("洪水", "高潮", "地震", "津波", "大規模な火事", "内水氾濫")
    assert shelters[2].hazards == shelters[0].hazards          # ○ and ◎ count as designated
    text = SAMPLE.read_text(encoding="utf-8")
    for name, data in (("bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8")), ("sjis.csv", text.encode("cp932"))):
        (tmp_path / name).write_bytes(data)
        assert read_file(tmp_path / name) == shelters


def test_the_gsi_headers_are_read_too():
    shelters = parse(GSI_CSV)
    assert [(s.id, s.name, s.address, s.hazards) for s in shelters] == [
        ("G-1", "山の上広場", "架空県やま村1", ("崖崩れ、土石流及び地滑り", "地震")),
        ("G-2", "川べり会館", "架空県やま村2", ("洪水", "内水氾濫"))]


@pytest.mark.parametrize("change, expected", [
    (lambda t: t.replace("指定緊急避難場所名,", "施設名,"), "1行目: 列「指定緊急避難場所名」"),
    (lambda t: t.replace("34.604500", "北緯34度"), "3行目 列「緯度」"),
    (lambda t: t.replace(",135.410000,", ",35.41,"), "4行目 列「経度」"),
    (lambda t: t.replace("○,,○,◎", "△,,○,◎"), "4行目 列「災害種別_洪水」"),
    (lambda t: t.replace("999991-004", "999991-001"), "5行目 列「ID」: 2行目と同じ避難所"),
    (lambda t: t.replace("みなと町公民館", ""), "5行目 列「指定緊急避難場所名」: 名称が空"),
    (lambda t: t.replace(",120,", ",百二十,"), "5行目 列「収容人数」"),
])
def test_import_errors_name_the_line_and_column(change, expected):
    with pytest.raises(ShelterImportError) as info:
        parse(change(SAMPLE.read_text(encoding="utf-8")))
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_undecodable_and_empty_files_are_refused():
    with pytest.raises(ShelterImportError, match="文字コード"):
        decode(b"\xff\xfe\xfa\xfb\x81")
    with pytest.raises(ShelterImportError, match="空"):
        parse("")


# ------------------------------------------------------------------- the CLI
def cli(db: Path, *args):
    env = dict(os.environ, FAQBOT_DB=str(db), FAQBOT_STAFF="防災課 山田")
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "shelters.py"), *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_import_is_all_or_nothing_and_status_changes_are_recorded(tmp_path):
    db = tmp_path / "faqbot.sqlite3"
    assert cli(db, "import", str(SAMPLE)).returncode == 0
    broken = tmp_path / "broken.csv"
    broken.write_text(SAMPLE.read_text(encoding="utf-8").replace("34.620000", "xx").replace("みなと町公民館", "新公民館"),
                      encoding="utf-8")
    refused = cli(db, "import", str(broken))
    assert refused.returncode == 1 and "4行目 列「緯度」" in refused.stderr and "Traceback" not in refused.stderr
    names = [r["name"] for r in rows(db, "SELECT name FROM disaster_shelters ORDER BY id")]
    assert "みなと町公民館" in names and "新公民館" not in names

    assert cli(db, "open", "999991-001", "999991-003").returncode == 0
    assert cli(db, "full", "999991-003", "--by", "避難所班 佐藤").returncode == 0
    unknown = cli(db, "close", "999991-999")
    assert unknown.returncode == 1 and "999991-999" in unknown.stderr
    assert cli(db, "open").returncode == 2
    status = {r["id"]: (r["status"], r["status_by"]) for r in rows(db, "SELECT * FROM disaster_shelters")}
    assert status["999991-001"] == (OPEN, "防災課 山田") and status["999991-003"] == (FULL, "避難所班 佐藤")
    assert status["999991-002"][0] == CLOSED
    listing = cli(db, "list").stdout
    assert "999991-001\t開設\tみなと町立第一小学校" in listing
    history = cli(db, "history").stdout.splitlines()
    assert "避難所班 佐藤\t999991-003\tfull" in history[0] and "\timport\t" in history[-1]

    # a re-import keeps the status of known shelters
    assert cli(db, "import", str(SAMPLE)).returncode == 0
    assert rows(db, "SELECT status FROM disaster_shelters WHERE id = '999991-001'") == [{"status": OPEN}]
    assert cli(db, "close", "--all").returncode == 0
    assert {r["status"] for r in rows(db, "SELECT status FROM disaster_shelters")} == {CLOSED}


# ----------------------------------------------------------------- nearest
def _shelter(sid, lat, lon, status=OPEN, hazards=("地震",)):
    return Shelter(sid, sid, "addr", lat, lon, hazards, status=status)


def test_haversine_matches_known_distances():
    assert haversine_m(34.6, 135.4, 34.6045, 135.4) == pytest.approx(500.4, abs=1)
    # 東京駅 → 大阪駅, about 403 km in a straight line
    assert haversine_m(35.6812, 139.7671, 34.7025, 135.4959) == pytest.approx(403_000, rel=0.01)


def test_nearest_open_orders_by_distance_and_skips_closed_and_full():
    shelters = [_shelter("far", 34.63, 135.40), _shelter("near-closed", 34.6001, 135.4, CLOSED),
                _shelter("near-full", 34.6002, 135.4, FULL), _shelter("mid", 34.61, 135.40),
                _shelter("near", 34.601, 135.40)]
    found, _ = nearest_open(shelters, 34.6, 135.4)
    assert [n.shelter.id for n in found] == ["near", "mid", "far"]
    assert found[0].distance_m < found[1].distance_m < found[2].distance_m


def test_the_disaster_type_prefers_designated_shelters():
    assert hazards_for("令和8年台風10号") == ("洪水", "高潮", "内水氾濫")
    assert hazards_for("みなと町沖地震") == ("地震",) and hazards_for("大雪") == ()
    shelters = [_shelter("quake-only", 34.6001, 135.4, hazards=("地震",)),
                _shelter("flood", 34.62, 135.4, hazards=("洪水", "地震"))]
    found, suited = nearest_open(shelters, 34.6, 135.4, ("洪水", "高潮"))
    assert suited and [n.shelter.id for n in found] == ["flood"]
    found, suited = nearest_open(shelters, 34.6, 135.4, ("津波",))
    assert not suited and [n.shelter.id for n in found] == ["quake-only", "flood"]


# ------------------------------------------------------- through the webhook
@pytest.fixture(scope="module")
def rig(tmp_path_factory, seed_entries, searcher):
    with running_bot(tmp_path_factory.mktemp("shelters"), seed_entries, searcher) as rig:
        yield rig


@pytest.fixture
def shelters(rig) -> ShelterStore:
    store = bot_services(rig.app).support.shelter_store
    store.replace_all(read_file(SAMPLE), "test")
    store.set_status(None, CLOSED, "test")
    return store


def send_location(rig, user, lat, lon):
    event = wh.location_event(wh.user_source(user), lat, lon, title="現在地", address="架空県みなと町")
    return event, rig.send_event(user, event)


def test_a_location_gets_the_nearest_open_shelter_first_and_never_a_closed_one(rig, shelters):
    shelters.set_status(["999991-002", "999991-003"], OPEN, "test")      # 004 (closest) stays closed
    user = wh.new_user_id()
    event, replies = send_location(rig, user, 34.6012, 135.4012)
    reply = texts(replies)
    assert "みなと町公民館" not in reply and "みなと町立第一小学校" not in reply
    assert reply.index("1. みなと町民体育館") < reply.index("2. みなと町立中学校")
    assert "https://www.google.com/maps/search/?api=1&query=34.604500,135.400000" in reply
    assert "架空県みなと町浜通2-3" in reply
    [row] = rows(rig.db, "SELECT * FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    assert (row["kind"], row["decision"], row["reason"], row["query"]) == ("shelter", "nearest", "location", None)
    assert "34.60" not in str(rows(rig.db, "SELECT * FROM bot_exchanges")) + str(
        rows(rig.db, "SELECT * FROM disaster_navigator"))

    shelters.set_status(["999991-004"], OPEN, "test")
    _, replies = send_location(rig, user, 34.6012, 135.4012)
    assert texts(replies).index("1. みなと町公民館") < texts(replies).index("2. みなと町民体育館")
    shelters.set_status(["999991-004"], FULL, "test")
    _, replies = send_location(rig, user, 34.6012, 135.4012)
    assert "みなと町公民館" not in texts(replies)


def test_a_location_with_no_open_shelter_says_so(rig, shelters):
    _, replies = send_location(rig, wh.new_user_id(), 34.6, 135.4)
    assert "開設が確認できている避難所が見つかりませんでした" in texts(replies) and "119" in texts(replies)


def test_in_a_typhoon_flood_shelters_come_first(rig, shelters):
    shelters.set_status(None, OPEN, "test")
    bot_services(rig.app).disaster.set(active=True, name="令和8年台風10号", by="test")
    try:
        _, replies = send_location(rig, wh.new_user_id(), 34.6012, 135.4012)
    finally:
        bot_services(rig.app).disaster.set(active=False, by="test")
    reply = texts(replies)
    assert "洪水・高潮・内水氾濫に対応する避難所" in reply
    assert "1. みなと町立第一小学校" in reply and "みなと町公民館" not in reply   # the 公民館 is for 地震 only


def test_asking_for_a_shelter_offers_the_location_button_while_one_is_open(rig, shelters):
    user = wh.new_user_id()
    _, replies = rig.say(user, "近くの避難所は？")
    assert "位置情報を送る" not in [a["label"] for a in quick_items(replies)]   # none open: the FAQ answers
    shelters.set_status(["999991-001"], OPEN, "test")
    for text in ("近くの避難所は？", "避難所どこ"):
        event, replies = rig.say(user, text)
        [location] = [a for a in quick_items(replies) if a["type"] == "location"]
        assert location["label"] == "位置情報を送る" and "保存しません" in texts(replies)
        [row] = rows(rig.db, "SELECT kind, decision FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
        assert row == {"kind": "shelter", "decision": "ask_location"}
    assert rig.stub.rejected() == []

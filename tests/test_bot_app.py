"""The application factory: production refusals, development defaults, the emulator mount,
and idempotency claims (in process, plus the emulator over real HTTP)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from conftest import seed_database
from line_testkit import ServerThread, free_port, rows, texts, webhook_issues

from bot.app import create_app
from bot.config import ConfigError, config_from_env
from bot.emulator import signed_events as wh
from bot.emulator.chat import emulator_config
from bot.emulator.stub import get_stub_state
from bot.line.claims import EventClaims
from bot.services import bot_services
from bot.storage import BotDatabase

ROOT = Path(__file__).resolve().parents[1]

GOOD_SALT = "s" * 32


def base_config(tmp_path: Path, **overrides) -> dict:
    config = {"FAQBOT_DB": str(tmp_path / "faqbot.sqlite3"), "FAQBOT_INDEX_DIR": str(tmp_path / "index"),
              "FAQBOT_ENV": "development", "LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "",
              "FAQBOT_USER_HASH_SALT": "", "FAQBOT_EMULATOR": False,
              "FAQBOT_SECRET_KEY": "k" * 40}  # the staff console's session key (required in production)
    config.update(overrides)
    return config


# ------------------------------------------------------------- production
@pytest.mark.parametrize("missing", ["LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "FAQBOT_USER_HASH_SALT"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    config = base_config(tmp_path, FAQBOT_ENV="production", LINE_CHANNEL_SECRET="sec",
                         LINE_CHANNEL_ACCESS_TOKEN="tok", FAQBOT_USER_HASH_SALT=GOOD_SALT)
    config[missing] = ""
    with pytest.raises(ConfigError, match=missing):
        create_app(config)
    assert not (tmp_path / "faqbot.sqlite3").exists()


def test_production_refuses_a_short_salt_and_the_emulator(tmp_path):
    config = base_config(tmp_path, FAQBOT_ENV="production", LINE_CHANNEL_SECRET="sec",
                         LINE_CHANNEL_ACCESS_TOKEN="tok", FAQBOT_USER_HASH_SALT="short")
    with pytest.raises(ConfigError, match="FAQBOT_USER_HASH_SALT"):
        create_app(config)
    config["FAQBOT_USER_HASH_SALT"] = GOOD_SALT
    with pytest.raises(ConfigError, match="エミュレーター"):
        create_app(dict(config, FAQBOT_EMULATOR=True))


def test_production_app_has_no_emulator_and_no_stub(tmp_path):
    app = create_app(base_config(tmp_path, FAQBOT_ENV="production", LINE_CHANNEL_SECRET="sec",
                                 LINE_CHANNEL_ACCESS_TOKEN="tok", FAQBOT_USER_HASH_SALT=GOOD_SALT,
                                 FAQBOT_ALLOW_EMPTY=True))
    client = app.test_client()
    assert client.get("/").status_code == 404
    assert client.get("/line-api/_stub/messages").status_code == 404
    assert client.post("/_emulator/events", json={}).status_code == 404
    assert "line_stub" not in app.extensions
    assert client.post("/callback", data=b"{}", headers={"X-Line-Signature": "x"}).status_code == 400
    # the configured salt is used, none is generated into the database
    assert rows(tmp_path / "faqbot.sqlite3", "SELECT * FROM bot_settings") == []


@pytest.mark.parametrize("value", ["Production", "prod", " production", "production ", "PRODUCTION", "dev", "staging"])
def test_an_unknown_environment_name_is_refused(value):
    with pytest.raises(ConfigError, match="FAQBOT_ENV"):
        config_from_env({"FAQBOT_ENV": value})


def test_known_environment_names_and_the_defaults():
    for value in ("development", "test", "production"):
        assert config_from_env({"FAQBOT_ENV": value})["FAQBOT_ENV"] == value
    assert config_from_env({})["FAQBOT_ENV"] == "development"
    assert config_from_env({}, default_env="production")["FAQBOT_ENV"] == "production"
    assert config_from_env({"FAQBOT_ENV": "development"}, default_env="production")["FAQBOT_ENV"] == "development"


def test_a_mistyped_environment_in_a_config_mapping_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="FAQBOT_ENV"):
        create_app(base_config(tmp_path, FAQBOT_ENV="Production"))


def test_wsgi_entry_point_is_production_unless_told_otherwise(tmp_path):
    # a fresh interpreter importing wsgi.py with no FAQBOT_ENV and no secrets must refuse to start
    env = {"PATH": os.environ.get("PATH", ""), "FAQBOT_DB": str(tmp_path / "faqbot.sqlite3"),
           "FAQBOT_INDEX_DIR": str(tmp_path / "index"), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode != 0 and "ConfigError" in run.stderr and "本番モード" in run.stderr
    assert not (tmp_path / "faqbot.sqlite3").exists()  # refused before any secret could be generated


def test_production_never_generates_secrets_into_the_database(tmp_path):
    prod = dict(FAQBOT_ENV="production", LINE_CHANNEL_SECRET="sec", LINE_CHANNEL_ACCESS_TOKEN="tok",
                FAQBOT_USER_HASH_SALT=GOOD_SALT, FAQBOT_ALLOW_EMPTY=True)
    create_app(base_config(tmp_path, **prod))
    assert rows(tmp_path / "faqbot.sqlite3", "SELECT * FROM bot_settings") == []
    assert rows(tmp_path / "faqbot.sqlite3", "SELECT * FROM console_settings") == []


def test_healthz_says_the_status_only(tmp_path):
    app = create_app(base_config(tmp_path))  # no index in tmp_path/index: not ready
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "not-ready"}
    assert str(tmp_path) not in response.get_data(as_text=True)


def test_retention_days_must_be_a_positive_integer():
    assert config_from_env({})["FAQBOT_RETENTION_DAYS"] == 365
    assert config_from_env({"FAQBOT_RETENTION_DAYS": "30"})["FAQBOT_RETENTION_DAYS"] == 30
    for bad in ("abc", "0", "-5"):
        with pytest.raises(ConfigError, match="FAQBOT_RETENTION_DAYS"):
            config_from_env({"FAQBOT_RETENTION_DAYS": bad})


# ------------------------------------------------------------ development
def test_without_a_channel_secret_the_webhook_refuses_everything(tmp_path):
    app = create_app(base_config(tmp_path))
    body = wh.encode_body(wh.callback_body([wh.text_event(wh.user_source(wh.new_user_id()), "こんにちは")]))
    response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": wh.sign(body, "")})
    assert response.status_code == 503
    assert rows(tmp_path / "faqbot.sqlite3", "SELECT count(*) AS n FROM bot_exchanges") == [{"n": 0}]


def test_development_salt_is_generated_once_and_kept(tmp_path):
    first = BotDatabase(tmp_path / "faqbot.sqlite3").user_hash_salt("")
    second = BotDatabase(tmp_path / "faqbot.sqlite3").user_hash_salt("")
    assert first == second and len(first) == 64
    assert BotDatabase(tmp_path / "faqbot.sqlite3").user_hash_salt("configured") == "configured"


def test_make_run_uses_the_emulator_only_without_credentials():
    config = emulator_config("127.0.0.1", 8123, environ={})
    assert config["FAQBOT_EMULATOR"] is True
    assert config["LINE_API_ENDPOINT"] == "http://127.0.0.1:8123/line-api"
    assert len(config["LINE_CHANNEL_SECRET"]) == 32
    assert emulator_config("127.0.0.1", 8123, environ={})["LINE_CHANNEL_SECRET"] != \
        config["LINE_CHANNEL_SECRET"]  # made up per run
    assert emulator_config("0.0.0.0", 9000, environ={})["LINE_API_ENDPOINT"] == \
        "http://127.0.0.1:9000/line-api"
    assert emulator_config("127.0.0.1", 8000, environ={"LINE_CHANNEL_SECRET": "x"}) is None
    assert emulator_config("127.0.0.1", 8000, environ={"FAQBOT_ENV": "production"}) is None


# ------------------------------------------------------------- idempotency
def test_claims_skip_done_and_fresh_events_but_retake_stale_ones(tmp_path):
    now = [1000.0]
    claims = EventClaims(BotDatabase(tmp_path / "db.sqlite3"), lease_seconds=60, clock=lambda: now[0])
    assert claims.claim("e1") is True
    assert claims.claim("e1") is False            # still being answered
    now[0] += 61
    assert claims.claim("e1") is True             # the first worker died: answer it now
    claims.complete("e1")
    now[0] += 10_000
    assert claims.claim("e1") is False            # answered: never again
    assert claims.state("e1") == "done"


def test_concurrent_claims_let_exactly_one_through(tmp_path):
    db = BotDatabase(tmp_path / "db.sqlite3")
    claims = EventClaims(db)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(claims.claim("same-event"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


# ------------------------------------------------------ the emulator mount
@pytest.fixture(scope="module")
def emulator(tmp_path_factory, seed_entries, searcher):
    tmp = tmp_path_factory.mktemp("emulator-app")
    seed_database(tmp / "faqbot.sqlite3", seed_entries)
    port = free_port()
    config = base_config(tmp, **emulator_config("127.0.0.1", port, environ={}))
    app = create_app(config)
    bot_services(app).searcher = searcher  # the session's seed index (same data, loaded once)
    with ServerThread(app, port) as server:
        yield server.url, app, tmp / "faqbot.sqlite3"


def test_emulator_builders_match_webhook_yml():
    user, group = wh.user_source(wh.new_user_id()), wh.group_source("C" + "0" * 32, wh.new_user_id())
    events = [wh.text_event(user, "こんにちは"), wh.text_event(group, "@bot 質問", mention_self=(0, 4)),
              wh.sticker_event(user), wh.image_event(user), wh.postback_event(user, "a=menu"),
              wh.follow_event(user), wh.unfollow_event(user)]
    assert webhook_issues(wh.callback_body(events)) == []
    assert len({e["webhookEventId"] for e in events}) == len(events)
    assert all(len(e["webhookEventId"]) == 26 for e in events)


def test_stub_inspection_routes_work_under_the_prefix(emulator):
    url, _, _ = emulator
    response = requests.get(f"{url}/line-api/_stub/messages", timeout=5)
    assert response.status_code == 200 and "lastSeq" in response.json()
    assert "X-Line-Request-Id" not in response.headers
    unauthorized = requests.post(f"{url}/line-api/v2/bot/message/reply", timeout=5,
                                 json={"replyToken": "x", "messages": [{"type": "text", "text": "x"}]})
    assert unauthorized.status_code == 401


def test_emulator_page_and_signed_round_trip(emulator):
    url, app, db = emulator
    page = requests.get(f"{url}/", timeout=5)
    assert page.status_code == 200 and "ローカルテスト環境" in page.text and 'lang="ja"' in page.text
    assert requests.get(f"{url}/_emulator/static/chat.js", timeout=5).status_code == 200
    user = wh.new_user_id()
    state = get_stub_state(app)
    seq, rejected_before = state.last_seq, len(state.rejected())
    sent = requests.post(f"{url}/_emulator/events", json={"userId": user, "kind": "text",
                                                          "text": "罹災証明書はどうやって申請しますか？"}, timeout=60)
    assert sent.status_code == 200 and sent.json()["status"] == 200
    replies = [m["message"] for m in state.messages(to=user, after=seq)]
    assert "罹災証明書" in texts(replies)
    assert state.rejected()[rejected_before:] == []
    assert rows(db, "SELECT decision FROM bot_exchanges WHERE event_id = ?", (sent.json()["webhookEventId"],)) \
        == [{"decision": "answer"}]


@pytest.mark.parametrize("payload", [{}, {"userId": "bob", "kind": "text", "text": "x"},
                                     {"userId": "U" + "0" * 32, "kind": "text", "text": ""},
                                     {"userId": "U" + "0" * 32, "kind": "teleport"},
                                     {"userId": "U" + "0" * 32, "kind": "postback", "data": "d" * 301},
                                     {"userId": "U" + "0" * 32, "kind": "location", "latitude": 91, "longitude": 135},
                                     {"userId": "U" + "0" * 32, "kind": "location", "latitude": "34.6",
                                      "longitude": 135},
                                     {"userId": "U" + "0" * 32, "kind": "location", "latitude": 34.6}])
def test_emulator_refuses_bad_input(emulator, payload):
    url, _, _ = emulator
    assert requests.post(f"{url}/_emulator/events", json=payload, timeout=10).status_code == 400


# ------------------------------------------------------ degraded search
def test_without_an_index_answers_come_from_lexical_search_and_are_flagged(tmp_path, seed_entries):
    from line_testkit import SPEC_DIR

    from bot.emulator.stub import create_stub_app
    seed_database(tmp_path / "faqbot.sqlite3", seed_entries)
    stub_app = create_stub_app(SPEC_DIR)
    with ServerThread(stub_app) as stub:
        app = create_app(base_config(tmp_path, LINE_CHANNEL_SECRET="sec", LINE_CHANNEL_ACCESS_TOKEN="tok",
                                     LINE_API_ENDPOINT=stub.url))  # FAQBOT_INDEX_DIR does not exist
        user = wh.new_user_id()
        event = wh.text_event(wh.user_source(user), "罹災証明書はどうやって申請しますか？")
        get_stub_state(stub_app).register_reply_token(event["replyToken"], user)
        body = wh.encode_body(wh.callback_body([event]))
        response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": wh.sign(body, "sec")})
        assert response.status_code == 200
        replies = [m["message"] for m in get_stub_state(stub_app).messages(to=user)]
        assert "罹災証明書" in texts(replies)
        assert get_stub_state(stub_app).rejected() == []
    [row] = rows(tmp_path / "faqbot.sqlite3", "SELECT degraded, decision FROM bot_exchanges")
    assert row["degraded"] == 1 and row["decision"] in ("answer", "suggest")

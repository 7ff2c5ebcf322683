"""Rich menus: the definition and its images, `richmenu.py --dry-run`, publishing through the stub
(every request validated against messaging-api.yml), and the default menu following disaster mode."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from line_testkit import SPEC_DIR, ServerThread

from bot.disaster_mode import DisasterModes
from bot.emulator.openapi import load_messaging_spec, messaging_request_issues
from bot.emulator.stub import create_stub_app, get_stub_state
from bot.line.postback import decode
from bot.richmenu import definition
from bot.richmenu.api import RichMenuApi, RichMenuApiError, publish
from bot.richmenu.switch import follow_disaster_mode
from faq.store import FaqStore

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "richmenu-test-token"


@pytest.fixture
def stub():
    app = create_stub_app(SPEC_DIR)
    with ServerThread(app) as server:
        yield server.url, get_stub_state(app)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_definition_is_valid_and_every_area_is_a_postback_the_bot_handles():
    spec = load_messaging_spec(SPEC_DIR)
    menus = definition.load()
    for menu in menus.values():
        assert messaging_request_issues(spec, "POST", "/v2/bot/richmenu", menu.request()) == []
        assert all(decode(a.data) is not None for a in menu.areas)
        assert png_size(menu.image) == menu.size  # the committed image fits its menu
        assert menu.image.stat().st_size <= 1024 * 1024
    assert any(a.data == "a=lang" for a in menus["normal"].areas)


def test_a_broken_definition_is_refused_with_where_and_why(tmp_path):
    text = (definition.DEFINITION.read_text(encoding="utf-8")
            .replace('data: "a=help"', 'data: "a=shout"').replace("[0, 0, 833, 421]", "[0, 0, 3000, 421]", 1))
    path = tmp_path / "menus.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(definition.RichMenuError) as exc:
        definition.load(path)
    assert "ボットが知らない操作です: a=shout" in str(exc.value) and "outside the image" in str(exc.value)


def test_dry_run_prints_valid_requests_and_sends_nothing():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "richmenu.py"), "--dry-run"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**{k: v for k, v in os.environ.items() if not k.startswith("LINE_")},
                                 "FAQBOT_DB": "/nonexistent/none.sqlite3"})
    assert result.returncode == 0, result.stderr
    requests = [json.loads(line) for line in result.stdout.splitlines()]
    spec = load_messaging_spec(SPEC_DIR)
    creates = [r for r in requests if r["path"] == "/v2/bot/richmenu"]
    assert len(creates) == 2 and all(messaging_request_issues(spec, "POST", r["path"], r["body"]) == []
                                     for r in creates)
    aliases = [r["body"] for r in requests if r["path"] == "/v2/bot/richmenu/alias"]
    assert [a["richMenuAliasId"] for a in aliases] == ["faqbot-normal", "faqbot-disaster"]
    assert all(messaging_request_issues(spec, "POST", "/v2/bot/richmenu/alias", a) == [] for a in aliases)
    assert [r for r in requests if r.get("host") == "api-data"] and requests[-1]["path"].startswith(
        "/v2/bot/user/all/richmenu/<richMenuId of normal>")


def test_publish_through_the_stub_then_disaster_mode_switches_the_default(stub, tmp_path):
    url, state = stub
    api = RichMenuApi(url, url, TOKEN)
    ids = publish(api, definition.load(), "normal")
    assert state.rejected() == []
    assert state.richmenus.default == ids["normal"]
    assert state.richmenus.aliases == {"faqbot-normal": ids["normal"], "faqbot-disaster": ids["disaster"]}
    env = {"LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_ENDPOINT": url}
    db = tmp_path / "faq.sqlite3"
    FaqStore.open(db).close()
    modes = DisasterModes.open(db, on_switch=lambda active: follow_disaster_mode(active, env))
    modes.set(active=True, name="令和8年台風10号", by="山田")
    assert state.richmenus.default == ids["disaster"] and modes.current().active
    modes.set(active=False, by="山田")
    assert state.richmenus.default == ids["normal"]
    # publishing again moves the aliases to the new menus (alias update), still spec-valid
    again = publish(api, definition.load(), "normal")
    assert state.richmenus.aliases["faqbot-normal"] == again["normal"] and state.rejected() == []


def test_stub_refuses_a_wrong_image_and_an_unknown_menu(stub):
    url, state = stub
    api = RichMenuApi(url, url, TOKEN)
    menu = definition.load()["normal"]
    rich_menu_id = api.create(menu)
    with pytest.raises(RichMenuApiError) as exc:
        api.upload_image(rich_menu_id, b"not a picture at all")
    assert exc.value.status == 400
    with pytest.raises(RichMenuApiError) as exc:
        api.set_default("richmenu-unknown")
    assert exc.value.status == 404


def test_the_disaster_switch_never_fails_because_of_the_rich_menu(tmp_path):
    db = tmp_path / "faq.sqlite3"
    FaqStore.open(db).close()
    unreachable = {"LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_ENDPOINT": "http://127.0.0.1:9"}
    modes = DisasterModes.open(db, on_switch=lambda active: follow_disaster_mode(active, unreachable))
    mode = modes.set(active=True, name="地震", by="山田")
    assert mode.active and modes.current().active
    broken = DisasterModes.open(db, on_switch=lambda active: 1 / 0)   # a follower that raises
    assert not broken.set(active=False, by="山田").active and not modes.current().active
    assert follow_disaster_mode(True, {}) is None  # no token (development): nothing to do

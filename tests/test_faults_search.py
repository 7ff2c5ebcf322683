"""Search faults end to end: the embedding backend failing (at start or mid-run), the index missing,
corrupt at start, or replaced by a corrupt build while running.

The bot keeps answering over real HTTP (in-process app behind a loopback werkzeug server, replies to the
spec-validating Messaging API stub): from lexical search when the dense side is gone, with the exchange
flagged ``degraded``, the reason in the log (``/healthz`` says only "degraded": it needs no login); LINE
always gets 200 and the resident never gets the system-error apology for a search fault."""
from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
import requests
from conftest import seed_database
from line_testkit import SPEC_DIR, ServerThread, rows

from bot.app import create_app
from bot.emulator import signed_events as wh
from bot.emulator.stub import create_stub_app, get_stub_state
from bot.services import bot_services
from index.config import search_config_from_env
from index.search import Searcher
from index.snapshot import current_build

SECRET = "faults-search-" + uuid.uuid4().hex
QUESTION = "罹災証明書はどうやって申請しますか？"
APOLOGY = "申し訳ありません。ただいまシステムの不具合で"


@pytest.fixture(scope="module")
def stub():
    app = create_stub_app(SPEC_DIR)
    with ServerThread(app) as server:
        yield server, get_stub_state(app)


@pytest.fixture
def make_bot(tmp_path, seed_entries, stub):
    """Start the bot on a fresh database with the given index directory."""
    servers = []

    def start(index_dir: Path, searcher=None):
        db = tmp_path / f"faqbot-{len(servers)}.sqlite3"
        seed_database(db, seed_entries)
        app = create_app({"FAQBOT_DB": str(db), "FAQBOT_INDEX_DIR": str(index_dir), "FAQBOT_ENV": "development",
                          "FAQBOT_USER_HASH_SALT": "", "LINE_CHANNEL_SECRET": SECRET,
                          "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_ENDPOINT": stub[0].url})
        if searcher is not None:
            bot_services(app).searcher = searcher
        server = ServerThread(app).__enter__()
        servers.append(server)
        return server.url, db

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def ask(url: str, stub_state, text: str = QUESTION) -> tuple[dict, str]:
    user = wh.new_user_id()
    event = wh.text_event(wh.user_source(user), text)
    stub_state.register_reply_token(event["replyToken"], user)
    raw = wh.encode_body(wh.callback_body([event]))
    seq = stub_state.last_seq
    response = requests.post(f"{url}/callback", data=raw, timeout=60,
                             headers={"X-Line-Signature": wh.sign(raw, SECRET), "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    replies = [m["message"].get("text", "") for m in stub_state.messages(to=user, after=seq)]
    assert replies, "no reply"
    return event, "\n".join(replies)


def exchange(db: Path, event: dict) -> dict:
    [row] = rows(db, "SELECT * FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    return row


def health(url: str) -> dict:
    return requests.get(f"{url}/healthz", timeout=30).json()


def answered_from_lexical(url, db, stub_state, caplog, log_words: str) -> str:
    event, text = ask(url, stub_state)
    assert APOLOGY not in text and "罹災証明書" in text
    row = exchange(db, event)
    assert row["degraded"] == 1 and row["decision"] in ("answer", "suggest")
    assert log_words in caplog.text
    return caplog.text


def assert_answered_from_lexical(url, db, stub_state, caplog, log_words: str) -> str:
    logged = answered_from_lexical(url, db, stub_state, caplog, log_words)
    assert health(url) == {"status": "degraded"}  # no paths or exception text without a login
    return logged


class FailingEmbedder:
    """The real model's name and size, but every query embedding fails (a crashed backend)."""

    def __init__(self, real):
        self.name, self.dim = real.name, real.dim

    def embed_queries(self, texts):
        raise RuntimeError("embedding backend crashed")

    embed_passages = embed_queries


def test_embedding_backend_failing_to_load(make_bot, seed_index, stub, caplog, monkeypatch):
    monkeypatch.setenv("FAQBOT_EMBEDDER", "no-such-backend")
    caplog.set_level(logging.INFO)
    url, db = make_bot(seed_index)
    logged = assert_answered_from_lexical(url, db, stub[1], caplog, "embedder failed to load")
    assert "no-such-backend" in logged


def test_embedding_backend_failing_mid_run(make_bot, seed_index, stub, caplog, embedder):
    caplog.set_level(logging.INFO)
    searcher = Searcher(seed_index, lambda: FailingEmbedder(embedder), search_config_from_env())
    url, db = make_bot(seed_index, searcher)
    event, text = ask(url, stub[1])
    assert APOLOGY not in text and "罹災証明書" in text
    assert exchange(db, event)["degraded"] == 1
    assert "dense search failed; answering from lexical search only" in caplog.text


def test_index_missing(make_bot, tmp_path, stub, caplog):
    caplog.set_level(logging.INFO)
    url, db = make_bot(tmp_path / "no-index-here")
    answered_from_lexical(url, db, stub[1], caplog, "search index unavailable")
    assert "検索インデックスがありません" in caplog.text
    # never built: not ready for traffic (a load balancer keeps waiting), and says nothing more
    response = requests.get(f"{url}/healthz", timeout=30)
    assert response.status_code == 503 and response.json() == {"status": "not-ready"}


def _corrupt(build: Path, how: str) -> None:
    if how == "vectors-truncated":
        data = (build / "vectors.faiss").read_bytes()
        (build / "vectors.faiss").write_bytes(data[:len(data) // 3])
    elif how == "manifest-garbage":
        (build / "manifest.json").write_bytes(b"\x00\xff{not json")
    elif how == "bm25-random":
        (build / "bm25.npz").write_bytes(np.random.default_rng(1).bytes(4096))
    elif how == "entries-cut":
        lines = (build / "entries.jsonl").read_text(encoding="utf-8").splitlines()
        (build / "entries.jsonl").write_text("\n".join(lines[:10]) + '\n{"id": "half', encoding="utf-8")
    elif how == "owners-mismatch":
        np.save(build / "owners.npy", np.zeros(3, dtype=np.int32))


@pytest.mark.parametrize("how", ["vectors-truncated", "manifest-garbage", "bm25-random", "entries-cut",
                                 "owners-mismatch"])
def test_index_corrupt_at_start(make_bot, tmp_path, seed_index, stub, caplog, how):
    caplog.set_level(logging.INFO)
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    _corrupt(current_build(index_dir), how)
    url, db = make_bot(index_dir)
    logged = assert_answered_from_lexical(url, db, stub[1], caplog, "search index unavailable")
    assert "インデックス" in logged


def test_corrupt_build_published_while_running_keeps_the_last_good_index(make_bot, tmp_path, seed_index, stub,
                                                                         caplog):
    caplog.set_level(logging.INFO)
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    good = current_build(index_dir)
    url, db = make_bot(index_dir)
    event, _ = ask(url, stub[1])
    assert exchange(db, event)["degraded"] == 0

    bad = good.parent / (good.name + "-bad")
    shutil.copytree(good, bad)
    _corrupt(bad, "vectors-truncated")
    (index_dir / "CURRENT").write_text(bad.name, encoding="utf-8")  # a broken build gets published
    event, text = ask(url, stub[1])
    assert APOLOGY not in text and "罹災証明書" in text
    assert exchange(db, event)["degraded"] == 0  # still the last good index, dense search included
    assert "search index unavailable" in caplog.text
    assert health(url) == {"status": "ok"}  # still answering from the last good index

    (index_dir / "CURRENT").write_text(good.name + "\n", encoding="utf-8")  # a good build again
    event, _ = ask(url, stub[1])
    assert exchange(db, event)["degraded"] == 0
    assert health(url) == {"status": "ok"}

"""Start-up with no knowledge base: production refuses (a real gunicorn exits), development prepares the
seed FAQ and the index itself (real gunicorn, two workers, one build), /healthz says "not-ready" until
there is an index; and the embedder's thread count that wsgi.py chooses."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from conftest import seed_database

from bot.app import create_app
from bot.config import ConfigError
from bot.emulator import signed_events as wh
from bot.emulator.loadkit import ROOT, LiveBot, bot_env, free_port
from bot.startup import EMPTY_IN_PRODUCTION
from index.snapshot import current_build
from index.threads import embed_threads, limit_threads

SECRETS = dict(FAQBOT_ENV="production", LINE_CHANNEL_SECRET="sec", LINE_CHANNEL_ACCESS_TOKEN="tok",
               FAQBOT_USER_HASH_SALT="s" * 32, FAQBOT_SECRET_KEY="k" * 40)


def production_config(db, index_dir, **overrides) -> dict:
    return dict(SECRETS, FAQBOT_DB=str(db), FAQBOT_INDEX_DIR=str(index_dir), FAQBOT_EMULATOR=False,
                FAQBOT_CONSOLE_INSECURE_COOKIES=False, **overrides)


# ------------------------------------------------------------------ production
def test_production_gunicorn_with_no_knowledge_base_exits_with_the_commands_to_run(tmp_path):
    env = bot_env(tmp_path / "faqbot.sqlite3", tmp_path / "index", "http://127.0.0.1:9", "sec", tmp_path)
    env.update(SECRETS)
    for name in ("FAQBOT_ALLOW_EMPTY", "FAQBOT_EMBEDDER"):
        env.pop(name, None)
    argv = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{free_port()}", "-w", "2",
            "--no-control-socket", "wsgi:app"]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    log = done.stdout + done.stderr
    assert "faqctl import faq/seed/*.jsonl" in log and "faqctl build-index" in log
    assert "FAQBOT_ALLOW_EMPTY=1" in log
    assert not (tmp_path / "index" / "CURRENT").exists()  # production never builds by itself


def test_production_needs_both_faq_entries_and_an_index(tmp_path, seed_entries, seed_index):
    db = seed_database(tmp_path / "faqbot.sqlite3", seed_entries)
    with pytest.raises(ConfigError) as refused:
        create_app(production_config(db, tmp_path / "no-index"))
    assert str(refused.value) == EMPTY_IN_PRODUCTION
    with pytest.raises(ConfigError):
        create_app(production_config(tmp_path / "empty.sqlite3", seed_index))
    app = create_app(production_config(db, seed_index))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_production_may_start_empty_when_allowed_and_is_then_not_ready(tmp_path):
    app = create_app(production_config(tmp_path / "faqbot.sqlite3", tmp_path / "index", FAQBOT_ALLOW_EMPTY=True))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not-ready"}  # the state only: no paths, no exception text


def test_allow_empty_is_a_yes_or_no_setting():
    from bot.config import config_from_env
    assert config_from_env({})["FAQBOT_ALLOW_EMPTY"] is False
    assert config_from_env({"FAQBOT_ALLOW_EMPTY": "1"})["FAQBOT_ALLOW_EMPTY"] is True
    with pytest.raises(ConfigError, match="FAQBOT_ALLOW_EMPTY"):
        config_from_env({"FAQBOT_ALLOW_EMPTY": "maybe"})


# ------------------------------------------------------------------ development
def test_development_gunicorn_prepares_the_seed_faq_once_and_answers_from_it(tmp_path, seed_index, shared_cache):
    """Empty database, no index, two workers starting together: the seed is imported and the index built
    once (the other worker waits on the lock and finds it done); then residents get seed answers."""
    assert seed_index  # the shared embedding cache holds the seed's vectors: the build is quick
    db, index_dir = tmp_path / "faqbot.sqlite3", tmp_path / "index"
    live = LiveBot(tmp_path, db, index_dir, workers=2, threads=2, env={"FAQBOT_EMBED_CACHE": str(shared_cache)})
    try:
        # the bot answers as soon as one worker is ready; the other one logs once it has had the lock
        deadline = time.monotonic() + 60
        while "knowledge base already prepared" not in live.log() and time.monotonic() < deadline:
            time.sleep(0.2)
        log = live.log()
        assert log.count("development: imported the seed FAQ (100 entries") == 1
        assert log.count("development: search index built") == 1
        assert log.count("development: knowledge base already prepared") == 1  # the second worker
        assert len(list((index_dir / "builds").iterdir())) == 1 and current_build(index_dir) is not None
        user = wh.new_user_id()
        event = wh.text_event(wh.user_source(user), "罹災証明書はどうやって申請しますか？")
        assert live.send(event).status_code == 200
        deadline = time.monotonic() + 120
        while not live.reply_texts(event["replyToken"]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "罹災証明書" in live.reply_texts(event["replyToken"])
    finally:
        live.close()


def test_development_with_a_knowledge_base_builds_nothing(tmp_path, seed_entries, seed_index):
    from index.prepare import prepare_knowledge_base
    db = seed_database(tmp_path / "faqbot.sqlite3", seed_entries)
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    before = current_build(index_dir)

    def no_embedder():
        raise AssertionError("nothing to embed")

    report = prepare_knowledge_base(db, index_dir, embedder_factory=no_embedder, cache_factory=lambda: None)
    assert (report.seeded, report.built) == (0, False) and current_build(index_dir) == before


# ------------------------------------------------------------------ threads
def test_embed_threads_default_to_one_per_worker():
    assert embed_threads({}) == 1
    assert embed_threads({"OMP_NUM_THREADS": "2"}) == 2            # an operator's own setting is kept
    assert embed_threads({"FAQBOT_EMBED_THREADS": "3", "OMP_NUM_THREADS": "2"}) == 3
    for bad in ("0", "two", "-1"):
        with pytest.raises(ValueError, match="FAQBOT_EMBED_THREADS"):
            embed_threads({"FAQBOT_EMBED_THREADS": bad})
    environ = {}
    assert limit_threads(environ) == 1
    assert environ == {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@pytest.mark.parametrize("setting, expected", [(None, 1), ("2", 2)])
def test_wsgi_module_limits_openmp_before_faiss_loads(tmp_path, setting, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                            "OPENBLAS_NUM_THREADS", "FAQBOT_EMBED_THREADS")}
    if setting:
        env["FAQBOT_EMBED_THREADS"] = setting
    # production (allowed empty): the app starts without preparing anything in the background
    env.update(SECRETS, FAQBOT_DB=str(tmp_path / "faqbot.sqlite3"), FAQBOT_INDEX_DIR=str(tmp_path / "index"),
               FAQBOT_ALLOW_EMPTY="1")
    code = "import wsgi, faiss, os; print(faiss.omp_get_max_threads(), os.environ['OMP_NUM_THREADS'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == [str(expected), str(expected)]

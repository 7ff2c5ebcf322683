"""Index builds on several hosts: two index directories stand for two hosts sharing one database.

A build published on host A is served by host B after B's next sync (no restart); a tampered or
half-copied build is never served, locally or fetched; a failed sync keeps the build a host has; hosts
agree on the build in /healthz. Runs on the SQLite file by default, on PostgreSQL with
FAQBOT_TEST_DATABASE_URL."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import app_database, run_cli, seed_database
from console_testkit import Console, add_staff, make_app

from bot.app import create_app
from bot.config import ConfigError, config_from_env
from bot.console.services import console_services
from bot.services import bot_services
from faq.db import open_db
from faq.model import FaqEntry
from index.build import build_index
from index.cache import EmbeddingCache
from index.config import share_enabled
from index.search import Searcher
from index.share import BuildShare
from index.snapshot import current_build, load_snapshot

SMALL = [
    FaqEntry(id="juminhyo", question="コンビニで住民票の写しを取れますか", category="online-procedures",
             answer="マイナンバーカードがあれば全国のコンビニで住民票の写しを取得できます。", alt_questions=["住民票 コンビニ"]),
    FaqEntry(id="risai", question="罹災証明書はどこで申請しますか", category="disaster-support",
             answer="市役所の防災課またはオンラインで申請できます。", alt_questions=["りさい証明 申請"]),
    FaqEntry(id="suido", question="水道料金をスマホで払えますか", category="cashless-payment",
             answer="請求書払いに対応したスマホ決済アプリで支払えます。", alt_questions=["水道代 スマホ決済"]),
]
SUIDO = "水道料金をスマホで払いたい"


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shared_db(tmp_path):
    """The database every host shares: a SQLite file, or in the PostgreSQL pass its schema's URL."""
    return app_database(tmp_path / "shared.sqlite3")


@pytest.fixture
def hosts(tmp_path):
    return tmp_path / "host-a" / "index", tmp_path / "host-b" / "index"


def publish(index_dir: Path, location, entries, **share_options) -> str:
    share = BuildShare(location, **share_options)
    try:
        return build_index(entries, index_dir, None, None, share=share).path.name
    finally:
        share.close()


def host(index_dir: Path, location, ticks=None, **kw) -> Searcher:
    return Searcher(index_dir, None, share=BuildShare(location), sync_seconds=5.0, monotonic=ticks or Ticks(), **kw)


def found(searcher: Searcher, query: str = SUIDO) -> list[str]:
    return [c.entry.id for c in searcher.search(query).candidates]


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in (index_dir / "builds").glob("*.partial"))


def query(location, sql: str, params=()):
    db = open_db(location)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.close()


def change(location, sql: str, params=()):
    db = open_db(location)
    try:
        db.execute(sql, list(params))
    finally:
        db.close()


# ------------------------------------------------------------------ sharing
def test_a_build_published_on_one_host_is_served_by_another_after_its_next_sync(hosts, shared_db):
    a_dir, b_dir = hosts
    first = publish(a_dir, shared_db, SMALL[:2])
    ticks = Ticks()
    b = host(b_dir, shared_db, ticks)
    assert "suido" not in found(b)   # a new host fetches the shared build before its first answer
    assert b.health().build == first and current_build(b_dir).name == first

    second = publish(a_dir, shared_db, SMALL)
    ticks.now += 1                    # before the next check: still the build it has
    assert "suido" not in found(b) and b.health().build == first
    ticks.now += 5                    # due: the check runs in the background, never in the resident's query
    b.search(SUIDO)
    b._sync_thread.join(timeout=60)
    assert found(b)[0] == "suido"
    assert b.health().build == second == current_build(a_dir).name
    assert b.health().sync_problem is None
    assert leftovers(b_dir) == []
    # the fetched build is byte for byte the published one
    for f in (a_dir / "builds" / second).iterdir():
        assert (b_dir / "builds" / second / f.name).read_bytes() == f.read_bytes()


def test_only_the_newest_few_builds_are_kept_in_the_database(hosts, shared_db):
    a_dir, _ = hosts
    names = [publish(a_dir, shared_db, SMALL[: 1 + i % 3]) for i in range(5)]
    kept = query(shared_db, "SELECT name FROM index_builds ORDER BY id")
    assert [r[0] for r in kept] == names[-3:]
    chunk_owners = query(shared_db, "SELECT DISTINCT b.name FROM index_build_chunks c "
                                    "JOIN index_builds b ON b.id = c.build_id ORDER BY b.name")
    assert [r[0] for r in chunk_owners] == sorted(names[-3:])
    orphans = query(shared_db, "SELECT count(*) FROM index_build_chunks WHERE build_id NOT IN "
                               "(SELECT id FROM index_builds)")
    assert orphans[0][0] == 0


def _truncate(location, file):
    (build_id, seq, data), = query(location, "SELECT build_id, seq, data FROM index_build_chunks WHERE file = ? "
                                             "ORDER BY build_id DESC, seq DESC LIMIT 1", [file])
    change(location, "UPDATE index_build_chunks SET data = ? WHERE build_id = ? AND file = ? AND seq = ?",
           [bytes(data)[:-7], build_id, file, seq])


def _flip_a_byte(location, file):
    (build_id, seq, data), = query(location, "SELECT build_id, seq, data FROM index_build_chunks WHERE file = ? "
                                             "ORDER BY build_id DESC, seq LIMIT 1", [file])
    data = bytearray(data)
    data[len(data) // 2] ^= 0x01
    change(location, "UPDATE index_build_chunks SET data = ? WHERE build_id = ? AND file = ? AND seq = ?",
           [bytes(data), build_id, file, seq])


def _drop_a_chunk(location, file):
    build_id = query(location, "SELECT max(id) FROM index_builds")[0][0]
    change(location, "DELETE FROM index_build_chunks WHERE build_id = ? AND file = ? AND seq = 1", [build_id, file])


def _drop_a_file(location, file):
    build_id = query(location, "SELECT max(id) FROM index_builds")[0][0]
    change(location, "DELETE FROM index_build_chunks WHERE build_id = ? AND file = ?", [build_id, file])


@pytest.mark.parametrize("tamper", [_truncate, _flip_a_byte, _drop_a_chunk, _drop_a_file])
@pytest.mark.parametrize("file", ["entries.jsonl", "bm25.npz"])
def test_a_tampered_or_incomplete_shared_build_is_never_served(hosts, shared_db, tamper, file):
    a_dir, b_dir = hosts
    first = publish(a_dir, shared_db, SMALL[:2], chunk_bytes=512)  # several chunks per file
    b = host(b_dir, shared_db)
    assert b.health().build == first
    second = publish(a_dir, shared_db, SMALL, chunk_bytes=512)
    tamper(shared_db, file)
    assert b.sync() is None
    assert "共有インデックスを取得できません" in b.health().sync_problem
    assert b.health().build == first and current_build(b_dir).name == first and "suido" not in found(b)
    assert not (b_dir / "builds" / second).exists() and leftovers(b_dir) == []


def test_a_failed_upload_changes_no_host(hosts, shared_db, monkeypatch):
    a_dir, b_dir = hosts
    first = publish(a_dir, shared_db, SMALL[:2])
    b = host(b_dir, shared_db)
    assert b.health().build == first

    def broken_upload(self, db, build_id, path, expected):
        raise OSError("disk read error")
    monkeypatch.setattr(BuildShare, "_upload", broken_upload)
    with pytest.raises(OSError):
        publish(a_dir, shared_db, SMALL)
    monkeypatch.undo()
    assert current_build(a_dir).name == first                  # the builder keeps serving the old build too
    assert sorted(p.name for p in (a_dir / "builds").iterdir()) == [first]
    assert query(shared_db, "SELECT name, complete FROM index_builds") == [(first, 1)]
    assert b.sync() == first and b.health().build == first


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]   # nothing listens there once closed


@pytest.mark.parametrize("down", [
    pytest.param(lambda tmp: str(tmp / "not-a-directory" / "db.sqlite3"), id="sqlite-unopenable",
                 marks=pytest.mark.sqlite_only),
    pytest.param(lambda tmp: f"postgresql://postgres@127.0.0.1:{_closed_port()}/faqbot", id="postgresql-down"),
])
def test_a_sync_failure_keeps_the_build_the_host_has(hosts, shared_db, tmp_path, down):
    a_dir, b_dir = hosts
    first = publish(a_dir, shared_db, SMALL[:2])
    assert host(b_dir, shared_db).health().build == first
    publish(a_dir, shared_db, SMALL)
    (tmp_path / "not-a-directory").write_text("x")
    unreachable = host(b_dir, down(tmp_path))   # the database cannot be reached
    assert unreachable.sync() is None
    health = unreachable.health()
    assert health.ready and health.build == first and health.sync_problem
    assert "suido" not in found(unreachable) and found(unreachable, "罹災証明書の申請")[0] == "risai"


def test_two_processes_fetching_the_same_build_at_once_agree(hosts, shared_db):
    a_dir, b_dir = hosts
    name = publish(a_dir, shared_db, SMALL)
    script = ("import sys; from index.share import BuildShare; "
              "print(BuildShare(sys.argv[1], chunk_bytes=256).sync(sys.argv[2]))")
    env = dict(os.environ)
    procs = [subprocess.Popen([sys.executable, "-c", script, shared_db, str(b_dir)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == [name, name]
    assert current_build(b_dir).name == name and leftovers(b_dir) == []
    assert len(load_snapshot(b_dir).entries) == len(SMALL)     # verified on load


# ------------------------------------------------------- builds on one disk
def _copy_with(build: Path, target: Path, damage) -> Path:
    shutil.copytree(build, target)
    damage(target)
    return target


@pytest.mark.parametrize("damage", [
    lambda d: (d / "bm25.npz").write_bytes((d / "bm25.npz").read_bytes()[:-100]),          # half copied
    lambda d: (d / "entries.jsonl").write_bytes((d / "entries.jsonl").read_bytes().replace(
        "水道".encode(), "氷道".encode())),                                                     # a changed byte
    lambda d: (d / "bm25.npz").unlink(),                                                     # a missing file
    lambda d: (d / "extra.npy").write_bytes(b"x"),                                            # a file not listed
], ids=["truncated", "changed", "missing", "unlisted"])
def test_a_damaged_build_on_disk_is_refused_and_the_served_one_kept(tmp_path, damage):
    index_dir = tmp_path / "index"
    first = build_index(SMALL[:2], index_dir, None, None).path
    searcher = Searcher(index_dir, None)
    assert searcher.health().build == first.name
    # a build copied onto this host (a shared directory, rsync) that does not match its manifest
    bad = _copy_with(build_index(SMALL, tmp_path / "builder", None, None).path, index_dir / "builds" / "copied",
                     damage)
    (index_dir / "CURRENT").write_text(bad.name)
    health = searcher.health()
    assert health.build == first.name and "壊れて" in health.problem and "suido" not in found(searcher)
    fresh = Searcher(index_dir, None, lexical_fallback=lambda: SMALL[:1])
    assert fresh.health().build is None and "壊れて" in fresh.problem    # never served, even by a new worker


def test_the_manifest_lists_every_file_with_its_hash(tmp_path):
    build = build_index(SMALL, tmp_path / "index", None, None).path
    files = json.loads((build / "manifest.json").read_text())["files"]
    assert set(files) == {p.name for p in build.iterdir()} - {"manifest.json"}
    for name, meta in files.items():
        data = (build / name).read_bytes()
        assert meta == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


# ---------------------------------------------------------------- the hosts
def test_hosts_agree_on_the_build_in_healthz(tmp_path, hosts, shared_db):
    a_dir, b_dir = hosts
    seed_database(shared_db, SMALL)
    config = {"FAQBOT_DB": shared_db, "FAQBOT_ENV": "development", "LINE_CHANNEL_SECRET": "",
              "LINE_CHANNEL_ACCESS_TOKEN": "", "FAQBOT_USER_HASH_SALT": "", "FAQBOT_EMULATOR": False,
              "FAQBOT_SECRET_KEY": "k" * 40, "FAQBOT_INDEX_SHARE": True, "FAQBOT_INDEX_SYNC_SECONDS": 3600.0}
    first = publish(a_dir, shared_db, SMALL[:2])
    apps = [create_app(dict(config, FAQBOT_INDEX_DIR=str(d))) for d in hosts]
    bodies = [app.test_client().get("/healthz").get_json() for app in apps]
    assert bodies[0] == bodies[1] and bodies[0]["build"] == first      # host B fetched it at its first check
    assert set(bodies[0]) == {"status", "build"}

    second = publish(a_dir, shared_db, SMALL)
    assert apps[0].test_client().get("/healthz").get_json()["build"] == second
    assert apps[1].test_client().get("/healthz").get_json()["build"] == first   # not yet due
    bot_services(apps[1]).searcher.sync()      # its next check
    assert apps[1].test_client().get("/healthz").get_json()["build"] == second


def test_sharing_is_on_with_a_shared_database_and_can_be_set():
    assert share_enabled({}) is False
    assert share_enabled({"FAQBOT_DATABASE_URL": "postgresql://db/faqbot"}) is True
    assert share_enabled({"FAQBOT_DATABASE_URL": "postgresql://db/faqbot", "FAQBOT_INDEX_SHARE": "0"}) is False
    assert share_enabled({"FAQBOT_INDEX_SHARE": "1"}) is True
    assert config_from_env({})["FAQBOT_INDEX_SYNC_SECONDS"] == 5.0
    assert config_from_env({"FAQBOT_INDEX_SYNC_SECONDS": "2.5"})["FAQBOT_INDEX_SYNC_SECONDS"] == 2.5
    for name, bad in (("FAQBOT_INDEX_SHARE", "maybe"), ("FAQBOT_INDEX_SYNC_SECONDS", "0"),
                      ("FAQBOT_INDEX_SYNC_SECONDS", "soon")):
        with pytest.raises(ConfigError, match=name):
            config_from_env({name: bad})


def test_a_console_edit_on_one_host_reaches_the_other_and_staff_see_the_build(hosts, shared_db, tmp_path):
    a_dir, b_dir = hosts
    seed_database(shared_db, SMALL[:2])
    first = publish(a_dir, shared_db, SMALL[:2])
    apps = [make_app(tmp_path, FAQBOT_DB=shared_db, FAQBOT_INDEX_DIR=str(d), FAQBOT_INDEX_SHARE=True,
                     FAQBOT_INDEX_SYNC_SECONDS=3600.0) for d in hosts]
    b = bot_services(apps[1]).searcher
    assert b.health().build == first
    rebuilder = console_services(apps[0]).rebuilder
    rebuilder.embedder_factory = lambda: None           # a lexical build: quick, the same path as with vectors
    rebuilder.cache_factory = lambda: EmbeddingCache(tmp_path / "cache.sqlite3")
    seed_database(shared_db, SMALL[2:])                  # staff add an entry; the console starts a rebuild
    rebuilder.request()
    assert rebuilder.wait(timeout=300).state == "done"
    second = current_build(a_dir).name
    assert second != first and query(shared_db, "SELECT name FROM index_builds WHERE complete = 1 "
                                                "ORDER BY id DESC LIMIT 1") == [(second,)]
    assert b.health().build == first and b.sync() == second
    assert b.search(SUIDO).top.entry.id == "suido"

    add_staff(apps[1])
    staff = Console(apps[1])
    staff.login()
    page = staff.get("/console/faq").get_data(as_text=True)
    assert f"このサーバーの検索インデックス: <code>{second}</code>" in page and "index-kept-old" not in page
    publish(a_dir, shared_db, SMALL, chunk_bytes=512)
    _flip_a_byte(shared_db, "entries.jsonl")
    b.sync()
    page = staff.get("/console/faq").get_data(as_text=True)
    assert f"<code>{second}</code>" in page and "新しい検索インデックスを使えないため" in page


def test_faqctl_build_index_publishes_for_every_host(env, tmp_path, hosts):
    _, b_dir = hosts
    env.update(FAQBOT_INDEX_SHARE="1")
    faq_file = tmp_path / "faq.jsonl"
    faq_file.write_text("".join(json.dumps(e.to_record(), ensure_ascii=False) + "\n" for e in SMALL), encoding="utf-8")
    assert run_cli(env, "import", str(faq_file)).returncode == 0   # builds (and shares) an index itself too
    built = run_cli(env, "build-index")
    assert built.returncode == 0, built.stderr
    assert "データベース経由で全サーバーに配布" in built.stdout
    name = current_build(Path(env["FAQBOT_INDEX_DIR"])).name
    assert query(env["FAQBOT_DB"], "SELECT name, complete FROM index_builds ORDER BY id DESC LIMIT 1") == [(name, 1)]
    assert host(b_dir, env["FAQBOT_DB"]).health().build == name

    down = dict(env, FAQBOT_INDEX_DIR=str(tmp_path / "other-index"))
    failed = run_cli(down, "--db", f"postgresql://postgres@127.0.0.1:{_closed_port()}/faqbot", "build-index")
    assert failed.returncode == 1 and "どのサーバーも以前のインデックスのまま" in failed.stderr
    assert "Traceback" not in failed.stderr and current_build(tmp_path / "other-index") is None


def test_a_build_damaged_on_one_host_is_fetched_again(hosts, shared_db):
    a_dir, b_dir = hosts
    name = publish(a_dir, shared_db, SMALL)
    b = host(b_dir, shared_db)
    assert b.health().build == name
    entries = b_dir / "builds" / name / "entries.jsonl"
    entries.write_bytes(entries.read_bytes().replace("水道".encode(), "氷道".encode()))   # the disk flips bits
    (b_dir / "CURRENT").write_text(name)              # any reload now refuses it
    health = b.health()
    assert health.build == name and "壊れて" in health.problem     # the copy loaded before keeps answering
    assert b.sync() == name                              # its next check fetches it again
    health = b.health()
    assert health.build == name and health.problem is None and found(b)[0] == "suido"
    assert b"\xe6\xb0\xb7" not in entries.read_bytes()     # 氷 gone: the fetched copy is the published one
    assert len(load_snapshot(b_dir).entries) == len(SMALL)

"""Index builds shared between hosts through the database (component "index").

A build saved on one host is published once: its manifest in ``index_builds`` and every file in chunks of
a few MB in ``index_build_chunks``, written in short transactions (other writers never wait for a whole
upload) and made visible by one last update (``complete = 1``). Every host checks for a newer published
build, downloads it into its own ``builds/<name>.<pid>-<hex>.partial``, verifies every file against the
manifest's sha256 and size, renames it into place and flips its ``CURRENT`` pointer. A failure at any step
(database down, a chunk missing, a hash mismatch) leaves the host serving the build it has.

The newest published build (by publication order) is the one every host serves: the database, not the
clock of each host, decides which build is current."""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import migrate, open_db, transaction
from faq.private import private_dir

from .snapshot import (
    MANIFEST,
    IndexError_,
    build_lock,
    current_build,
    point_to,
    prune_builds,
    verify_build,
)

log = logging.getLogger(__name__)

COMPONENT = "index"
CHUNK_BYTES = 4 << 20          # one BLOB row: small enough for any database's row and memory limits
KEEP_PUBLISHED = 3             # complete builds kept in the database (the newest)
STALE_UPLOAD = timedelta(hours=1)  # an upload not completed by then was left by a crashed publisher
SYNC_LOCK = ".sync.lock"
_SAFE_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,127}$")


def _create_v1(db) -> None:
    # One row per published build; its files are readable by other hosts only once complete = 1.
    db.execute("""CREATE TABLE index_builds (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        manifest_sha256 TEXT NOT NULL,
        manifest TEXT NOT NULL,
        total_bytes INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        complete INTEGER NOT NULL DEFAULT 0)""")
    db.execute("""CREATE TABLE index_build_chunks (
        build_id INTEGER NOT NULL,
        file TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (build_id, file, seq))""")


MIGRATIONS = [_create_v1]


class ShareError(RuntimeError):
    """A build could not be published or fetched; the host keeps the build it serves."""


@dataclass(frozen=True)
class PublishedBuild:
    id: int
    name: str
    manifest_sha256: str


class BuildShare:
    """Publishing builds into the database and bringing an index directory to the newest one.

    One connection, used by one caller at a time (a lock), opened on first use and reopened after an error."""

    def __init__(self, location: str | os.PathLike, clock: Clock = SYSTEM_CLOCK,
                 chunk_bytes: int = CHUNK_BYTES, keep: int = KEEP_PUBLISHED):
        self.location = location
        self.clock = clock
        self.chunk_bytes = chunk_bytes
        self.keep = keep
        self._db = None
        self._lock = threading.Lock()

    # -- connection ------------------------------------------------------
    @contextmanager
    def _conn(self):
        with self._lock:
            if self._db is None:
                db = open_db(self.location)
                try:
                    migrate(db, COMPONENT, MIGRATIONS)
                except BaseException:
                    db.close()
                    raise
                self._db = db
            try:
                yield self._db
            except BaseException:
                self._drop()  # a broken connection is not reused
                raise

    def _drop(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            try:
                db.close()
            except Exception:  # noqa: BLE001 - already broken
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()

    # -- publishing ------------------------------------------------------
    def publish(self, build_dir: Path) -> PublishedBuild:
        """Upload a saved build once (a second call for the same build does nothing) and prune old ones."""
        build_dir = Path(build_dir)
        manifest_bytes = (build_dir / MANIFEST).read_bytes()
        manifest = json.loads(manifest_bytes)
        files = manifest.get("files")
        if not isinstance(files, dict) or not files:
            raise ShareError("目録にファイルの一覧がないビルドは共有できません。build-index をやり直してください / "
                             "a build without a file list cannot be shared; rebuild it")
        name, sha = build_dir.name, hashlib.sha256(manifest_bytes).hexdigest()
        _check_names(name, files)
        with self._conn() as db:
            with transaction(db):
                row = db.execute("SELECT id, manifest_sha256, complete FROM index_builds WHERE name = ?",
                                 [name]).fetchone()
                if row and row[1] == sha and row[2]:
                    return PublishedBuild(row[0], name, sha)
                if row:  # an upload of this name that never completed: start again
                    db.execute("DELETE FROM index_build_chunks WHERE build_id = ?", [row[0]])
                    db.execute("DELETE FROM index_builds WHERE id = ?", [row[0]])
                build_id = db.execute(
                    "INSERT INTO index_builds (name, manifest_sha256, manifest, total_bytes, published_at, complete) "
                    "VALUES (?, ?, ?, ?, ?, 0) RETURNING id",
                    [name, sha, manifest_bytes.decode("utf-8"), sum(int(f["size"]) for f in files.values()),
                     self.clock.now_iso()]).fetchone()[0]
            try:
                for file in sorted(files):
                    self._upload(db, build_id, build_dir / file, files[file])
                with transaction(db):
                    done = db.execute("UPDATE index_builds SET complete = 1 WHERE id = ?", [build_id]).rowcount
                if done != 1:
                    raise ShareError("公開中に別の処理がビルドを削除しました / the build was removed while it was uploaded")
            except BaseException:
                self._forget(db, build_id)
                raise
            self._prune(db)
        log.info("index build %s published to the database (%d files)", name, len(files))
        return PublishedBuild(build_id, name, sha)

    def _upload(self, db, build_id: int, path: Path, expected: dict) -> None:
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as fh:
            seq = 0
            while block := fh.read(self.chunk_bytes):
                digest.update(block)
                size += len(block)
                with transaction(db):  # one chunk per transaction: other writers wait milliseconds, not minutes
                    db.execute("INSERT INTO index_build_chunks (build_id, file, seq, data) VALUES (?, ?, ?, ?)",
                               [build_id, path.name, seq, block])
                seq += 1
        if digest.hexdigest() != expected.get("sha256") or size != expected.get("size"):
            raise ShareError(f"ビルドのファイルが目録と一致しないため共有しません: {path.name} / "
                             f"{path.name} does not match the manifest")

    def _forget(self, db, build_id: int) -> None:
        """Remove a failed upload now (pruning would, after STALE_UPLOAD); the database may be down."""
        try:
            with transaction(db):
                db.execute("DELETE FROM index_build_chunks WHERE build_id = ?", [build_id])
                db.execute("DELETE FROM index_builds WHERE id = ? AND complete = 0", [build_id])
        except Exception:  # noqa: BLE001 - the original error is the one to report
            log.warning("could not remove the failed upload of index build %s", build_id)

    def _prune(self, db) -> None:
        """Keep the newest complete builds; drop uploads a crashed publisher left, and their chunks
        (one build per transaction: other writers wait for one build's rows at most)."""
        ids = [r[0] for r in db.execute("SELECT id FROM index_builds WHERE complete = 1 ORDER BY id DESC").fetchall()]
        stale = [r[0] for r in db.execute("SELECT id FROM index_builds WHERE complete = 0 AND published_at < ?",
                                          [self.clock.iso_ago(STALE_UPLOAD)]).fetchall()]
        for build_id in ids[self.keep:] + stale:
            with transaction(db):
                db.execute("DELETE FROM index_builds WHERE id = ?", [build_id])  # no host fetches it from now on
                db.execute("DELETE FROM index_build_chunks WHERE build_id = ?", [build_id])

    # -- fetching --------------------------------------------------------
    def newest(self) -> PublishedBuild | None:
        with self._conn() as db:
            row = db.execute("SELECT id, name, manifest_sha256 FROM index_builds WHERE complete = 1 "
                             "ORDER BY id DESC LIMIT 1").fetchone()
        return PublishedBuild(*row) if row else None

    def download(self, build: PublishedBuild, index_dir: Path) -> Path:
        """`builds/<name>` holding the published build, every file verified; a build already there is kept."""
        builds = Path(index_dir) / "builds"
        private_dir(builds)
        _check_names(build.name, {})
        final = builds / build.name
        if final.is_dir():
            return final
        partial = builds / f"{build.name}.{os.getpid()}-{secrets.token_hex(3)}.partial"  # one per process
        partial.mkdir()
        try:
            with self._conn() as db:
                row = db.execute("SELECT manifest, manifest_sha256 FROM index_builds WHERE id = ? AND complete = 1",
                                 [build.id]).fetchone()
                if row is None:
                    raise ShareError(f"ビルド {build.name} はもうデータベースにありません / build no longer published")
                manifest_bytes = row[0].encode("utf-8")
                if hashlib.sha256(manifest_bytes).hexdigest() != row[1]:
                    raise ShareError(f"ビルド {build.name} の目録が壊れています / the manifest does not match its hash")
                manifest = json.loads(manifest_bytes)
                files = manifest.get("files") or {}
                _check_names(build.name, files)
                for file, meta in sorted(files.items()):
                    self._fetch(db, build, partial / file, int(meta.get("size", -1)))
            (partial / MANIFEST).write_bytes(manifest_bytes)
            try:
                verify_build(partial, manifest)
            except IndexError_ as exc:
                raise ShareError(str(exc)) from None
            for f in partial.iterdir():  # durable before it becomes visible
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
            try:
                partial.rename(final)
            except OSError:
                if not final.is_dir():  # another process of this host finished the same build first
                    raise
                shutil.rmtree(partial, ignore_errors=True)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return final

    def _fetch(self, db, build: PublishedBuild, target: Path, size: int) -> None:
        written, seq = 0, 0
        with open(target, "wb") as out:
            while written < size:
                row = db.execute("SELECT data FROM index_build_chunks WHERE build_id = ? AND file = ? AND seq = ?",
                                 [build.id, target.name, seq]).fetchone()
                if row is None:
                    raise ShareError(f"ビルド {build.name} のファイル {target.name} が途中までしかありません / "
                                     "chunk missing")
                data = bytes(row[0])
                out.write(data)
                written += len(data)
                seq += 1

    def sync(self, index_dir: Path, wait: bool = True, repair: bool = False) -> str | None:
        """Bring `index_dir` to the newest published build: the name now served, or None when nothing is
        published yet or another process of this host is syncing (`wait=False`). Raises on failure (the
        pointer is then unchanged). `repair`: the served build could not be loaded here; if it is the
        newest and its files do not match the manifest (a damaged disk), fetch it again."""
        index_dir = Path(index_dir)
        newest = self.newest()
        if newest is None:
            return None
        before = current_build(index_dir)
        if before is not None and before.name == newest.name and not repair:
            return newest.name
        with _flock(index_dir / SYNC_LOCK, wait) as locked:
            if not locked:
                return None
            before = current_build(index_dir)  # another process may have finished it while we waited
            if before is not None and before.name == newest.name:
                if not (repair and _damaged(before)):
                    return newest.name
                # set aside (pruning removes it later): workers that loaded it keep their open files
                before.rename(before.with_name(f"{before.name}.{os.getpid()}-{secrets.token_hex(3)}.damaged.partial"))
                log.warning("index build %s on this host does not match its manifest: fetching it again", before.name)
            self.download(newest, index_dir)
            with build_lock(index_dir):  # a local build publishes then flips under this lock
                now = current_build(index_dir)
                if (now and now.name) != (before and before.name):
                    return None  # a local build was published meanwhile: the next check decides
                point_to(index_dir, newest.name)
                prune_builds(index_dir / "builds", keep=newest.name)
        log.info("index build %s fetched from the database and published locally", newest.name)
        return newest.name


def _damaged(build: Path) -> bool:
    try:
        verify_build(build, json.loads((build / MANIFEST).read_text(encoding="utf-8")))
    except (IndexError_, OSError, ValueError):
        return True
    return False


def _check_names(name: str, files: dict) -> None:
    """A build's name and file names become paths on every host: plain names only."""
    for n in (name, *files):
        if not _SAFE_NAME.match(n) or n == MANIFEST:
            raise ShareError(f"ビルドの名前が正しくありません: {n!r} / invalid build or file name")


@contextmanager
def _flock(path: Path, wait: bool):
    private_dir(path.parent)
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)

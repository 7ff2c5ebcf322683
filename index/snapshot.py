"""One built index, immutable once written: entries, vectors, BM25 and a manifest.

Builds are written to their own directory and published by replacing the
`CURRENT` pointer file, so a reader sees either the old build or the new one."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from faq.model import FaqEntry
from faq.private import private_dir

from .lexical import BM25
from .vectors import VectorIndex

FORMAT_VERSION = 2  # 2: BM25 per field (question, answer), answer passages
POINTER = "CURRENT"
MANIFEST = "manifest.json"
KEEP_BUILDS = 3
LOCK_FILE = ".build.lock"   # one build at a time per index directory

# What each vector stands for; a FAQ is scored from its best-matching vectors.
# QUESTION/ALT are matched query-to-query; PASSAGE (question + start of the answer) and
# ANSWER_PART (one passage of a long answer) query-to-passage.
KIND_QUESTION, KIND_ALT, KIND_PASSAGE, KIND_ANSWER_PART = 0, 1, 2, 3


class IndexError_(RuntimeError):
    """The index is missing, corrupt, or was built with another model."""


class EntryFile(Sequence[FaqEntry]):
    """The entries of a published build, read from its entries.jsonl on demand.

    A query needs only its top candidates' entries, so a worker keeps line offsets
    and categories in memory instead of every question and answer (about 200 MB at
    100k FAQs). pread on a descriptor opened at load keeps working after old
    builds are pruned."""

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY)
        offsets, categories, pos = [], [], 0
        with open(self._fd, "rb", closefd=False) as fh:
            for line in fh:
                record = json.loads(line)  # every line is parsed once: a corrupt file fails at load
                FaqEntry(**record)
                offsets.append(pos)
                categories.append(record.get("category"))
                pos += len(line)
        offsets.append(pos)
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self.categories = categories

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        return FaqEntry(**json.loads(os.pread(self._fd, end - start, start)))

    def __del__(self):
        try:
            os.close(self._fd)
        except (OSError, AttributeError):
            pass


@dataclass
class Snapshot:
    entries: Sequence[FaqEntry]
    manifest: dict
    bm25_questions: BM25                  # question + alt questions + tags
    bm25_answers: BM25                    # answer
    vectors: VectorIndex | None = None
    owners: np.ndarray | None = None      # vector row -> entry position
    kinds: np.ndarray | None = None       # vector row -> KIND_*
    path: Path | None = None

    @property
    def model(self) -> str | None:
        return self.manifest.get("model")

    @property
    def has_dense(self) -> bool:
        return self.vectors is not None


def save_snapshot(snapshot: Snapshot, index_dir: Path,
                  before_publish: Callable[[Path], None] | None = None) -> Path:
    """Write a new build directory and atomically point CURRENT at it. `before_publish(build_dir)` runs
    between the two (sharing the build with other hosts); if it raises, the build is deleted unserved."""
    index_dir = Path(index_dir)
    builds = index_dir / "builds"
    private_dir(builds)
    # names sort in build order (pruning keeps the newest): nanoseconds, as builds can follow within a second
    now_ns = time.time_ns()
    name = (time.strftime("%Y%m%dT%H%M%S", time.localtime(now_ns // 10**9)) + f"{now_ns % 10**9:09d}-"
            + secrets.token_hex(3))
    tmp = builds / (name + ".partial")
    tmp.mkdir()
    with open(tmp / "entries.jsonl", "w", encoding="utf-8") as fh:
        for e in snapshot.entries:
            fh.write(json.dumps({**e.to_record(), "updated_at": e.updated_at, "updated_by": e.updated_by},
                                ensure_ascii=False) + "\n")
    np.savez(tmp / "bm25.npz", **{f"q_{k}": v for k, v in snapshot.bm25_questions.state().items()},
             **{f"a_{k}": v for k, v in snapshot.bm25_answers.state().items()})
    if snapshot.vectors is not None:
        snapshot.vectors.save(tmp / "vectors.faiss")
        np.save(tmp / "owners.npy", snapshot.owners)
        np.save(tmp / "kinds.npy", snapshot.kinds)
    # every data file with its sha256 and size: a host refuses a build that does not match (a half copy,
    # a flipped byte), so builds can be shared by copying (index.share, or a shared directory)
    manifest = {**snapshot.manifest, "files": {f.name: file_digest(f) for f in sorted(tmp.iterdir())}}
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    for f in tmp.iterdir():  # durable before it becomes visible
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    final = builds / name
    tmp.rename(final)
    if before_publish is not None:
        try:
            before_publish(final)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)  # never served here: every host keeps the build it has
            raise
    point_to(index_dir, name)
    prune_builds(builds, keep=name)
    return final


def point_to(index_dir: Path, name: str) -> None:
    """Atomically make `builds/<name>` the published build (readers see the old one or the new one)."""
    index_dir = Path(index_dir)
    # one temporary file per writer: a build and a sync of another process may flip at the same time
    pointer_tmp = index_dir / f"{POINTER}.{os.getpid()}-{secrets.token_hex(3)}.tmp"
    try:
        pointer_tmp.write_text(name, encoding="utf-8")
        with open(pointer_tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, index_dir / POINTER)
    finally:
        pointer_tmp.unlink(missing_ok=True)


def file_digest(path: Path) -> dict:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return {"sha256": h.hexdigest(), "size": size}


def verify_build(path: Path, manifest: dict) -> None:
    """Raise IndexError_ unless every file the manifest lists is there with its size and sha256, and no
    data file is missing from the list. A build written before files were listed is trusted as it is."""
    files = manifest.get("files")
    if files is None:
        return
    if not isinstance(files, dict):
        raise IndexError_("インデックスが壊れています（目録） / the build's file list is corrupt")
    present = {p.name for p in Path(path).iterdir() if p.name != MANIFEST}
    if present - set(files):
        raise IndexError_(f"インデックスが壊れています（目録にないファイル）: {', '.join(sorted(present - set(files)))} / "
                          "files not in the manifest")
    for name, expected in sorted(files.items()):
        try:
            actual = file_digest(Path(path) / name)
        except FileNotFoundError:
            raise IndexError_(f"インデックスが壊れています（ファイルがありません）: {name} / missing file in build") from None
        if actual != {"sha256": expected.get("sha256"), "size": expected.get("size")}:
            raise IndexError_(f"インデックスが壊れています（コピーの途中か破損で目録と一致しません）: {name} / "
                              f"{name} does not match the manifest's size and sha256")


def prune_builds(builds: Path, keep: str) -> None:
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.endswith(".partial")),
                  key=lambda p: p.name)
    for old in done[:-KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for partial in builds.glob("*.partial"):
        if time.time() - partial.stat().st_mtime > 3600:  # left by a crashed build
            shutil.rmtree(partial, ignore_errors=True)


def current_build(index_dir: Path) -> Path | None:
    try:
        name = (Path(index_dir) / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return Path(index_dir) / "builds" / name


def load_snapshot(index_dir: Path) -> Snapshot:
    path = current_build(index_dir)
    if path is None:
        raise IndexError_(f"検索インデックスがありません（faqctl build-index を実行してください） / no index in {index_dir}")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexError_(f"インデックスの形式が古いです。build-index をやり直してください / index format {manifest.get('format')}")
        verify_build(path, manifest)
        manifest.pop("files", None)
        entries = EntryFile(path / "entries.jsonl")
        with np.load(path / "bm25.npz") as data:
            bq = BM25.from_state({k[2:]: data[k] for k in data.files if k.startswith("q_")})
            ba = BM25.from_state({k[2:]: data[k] for k in data.files if k.startswith("a_")})
        manifest.pop("entries", None)  # ids and hashes stay on disk; a worker never needs them (100k dicts)
        snap = Snapshot(entries, manifest, bq, ba, path=path)
        if manifest.get("model"):
            snap.vectors = VectorIndex.load(path / "vectors.faiss")
            snap.owners = np.load(path / "owners.npy")
            snap.kinds = np.load(path / "kinds.npy")
            if snap.vectors.size != len(snap.owners) or snap.vectors.index.d != manifest.get("dim"):
                raise IndexError_("インデックスが壊れています（ベクトル数が合いません） / index is inconsistent")
        if len(entries) != manifest.get("n_entries") or bq.matrix.shape[0] != len(entries):
            raise IndexError_("インデックスが壊れています（件数が合いません） / index is inconsistent")
        return snap
    except IndexError_:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file means a corrupt index
        raise IndexError_(f"インデックスを読み込めません（壊れている可能性があります）: {exc} / cannot read index") from exc


@contextmanager
def file_lock(path: Path):
    """An exclusive lock on `path` across processes, held for the `with` block."""
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def build_lock(index_dir: Path):
    """One build at a time per index directory, across processes (faqctl, console workers)."""
    index_dir = Path(index_dir)
    private_dir(index_dir)
    with file_lock(index_dir / LOCK_FILE):
        yield

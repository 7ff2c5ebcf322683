"""One built index, immutable once written: entries, vectors, BM25 and a manifest.

Builds are written to their own directory and published by replacing the
`CURRENT` pointer file, so a reader sees either the old build or the new one."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from faq.model import FaqEntry
from faq.private import private_dir

from .lexical import BM25
from .vectors import VectorIndex

FORMAT_VERSION = 2  # 2: BM25 per field (question, answer), answer passages
POINTER = "CURRENT"
KEEP_BUILDS = 3

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


def save_snapshot(snapshot: Snapshot, index_dir: Path) -> Path:
    """Write a new build directory and atomically point CURRENT at it."""
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
    (tmp / "manifest.json").write_text(json.dumps(snapshot.manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    for f in tmp.iterdir():  # durable before it becomes visible
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    final = builds / name
    tmp.rename(final)
    pointer_tmp = index_dir / (POINTER + ".tmp")
    pointer_tmp.write_text(name, encoding="utf-8")
    with open(pointer_tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / POINTER)
    _prune(builds, keep=name)
    return final


def _prune(builds: Path, keep: str) -> None:
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
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexError_(f"インデックスの形式が古いです。build-index をやり直してください / index format {manifest.get('format')}")
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

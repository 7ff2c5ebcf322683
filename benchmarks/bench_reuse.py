#!/usr/bin/env python
"""A host's first rebuild after it received its build from another host (index.share).

OMP_NUM_THREADS=1 python benchmarks/bench_reuse.py [FAQ.jsonl ...]

The builder builds with its warm embedding cache (FAQBOT_EMBED_CACHE); the build directory is copied
to a second "host" with an empty cache, one answer is edited and that host rebuilds: it embeds only the
edited text and takes every other vector from the build it serves (index.build.ServedVectors)."""
from __future__ import annotations

import dataclasses
import glob
import shutil
import sys
import tempfile
import time
from pathlib import Path

from faq.formats import read_many
from index.build import build_index
from index.cache import EmbeddingCache
from index.config import cache_from_env, make_embedder

ROOT = Path(__file__).resolve().parents[1]
paths = sys.argv[1:] or sorted(glob.glob(str(ROOT / "benchmarks/data/municipal/faq_*.jsonl")))
entries = read_many(paths)
emb = make_embedder()
with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    r = build_index(entries, tmp / "a", emb, cache_from_env())
    print("builder host, warm cache:", r.n_vectors, "vectors", round(r.seconds, 2), "s, embedded", r.embedded)
    shutil.copytree(tmp / "a", tmp / "b")
    edited = [dataclasses.replace(entries[0], answer=entries[0].answer + "\n詳しくは窓口へ。")] + entries[1:]
    t = time.perf_counter()
    r = build_index(edited, tmp / "b", emb, EmbeddingCache(tmp / "empty.sqlite3"))
    print("other host, empty cache, one edit:", round(time.perf_counter() - t, 2), "s, embedded", r.embedded)
    t = time.perf_counter()
    r = build_index(edited, tmp / "b", emb, EmbeddingCache(tmp / "empty.sqlite3"))
    print("same host again:", round(time.perf_counter() - t, 2), "s, embedded", r.embedded)

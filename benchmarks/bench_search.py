#!/usr/bin/env python
"""Search benchmark: index build, incremental rebuild after one edit, query latency, memory.

python benchmarks/bench_search.py [--entries 2000] [--large 100000] [--json]

- Scales the seed FAQ to N entries the way a prefecture's FAQ grows: every city
  has its own version of the same topics (the city name is part of each text).
- Builds the index with the real bundled model (embeddings cached in
  var/bench-cache.sqlite3, so the first run is slow and later runs fast),
  edits one entry, rebuilds and times it.
- Measures query latency over the dev queries.
- --large N: the same code path at N entries with a cheap stand-in embedder for
  the FAQ side (embedding 100k entries with the real model takes hours on 2
  cores), to show the IVF switch, build time and memory; query latency and the
  memory of a serving process are measured in a fresh process that loads the
  index like a bot worker (queries embedded by the real model). Tokens are
  cached in var/bench-tokens-large.sqlite3. --keep DIR keeps that index."""
from __future__ import annotations

import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from faq.formats import read_many
from index.build import build_index
from index.cache import EmbeddingCache
from index.embedders import BundledE5Embedder
from index.evaluation import load_queries
from index.search import Searcher

ROOT = Path(__file__).resolve().parents[1]
CITIES = ["高知市", "室戸市", "安芸市", "南国市", "土佐市", "須崎市", "宿毛市", "土佐清水市", "四万十市", "香南市",
          "香美市", "東洋町", "奈半利町", "田野町", "安田町", "北川村", "馬路村", "芸西村", "本山町", "大豊町",
          "土佐町", "大川村", "いの町", "仁淀川町", "中土佐町", "佐川町", "越知町", "檮原町", "日高村", "津野町"]


def scaled_faq(n: int):
    seed = read_many(sorted((ROOT / "faq" / "seed").glob("*.jsonl")))
    out = []
    for i in range(n):
        base = seed[i % len(seed)]
        city = CITIES[(i // len(seed)) % len(CITIES)] + ("" if i < len(seed) * len(CITIES) else f"{i}")
        out.append(replace(base, id=f"{base.id}-{i}", question=f"{city}の{base.question}",
                           alt_questions=[f"{city} {q}" for q in base.alt_questions],
                           answer=f"{city}では、{base.answer}"))
    return out


class HashEmbedder:
    """Stand-in for the FAQ side at 100k scale: deterministic unit vectors from text hashes."""

    def __init__(self, real):
        self.real, self.name, self.dim = real, real.name, real.dim

    def _vec(self, texts):
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            out[i] = np.random.default_rng(seed).normal(size=self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    embed_passages = _vec

    def embed_queries(self, texts):  # real query embedding: its cost is what a resident waits for
        return self.real.embed_queries(texts) if len(texts) == 1 else self._vec(texts)


class TokenCache(EmbeddingCache):
    """Caches lexical tokens (Sudachi over 200k documents is most of a cold build) but not the
    stand-in vectors, which are cheaper to recompute than to store."""

    def embed(self, model, dim, kind, texts, compute, batch_size=64, progress=None):
        return compute(list(texts)), len(texts)


def rss_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss it is not inherited from the
    parent across fork + exec, so the serving child reports its own peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latency(searcher, texts):
    searcher.search("ウォームアップ")
    times = []
    for t in texts:
        start = time.perf_counter()
        searcher.search(t)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=2000)
    ap.add_argument("--large", type=int, default=0)
    ap.add_argument("--keep", metavar="DIR", help="keep the --large index in DIR (e.g. for the load benchmark)")
    ap.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.serve:
        return serve(args.serve)
    real = BundledE5Embedder()
    queries = [q["text"] for q in load_queries(ROOT / "tests" / "data" / "dev_queries.jsonl")]
    result = {}
    cache = EmbeddingCache(ROOT / "var" / "bench-cache.sqlite3")
    entries = scaled_faq(args.entries)
    with tempfile.TemporaryDirectory() as tmp:
        full = build_index(entries, Path(tmp), real, cache)
        entries[7] = replace(entries[7], answer=entries[7].answer + "（" + time.strftime("%H%M%S") + " 更新）")
        one = build_index(entries, Path(tmp), real, cache)
        p50, p99 = latency(Searcher(tmp, lambda: real), queries)
    result["normal"] = {"entries": full.n_entries, "vectors": full.n_vectors, "index": full.index_kind,
                        "full_build_s": round(full.seconds, 2), "full_build_embedded": full.embedded,
                        "one_edit_rebuild_s": round(one.seconds, 2), "one_edit_embedded": one.embedded,
                        "query_ms_p50": round(p50, 1), "query_ms_p99": round(p99, 1), "peak_rss_mb": round(rss_mb())}
    print(json.dumps({"normal": result["normal"]}, ensure_ascii=False), flush=True)
    if args.large:
        big = scaled_faq(args.large)
        out_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-large-"))
        tokens = TokenCache(ROOT / "var" / "bench-tokens-large.sqlite3")
        report = build_index(big, out_dir, HashEmbedder(real), tokens)
        tokens.close()
        del big
        result["large"] = {"entries": report.n_entries, "vectors": report.n_vectors, "index": report.index_kind,
                           "build_s": round(report.seconds, 1), "build_peak_rss_mb": round(rss_mb())}
        # serving is measured in a fresh process: what one bot worker holds, not the build's peak
        served = subprocess.run([sys.executable, __file__, "--serve", str(out_dir)], check=True,
                                capture_output=True, text=True)
        result["large"].update(json.loads(served.stdout.strip().splitlines()[-1]))
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
    cache.close()
    if "large" in result:
        print(json.dumps({"large": result["large"]}, ensure_ascii=False), flush=True)


def serve(index_dir: str) -> None:
    """Load a built index as the bot does, answer the dev queries, report latency and memory."""
    real = BundledE5Embedder()
    queries = [q["text"] for q in load_queries(ROOT / "tests" / "data" / "dev_queries.jsonl")]
    started = time.perf_counter()
    searcher = Searcher(index_dir, lambda: real)
    searcher.search("ウォームアップ")
    load_s = time.perf_counter() - started
    p50, p99 = latency(searcher, queries)
    print(json.dumps({"serve_load_s": round(load_s, 1), "query_ms_p50": round(p50, 1),
                      "query_ms_p99": round(p99, 1), "serve_peak_rss_mb": round(rss_mb())}))

if __name__ == "__main__":
    main()

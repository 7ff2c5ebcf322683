#!/usr/bin/env python
"""Sharing an index build between hosts through the database: publish, fetch, verify.

PYTHONPATH=. python benchmarks/bench_share.py [--mb 800] [--database postgresql://…] [--json]

Writes a stand-in build of ``--mb`` megabytes (random bytes in the files a 100,000-entry build has, in
the proportions measured there: BM25 ≈ 330 MB, entries ≈ 230 MB, vectors ≈ 231 MB, owners/kinds ≈ 3 MB
at 800 MB) with its manifest, then times on this machine: hashing every file (what a worker does when it
loads a build), publishing it into the database (SQLite file in a temporary directory, or the
PostgreSQL URL given), and fetching it into a second index directory (download, verify, rename, flip).
Random bytes are what a real build's hashes and copies cost: neither compresses nor parses them.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from index.share import BuildShare
from index.snapshot import MANIFEST, file_digest, point_to, verify_build

SHARES = {"bm25.npz": 0.415, "entries.jsonl": 0.29, "vectors.faiss": 0.29, "owners.npy": 0.004, "kinds.npy": 0.001}


def stand_in_build(index_dir: Path, megabytes: int) -> Path:
    build = index_dir / "builds" / time.strftime("%Y%m%dT%H%M%S000000000-bench00")
    build.mkdir(parents=True)
    for name, share in SHARES.items():
        with open(build / name, "wb") as fh:
            left = int(megabytes * share * (1 << 20))
            while left > 0:
                fh.write(os.urandom(min(left, 1 << 24)))
                left -= 1 << 24
    files = {p.name: file_digest(p) for p in sorted(build.iterdir())}
    (build / MANIFEST).write_text(json.dumps({"format": 2, "files": files}), encoding="utf-8")
    point_to(index_dir, build.name)
    return build


def timed(fn):
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=800)
    parser.add_argument("--database", help="a postgresql:// URL (default: a SQLite file in a temporary directory)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        tmp = Path(tmp)
        build = stand_in_build(tmp / "host-a", args.mb)
        size = sum(p.stat().st_size for p in build.iterdir())
        manifest = json.loads((build / MANIFEST).read_text())
        _, verify_s, verify_cpu = timed(lambda: verify_build(build, manifest))
        share = BuildShare(args.database or str(tmp / "shared.sqlite3"))
        _, publish_s, publish_cpu = timed(lambda: share.publish(build))
        fetcher = BuildShare(args.database or str(tmp / "shared.sqlite3"))
        name, fetch_s, fetch_cpu = timed(lambda: fetcher.sync(tmp / "host-b"))
        assert name == build.name
        share.close()
        fetcher.close()
        if args.database:  # leave nothing behind in a shared server
            from faq.db import open_db, transaction
            db = open_db(args.database)
            with transaction(db):
                db.execute("DELETE FROM index_build_chunks WHERE build_id IN "
                           "(SELECT id FROM index_builds WHERE name = ?)", [build.name])
                db.execute("DELETE FROM index_builds WHERE name = ?", [build.name])
            db.close()
    mb = size / (1 << 20)
    result = {"megabytes": round(mb, 1), "database": "postgresql" if args.database else "sqlite",
              "verify_s": round(verify_s, 2), "verify_cpu_s": round(verify_cpu, 2),
              "publish_s": round(publish_s, 2), "publish_cpu_s": round(publish_cpu, 2),
              "fetch_s": round(fetch_s, 2), "fetch_cpu_s": round(fetch_cpu, 2),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>16}: {value}")


if __name__ == "__main__":
    main()

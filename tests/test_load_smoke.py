"""The load benchmark in its short CI mode: gunicorn with 2 workers × 2 threads serving wsgi:app, the
Messaging API stub in its own process, a few seconds of signed webhook traffic at 20 events/s.

Asserts the accounting only (no time): every event got exactly one reply at the stub, one exchange
row and a "done" idempotency row, all webhooks answered 200, nothing in the bot's log at ERROR level.
The timed runs are in docs/BENCHMARKS.md (benchmarks/bench_load.py without --smoke)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import seed_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory, seed_entries):
    path = tmp_path_factory.mktemp("load-smoke") / "faq.sqlite3"
    seed_database(path, seed_entries)
    return path


def test_smoke_load_every_event_gets_exactly_one_reply(seed_db, seed_index):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_load.py"), "--smoke", "--json",
                           "--faq-db", str(seed_db), "--index-dir", str(seed_index)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.stdout.strip(), done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    events = report["events"]
    assert events["measured"] >= 50 and events["warmup"] >= 10  # 3 s + 1 s at 20/s
    assert events["statuses"] == {"200": events["measured"] + events["warmup"]}
    assert report["replies"]["lost"] == 0
    assert report["replies"]["duplicated"] == 0
    assert report["replies"]["rejected"] == 0 and report["replies"]["unknown_tokens"] == 0
    assert report["replies"]["accepted"] == events["measured"] + events["warmup"]
    db = report["database"]
    assert (db["missing_exchanges"], db["extra_exchanges"], db["not_done"], db["integrity"]) == (0, 0, 0, "ok")
    assert db["degraded"] == 0
    assert report["log_errors"] == 0
    assert report["workers_restarted"] is False
    assert len(report["memory_mb"]["worker_vm_hwm"]) == 2 and min(report["memory_mb"]["worker_vm_hwm"]) > 0
    assert report["accounting_ok"] is True and done.returncode == 0, done.stderr[-3000:]


def test_bench_load_help_and_usage_error():
    script = str(ROOT / "benchmarks" / "bench_load.py")
    shown = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "--concurrency" in shown.stdout and "--smoke" in shown.stdout
    wrong = subprocess.run([sys.executable, script, "--faq-db", str(ROOT / "README.md")],
                           capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 2 and "--index-dir" in wrong.stderr

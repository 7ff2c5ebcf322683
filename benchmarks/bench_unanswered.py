#!/usr/bin/env python
"""The console's 「未回答の質問」 page with worst-case fallback rows.

PYTHONPATH=. python benchmarks/bench_unanswered.py [--rows 5000] [--chars 5000] [--alphabet 0]

Fills a temporary database with ``--rows`` fallback exchanges from yesterday, each ``--chars`` random
characters (random kanji by default: every question distinct, so every one starts a group; with
``--alphabet N`` the characters come from the first N kanji only, so that questions share many bigrams
without being similar), logs in as a staff member and times ``GET /console/unanswered`` (Flask test
client: the view, the grouping and the template, no network). Prints the request's CPU time (what it costs
the server) and its wall time (which also depends on how busy the machine is).
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path

from bot.app import create_app
from bot.console.services import console_services
from bot.console.timeutil import today_jst
from faq.clock import JAPAN, to_iso

PASSWORD = "correct horse battery staple"


def fill(db_path: str, rows: int, chars: int, alphabet: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    pool = [chr(c) for c in range(0x4E00, 0x9FFF)]
    if alphabet:
        pool = pool[:alphabet]
    base = datetime.combine(today_jst() - timedelta(days=1), day_time(0, 0), JAPAN)  # inside the default range
    conn = sqlite3.connect(db_path)
    conn.executemany(
        "INSERT INTO bot_exchanges (created_at, user_hash, source_type, kind, query, decision) "
        "VALUES (?, 'h-bench', 'user', 'text', ?, 'fallback')",
        [(to_iso(base.replace(second=i % 60, minute=(i // 60) % 60)),
          "".join(rng.choice(pool) for _ in range(chars))) for i in range(rows)])
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--alphabet", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "faqbot.sqlite3")
        app = create_app({"FAQBOT_DB": db, "FAQBOT_INDEX_DIR": str(Path(tmp) / "index"), "FAQBOT_ENV": "development",
                          "LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "", "FAQBOT_USER_HASH_SALT": "",
                          "FAQBOT_EMULATOR": False, "FAQBOT_SECRET_KEY": "", "FAQBOT_CONSOLE_INSECURE_COOKIES": True})
        console_services(app).staff.add("bench", PASSWORD, is_admin=True)
        fill(db, args.rows, args.chars, args.alphabet)
        client = app.test_client()
        page = client.get("/console/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post("/console/login", data={"csrf_token": token, "username": "bench",
                                                   "password": PASSWORD}).status_code == 302
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get("/console/unanswered")
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert response.status_code == 200, response.status_code
        # CPU time is what one request costs; wall time also shows how busy the shared machine was
        print(f"rows={args.rows} chars={args.chars} alphabet={args.alphabet or 'all kanji'} "
              f"GET /console/unanswered: CPU median {statistics.median(cpu):.2f} s, wall median "
              f"{statistics.median(times):.2f} s, max {max(times):.2f} s ({args.repeat} runs), "
              f"page {len(response.data) // 1024} KiB, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

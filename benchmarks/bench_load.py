#!/usr/bin/env python
"""Load benchmark: the real bot under webhook traffic, every reply counted.

    python benchmarks/bench_load.py --entries 2000 --workers 2 --rate 50 --duration 60
    python benchmarks/bench_load.py --entries 2000 --workers 2 --concurrency 8 --duration 30   # capacity
    python benchmarks/bench_load.py --entries 2000 --workers 2 --concurrency 16 --events 600   # a burst
    python benchmarks/bench_load.py --smoke                                                      # CI, seconds

gunicorn serves ``wsgi:app`` on 127.0.0.1 (no OMP_* settings: the bot picks 1 embedder thread per worker
itself, see wsgi.py), the Messaging API stub runs in
its own process and receives the replies, and an asyncio/aiohttp client sends signed webhook bodies, one
text-message event each, with the resident queries of tests/data/dev_queries.jsonl from 2,000 users.

* ``--rate R`` (open loop): events arrive at R per second whatever the server does; latency is measured
  from each event's scheduled send time, so a server that falls behind shows its queue.
* ``--concurrency C`` (closed loop): C senders, each waiting for its answer; gives the capacity.

Printed: events/s, webhook latency and time-to-reply (p50/p95/p99), CPU (cores used by the bot, CPU ms
per event, the stub, the load generator, other work on the machine) and peak RSS per worker; then the
accounting: every event must get exactly one reply at the stub (lost / duplicated, target 0) and one
exchange row in the database. Exit status 1 if any event was lost, duplicated, refused or failed.

The FAQ is the seed scaled to ``--entries`` (as in bench_search.py) and kept in var/bench-load/. Above
20,000 entries the FAQ side is embedded by bench_search's ``HashEmbedder`` stand-in (same model name and
dimension; the server embeds the queries with the real model)."""
from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import click
import loadkit as lk  # benchmarks/ is the script's own directory
import requests

from faq.store import FaqStore

TARGET_RATE, TARGET_P99_MS, TARGET_RSS_MB = 50.0, 300.0, 1024.0


@dataclass
class LoadSettings:
    entries: int = 2000
    workers: int = 1
    threads: int = 4
    rate: float = 50.0            # open loop, events/s (ignored when concurrency > 0)
    concurrency: int = 0          # closed loop senders
    events: int | None = None     # closed loop: stop after this many measured events (duration is the cap)
    duration: float = 60.0
    warmup: float = 5.0
    users: int = 2000
    seed: int = 1
    stand_in: bool | None = None  # None: automatic above 20,000 entries
    faq_db: str | None = None     # a prepared data set instead of var/bench-load/
    index_dir: str | None = None
    timeout: float = 60.0
    max_connections: int = 512
    keep: bool = False            # keep the run directory (logs, database)


def _sample_rss(pids_of, stop: threading.Event, peaks: dict) -> None:
    while not stop.is_set():
        for pid in pids_of():
            peaks[pid] = max(peaks.get(pid, 0), lk.status_kb(pid, "VmRSS"))
        stop.wait(0.5)


def copy_faq(source: Path, target: Path) -> None:
    """The prepared FAQ into the run's database, through the store (a file copy would not reach the
    PostgreSQL pass of the tests, where every path is a schema)."""
    prepared = FaqStore.open(source)
    try:
        entries = prepared.list(include_inactive=True)
    finally:
        prepared.close()
    if not entries:
        raise RuntimeError(f"FAQ がありません / no FAQ entries in {source}")
    store = FaqStore.open(target)
    try:
        store.import_entries(entries, actor="bench-load")
    finally:
        store.close()


def run_load(s: LoadSettings, log=print) -> dict:
    if s.faq_db and s.index_dir:
        data = lk.DataSet(Path(s.faq_db), Path(s.index_dir), s.entries, bool(s.stand_in))
    else:
        data = lk.prepare_dataset(s.entries, stand_in=s.stand_in, log=log)
    queries = lk.load_queries()
    rng = random.Random(s.seed)
    users = ["U" + "%032x" % rng.getrandbits(128) for _ in range(s.users)]
    secret = "bench-" + uuid.uuid4().hex
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    db = work / "faqbot.sqlite3"
    copy_faq(data.faq_db, db)
    stub = bot = None
    try:
        stub, stub_url = lk.start_stub(work)
        env = lk.bot_env(db, data.index_dir, stub_url, secret, work)
        started = time.monotonic()
        bot, url = lk.start_bot(env, work, s.workers, s.threads)
        lk.warm_workers(bot, url, s.workers)
        startup_s = time.monotonic() - started

        def send(seconds, phase):
            if s.concurrency:
                return asyncio.run(lk.closed_loop(url, secret, queries, users, rng, concurrency=s.concurrency,
                                                  seconds=seconds, phase=phase, timeout=s.timeout,
                                                  events=s.events if phase == "measure" else None))
            return asyncio.run(lk.open_loop(url, secret, queries, users, rng, rate=s.rate, seconds=seconds,
                                            phase=phase, timeout=s.timeout, max_connections=s.max_connections))

        sent = send(s.warmup, "warmup") if s.warmup > 0 else []
        workers = lk.children(bot.pid)
        bot_pids = [bot.pid] + workers
        load_before = lk.loadavg()
        cpu0 = {p: lk.cpu_seconds(p) for p in bot_pids + [stub.pid, os.getpid()]}
        busy0, wall0 = lk.machine_busy_seconds(), time.monotonic()
        peaks: dict[int, int] = {}
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_rss, args=(lambda: bot_pids, stop, peaks), daemon=True)
        sampler.start()
        measured = send(s.duration, "measure")
        wall = time.monotonic() - wall0
        stop.set()
        sampler.join()
        cpu1 = {p: lk.cpu_seconds(p) for p in cpu0}
        busy = lk.machine_busy_seconds() - busy0
        load_after = lk.loadavg()
        hwm = {p: lk.status_kb(p, "VmHWM") for p in workers}
        workers_after = lk.children(bot.pid)
        sent += measured

        stub_requests = requests.get(f"{stub_url}/_stub/requests", timeout=120).json()["requests"]
        replies = lk.account_replies(sent, stub_requests)
        stored = lk.account_database(db, sent)
        log_text = bot.log_path.read_text(errors="replace")
    finally:
        for server in (bot, stub):
            if server is not None:
                server.stop()
        if not s.keep:
            shutil.rmtree(work, ignore_errors=True)

    ok = [m for m in measured if m.status == 200]
    first_sched = min(m.scheduled for m in measured) if measured else 0
    last_done = max(m.done for m in measured) if measured else 0
    latencies = [(m.done - m.scheduled) * 1000 for m in ok]
    to_reply = [(replies.reply_wall[m.reply_token] - m.scheduled_wall) * 1000 for m in measured
                if m.reply_token in replies.reply_wall]
    cpu = {p: cpu1[p] - cpu0[p] for p in cpu0}
    bot_cpu = sum(cpu[p] for p in bot_pids)
    statuses: dict[str, int] = {}
    for m in sent:
        key = str(m.status) if m.status else (m.error or "no response")
        statuses[key] = statuses.get(key, 0) + 1
    report = {
        "settings": asdict(s),
        "data": {"entries": data.entries, "faq_vectors": "HashEmbedder stand-in" if data.stand_in else "real model"},
        "machine": {"cores": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after},
        "startup_s": round(startup_s, 1),
        "events": {"measured": len(measured), "warmup": len(sent) - len(measured), "statuses": statuses},
        "offered_events_per_s": round(len(measured) / (wall if s.events else s.duration), 1),
        "events_per_s": round(len(ok) / max(last_done - first_sched, 1e-9), 1),
        "webhook_ms": lk.percentiles(latencies),
        "time_to_reply_ms": lk.percentiles(to_reply),
        "cpu": {"wall_s": round(wall, 1), "bot_cores": round(bot_cpu / wall, 2),
                "bot_cpu_ms_per_event": round(1000 * bot_cpu / max(len(measured), 1), 1),
                "stub_cores": round(cpu[stub.pid] / wall, 2),
                "load_generator_cores": round(cpu[os.getpid()] / wall, 2),
                "other_work_cores": round(max(busy - sum(cpu.values()), 0) / wall, 2)},
        "memory_mb": {"worker_peak_rss": [round(peaks.get(p, 0) / 1024) for p in workers],
                      "worker_vm_hwm": [round(hwm[p] / 1024) for p in workers],
                      "master_rss": round(peaks.get(bot_pids[0], 0) / 1024)},
        "workers_restarted": sorted(workers) != sorted(workers_after),
        "replies": {k: v for k, v in asdict(replies).items() if k != "reply_wall"},
        "database": stored,
        "log_errors": sum(1 for line in log_text.splitlines() if " ERROR " in line or "Traceback" in line),
    }
    report["accounting_ok"] = (replies.lost == 0 and replies.duplicated == 0 and replies.rejected == 0
                               and set(statuses) == {"200"} and stored["missing_exchanges"] == 0
                               and stored["extra_exchanges"] == 0 and stored["not_done"] == 0
                               and stored["integrity"] == "ok")
    report["targets"] = {
        f"rate >= {TARGET_RATE:g}/s sustained": report["events_per_s"] >= TARGET_RATE * 0.98
        and report["offered_events_per_s"] >= TARGET_RATE,
        f"p99 webhook <= {TARGET_P99_MS:g} ms": (report["webhook_ms"]["p99"] or 1e9) <= TARGET_P99_MS,
        "0 lost / 0 duplicated": replies.lost == 0 and replies.duplicated == 0,
        f"RSS per worker <= {TARGET_RSS_MB:g} MB": all(v <= TARGET_RSS_MB for v in report["memory_mb"]["worker_vm_hwm"]),
    }
    return report


def summary(r: dict) -> str:
    s, w, t, c, m = r["settings"], r["webhook_ms"], r["time_to_reply_ms"], r["cpu"], r["memory_mb"]
    mode = f"concurrency {s['concurrency']}" if s["concurrency"] else f"offered {r['offered_events_per_s']} events/s"
    if s["events"]:
        mode += f", {r['events']['measured']} events"
    lines = [
        f"{r['data']['entries']} FAQ entries ({r['data']['faq_vectors']}), {s['workers']} worker(s) x {s['threads']} "
        f"threads, {mode}, {s['duration']:g} s (+{s['warmup']:g} s warm-up); load average before {r['machine']['loadavg_before']}",
        f"  sustained: {r['events_per_s']} events/s; responses {r['events']['statuses']}",
        f"  webhook latency ms: p50 {w['p50']}  p95 {w['p95']}  p99 {w['p99']}  max {w['max']}",
        f"  time to reply ms:   p50 {t['p50']}  p95 {t['p95']}  p99 {t['p99']}  max {t['max']}",
        f"  CPU: bot {c['bot_cores']} cores ({c['bot_cpu_ms_per_event']} ms/event), stub {c['stub_cores']}, "
        f"load generator {c['load_generator_cores']}, other work {c['other_work_cores']}",
        f"  peak RSS per worker MB: {m['worker_vm_hwm']} (master {m['master_rss']})",
        f"  replies: lost {r['replies']['lost']}, duplicated {r['replies']['duplicated']}, "
        f"refused {r['replies']['rejected']}; database: {r['database']}",
        "  targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in r["targets"].items()),
    ]
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]}, help=__doc__)
@click.option("--entries", default=2000, show_default=True, type=click.IntRange(10), help="FAQ size")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16), help="gunicorn workers")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="threads per worker")
@click.option("--rate", default=50.0, show_default=True, type=click.FloatRange(0.1), help="events/s (open loop)")
@click.option("--concurrency", default=0, show_default=True, type=click.IntRange(0, 512),
              help="closed loop with this many senders instead of --rate")
@click.option("--duration", default=60.0, show_default=True, type=click.FloatRange(1), help="measured seconds")
@click.option("--events", type=click.IntRange(1), help="with --concurrency: measure this many events (--duration caps)")
@click.option("--warmup", default=5.0, show_default=True, type=click.FloatRange(0), help="seconds before measuring")
@click.option("--stand-in/--real-model", default=None,
              help="FAQ vectors from the hash stand-in (default: above 20,000 entries)")
@click.option("--faq-db", type=click.Path(dir_okay=False), help="prepared FAQ database")
@click.option("--index-dir", type=click.Path(file_okay=False, exists=True), help="prepared index for --faq-db")
@click.option("--smoke", is_flag=True, help="a few seconds at 20 events/s with 2 workers (CI)")
@click.option("--keep", is_flag=True, help="keep the run directory (logs, database)")
@click.option("--json", "as_json", is_flag=True, help="print the report as one JSON line")
def main(entries, workers, threads, rate, concurrency, duration, events, warmup, stand_in, faq_db, index_dir, smoke,
         keep, as_json):
    if bool(faq_db) != bool(index_dir):
        raise click.UsageError("--faq-db と --index-dir は一緒に指定してください / give both --faq-db and --index-dir")
    if events and not concurrency:
        raise click.UsageError("--events は --concurrency と一緒に指定してください / --events needs --concurrency")
    settings = LoadSettings(entries=entries, workers=workers, threads=threads, rate=rate, concurrency=concurrency,
                            events=events, duration=duration, warmup=warmup, stand_in=stand_in, faq_db=faq_db,
                            index_dir=index_dir, keep=keep)
    if smoke:
        settings.workers, settings.threads, settings.rate, settings.duration, settings.warmup = 2, 2, 20.0, 3.0, 1.0
        if not faq_db:
            settings.entries = 100
    say = (lambda msg: click.echo(msg, err=True)) if as_json else click.echo
    try:
        report = run_load(settings, log=say)
    except RuntimeError as exc:
        click.echo(f"負荷試験を実行できませんでした / load test failed to run: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(report, ensure_ascii=False) if as_json else summary(report))
    if not report["accounting_ok"]:
        click.echo("返信の欠落・重複・エラーがありました / lost, duplicated or failed events", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

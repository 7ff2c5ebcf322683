#!/usr/bin/env python
"""Load benchmark: the real bot under webhook traffic, every reply counted.

    python benchmarks/bench_load.py --entries 2000 --workers 2 --rate 50 --duration 60
    python benchmarks/bench_load.py --entries 2000 --workers 2 --concurrency 8 --duration 30   # capacity
    python benchmarks/bench_load.py --entries 2000 --workers 2 --concurrency 16 --events 600   # a burst
    python benchmarks/bench_load.py --smoke                                                      # CI, seconds
    python benchmarks/bench_load.py --hosts 2 --database-url postgresql://postgres@127.0.0.1:55432/postgres \
        --rate 50 --duration 30 --redeliver 0.05 --kill-host-at 15                               # several hosts

gunicorn serves ``wsgi:app`` on 127.0.0.1 (no OMP_* settings: the bot picks 1 embedder thread per worker
itself, see wsgi.py), the Messaging API stub runs in
its own process and receives the replies, and an asyncio/aiohttp client sends signed webhook bodies, one
text-message event each, with the resident queries of tests/data/dev_queries.jsonl from 2,000 users.

* ``--rate R`` (open loop): events arrive at R per second whatever the server does; latency is measured
  from each event's scheduled send time, so a server that falls behind shows its queue.
* ``--concurrency C`` (closed loop): C senders, each waiting for its answer; gives the capacity.

* ``--hosts N`` (multi-host): N app processes (gunicorn, ``--workers`` each) on their own ports stand for
  N hosts sharing one database: with ``--database-url`` a fresh PostgreSQL database created on that server
  for the run (the seed FAQ imported into it, dropped afterwards unless ``--keep``), else one SQLite file.
  The client sends round robin; like LINE, an event whose delivery failed is redelivered (``isRedelivery``)
  to the next host a second later, and ``--redeliver F`` redelivers a fraction of the others too.
  ``--kill-host-at S`` SIGKILLs the first host S seconds into the measurement. Answers are counted per
  event (a reply by its token or a push by the retry key derived from the event id); the run waits for
  the queue to drain (until every event is answered, 180 s at most, or no new answer for ``--quiet`` seconds,
  30 by default). ``--answer-mode`` (default: the bot's own choice, queue on PostgreSQL) and
  ``--answer-threads`` are passed to every host.

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
import signal
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
TARGET_QUEUE_WEBHOOK_P99_MS = 50.0   # queue mode: /callback only verifies and stores


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
    hosts: int = 0                # multi-host mode when >= 1 (0: the single gunicorn of the classic mode)
    database_url: str | None = None   # PostgreSQL server for multi-host mode (a database is created per run)
    answer_mode: str | None = None    # FAQBOT_ANSWER_MODE for every host (None: the bot's default)
    answer_threads: int = 2
    redeliver: float = 0.0        # fraction of delivered events LINE delivers again to another host
    kill_host_at: float | None = None  # SIGKILL the first host this many seconds into the measurement
    drain: float = 180.0          # at most this long after the last event for the last answers
    quiet: float = 30.0           # multi-host: stop waiting once no new answer came for this long


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


def _inputs(s: LoadSettings, log):
    """What every run sends: the FAQ data set, the questions, the residents and the channel secret."""
    if s.faq_db and s.index_dir:
        data = lk.DataSet(Path(s.faq_db), Path(s.index_dir), s.entries, bool(s.stand_in))
    else:
        data = lk.prepare_dataset(s.entries, stand_in=s.stand_in, log=log)
    queries = lk.load_queries()
    rng = random.Random(s.seed)
    users = ["U" + "%032x" % rng.getrandbits(128) for _ in range(s.users)]
    secret = "bench-" + uuid.uuid4().hex
    return data, queries, rng, users, secret


def run_load(s: LoadSettings, log=print) -> dict:
    data, queries, rng, users, secret = _inputs(s, log)
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


def _pg_database(server_url: str, keep: bool):
    """A fresh database on the PostgreSQL server of ``server_url``: (url, drop)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    parts = urlsplit(server_url)
    name = "benchload_" + uuid.uuid4().hex[:10]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")

    def drop():
        if not keep:
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return urlunsplit(parts._replace(path="/" + name)), drop


def _wait_for_answers(stub_url: str, sent: list, seconds: float, quiet: float, log) -> list[dict]:
    """The stub's accepted messages once every event is answered, or nothing new came for ``quiet``
    seconds, or ``seconds`` passed."""
    deadline, last_change, last_count = time.monotonic() + seconds, time.monotonic(), -1
    while True:
        messages = requests.get(f"{stub_url}/_stub/messages", timeout=120).json()["messages"]
        answered = lk.account_answers(sent, messages, []).lost == 0
        if answered or time.monotonic() > deadline or time.monotonic() - last_change > quiet:
            return messages
        if len(messages) != last_count:
            last_count, last_change = len(messages), time.monotonic()
        time.sleep(1.0)


def run_multihost(s: LoadSettings, log=print) -> dict:
    data, queries, rng, users, secret = _inputs(s, log)
    work = Path(tempfile.mkdtemp(prefix="bench-hosts-"))
    db_path = work / "faqbot.sqlite3"
    drop = None
    stub = None
    hosts: list = []
    try:
        if s.database_url:
            location, drop = _pg_database(s.database_url, s.keep)
        else:
            location = str(db_path)
        copy_faq(data.faq_db, location)
        stub, stub_url = lk.start_stub(work)
        env = lk.bot_env(db_path, data.index_dir, stub_url, secret, work)
        if s.database_url:
            env["FAQBOT_DATABASE_URL"] = location
        if s.answer_mode:
            env["FAQBOT_ANSWER_MODE"] = s.answer_mode
        env["FAQBOT_ANSWER_THREADS"] = str(s.answer_threads)
        started = time.monotonic()
        for i in range(s.hosts):
            hosts.append(lk.start_bot(env, work, s.workers, s.threads, name=f"host-{i}"))
        for server, url in hosts:
            lk.warm_workers(server, url, s.workers)
        startup_s = time.monotonic() - started
        urls = [url for _, url in hosts]
        killed = {}

        cpu_at_kill: dict[int, float] = {}

        def kill_first_host(elapsed: float) -> None:
            if s.kill_host_at is not None and not killed and elapsed >= s.kill_host_at:
                victim = hosts[0][0].pid
                cpu_at_kill.update({p: lk.cpu_seconds(p) for p in [victim] + lk.children(victim)})
                os.killpg(victim, signal.SIGKILL)
                killed["at"] = round(elapsed, 1)

        def send(seconds, phase, redeliver, on_tick=None):
            return asyncio.run(lk.multi_host_loop(urls, secret, queries, users, rng, rate=s.rate, seconds=seconds,
                                                  phase=phase, timeout=s.timeout, max_connections=s.max_connections,
                                                  redeliver=redeliver, on_tick=on_tick))

        sent = send(s.warmup, "warmup", 0.0) if s.warmup > 0 else []
        _wait_for_answers(stub_url, sent, s.drain, s.quiet, log)
        pids = [p for server, _ in hosts for p in [server.pid] + lk.children(server.pid)]
        cpu0 = {p: lk.cpu_seconds(p) for p in pids}
        load_before = lk.loadavg()
        wall0 = time.monotonic()
        measured = send(s.duration, "measure", s.redeliver, kill_first_host)
        send_wall = time.monotonic() - wall0
        messages = _wait_for_answers(stub_url, measured, s.drain, s.quiet, log)
        bot_cpu = sum(cpu_at_kill.get(p, lk.cpu_seconds(p)) - cpu0[p] for p in pids)
        load_after = lk.loadavg()
        stub_requests = requests.get(f"{stub_url}/_stub/requests", timeout=120).json()["requests"]
        answers = lk.account_answers(measured, messages, stub_requests)
        stored = lk.account_database(location, sent + measured)
        log_errors = sum(1 for server, _ in hosts for line in server.log_path.read_text(errors="replace").splitlines()
                         if " ERROR " in line or "Traceback" in line)
    finally:
        for server, _ in hosts:
            server.stop()
        if stub is not None:
            stub.stop()
        if drop is not None:
            drop()
        if not s.keep:
            shutil.rmtree(work, ignore_errors=True)

    first = [m for m in measured if m.status == 200]
    latencies = [(m.done - m.scheduled) * 1000 for m in first]
    to_answer = [(answers.answer_wall[m.event_id] - m.scheduled_wall) * 1000 for m in measured
                 if m.event_id in answers.answer_wall]
    walls = [answers.answer_wall[m.event_id] for m in measured if m.event_id in answers.answer_wall]
    span = (max(walls) - min(m.scheduled_wall for m in measured)) if walls else 0.0
    statuses: dict[str, int] = {}
    for m in measured:
        key = str(m.status) if m.status else (m.error or "no response")
        statuses[key] = statuses.get(key, 0) + 1
    redeliveries: dict[str, int] = {}
    for m in measured:
        if m.redelivered:
            redeliveries[m.redelivery_status] = redeliveries.get(m.redelivery_status, 0) + 1
    report = {
        "mode": "multi-host",
        "settings": asdict(s) | {"database_url": "PostgreSQL (a database per run)" if s.database_url else None},
        "backend": "postgresql" if s.database_url else "sqlite",
        "data": {"entries": data.entries, "faq_vectors": "HashEmbedder stand-in" if data.stand_in else "real model"},
        "machine": {"cores": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after},
        "startup_s": round(startup_s, 1),
        "killed_host_at_s": killed.get("at"),
        "events": {"measured": len(measured), "first_delivery": statuses, "redelivered": redeliveries},
        "offered_events_per_s": round(len(measured) / send_wall, 1),
        "answers_per_s": round(len(walls) / span, 1) if span > 0 else None,
        "webhook_ms": lk.percentiles(latencies),
        "time_to_answer_ms": lk.percentiles(to_answer),
        "bot_cpu_ms_per_event": round(1000 * bot_cpu / max(len(measured), 1), 1),
        "answers": {k: v for k, v in asdict(answers).items() if k != "answer_wall"},
        "database": stored,
        "log_errors": log_errors,
    }
    report["accounting_ok"] = answers.lost == 0 and answers.duplicated == 0
    report["targets"] = {
        f"p99 webhook <= {TARGET_QUEUE_WEBHOOK_P99_MS:g} ms": (report["webhook_ms"]["p99"] or 1e9)
        <= TARGET_QUEUE_WEBHOOK_P99_MS,
        "0 lost / 0 duplicated": report["accounting_ok"],
    }
    return report


def multihost_summary(r: dict) -> str:
    s, w, t, a = r["settings"], r["webhook_ms"], r["time_to_answer_ms"], r["answers"]
    kill = f", host 0 killed at {r['killed_host_at_s']} s" if r["killed_host_at_s"] is not None else ""
    return "\n".join([
        f"{r['data']['entries']} FAQ entries, {s['hosts']} host(s) x {s['workers']} worker(s) x {s['answer_threads']} "
        f"answering threads, {r['backend']}, answer mode {s['answer_mode'] or 'default'}, offered "
        f"{r['offered_events_per_s']} events/s for {s['duration']:g} s, redeliver {s['redeliver']:g}{kill}; "
        f"load average before {r['machine']['loadavg_before']}",
        f"  first deliveries {r['events']['first_delivery']}; redeliveries {r['events']['redelivered']}",
        f"  webhook latency ms: p50 {w['p50']}  p95 {w['p95']}  p99 {w['p99']}  max {w['max']}",
        f"  time to answer ms:  p50 {t['p50']}  p95 {t['p95']}  p99 {t['p99']}  max {t['max']}",
        f"  answered {r['answers_per_s']} events/s; bot CPU {r['bot_cpu_ms_per_event']} ms/event",
        f"  answers: lost {a['lost']}, duplicated {a['duplicated']} (replies {a['replies']}, pushes {a['pushes']}, "
        f"refused replies {a['rejected']}); database: {r['database']}",
        "  targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in r["targets"].items()),
    ])


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
@click.option("--hosts", default=0, type=click.IntRange(0, 8),
              help="multi-host mode: this many app processes sharing one database")
@click.option("--database-url", help="multi-host: a PostgreSQL server URL (a database is created for the run)")
@click.option("--answer-mode", type=click.Choice(["inline", "queue"]), help="multi-host: FAQBOT_ANSWER_MODE")
@click.option("--answer-threads", default=2, show_default=True, type=click.IntRange(0, 32),
              help="multi-host: FAQBOT_ANSWER_THREADS")
@click.option("--redeliver", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="multi-host: fraction of events LINE delivers again to another host")
@click.option("--kill-host-at", type=click.FloatRange(0), help="multi-host: SIGKILL the first host after S seconds")
@click.option("--quiet", default=30.0, show_default=True, type=click.FloatRange(1),
              help="multi-host: stop waiting for the last answers once none came for this many seconds "
                   "(at most 180 s after the last event)")
def main(entries, workers, threads, rate, concurrency, duration, events, warmup, stand_in, faq_db, index_dir, smoke,
         keep, as_json, hosts, database_url, answer_mode, answer_threads, redeliver, kill_host_at, quiet):
    if bool(faq_db) != bool(index_dir):
        raise click.UsageError("--faq-db と --index-dir は一緒に指定してください / give both --faq-db and --index-dir")
    if events and not concurrency:
        raise click.UsageError("--events は --concurrency と一緒に指定してください / --events needs --concurrency")
    if (database_url or answer_mode or kill_host_at is not None or redeliver or quiet != 30.0) and not hosts:
        raise click.UsageError("--database-url / --answer-mode / --redeliver / --kill-host-at / --quiet は --hosts と一緒に"
                               "指定してください / these options need --hosts")
    if hosts and concurrency:
        raise click.UsageError("--hosts は --rate で使います / --hosts runs with --rate, not --concurrency")
    settings = LoadSettings(entries=entries, workers=workers, threads=threads, rate=rate, concurrency=concurrency,
                            events=events, duration=duration, warmup=warmup, stand_in=stand_in, faq_db=faq_db,
                            index_dir=index_dir, keep=keep, hosts=hosts, database_url=database_url,
                            answer_mode=answer_mode, answer_threads=answer_threads, redeliver=redeliver,
                            kill_host_at=kill_host_at, quiet=quiet)
    if smoke:
        settings.workers, settings.threads, settings.rate, settings.duration, settings.warmup = 2, 2, 20.0, 3.0, 1.0
        if not faq_db:
            settings.entries = 100
    say = (lambda msg: click.echo(msg, err=True)) if as_json else click.echo
    try:
        report = run_multihost(settings, log=say) if hosts else run_load(settings, log=say)
    except RuntimeError as exc:
        click.echo(f"負荷試験を実行できませんでした / load test failed to run: {exc}", err=True)
        sys.exit(1)
    show = multihost_summary if hosts else summary
    click.echo(json.dumps(report, ensure_ascii=False) if as_json else show(report))
    if not report["accounting_ok"]:
        click.echo("返信の欠落・重複・エラーがありました / lost, duplicated or failed events", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

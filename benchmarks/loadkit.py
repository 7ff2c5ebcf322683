"""Pieces of the load benchmark (benchmarks/bench_load.py): data set, load generator, accounting
(the servers are bot/emulator/loadkit.py, shared with the fault tests).

Everything is real: gunicorn serving ``wsgi:app``, the Messaging API stub (``python -m bot.emulator.stub``,
spec-validated) in its own process, and an asyncio/aiohttp client sending signed webhook bodies.
CPU and memory are read from /proc (Linux).
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
import numpy as np

from bot.emulator import signed_events as wh
from bot.emulator.loadkit import (  # noqa: F401 - the servers, used by bench_load.py through this module
    REPLY_PATH,
    ROOT,
    bot_env,
    start_bot,
    start_stub,
    warm_workers,
)
from bot.line.handler import push_retry_key
from faq.db import dialect, open_db, table_names

DATA_DIR = ROOT / "var" / "bench-load"
STAND_IN_ABOVE = 20_000          # above this many entries the FAQ side is embedded by HashEmbedder
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ data set
@dataclass(frozen=True)
class DataSet:
    faq_db: Path        # pristine FAQ database (copied for each run: the bot writes into it)
    index_dir: Path
    entries: int
    stand_in: bool      # FAQ vectors from HashEmbedder (queries still use the real model)


def prepare_dataset(entries: int, *, stand_in: bool | None = None, rebuild: bool = False,
                    log=print) -> DataSet:
    """The scaled FAQ (benchmarks/bench_search.py ``scaled_faq``) in a database and a built index,
    kept under var/bench-load/ between runs."""
    from bench_search import HashEmbedder, scaled_faq

    from faq.store import FaqStore
    from index.build import build_index
    from index.cache import EmbeddingCache
    from index.embedders import BundledE5Embedder
    from index.search import Searcher

    stand_in = entries > STAND_IN_ABOVE if stand_in is None else stand_in
    home = DATA_DIR / f"{entries}{'-standin' if stand_in else ''}"
    faq_db, index_dir, marker = home / "faq.sqlite3", home / "index", home / "ready.json"
    real = BundledE5Embedder()
    if marker.exists() and not rebuild:
        try:
            Searcher(index_dir, lambda: HashEmbedder(real) if stand_in else real).check()
            return DataSet(faq_db, index_dir, entries, stand_in)
        except Exception as exc:  # noqa: BLE001 - an index from older code: build it again
            log(f"prepared index unusable ({exc}); rebuilding")
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    faqs = scaled_faq(entries)
    store = FaqStore.open(faq_db)
    try:
        store.import_entries(faqs, actor="bench-load")
    finally:
        store.close()
    log(f"building the {entries}-entry index ({'stand-in FAQ vectors' if stand_in else 'real model'}) ...")
    started = time.perf_counter()
    if stand_in:
        report = build_index(faqs, index_dir, HashEmbedder(real), None)
    else:
        cache = EmbeddingCache(ROOT / "var" / "bench-cache.sqlite3")
        try:
            report = build_index(faqs, index_dir, real, cache)
        finally:
            cache.close()
    marker.write_text(json.dumps({"entries": report.n_entries, "vectors": report.n_vectors,
                                  "index": report.index_kind, "stand_in": stand_in,
                                  "build_s": round(time.perf_counter() - started, 1)}), encoding="utf-8")
    return DataSet(faq_db, index_dir, entries, stand_in)


def load_queries() -> list[str]:
    with open(ROOT / "tests" / "data" / "dev_queries.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


# ------------------------------------------------------------------ /proc
def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of one process (0 when it is gone)."""
    try:
        f = _stat_fields(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(f[11]) + int(f[12])) / CLOCK_TICKS


def status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat_fields(int(entry))[1]) == pid:
                    out.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    return sorted(out)


def machine_busy_seconds() -> float:
    """CPU seconds spent non-idle by the whole machine so far (all cores)."""
    with open("/proc/stat", encoding="ascii") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return (sum(parts[:8]) - idle) / CLOCK_TICKS


def loadavg() -> str:
    with open("/proc/loadavg", encoding="ascii") as fh:
        return " ".join(fh.read().split()[:3])


# ------------------------------------------------------------------ load
@dataclass
class Sent:
    event_id: str
    reply_token: str
    phase: str            # warmup | measure
    scheduled: float      # monotonic
    scheduled_wall: float
    done: float = 0.0
    status: int = 0
    error: str = ""
    host: int = 0                 # multi-host: the host the first delivery went to
    redelivered: int = 0          # multi-host: deliveries again to another host (LINE's redelivery)
    redelivery_status: str = ""   # the last redelivery's status (or error)


def make_event(queries: list[str], users: list[str], rng: random.Random) -> dict:
    return wh.text_event(wh.user_source(rng.choice(users)), rng.choice(queries))


async def _post(session: aiohttp.ClientSession, url: str, secret: str, event: dict, record: Sent,
                timeout: float) -> None:
    body = wh.encode_body(wh.callback_body([event]))
    headers = {"X-Line-Signature": wh.sign(body, secret), "Content-Type": "application/json; charset=utf-8"}
    try:
        async with session.post(f"{url}/callback", data=body, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.read()
            record.status = response.status
    except Exception as exc:  # noqa: BLE001 - counted and reported, never fatal
        record.error = type(exc).__name__
    record.done = time.monotonic()


async def _arrivals(start: float, rate: float, seconds: float):
    """(i, scheduled time) of each event at a fixed arrival rate, sleeping until it is due."""
    for i in range(int(round(rate * seconds))):
        at = start + i / rate
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        yield i, at


async def open_loop(url: str, secret: str, queries: list[str], users: list[str], rng: random.Random, *,
                    rate: float, seconds: float, phase: str, timeout: float, max_connections: int) -> list[Sent]:
    """Events at a fixed arrival rate (latency measured from the scheduled time, so a slow server
    cannot hide its queue by slowing the sender)."""
    sent: list[Sent] = []
    tasks = []
    connector = aiohttp.TCPConnector(limit=max_connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        async for i, at in _arrivals(start, rate, seconds):
            event = make_event(queries, users, rng)
            record = Sent(event["webhookEventId"], event["replyToken"], phase, at, time.time() - (time.monotonic() - at))
            sent.append(record)
            tasks.append(asyncio.create_task(_post(session, url, secret, event, record, timeout)))
        await asyncio.gather(*tasks)
    return sent


async def closed_loop(url: str, secret: str, queries: list[str], users: list[str], rng: random.Random, *,
                      concurrency: int, seconds: float, phase: str, timeout: float,
                      events: int | None = None) -> list[Sent]:
    """`concurrency` senders, each sending its next event when the previous one is answered (capacity);
    for `seconds`, or until `events` have been sent."""
    sent: list[Sent] = []
    stop = time.monotonic() + seconds

    async def sender(session):
        while time.monotonic() < stop and (events is None or len(sent) < events):
            event = make_event(queries, users, rng)
            record = Sent(event["webhookEventId"], event["replyToken"], phase, time.monotonic(), time.time())
            sent.append(record)
            await _post(session, url, secret, event, record, timeout)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
    return sent


async def _deliver(session: aiohttp.ClientSession, url: str, secret: str, event: dict,
                   timeout: float) -> str:
    """One POST of the event; its status as text ("200") or the error's name."""
    body = wh.encode_body(wh.callback_body([event]))
    headers = {"X-Line-Signature": wh.sign(body, secret), "Content-Type": "application/json; charset=utf-8"}
    try:
        async with session.post(f"{url}/callback", data=body, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.read()
            return str(response.status)
    except Exception as exc:  # noqa: BLE001 - counted and reported, never fatal
        return type(exc).__name__


async def multi_host_loop(urls: list[str], secret: str, queries: list[str], users: list[str], rng: random.Random,
                          *, rate: float, seconds: float, phase: str, timeout: float, max_connections: int,
                          redeliver: float, redelivery_delay: float = 1.0, on_tick=None) -> list[Sent]:
    """Open loop over several hosts, round robin (as a load balancer would). Like LINE, an event whose
    delivery failed (no 200) is delivered again, with ``isRedelivery``, to the next host after
    ``redelivery_delay``; a fraction ``redeliver`` of the others is redelivered too (LINE redelivers
    when our response was slow). ``on_tick(elapsed)`` is called before each send (the host kill)."""
    sent: list[Sent] = []
    tasks = []

    async def one(session, i: int, event: dict, record: Sent, again: bool) -> None:
        status = await _deliver(session, urls[record.host], secret, event, timeout)
        record.done = time.monotonic()
        if status.isdigit():
            record.status = int(status)
        else:
            record.error = status
        if status != "200" or again:
            await asyncio.sleep(redelivery_delay)
            repeat = dict(event, deliveryContext={"isRedelivery": True})
            record.redelivered += 1
            record.redelivery_status = await _deliver(session, urls[(record.host + 1) % len(urls)], secret,
                                                      repeat, timeout)

    connector = aiohttp.TCPConnector(limit=max_connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        async for i, at in _arrivals(start, rate, seconds):
            if on_tick is not None:
                on_tick(time.monotonic() - start)
            event = make_event(queries, users, rng)
            record = Sent(event["webhookEventId"], event["replyToken"], phase, at,
                          time.time() - (time.monotonic() - at), host=i % len(urls))
            sent.append(record)
            tasks.append(asyncio.create_task(one(session, i, event, record, rng.random() < redeliver)))
        await asyncio.gather(*tasks)
    return sent


@dataclass
class AnswerAccount:
    """Per event, the accepted Messaging API requests (a reply by its token or a push by its retry key)."""
    lost: int
    duplicated: int
    replies: int
    pushes: int
    rejected: int             # reply requests the stub refused (token used twice …)
    answer_wall: dict = field(default_factory=dict)   # event id -> wall time of the first accepted answer


def account_answers(sent: list[Sent], stub_messages: list[dict], stub_requests: list[dict]) -> AnswerAccount:
    by_token = {s.reply_token: s.event_id for s in sent}
    by_key = {push_retry_key(s.event_id): s.event_id for s in sent}
    requests_of: dict[str, set] = {}
    first: dict[str, float] = {}
    replies = pushes = 0
    seen_requests = set()
    for m in stub_messages:
        event_id = by_token.get(m.get("replyToken")) or by_key.get(m.get("retryKey"))
        if event_id is None or m["requestId"] in seen_requests:
            continue
        seen_requests.add(m["requestId"])
        requests_of.setdefault(event_id, set()).add(m["requestId"])
        replies += m["kind"] == "reply"
        pushes += m["kind"] == "push"
        first.setdefault(event_id, datetime.fromisoformat(m["receivedAt"]).timestamp())
    rejected = sum(1 for r in stub_requests if r["path"] == REPLY_PATH and r["status"] == 400
                   and r.get("note") != "injected fault")
    return AnswerAccount(lost=sum(1 for s in sent if s.event_id not in first),
                         duplicated=sum(1 for ids in requests_of.values() if len(ids) > 1),
                         replies=replies, pushes=pushes, rejected=rejected, answer_wall=first)


# ------------------------------------------------------------------ accounting
@dataclass
class ReplyAccount:
    lost: int                 # sent events whose reply never reached the stub
    duplicated: int           # events with more than one reply request at the stub
    accepted: int             # reply requests the stub accepted
    rejected: int             # reply requests the stub refused (spec, token reused ...)
    unknown_tokens: int       # replies to tokens we never sent
    reply_wall: dict = field(default_factory=dict)   # reply token -> wall time of the first reply


def account_replies(sent: list[Sent], stub_requests: list[dict]) -> ReplyAccount:
    tokens = {s.reply_token for s in sent}
    per_token: dict[str, int] = {}
    accepted = rejected = unknown = 0
    first: dict[str, float] = {}
    for r in stub_requests:
        if r["path"] != REPLY_PATH or r.get("note") == "injected fault":
            continue
        token = (r.get("body") or {}).get("replyToken")
        if token not in tokens:
            unknown += 1
            continue
        per_token[token] = per_token.get(token, 0) + 1
        if r["status"] == 200:
            accepted += 1
            first.setdefault(token, datetime.fromisoformat(r["receivedAt"]).timestamp())
        else:
            rejected += 1
    lost = sum(1 for s in sent if s.reply_token not in first)
    duplicated = sum(1 for n in per_token.values() if n > 1)
    return ReplyAccount(lost, duplicated, accepted, rejected, unknown, first)


def account_database(db, sent: list[Sent]) -> dict:
    """Exchanges and idempotency rows the bot stored for the sent events (``db``: a SQLite path or a
    PostgreSQL URL)."""
    conn = open_db(db)
    try:
        ids = {s.event_id for s in sent}
        exchanges = {}
        for event_id, n in conn.execute("SELECT event_id, count(*) FROM bot_exchanges GROUP BY event_id").fetchall():
            if event_id in ids:
                exchanges[event_id] = n
        states = dict(conn.execute("SELECT event_id, state FROM bot_processed_events").fetchall())
        degraded = conn.execute("SELECT count(*) FROM bot_exchanges WHERE degraded = 1").fetchone()[0]
        decisions = dict(conn.execute("SELECT decision, count(*) FROM bot_exchanges GROUP BY decision").fetchall())
        queue = {}
        if "bot_event_queue" in table_names(conn):
            queue = dict(conn.execute("SELECT state, count(*) FROM bot_event_queue GROUP BY state").fetchall())
        # SQLite's own check; a PostgreSQL server keeps its files consistent itself
        integrity = conn.execute("PRAGMA quick_check").fetchone()[0] if dialect(conn) == "sqlite" else "ok"
    finally:
        conn.conn.close()
    return {"missing_exchanges": sum(1 for i in ids if i not in exchanges),
            "extra_exchanges": sum(n - 1 for n in exchanges.values() if n > 1),
            "not_done": sum(1 for i in ids if states.get(i) != "done"),
            "degraded": degraded, "decisions": decisions, "queue": queue, "integrity": integrity}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 1), "p95": round(float(np.percentile(arr, 95)), 1),
            "p99": round(float(np.percentile(arr, 99)), 1), "max": round(float(arr.max()), 1)}

"""Answering modes and the answering workers.

* ``inline``: /callback answers each event inside the request (``EventHandler.handle``).
* ``queue``: /callback stores each event in the answer queue (bot/line/queue.py) and returns 200 at
  once; :class:`AnswerWorkers` (``FAQBOT_ANSWER_THREADS`` threads in every app process) take the events
  and answer them through the same ``EventHandler`` (``answer_queued``). A local enqueue wakes a
  thread at once; otherwise the threads poll, which is how an event stored by another process (or
  left by a killed one) is found. One heartbeat thread per process renews the leases of the events
  its threads hold.

Threads do not survive ``fork``: the workers belong to the process that started them, and
:meth:`AnswerWorkers.ensure_running` (run in a forked child and on every enqueue) starts them again
there (gunicorn ``--preload``); without ``--preload`` each gunicorn worker creates its own app and workers.
"""
from __future__ import annotations

import atexit
import logging
import os
import socket
import threading

from bot.line.events import OK, ParsedEvent, parse_event
from bot.line.handler import EventHandler
from bot.line.queue import HEARTBEAT_SECONDS, EventQueue, QueuedEvent

log = logging.getLogger(__name__)

INLINE, QUEUE = "inline", "queue"
POLL_SECONDS = 0.5
DEFAULT_THREADS = 1


def choose_mode(configured: str, database_dialect: str) -> str:
    """``FAQBOT_ANSWER_MODE`` when set; else ``queue`` on PostgreSQL (several hosts share it) and
    ``inline`` on SQLite (one host)."""
    if configured:
        return configured
    return QUEUE if database_dialect == "postgresql" else INLINE


class AnswerWorkers:
    def __init__(self, queue: EventQueue, handler: EventHandler, threads: int = DEFAULT_THREADS, *,
                 poll_seconds: float = POLL_SECONDS, heartbeat_seconds: float = HEARTBEAT_SECONDS):
        self.queue = queue
        self.handler = handler
        self.threads = threads
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self._held: dict[int, str] = {}       # queue row id -> worker name, for the heartbeat
        self._held_lock = threading.Lock()
        self._wake = threading.Event()        # set by a local enqueue
        self._stop = threading.Event()
        self._pid: int | None = None
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._hooks_registered = False

    # -- the webhook's side ----------------------------------------------
    def submit(self, item: ParsedEvent) -> None:
        """Store one parsed event for the workers; if it cannot be stored, answer it here and now."""
        if getattr(item.event, "mode", "active") == "standby":
            log.info("event %s ignored: channel in standby mode", item.event_id)
            return
        self.ensure_running()
        try:
            stored = self.queue.enqueue(item.raw)
        except Exception:  # noqa: BLE001 - a database problem must not lose the answer
            log.exception("could not store event %s in the answer queue; answering it inline", item.event_id)
            self.handler.handle(item.event)
            return
        if stored:
            self._wake.set()
        else:
            log.info("event %s already stored or answered: not stored again", item.event_id)

    # -- life cycle --------------------------------------------------------
    def ensure_running(self) -> None:
        """Start the threads in this process (again after a fork); no-op when already running."""
        if self.threads <= 0 or self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            with self._held_lock:
                self._held = {}  # a parent's held events are its own (its lease runs out if it dies)
            prefix = f"{socket.gethostname()}:{self._pid}"
            self._threads = [threading.Thread(target=self._loop, args=(f"{prefix}:{n}",), daemon=True,
                                              name=f"answer-{n}") for n in range(self.threads)]
            self._threads.append(threading.Thread(target=self._heartbeat, daemon=True, name="answer-heartbeat"))
            for thread in self._threads:
                thread.start()
            if not self._hooks_registered:
                atexit.register(self.stop)
                os.register_at_fork(after_in_child=self._after_fork)  # gunicorn --preload: each worker
                self._hooks_registered = True
            log.info("answer queue: %d answering thread(s) started in process %d", self.threads, self._pid)

    def _after_fork(self) -> None:
        if self._pid is None:  # stopped in the parent: nothing to carry on
            return
        # another thread of the parent may have held these at the fork: fresh ones for the child
        self._start_lock, self._held_lock, self._wake = threading.Lock(), threading.Lock(), threading.Event()
        self.ensure_running()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking events and wait for the answers in progress (their leases run out otherwise)."""
        if self._pid != os.getpid():
            return
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        log.info("answer queue: answering threads stopped in process %d", self._pid)
        self._pid = None

    # -- the workers ---------------------------------------------------------
    def run_once(self, worker: str) -> bool:
        """Take one event and answer it; False when there was none."""
        item = self.queue.take(worker)
        if item is None:
            return False
        with self._held_lock:
            self._held[item.id] = worker
        try:
            self._answer(item, worker)
        except Exception as exc:  # noqa: BLE001 - the event is tried again (attempts are bounded)
            log.exception("event %s: answering failed (attempt %d)", item.event_id, item.attempts)
            self.queue.release(item, worker, type(exc).__name__)
        finally:
            with self._held_lock:
                self._held.pop(item.id, None)
        return True

    def _answer(self, item: QueuedEvent, worker: str) -> None:
        parsed = parse_event(item.payload)
        if parsed.status != OK:
            log.error("event %s: the stored event cannot be read; marked failed", item.event_id)
            self.queue.finish(item, worker, failed=True, error="unreadable")
            return
        fresh = self.queue.reply_fresh(item)
        if item.exhausted:
            log.error("event %s failed %d times; only the apology is sent and the event is marked failed",
                      item.event_id, item.attempts - 1)
            self.handler.answer_queued(parsed.event, reply_fresh=fresh, apology_only=True, retaken=True)
            self.queue.finish(item, worker, failed=True, error="attempts exhausted")
            return
        self.handler.answer_queued(parsed.event, reply_fresh=fresh, retaken=item.attempts > 1)
        self.queue.finish(item, worker)

    def _loop(self, worker: str) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once(worker):
                    continue
            except Exception:  # noqa: BLE001 - e.g. the database is unavailable: try again later
                log.exception("answer worker %s: could not take an event", worker)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            with self._held_lock:
                held = dict(self._held)
            try:
                self.queue.heartbeat(held)
            except Exception:  # noqa: BLE001 - the next beat tries again (the lease is several beats long)
                log.exception("answer queue: could not renew the leases")

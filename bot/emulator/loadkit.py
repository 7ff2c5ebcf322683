"""Real processes on loopback for tests and the load benchmark: gunicorn serving ``wsgi:app``, the
Messaging API stub (``python -m bot.emulator.stub``, spec-validated) and a client sending signed webhooks.

Development only, like the rest of the emulator (needs the test dependencies: requests)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.emulator import signed_events as wh
from faq.db import PROJECT_ROOT

ROOT = PROJECT_ROOT               # gunicorn imports wsgi.py from here
REPLY_PATH = "/v2/bot/message/reply"
# the bot picks its own embedder threads (wsgi.py); an inherited setting would hide that choice
THREAD_SETTINGS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


# ------------------------------------------------------------------ servers
def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A subprocess in its own process group with its output in a file."""

    def __init__(self, name: str, argv: list[str], env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_ready(self, url: str, ok, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            try:
                response = requests.get(url, timeout=60)
                if ok(response):
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.2)

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def start_stub(work: Path) -> tuple[Server, str]:
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = Server("LINE API stub", [sys.executable, "-m", "bot.emulator.stub", "--port", str(port)],
                    env, work / "stub.log")
    url = f"http://127.0.0.1:{port}"
    server.wait_ready(f"{url}/_stub/messages?after=0", lambda r: r.status_code == 200, 60)
    return server, url


def bot_env(db: Path, index_dir: Path, stub_url: str, secret: str, work: Path) -> dict:
    env = dict(os.environ, FAQBOT_ENV="development", FAQBOT_DB=str(db), FAQBOT_INDEX_DIR=str(index_dir),
               FAQBOT_EMBED_CACHE=str(work / "cache.sqlite3"), LINE_CHANNEL_SECRET=secret,
               LINE_CHANNEL_ACCESS_TOKEN="bench-access-token", LINE_API_ENDPOINT=stub_url,
               FAQBOT_USER_HASH_SALT="bench-load-salt-0123456789abcdef",
               PYTHONUNBUFFERED="1")
    for name in ("FAQBOT_EMBEDDER", *THREAD_SETTINGS):
        env.pop(name, None)
    return env


def start_bot(env: dict, work: Path, workers: int, threads: int, timeout: float = 600,
              name: str = "gunicorn") -> tuple[Server, str]:
    """gunicorn serving ``wsgi:app``; ``name`` names its log file (several hosts in one directory)."""
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "--workers", str(workers),
            "--threads", str(threads), "--timeout", "300", "--graceful-timeout", "10",
            "--backlog", "2048", "--no-control-socket", "wsgi:app"]
    server = Server(name, argv, env, work / f"{name}.log")
    url = f"http://127.0.0.1:{port}"
    server.wait_ready(f"{url}/healthz", lambda r: r.status_code == 200 and r.json()["status"] == "ok", timeout)
    return server, url


def warm_workers(server: Server, url: str, workers: int, timeout: float = 900) -> None:
    """Until every worker has loaded the index and the model (lazy, on first use)."""
    deadline = time.monotonic() + timeout
    while server.log_path.read_text(errors="replace").count("search index loaded") < workers:
        if time.monotonic() > deadline or server.proc.poll() is not None:
            raise RuntimeError(f"workers did not load the index:\n{server.tail()}")
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=4 * workers) as pool:
            list(pool.map(lambda _: requests.get(f"{url}/healthz", timeout=600), range(4 * workers)))
        time.sleep(0.5)


class LiveBot:
    """The stub and gunicorn (``wsgi:app``) as subprocesses on loopback ports, for tests that need real
    processes: several workers sharing one SQLite file, kill -9, restarts."""

    def __init__(self, work: Path, db: Path, index_dir: Path, *, workers: int = 2, threads: int = 4,
                 env: dict | None = None):
        self.work, self.db, self.index_dir = Path(work), Path(db), Path(index_dir)
        self.workers, self.threads = workers, threads
        self.secret = "live-" + os.urandom(8).hex()
        self.stub, self.stub_url = start_stub(self.work)
        self.env = dict(bot_env(self.db, self.index_dir, self.stub_url, self.secret, self.work), **(env or {}))
        self.bot: Server | None = None
        self.url = ""
        self.start()

    def start(self) -> None:
        self.bot, self.url = start_bot(self.env, self.work, self.workers, self.threads, timeout=300)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (a crash, not a graceful stop)."""
        os.killpg(self.bot.pid, signal.SIGKILL)
        self.bot.proc.wait(timeout=30)
        self.bot._log.close()

    def log(self) -> str:
        return self.bot.log_path.read_text(errors="replace")

    def post(self, body: dict | bytes, timeout: float = 60) -> requests.Response:
        raw = body if isinstance(body, bytes) else wh.encode_body(body)
        return requests.post(f"{self.url}/callback", data=raw, timeout=timeout,
                             headers={"X-Line-Signature": wh.sign(raw, self.secret),
                                      "Content-Type": "application/json; charset=utf-8"})

    def send(self, event: dict, timeout: float = 60) -> requests.Response:
        return self.post(wh.callback_body([event]), timeout)

    def stub_requests(self) -> list[dict]:
        return requests.get(f"{self.stub_url}/_stub/requests", timeout=60).json()["requests"]

    def reply_requests(self, token: str) -> list[dict]:
        """Reply requests that reached the stub for one reply token (accepted or refused)."""
        return [r for r in self.stub_requests() if r["path"] == REPLY_PATH and r.get("note") != "injected fault"
                and isinstance(r.get("body"), dict) and r["body"].get("replyToken") == token]

    def reply_texts(self, token: str) -> str:
        return "\n".join(m.get("text", "") for r in self.reply_requests(token) if r["status"] == 200
                         for m in r["body"]["messages"])

    def inject_faults(self, faults: list) -> None:
        requests.post(f"{self.stub_url}/_stub/faults", json={"faults": faults}, timeout=10).raise_for_status()

    def close(self) -> None:
        for server in (self.bot, self.stub):
            if server is not None:
                server.stop()

"""The answer queue across real processes: two gunicorn "hosts" (1 worker × 2 answering threads each, queue
mode) sharing one database, the Messaging API stub in its own process (bot/emulator/loadkit.py), signed
webhook bodies over loopback HTTP. The host answering an event is killed with SIGKILL while its request to
LINE hangs at the stub (a "timeout" fault); the other host takes the event once the lease has run out and
answers it: a reply while the token is fresh, else a push with the retry key derived from the
webhookEventId; exactly one message reaches the resident either way."""
from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
import requests
from conftest import seed_database
from line_testkit import rows

from bot.emulator import signed_events as wh
from bot.emulator.loadkit import Server, bot_env, start_bot, start_stub, warm_workers

QUESTION = "罹災証明書はどうやって申請しますか？"
WAIT_SECONDS = 120  # a generous cap for a busy machine; no test asserts a duration


def parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None


class Hosts:
    """Two app processes ("a", "b") standing for two hosts, one stub, one database."""

    def __init__(self, work, db, index_dir):
        self.work, self.db = work, db
        self.secret = "hosts-" + uuid.uuid4().hex
        self.stub, self.stub_url = start_stub(work)
        self.env = dict(bot_env(db, index_dir, self.stub_url, self.secret, work), FAQBOT_ANSWER_MODE="queue",
                        FAQBOT_ANSWER_THREADS="2")
        self.servers: dict[str, tuple[Server, str]] = {}

    def ensure_running(self) -> None:
        for name in ("a", "b"):
            server = self.servers.get(name)
            if server is None or server[0].proc.poll() is not None:
                started = start_bot(self.env, self.work, 1, 4, timeout=300, name=f"host-{name}")
                warm_workers(started[0], started[1], 1)
                self.servers[name] = started

    def owner(self, worker_pid: int) -> str:
        return next(name for name, (server, _) in self.servers.items() if parent_pid(worker_pid) == server.pid)

    def kill(self, name: str) -> None:
        server = self.servers[name][0]
        os.killpg(server.pid, signal.SIGKILL)
        server.proc.wait(timeout=30)
        server._log.close()

    def send(self, name: str, event: dict) -> requests.Response:
        requests.post(f"{self.stub_url}/_stub/reply-tokens", timeout=10,  # replies are attributed to the user
                      json={"replyToken": event["replyToken"], "userId": event["source"]["userId"]}).raise_for_status()
        raw = wh.encode_body(wh.callback_body([event]))
        return requests.post(f"{self.servers[name][1]}/callback", data=raw, timeout=60,
                             headers={"X-Line-Signature": wh.sign(raw, self.secret),
                                      "Content-Type": "application/json; charset=utf-8"})

    def stub_get(self, path: str) -> dict:
        return requests.get(f"{self.stub_url}{path}", timeout=60).json()

    def inject(self, faults: list) -> None:
        requests.post(f"{self.stub_url}/_stub/faults", json={"faults": faults}, timeout=10).raise_for_status()

    def queue_row(self, event_id: str) -> dict | None:
        found = rows(self.db, "SELECT state, attempts, worker, payload FROM bot_event_queue WHERE event_id = ?",
                     (event_id,))
        return found[0] if found else None

    def close(self) -> None:
        for server, _ in self.servers.values():
            server.stop()
        self.stub.stop()


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, seed_entries, seed_index):
    work = tmp_path_factory.mktemp("answer-hosts")
    db = work / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    running = Hosts(work, db, seed_index)
    try:
        yield running
    finally:
        running.close()


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def kill_the_answering_host(hosts: Hosts, event: dict) -> tuple[str, str]:
    """Send the event to host a; once the answering host's first request hangs at the stub, SIGKILL that
    host. Returns (killed, survivor)."""
    hosts.inject(["timeout"])
    assert hosts.send("a", event).status_code == 200
    wait_for(lambda: hosts.stub_get("/_stub/faults")["pending"] == [], "the answer's request to reach LINE")
    row = hosts.queue_row(event["webhookEventId"])
    assert row["state"] == "taken" and row["attempts"] == 1
    killed = hosts.owner(int(row["worker"].split(":")[1]))
    hosts.kill(killed)
    return killed, "b" if killed == "a" else "a"


def accepted_sends(hosts: Hosts, user: str) -> list[dict]:
    """One entry per accepted Messaging API request to ``user``."""
    by_request = {}
    for m in hosts.stub_get(f"/_stub/messages?to={user}")["messages"]:
        by_request.setdefault(m["requestId"], m)
    return list(by_request.values())


def test_a_host_killed_mid_reply_is_replaced_by_the_other_which_replies_once(hosts):
    hosts.ensure_running()
    user = wh.new_user_id()
    event = wh.text_event(wh.user_source(user), QUESTION)
    killed, survivor = kill_the_answering_host(hosts, event)
    sent = wait_for(lambda: accepted_sends(hosts, user), "the other host's answer")
    row = wait_for(lambda: (r := hosts.queue_row(event["webhookEventId"]))["state"] == "done" and r, "done")
    assert [m["kind"] for m in sent] == ["reply"] and sent[0]["replyToken"] == event["replyToken"]
    assert row["attempts"] == 2 and row["payload"] is None
    assert hosts.owner(int(row["worker"].split(":")[1])) == survivor
    assert len(accepted_sends(hosts, user)) == 1  # still one now that the event is done


def test_a_host_killed_mid_push_is_replaced_by_the_other_which_pushes_with_the_same_key(hosts):
    hosts.ensure_running()
    user = wh.new_user_id()
    event = wh.text_event(wh.user_source(user), QUESTION)
    event["timestamp"] -= 120_000  # answered two minutes late: the reply token is no longer usable
    killed, survivor = kill_the_answering_host(hosts, event)
    sent = wait_for(lambda: accepted_sends(hosts, user), "the other host's push")
    wait_for(lambda: hosts.queue_row(event["webhookEventId"])["state"] == "done", "done")
    key = str(uuid.uuid5(uuid.NAMESPACE_URL, "faqbot-webhook-event:" + event["webhookEventId"]))
    assert [(m["kind"], m["retryKey"]) for m in sent] == [("push", key)]
    pushes = [r for r in hosts.stub_get("/_stub/requests")["requests"]
              if r["path"] == "/v2/bot/message/push" and (r.get("body") or {}).get("to") == user]
    assert sorted(r["status"] for r in pushes) == [200, 500]  # the killed host's (hung, then failed), the survivor's
    assert hosts.owner(int(hosts.queue_row(event["webhookEventId"])["worker"].split(":")[1])) == survivor

"""Two app hosts share one database: two real gunicorn processes (``wsgi:app``) on two loopback ports, one
Messaging API stub. In the SQLite pass they share the file, in the PostgreSQL pass the server.

* The same webhookEventId delivered to both: one reply reaches the stub, one exchange is stored.
* A ticket opened through one host is answered from a console logged in on the other (the console's
  session key, sessions and staff live in the database too).
* A disaster-mode switch made on one host is in the other's very next reply."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import seed_database
from console_testkit import PASSWORD, csrf_from
from line_testkit import rows

from bot.console.database import ConsoleDatabase
from bot.console.staff import StaffStore
from bot.emulator import signed_events as wh
from bot.emulator.loadkit import REPLY_PATH, bot_env, start_bot, start_stub

NAME = "令和8年台風10号"


class Host:
    def __init__(self, url: str, secret: str):
        self.url, self.secret = url, secret

    def send(self, event: dict) -> requests.Response:
        raw = wh.encode_body(wh.callback_body([event]))
        return requests.post(f"{self.url}/callback", data=raw, timeout=120,
                             headers={"X-Line-Signature": wh.sign(raw, self.secret),
                                      "Content-Type": "application/json; charset=utf-8"})


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, seed_entries, seed_index):
    work = tmp_path_factory.mktemp("two-hosts")
    db = work / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    StaffStore(ConsoleDatabase(db)).add("yamada", PASSWORD, display_name="山田", is_admin=True)
    servers = []
    try:
        stub, stub_url = start_stub(work)
        servers.append(stub)
        secret = "two-hosts-" + wh.new_event_id()
        urls = []
        for name in ("a", "b"):
            (work / name).mkdir()
            env = dict(bot_env(db, seed_index, stub_url, secret, work / name), FAQBOT_CONSOLE_INSECURE_COOKIES="1")
            server, url = start_bot(env, work / name, workers=1, threads=2)
            servers.append(server)
            urls.append(url)
        yield db, stub_url, Host(urls[0], secret), Host(urls[1], secret)
    finally:
        for server in servers:
            server.stop()


def stub_requests(stub_url: str) -> list[dict]:
    return requests.get(f"{stub_url}/_stub/requests", timeout=60).json()["requests"]


def replies_to(stub_url: str, token: str) -> list[dict]:
    """Reply requests for one reply token (accepted or refused: every attempt counts)."""
    return [r for r in stub_requests(stub_url) if r["path"] == REPLY_PATH and isinstance(r.get("body"), dict)
            and r["body"].get("replyToken") == token]


def reply_text(stub_url: str, token: str) -> str:
    return "\n".join(m.get("text", "") for r in replies_to(stub_url, token) for m in r["body"]["messages"])


def quick_action(stub_url: str, token: str, label: str) -> dict:
    [reply] = replies_to(stub_url, token)
    items = (reply["body"]["messages"][-1].get("quickReply") or {}).get("items", [])
    [action] = [i["action"] for i in items if i["action"].get("label") == label]
    return action


def console_login(host: Host) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{host.url}/console/login", timeout=60)
    done = session.post(f"{host.url}/console/login", allow_redirects=False, timeout=60,
                        data={"csrf_token": csrf_from(page.text), "username": "yamada", "password": PASSWORD})
    assert done.status_code == 302, done.text
    return session


def test_the_same_event_sent_to_both_hosts_is_answered_once(hosts):
    db, stub_url, a, b = hosts
    events = [wh.text_event(wh.user_source(wh.new_user_id()), "罹災証明書はどうやって申請しますか？") for _ in range(4)]
    start = threading.Barrier(2)

    def deliver(host_event):
        host, event = host_event
        start.wait(timeout=60)
        return host.send(event).status_code

    for event in events:  # LINE redelivering to another host while the first still works on it
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert list(pool.map(deliver, [(a, event), (b, event)])) == [200, 200]
    for event in events:
        assert len(replies_to(stub_url, event["replyToken"])) == 1
        assert "罹災証明" in reply_text(stub_url, event["replyToken"])
        assert rows(db, "SELECT count(*) AS n FROM bot_exchanges WHERE event_id = ?",
                    (event["webhookEventId"],)) == [{"n": 1}]


def test_a_ticket_opened_through_one_host_is_answered_from_a_console_on_the_other(hosts):
    db, stub_url, a, b = hosts
    user = wh.new_user_id()
    follow = wh.follow_event(wh.user_source(user))
    assert a.send(follow).status_code == 200
    desk = quick_action(stub_url, follow["replyToken"], "職員に相談")
    assert a.send(wh.postback_event(wh.user_source(user), desk["data"])).status_code == 200
    [ticket] = rows(db, "SELECT id, status FROM bot_tickets WHERE line_user_id = ?", (user,))
    assert ticket["status"] == "waiting"

    staff = console_login(b)
    page = staff.get(f"{b.url}/console/tickets/{ticket['id']}", timeout=60)
    assert page.status_code == 200
    sent = staff.post(f"{b.url}/console/tickets/{ticket['id']}/reply", allow_redirects=False, timeout=60,
                      data={"csrf_token": csrf_from(page.text), "text": "担当の山田です。ご用件をどうぞ。"})
    assert sent.status_code == 302, sent.text
    pushed = [m for m in requests.get(f"{stub_url}/_stub/messages", params={"to": user}, timeout=60).json()["messages"]
              if m["kind"] == "push"]
    assert [m["message"]["text"] for m in pushed] == ["【担当者からのお返事】\n担当の山田です。ご用件をどうぞ。"]
    # the console on host a sees the same session and the answered ticket
    assert "担当の山田です。" in staff.get(f"{a.url}/console/tickets/{ticket['id']}", timeout=60).text


def test_a_disaster_switch_on_one_host_is_seen_by_the_other_at_its_next_event(hosts):
    db, stub_url, a, b = hosts
    staff = console_login(a)
    before = wh.follow_event(wh.user_source(wh.new_user_id()))
    assert b.send(before).status_code == 200
    assert NAME not in reply_text(stub_url, before["replyToken"])  # b has read the mode: normal
    page = staff.get(f"{a.url}/console/disaster", timeout=60)
    try:
        switched = staff.post(f"{a.url}/console/disaster", allow_redirects=False, timeout=60,
                              data={"csrf_token": csrf_from(page.text), "action": "on", "name": NAME,
                                    "desk_24h": "1"})
        assert switched.status_code == 302, switched.text
        after = wh.follow_event(wh.user_source(wh.new_user_id()))
        assert b.send(after).status_code == 200
        assert f"【災害支援：{NAME}】" in reply_text(stub_url, after["replyToken"])
    finally:
        page = staff.get(f"{a.url}/console/disaster", timeout=60)
        staff.post(f"{a.url}/console/disaster", allow_redirects=False, timeout=60,
                   data={"csrf_token": csrf_from(page.text), "action": "off", "confirm": "yes"})
    off = wh.follow_event(wh.user_source(wh.new_user_id()))
    assert b.send(off).status_code == 200
    assert NAME not in reply_text(stub_url, off["replyToken"])

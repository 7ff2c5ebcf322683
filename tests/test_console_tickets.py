"""The desk pages: queue, ticket, reply (a real push to the Messaging API stub over loopback HTTP),
failed push and 再送, assign, close, and the access log written on every open."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from console_testkit import NOW, Console, add_staff, make_app, open_ticket
from line_testkit import SPEC_DIR, ServerThread, rows

from bot.emulator.stub import create_stub_app, get_stub_state
from faq.clock import to_iso


@pytest.fixture(scope="module")
def stub():
    app = create_stub_app(SPEC_DIR)
    with ServerThread(app) as server:
        yield server.url, get_stub_state(app)


@pytest.fixture
def stub_state(stub):
    state = stub[1]
    state.reset()
    yield state
    assert state.rejected() == []  # every push the desk made passed the official spec


@pytest.fixture
def app(tmp_path, stub):
    app = make_app(tmp_path, LINE_API_ENDPOINT=stub[0], LINE_CHANNEL_ACCESS_TOKEN="console-test-token")
    add_staff(app, "yamada", admin=True, display_name="山田 花子")
    add_staff(app, "sato", display_name="佐藤 一郎")
    return app


@pytest.fixture
def console(app):
    c = Console(app)
    c.login()
    return c


def ago(minutes: int) -> str:
    return to_iso(NOW - timedelta(minutes=minutes))


def access_rows(app, action=None):
    sql = "SELECT staff, action, ticket_id, target FROM console_access_log"
    return rows(app.config["FAQBOT_DB"], sql + (" WHERE action = ?" if action else "") + " ORDER BY id",
                (action,) if action else ())


def test_queue_lists_waiting_first_oldest_first_with_waiting_time_and_disaster_mark(app, console, stub_state):
    newer, _ = open_ticket(app, "新しい相談", created_at=ago(5))
    older, _ = open_ticket(app, "古い相談", created_at=ago(95), disaster=True)
    started, _ = open_ticket(app, "対応中の相談", created_at=ago(200))
    assert console.post(f"/console/tickets/{started.id}/assign", {"assignee": "__me__"}).status_code == 302
    page = console.get("/console/tickets").get_data(as_text=True)
    order = [int(n) for n in re.findall(r'data-ticket="(\d+)"', page)]
    assert order == [older.id, newer.id, started.id]
    assert '<meta http-equiv="refresh" content="15">' in page
    assert "1時間35分" in page and "5分" in page
    older_row = page[page.index(f'data-ticket="{older.id}"'):page.index(f'data-ticket="{newer.id}"')]
    assert "災害" in older_row and "対応待ち" in older_row
    assert 'id="count-waiting">2<' in page and 'id="count-in-progress">1<' in page
    assert "古い相談" not in page  # the queue shows no resident text


def test_opening_a_ticket_shows_the_conversation_and_writes_the_access_log(app, console, stub_state):
    ticket, _ = open_ticket(app, "電話番号は[電話番号]です。相談したい")
    for _ in range(2):
        page = console.get(f"/console/tickets/{ticket.id}")
        assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "電話番号は[電話番号]です。相談したい" in html and "対応待ち" in html
    assert access_rows(app, "ticket_view") == [{"staff": "yamada", "action": "ticket_view", "ticket_id": ticket.id,
                                                "target": None}] * 2
    other = Console(app)
    other.login("sato")
    other.get(f"/console/tickets/{ticket.id}")
    assert [r["staff"] for r in access_rows(app, "ticket_view")] == ["yamada", "yamada", "sato"]
    log_page = console.get(f"/console/access-log?ticket={ticket.id}").get_data(as_text=True)
    assert log_page.count("相談を表示") == 3 and "佐藤 一郎" in log_page


def test_reply_is_pushed_to_the_resident(app, console, stub_state):
    ticket, user = open_ticket(app)
    response = console.post(f"/console/tickets/{ticket.id}/reply", {"text": "担当の山田です。ご用件をどうぞ。"})
    assert response.status_code == 302
    [push] = stub_state.messages(to=user)
    assert push["kind"] == "push" and "担当の山田です。ご用件をどうぞ。" in push["message"]["text"]
    assert push["retryKey"]
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "返信を送信しました" in page and "送信済み" in page and "対応中" in page
    assert rows(app.config["FAQBOT_DB"], "SELECT status, assigned_to FROM bot_tickets WHERE id = ?", (ticket.id,)) == \
        [{"status": "in_progress", "assigned_to": "yamada"}]
    assert [r["action"] for r in access_rows(app)][-2:] == ["ticket_reply", "ticket_view"]


def test_an_empty_reply_shows_an_error_and_sends_nothing(app, console, stub_state):
    ticket, user = open_ticket(app)
    response = console.post(f"/console/tickets/{ticket.id}/reply", {"text": "  \n "})
    assert response.status_code == 400
    assert "返信の本文が空です" in response.get_data(as_text=True)
    assert stub_state.messages(to=user) == []
    assert rows(app.config["FAQBOT_DB"], "SELECT count(*) AS n FROM bot_ticket_messages WHERE sender = 'staff'") == \
        [{"n": 0}]


def test_a_too_long_reply_keeps_the_text_in_the_box(app, console, stub_state):
    ticket, user = open_ticket(app)
    text = "あ" * 4950
    response = console.post(f"/console/tickets/{ticket.id}/reply", {"text": text})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "返信が長すぎます" in body and text in body
    assert stub_state.messages(to=user) == []


def test_a_failed_push_shows_failed_and_resend_delivers_it_once(app, console, stub_state):
    ticket, user = open_ticket(app)
    stub_state.inject_faults([400])  # not retried by the sender: fails at once
    response = console.post(f"/console/tickets/{ticket.id}/reply", {"text": "お待たせしました。"})
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "送信に失敗しました" in page and ">失敗<" in page and ">再送<" in page
    assert stub_state.messages(to=user) == []
    [message] = rows(app.config["FAQBOT_DB"], "SELECT id, push_status, retry_key FROM bot_ticket_messages "
                                              "WHERE sender = 'staff'")
    assert message["push_status"] == "failed"
    retried = console.post(f"/console/tickets/{ticket.id}/messages/{message['id']}/retry")
    assert retried.status_code == 302
    page = console.get(retried.headers["Location"]).get_data(as_text=True)
    assert "再送しました" in page and ">再送<" not in page
    [push] = stub_state.messages(to=user)
    assert push["retryKey"] == message["retry_key"]
    again = console.post(f"/console/tickets/{ticket.id}/messages/{message['id']}/retry")
    assert "送信済みです" in console.get(again.headers["Location"]).get_data(as_text=True)
    assert len(stub_state.messages(to=user)) == 1
    assert "ticket_retry" in [r["action"] for r in access_rows(app)]


def test_retry_of_a_message_of_another_ticket_is_not_found(app, console, stub_state):
    first, _ = open_ticket(app)
    second, _ = open_ticket(app)
    [message] = rows(app.config["FAQBOT_DB"], "SELECT id FROM bot_ticket_messages WHERE ticket_id = ?", (first.id,))
    assert console.post(f"/console/tickets/{second.id}/messages/{message['id']}/retry").status_code == 404


def test_assign_to_me_to_a_colleague_and_unassign(app, console, stub_state):
    ticket, user = open_ticket(app)
    db = app.config["FAQBOT_DB"]

    def state():
        return rows(db, "SELECT status, assigned_to FROM bot_tickets WHERE id = ?", (ticket.id,))[0]

    console.post(f"/console/tickets/{ticket.id}/assign", {"assignee": "__me__"})
    assert state() == {"status": "in_progress", "assigned_to": "yamada"}
    console.post(f"/console/tickets/{ticket.id}/assign", {"assignee": "sato"})
    assert state()["assigned_to"] == "sato"
    page = console.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="assignee">佐藤 一郎<' in page
    console.post(f"/console/tickets/{ticket.id}/assign", {"assignee": "__none__"})
    assert state() == {"status": "waiting", "assigned_to": None}
    bad = console.post(f"/console/tickets/{ticket.id}/assign", {"assignee": "nobody"})
    assert "担当者を選んでください" in console.get(bad.headers["Location"]).get_data(as_text=True)
    assert state()["assigned_to"] is None
    assert stub_state.messages(to=user) == []  # assigning tells the resident nothing


def test_close_needs_confirmation_then_tells_the_resident(app, console, stub_state):
    ticket, user = open_ticket(app)
    db = app.config["FAQBOT_DB"]
    response = console.post(f"/console/tickets/{ticket.id}/close", {})
    assert "チェックを入れてください" in console.get(response.headers["Location"]).get_data(as_text=True)
    assert rows(db, "SELECT status FROM bot_tickets WHERE id = ?", (ticket.id,)) == [{"status": "waiting"}]
    response = console.post(f"/console/tickets/{ticket.id}/close", {"confirm": "yes"})
    assert response.headers["Location"] == "/console/tickets"
    assert rows(db, "SELECT status FROM bot_tickets WHERE id = ?", (ticket.id,)) == [{"status": "closed"}]
    [notice] = stub_state.messages(to=user)
    assert notice["kind"] == "push"
    page = console.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert "終了" in page and 'id="reply-text"' not in page
    late = console.post(f"/console/tickets/{ticket.id}/reply", {"text": "もう一言"})
    assert late.status_code == 400 and f"相談 #{ticket.id} は終了しています" in late.get_data(as_text=True)
    assert len(stub_state.messages(to=user)) == 1
    closed = console.get("/console/tickets?closed=1").get_data(as_text=True)
    assert f'data-ticket="{ticket.id}"' in closed
    assert f'data-ticket="{ticket.id}"' not in console.get("/console/tickets").get_data(as_text=True)


def test_status_json_counts_messages_without_text_and_without_an_access_row(app, console, stub_state):
    ticket, _ = open_ticket(app, "ひみつの本文")
    response = console.get(f"/console/tickets/{ticket.id}/status.json")
    assert response.get_json() == {"status": "waiting", "messages": 1, "updated_at": ticket.updated_at}
    assert "ひみつ" not in response.get_data(as_text=True)
    assert access_rows(app, "ticket_view") == []


def test_unknown_ticket_is_a_japanese_404(app, console, stub_state):
    response = console.get("/console/tickets/4242")
    assert response.status_code == 404 and "ページが見つかりません" in response.get_data(as_text=True)
    assert console.post("/console/tickets/4242/reply", {"text": "x"}).status_code == 404

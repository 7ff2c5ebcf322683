"""The staff console's gate: login, sessions, CSRF, the login lockout, cookie flags, password hashing,
security headers, and that no console page (and no resident data) is reachable without logging in."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from console_testkit import (
    PASSWORD,
    Console,
    add_staff,
    csrf_from,
    make_app,
    open_ticket,
    services,
)
from line_testkit import database_bytes, execute, rows

from bot.config import ConfigError
from bot.console.staff import MIN_PASSWORD_CHARS, StaffError
from bot.console.throttle import LoginThrottle
from faq.clock import FixedClock

SECRET_TEXT = "秘密の相談内容ABC"
# Every console route (besides the login form and the static files); a new route must be added here.
CONSOLE_ROUTES = [
    ("/console/", "GET"), ("/console/logout", "POST"),
    ("/console/tickets", "GET"), ("/console/tickets/<int:ticket_id>", "GET"),
    ("/console/tickets/<int:ticket_id>/status.json", "GET"), ("/console/tickets/<int:ticket_id>/reply", "POST"),
    ("/console/tickets/<int:ticket_id>/messages/<int:message_id>/retry", "POST"),
    ("/console/tickets/<int:ticket_id>/assign", "POST"), ("/console/tickets/<int:ticket_id>/close", "POST"),
    ("/console/faq", "GET"), ("/console/faq/entries/<entry_id>", "GET"), ("/console/faq/new", "GET"),
    ("/console/faq/new", "POST"), ("/console/unanswered", "GET"), ("/console/unanswered/handled", "POST"),
    ("/console/dashboard", "GET"), ("/console/disaster", "GET"), ("/console/disaster", "POST"),
    ("/console/shelters", "GET"), ("/console/shelters", "POST"),
    ("/console/access-log", "GET"), ("/console/faq/drafts", "GET"),
    ("/console/faq/drafts/<int:draft_id>/approve", "POST"), ("/console/faq/drafts/<int:draft_id>/reject", "POST"),
    ("/console/unanswered/answer", "GET"), ("/console/unanswered/answer", "POST"), ("/console/proposals", "GET"),
    ("/console/proposals/<int:proposal_id>/accept", "POST"), ("/console/proposals/<int:proposal_id>/reject", "POST"),
    ("/console/faq/import", "GET"), ("/console/faq/import", "POST"),
]


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    add_staff(app, "yamada", admin=True, display_name="山田 花子")
    add_staff(app, "sato", display_name="佐藤 一郎")
    return app


@pytest.fixture
def console(app):
    c = Console(app)
    assert c.login().status_code == 302
    return c


def _sample_url(rule) -> str:
    values = {arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "x"
              for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def console_rules(app):
    return [r for r in app.url_map.iter_rules()
            if r.rule.startswith("/console") and r.endpoint not in ("console.auth.login", "console.static")]


# ------------------------------------------------------------------ login required
def test_every_console_route_needs_a_login(app):
    open_ticket(app, SECRET_TEXT)
    rules = console_rules(app)
    assert sorted((r.rule, m) for r in rules for m in r.methods - {"HEAD", "OPTIONS"}) == sorted(CONSOLE_ROUTES)
    client = app.test_client()
    checked = 0
    for rule in rules:
        url = _sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/console/login"), (method, url)
            assert SECRET_TEXT not in response.get_data(as_text=True)
            checked += 1
    assert checked == len(CONSOLE_ROUTES)
    # and nothing was written by those POSTs
    assert rows(app.config["FAQBOT_DB"], "SELECT count(*) AS n FROM bot_ticket_messages")[0]["n"] == 1
    assert rows(app.config["FAQBOT_DB"], "SELECT count(*) AS n FROM console_access_log")[0]["n"] == 0


def test_public_routes_never_show_residents_data(app):
    open_ticket(app, SECRET_TEXT)
    client = app.test_client()
    public = [r for r in app.url_map.iter_rules() if not r.rule.startswith("/console") and not r.arguments
              and "GET" in r.methods]
    assert public
    for rule in public:
        body = client.get(rule.rule).get_data(as_text=True)
        assert SECRET_TEXT not in body, rule.rule
    assert client.get("/console/static/console.css").status_code == 200  # styles only


def test_login_page_then_the_queue_and_logout_ends_the_session(app):
    c = Console(app)
    page = c.get("/console/login")
    assert page.status_code == 200 and "ログイン" in page.get_data(as_text=True)
    response = c.login()
    assert response.status_code == 302 and response.headers["Location"] == "/console/tickets"
    queue = c.get("/console/tickets")
    assert queue.status_code == 200 and "山田 花子" in queue.get_data(as_text=True)
    cookie = c.client.get_cookie("faqbot_console", path="/console").value
    out = c.post("/console/logout")
    assert out.status_code == 302 and "/console/login" in out.headers["Location"]
    assert c.get("/console/tickets").status_code == 302
    # replaying the old cookie does not bring the session back (it is deleted server-side)
    other = app.test_client()
    other.set_cookie("faqbot_console", cookie, path="/console")
    assert other.get("/console/tickets").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_japanese_error(app):
    for username, password in (("yamada", "wrong password 123"), ("nobody", PASSWORD)):
        c = Console(app)
        response = c.login(username, password)
        body = response.get_data(as_text=True)
        assert response.status_code == 401
        assert "ユーザー名またはパスワードが違います" in body
        assert c.get("/console/tickets").status_code == 302


def test_next_only_redirects_inside_the_console(app):
    for target, expected in (("/console/dashboard?days=30", "/console/dashboard?days=30"),
                             ("https://evil.example/", "/console/tickets"), ("//evil.example/x", "/console/tickets"),
                             ("/callback", "/console/tickets")):
        c = Console(app)
        response = c.login(next=target)
        assert response.headers["Location"] == expected, target


def test_the_login_redirect_keeps_the_page_asked_for(app):
    client = app.test_client()
    response = client.get("/console/dashboard?days=30")
    assert response.headers["Location"] == "/console/login?next=/console/dashboard?days%3D30"


# ------------------------------------------------------------------ CSRF
def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(app, console):
    ticket, _ = open_ticket(app)
    db = app.config["FAQBOT_DB"]
    before = rows(db, "SELECT count(*) AS n FROM bot_ticket_messages")[0]["n"]
    for csrf in (False, "wrong-token", ""):
        for path, data in ((f"/console/tickets/{ticket.id}/reply", {"text": "こんにちは"}),
                           (f"/console/tickets/{ticket.id}/close", {"confirm": "yes"}),
                           (f"/console/tickets/{ticket.id}/assign", {"assignee": "__me__"}),
                           ("/console/disaster", {"action": "on", "name": "台風", "desk_24h": "1"}),
                           ("/console/faq/new", {"question": "新しい質問", "answer": "回答", "category": "general"}),
                           ("/console/logout", {})):
            response = console.post(path, data, csrf=csrf)
            assert response.status_code == 400, (path, csrf)
            assert "ページを読み込み直して" in response.get_data(as_text=True)
    assert rows(db, "SELECT count(*) AS n FROM bot_ticket_messages")[0]["n"] == before
    assert rows(db, "SELECT status, assigned_to FROM bot_tickets") == [{"status": "waiting", "assigned_to": None}]
    assert rows(db, "SELECT count(*) AS n FROM faq_entries")[0]["n"] == 0
    assert "災害モード中" not in console.get("/console/disaster").get_data(as_text=True)
    assert console.get("/console/tickets").status_code == 200  # still logged in


def test_a_csrf_token_from_another_session_is_refused(app, console):
    other = Console(app)
    assert other.login("sato").status_code == 302
    response = console.post("/console/disaster", {"action": "on", "name": "台風"}, csrf=other.token)
    assert response.status_code == 400


def test_a_cross_site_origin_is_refused_even_with_the_token(app, console):
    response = console.post("/console/disaster", {"action": "on", "name": "台風"},
                            headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    ok = console.post("/console/disaster", {"action": "on", "name": "台風"}, headers={"Origin": "http://localhost"})
    assert ok.status_code == 302


def test_the_login_form_needs_its_csrf_token(app):
    client = app.test_client()
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "yamada", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/tickets").status_code == 302


def test_login_rotates_the_session_and_csrf_token(app):
    c = Console(app)
    before = csrf_from(c.get("/console/login").get_data(as_text=True))
    c.login()
    assert c.token and c.token != before


# ------------------------------------------------------------------ lockout
def _from(app, address: str) -> Console:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Console(app, client)


def _clocked(app) -> FixedClock:
    """The app's throttle on a clock the test moves; returns the clock."""
    clock = FixedClock(datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc))
    services(app).throttle = LoginThrottle(services(app).database, clock=clock)
    return clock


def _counting_verify(app, monkeypatch) -> list[str]:
    calls: list[str] = []
    staff = services(app).staff
    real = staff.verify
    monkeypatch.setattr(staff, "verify", lambda name, pw: calls.append(name) or real(name, pw))
    return calls


def test_five_failures_lock_that_account_from_that_address_only(app):
    for _ in range(5):
        assert Console(app).login("yamada", "wrong password 123").status_code in (401, 429)
    locked = Console(app).login("yamada", PASSWORD)
    body = locked.get_data(as_text=True)
    assert locked.status_code == 429
    assert "ログインの失敗が続いたため" in body and "分後" in body
    # a stranger's failures do not lock the staff member out at their own desk
    assert _from(app, "192.0.2.10").login("yamada", PASSWORD).status_code == 302
    # another account from the same address still works
    assert Console(app).login("sato").status_code == 302


def test_the_lock_is_shared_by_all_workers(tmp_path, app):
    for _ in range(5):
        Console(app).login("yamada", "wrong password 123")
    second_worker = make_app(tmp_path)  # a second app on the same database, like another gunicorn worker
    assert Console(second_worker).login("yamada", PASSWORD).status_code == 429


def test_many_failures_from_one_address_slow_it_down_but_lock_out_nobody(app):
    clock = _clocked(app)
    for i in range(20):
        Console(app).login(f"guess{i}", "wrong password 123")
    slowed = Console(app).login("sato")
    assert slowed.status_code == 429 and "秒ほど待って" in slowed.get_data(as_text=True)
    clock.advance(seconds=5)
    assert Console(app).login("sato").status_code == 302  # behind one office address (or a proxy)


def test_failures_for_one_account_from_many_addresses_only_delay_it(app):
    clock = _clocked(app)
    for i in range(10):
        _from(app, f"198.51.100.{i}").login("yamada", "wrong password 123")
    assert _from(app, "192.0.2.10").login("yamada", PASSWORD).status_code == 429
    clock.advance(seconds=5)
    assert _from(app, "192.0.2.10").login("yamada", PASSWORD).status_code == 302


def test_concurrent_wrong_attempts_cannot_pass_the_limit(app, monkeypatch):
    import threading
    calls = _counting_verify(app, monkeypatch)
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    consoles = [Console(app) for _ in range(10)]
    for c in consoles:
        c.client.get("/console/login")

    def attempt(c: Console) -> None:
        barrier.wait()
        statuses.append(c.login("yamada", "wrong password 123").status_code)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in consoles]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 5 and sorted(statuses) == [401] * 5 + [429] * 5


def test_ipv6_addresses_count_per_64(app, monkeypatch):
    calls = _counting_verify(app, monkeypatch)
    statuses = [_from(app, f"2001:db8:1:2::{i:x}").login(f"guess{i}", "wrong password 123").status_code
                for i in range(25)]
    assert len(calls) == 20 and statuses[20:] == [429] * 5
    assert _from(app, "2001:db8:1:3::1").login("sato").status_code == 302  # the next /64 is someone else


def test_password_checks_at_once_are_bounded(app, monkeypatch):
    from bot.console.throttle import HashGate
    gate = HashGate(limit=1, wait=0.01)
    services(app).hash_gate = gate
    calls = _counting_verify(app, monkeypatch)
    with gate.slot() as held:
        assert held
        busy = Console(app).login("yamada", PASSWORD)
    assert busy.status_code == 503 and "混み合っています" in busy.get_data(as_text=True) and calls == []
    assert rows(app.config["FAQBOT_DB"], "SELECT count(*) AS n FROM console_login_failures") == [{"n": 0}]
    assert Console(app).login("yamada", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_lock_time(app):
    clock = FixedClock(datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc))
    throttle = LoginThrottle(services(app).database, lock_seconds=900, clock=clock)
    for _ in range(5):
        assert throttle.begin("yamada", "10.0.0.1").allowed
    assert not throttle.begin("yamada", "10.0.0.1").allowed
    assert not throttle.check("yamada", "10.0.0.2").locked
    clock.advance(seconds=899)
    assert throttle.check("yamada", "10.0.0.1").locked
    clock.advance(seconds=2)
    assert not throttle.check("yamada", "10.0.0.1").locked
    assert throttle.begin("yamada", "10.0.0.1").allowed  # old failures have aged out


def test_a_successful_login_clears_the_failures(app):
    for _ in range(4):
        Console(app).login("yamada", "wrong password 123")
    assert Console(app).login().status_code == 302
    for _ in range(4):
        Console(app).login("yamada", "wrong password 123")
    assert Console(app).login().status_code == 302


# ------------------------------------------------------------------ cookies and headers
def _session_cookie_header(response) -> str:
    [cookie] = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("faqbot_console=")]
    return cookie


def test_session_cookie_is_secure_httponly_samesite_by_default(tmp_path):
    app = make_app(tmp_path, FAQBOT_CONSOLE_INSECURE_COOKIES=False)
    add_staff(app)
    client = app.test_client()
    page = client.get("/console/login", base_url="https://localhost")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/console/login", base_url="https://localhost",
                           data={"csrf_token": token, "username": "yamada", "password": PASSWORD})
    assert response.status_code == 302
    cookie = _session_cookie_header(response)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/console" in cookie and "Expires=" in cookie


def test_insecure_cookies_only_when_asked_for_development(app):
    response = Console(app).login()
    cookie = _session_cookie_header(response)
    assert "; Secure" not in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


PRODUCTION = dict(FAQBOT_ENV="production", LINE_CHANNEL_SECRET="sec", LINE_CHANNEL_ACCESS_TOKEN="tok",
                  FAQBOT_USER_HASH_SALT="s" * 32, FAQBOT_CONSOLE_INSECURE_COOKIES=False,
                  FAQBOT_ALLOW_EMPTY=True)  # no FAQ needed to check the console's settings


def test_production_needs_a_secret_key_and_secure_cookies(tmp_path):
    with pytest.raises(ConfigError, match="FAQBOT_SECRET_KEY"):
        make_app(tmp_path, **PRODUCTION)
    with pytest.raises(ConfigError, match="FAQBOT_SECRET_KEY"):
        make_app(tmp_path, **dict(PRODUCTION, FAQBOT_SECRET_KEY="short"))
    with pytest.raises(ConfigError, match="FAQBOT_CONSOLE_INSECURE_COOKIES"):
        make_app(tmp_path, **dict(PRODUCTION, FAQBOT_SECRET_KEY="k" * 40, FAQBOT_CONSOLE_INSECURE_COOKIES=True))
    app = make_app(tmp_path, **dict(PRODUCTION, FAQBOT_SECRET_KEY="k" * 40))
    assert app.secret_key == "k" * 40 and app.config["SESSION_COOKIE_SECURE"] is True


def test_development_secret_key_is_generated_once_and_shared(tmp_path):
    first, second = make_app(tmp_path), make_app(tmp_path)
    assert first.secret_key and len(first.secret_key) >= 32 and first.secret_key == second.secret_key


def test_console_responses_carry_security_headers(app, console):
    for response in (app.test_client().get("/console/login"), console.get("/console/tickets"),
                     console.get("/console/no-such-page"), console.get("/console/tickets/999")):
        headers = response.headers
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Frame-Options"] == "DENY"
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
    assert console.get("/console/no-such-page").status_code == 404
    assert "ページが見つかりません" in console.get("/console/tickets/999").get_data(as_text=True)


def test_pages_have_no_inline_scripts_or_styles_or_external_resources(app, console):
    for path in ("/console/tickets", "/console/dashboard", "/console/faq", "/console/unanswered",
                 "/console/disaster", "/console/access-log", "/console/faq/new"):
        html = console.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html, path
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html


# ------------------------------------------------------------------ accounts and sessions
def test_passwords_are_stored_as_salted_scrypt_hashes(app):
    db = app.config["FAQBOT_DB"]
    add_staff(app, "suzuki")  # same password as yamada
    hashes = {r["username"]: r["password_hash"] for r in rows(db, "SELECT username, password_hash FROM console_staff")}
    assert all(h.startswith("scrypt:") for h in hashes.values())
    assert hashes["suzuki"] != hashes["yamada"]
    assert all(PASSWORD not in h for h in hashes.values())
    assert PASSWORD.encode() not in database_bytes(Path(db))


def test_account_rules(app):
    store = services(app).staff
    with pytest.raises(StaffError, match=f"{MIN_PASSWORD_CHARS}文字以上"):
        store.add("kato", "short")
    with pytest.raises(StaffError, match="既に使われています"):
        store.add("YAMADA", PASSWORD)
    with pytest.raises(StaffError, match="ユーザー名は"):
        store.add("山田", PASSWORD)
    with pytest.raises(StaffError, match="ユーザー名を含めない"):
        store.add("kato", "kato-password-123")
    with pytest.raises(StaffError, match="単純すぎ"):
        store.add("kato", "a" * 20)
    assert store.verify("yamada", PASSWORD).username == "yamada"
    assert store.verify("YAMADA", "ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ ｓｔａｐｌｅ") is not None  # full-width IME input
    assert store.verify("yamada", PASSWORD + "x") is None


def test_disabling_or_resetting_an_account_ends_its_sessions(app):
    store = services(app).staff
    yamada, sato = Console(app), Console(app)
    yamada.login()
    sato.login("sato")
    store.set_active("sato", False)
    assert sato.get("/console/tickets").status_code == 302
    assert Console(app).login("sato").status_code == 401
    store.reset_password("yamada", "a new long passphrase")
    assert yamada.get("/console/tickets").status_code == 302
    assert Console(app).login().status_code == 401
    assert Console(app).login("yamada", "a new long passphrase").status_code == 302


def test_an_expired_session_needs_a_new_login(app, console):
    execute(app.config["FAQBOT_DB"], "UPDATE console_sessions SET expires_at = 0")
    assert console.get("/console/tickets").status_code == 302


def test_only_admins_see_the_access_log(app):
    sato = Console(app)
    sato.login("sato")
    response = sato.get("/console/access-log")
    assert response.status_code == 403 and "管理者のみ" in response.get_data(as_text=True)
    assert "アクセス記録" not in sato.get("/console/tickets").get_data(as_text=True)
    yamada = Console(app)
    yamada.login()
    page = yamada.get("/console/access-log").get_data(as_text=True)
    assert "ログイン" in page and "sato" in page


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path):
    app = make_app(tmp_path, FAQBOT_CONSOLE_PROXY_HOPS=1)
    add_staff(app)
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1, 203.0.113.5"  # the proxy appended the client
    Console(app, client).login()
    assert rows(app.config["FAQBOT_DB"], "SELECT ip FROM console_access_log") == [{"ip": "203.0.113.5"}]
    direct = make_app(tmp_path / "direct")
    add_staff(direct)
    spoofing = direct.test_client()
    spoofing.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"  # ignored without a trusted proxy
    Console(direct, spoofing).login()
    assert rows(direct.config["FAQBOT_DB"], "SELECT ip FROM console_access_log") == [{"ip": "127.0.0.1"}]

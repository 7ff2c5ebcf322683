"""Login and logout."""
from __future__ import annotations

import logging
import secrets

from flask import Blueprint, g, redirect, request, session, url_for

from bot.console.security import SESSION_CSRF, SESSION_TOKEN, client_ip, safe_next
from bot.console.staff import MAX_PASSWORD_CHARS, normalize_username
from bot.console.views.common import render, services

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

LOGIN_FAILED = "ユーザー名またはパスワードが違います。"
LOCKED = ("ログインの失敗が続いたため、ログインを一時的に止めています。"
          "約{minutes}分後にもう一度お試しください。パスワードが分からないときは管理者に相談してください。")
SLOW_DOWN = "ログインの失敗が続いています。{seconds}秒ほど待ってからもう一度お試しください。"
BUSY = "ただいまログインが混み合っています。少し待ってからもう一度お試しください。"


def _lock_message(lock) -> str:
    return SLOW_DOWN.format(seconds=lock.seconds_left) if lock.seconds_left < 60 else \
        LOCKED.format(minutes=lock.minutes_left)
USERNAME_MAX = 64


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), url_for("console.tickets.queue"))
    if g.staff is not None and request.method == "GET":
        return redirect(next_url)
    if request.method == "GET":
        return render("login.html", next_url=next_url, username="", error=None)

    username = normalize_username(request.form.get("username", ""))[:USERNAME_MAX]
    password = request.form.get("password", "")
    ip = client_ip()
    console = services()
    if not username or not password:
        return render("login.html", 400, next_url=next_url, username=username,
                      error="ユーザー名とパスワードを入力してください。")
    attempt = console.throttle.begin(username, ip)  # counted as a failure until the password is right
    if not attempt.allowed:
        log.warning("console login refused: throttled (too many failures)")
        return render("login.html", 429, next_url=next_url, username=username, error=_lock_message(attempt.lock))
    with console.hash_gate.slot() as free:
        if not free:
            console.throttle.cancel(attempt)
            log.warning("console login refused: too many password checks at once")
            return render("login.html", 503, next_url=next_url, username=username, error=BUSY)
        staff = console.staff.verify(username, password) if len(password) <= MAX_PASSWORD_CHARS * 4 else None
    if staff is None:
        log.warning("console login failed")
        lock = console.throttle.check(username, ip)
        error = _lock_message(lock) if lock.locked else LOGIN_FAILED
        return render("login.html", 401, next_url=next_url, username=username, error=error)

    console.throttle.succeeded(attempt, username, ip)
    console.sessions.end(session.get(SESSION_TOKEN))
    # a fresh session and CSRF token at login (no session fixation)
    session.clear()
    session.permanent = True
    session[SESSION_TOKEN] = console.sessions.start(staff.username)
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    g.staff = staff
    console.access_log.write(staff.username, "login", ip=ip)
    return redirect(next_url)


@bp.post("/logout")
def logout():
    console = services()
    console.access_log.write(g.staff.username, "logout", ip=client_ip())
    console.sessions.end(session.get(SESSION_TOKEN))
    session.clear()
    return redirect(url_for("console.auth.login", out=1))

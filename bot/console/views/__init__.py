"""The console's blueprints: one parent at /console (guards, headers, shared page context) and one
child per concern."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from werkzeug.exceptions import HTTPException

from bot.console.faq_import import REQUEST_BYTES
from bot.console.security import (
    CSRF_FIELD,
    SECURITY_HEADERS,
    SESSION_TOKEN,
    csrf_ok,
    csrf_token,
)
from bot.console.timeutil import format_jst, format_wait
from bot.console.views.common import (
    current_disaster_mode,
    current_search_health,
    render,
    services,
)

log = logging.getLogger(__name__)

# Reachable without a session: the login form and the stylesheet/script.
PUBLIC_ENDPOINTS = {"console.auth.login", "console.static"}
# Request body limits above the app's MAX_CONTENT_LENGTH, for administrators only.
UPLOAD_LIMITS = {"console.faq_import.upload": REQUEST_BYTES}

ERROR_MESSAGES = {
    400: "リクエストが正しくありません。ページを読み込み直してから、もう一度操作してください。",
    403: "このページを見る権限がありません（管理者のみ）。",
    404: "ページが見つかりません。",
    405: "この操作はできません。",
    413: "送信された内容が大きすぎます。",
    500: "エラーが発生しました。しばらくしてからもう一度お試しください。",
}


def console_blueprint() -> Blueprint:
    from bot.console.views import (
        admin,
        auth,
        dashboard,
        disaster,
        faq,
        faq_import,
        proposals,
        shelters,
        tickets,
        unanswered,
    )
    bp = Blueprint("console", __name__, static_folder="../static", static_url_path="/static",
                   template_folder="../templates")

    @bp.before_request
    def _guard():
        g.staff = None
        g.console_session = services().sessions.lookup(session.get(SESSION_TOKEN))
        if g.console_session is not None:
            g.staff = g.console_session.staff
        if request.endpoint in PUBLIC_ENDPOINTS:
            if request.method == "POST" and not csrf_ok():
                return _error_page(400, "フォームの有効期限が切れました。ページを読み込み直してください。")
            return None
        if g.staff is None:
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("console.auth.login", next=target.rstrip("?") if target else None))
        limit = UPLOAD_LIMITS.get(request.endpoint)
        if limit and g.staff.is_admin:   # an administrator's upload: read up to the file limit, not the webhook's
            request.max_content_length = limit
        if request.method == "POST" and not csrf_ok():
            log.warning("console POST refused: missing or wrong CSRF token (%s)", request.endpoint)
            return _error_page(400, "フォームの有効期限が切れたか、正しくない送信です。"
                                    "ページを読み込み直してから、もう一度操作してください。")
        return None

    @bp.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    @bp.context_processor
    def _page_context():
        return {"staff": g.get("staff"), "disaster": current_disaster_mode() if g.get("staff") else None,
                "search_health": current_search_health() if g.get("staff") else None,
                "csrf_token": csrf_token, "csrf_field": CSRF_FIELD}

    bp.add_app_template_filter(format_jst, "jst")
    bp.add_app_template_filter(format_wait, "wait")
    bp.add_app_template_filter(_percent, "percent")

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _error_page(exc.code or 500)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error_page(500)

    @bp.get("/")
    def home():
        return redirect(url_for("console.tickets.queue"))

    for module in (auth, tickets, faq, faq_import, unanswered, proposals, dashboard, disaster, shelters, admin):
        bp.register_blueprint(module.bp)
    return bp


def _percent(value) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _error_page(status: int, message: str | None = None):
    response = render("error.html", status=status, status_code=status,
                      message=message or ERROR_MESSAGES.get(status, ERROR_MESSAGES[500]))
    return response


def install_error_pages(app: Flask) -> None:
    """Japanese error pages for console URLs that matched no route (unknown page, wrong method);
    other URLs keep Flask's own handling. Errors inside console views are handled by the blueprint."""

    def in_console() -> bool:
        return request.path == "/console" or request.path.startswith("/console/")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not in_console():
            return exc
        response = app.make_response(_error_page(exc.code or 500))
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response


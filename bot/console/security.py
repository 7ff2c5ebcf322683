"""Request guards of the console: who is logged in, CSRF tokens, security headers, client address."""
from __future__ import annotations

import hmac
import secrets
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, request, session

CSRF_FIELD = "csrf_token"
SESSION_TOKEN = "sid"
SESSION_CSRF = "csrf"

# Only this origin: no inline script or style, no framing, forms post only here.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csrf_token() -> str:
    """This session's CSRF token (created on first use; rotated at login)."""
    token = session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def csrf_ok() -> bool:
    expected = session.get(SESSION_CSRF)
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        return False
    origin = request.headers.get("Origin")
    # Browsers send Origin on POST; when they do it must be this host (a second line of defence).
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        return False
    return True


def client_ip() -> str:
    """The client's address; with FAQBOT_CONSOLE_PROXY_HOPS trusted proxies, taken from X-Forwarded-For."""
    hops = current_app.config.get("FAQBOT_CONSOLE_PROXY_HOPS", 0)
    if hops:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return (request.remote_addr or "?")[:64]


def safe_next(target: str | None, default: str) -> str:
    """Only a path inside the console (no open redirect to another site)."""
    if not target or not target.startswith("/console/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.staff.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper

"""Admin pages: the access log."""
from __future__ import annotations

from flask import Blueprint, request

from bot.console.access_log import ACTIONS
from bot.console.security import admin_required
from bot.console.staff import normalize_username
from bot.console.views.common import render, services

bp = Blueprint("admin", __name__)
PAGE_SIZE = 100


@bp.get("/access-log")
@admin_required
def access_log():
    staff = normalize_username(request.args.get("staff", ""))[:64] or None
    ticket = request.args.get("ticket", "")
    ticket_id = int(ticket) if ticket.isdigit() and len(ticket) < 12 else None
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    entries = services().access_log.recent(staff=staff, ticket_id=ticket_id, limit=PAGE_SIZE + 1,
                                           offset=(page - 1) * PAGE_SIZE)
    return render("access_log.html", entries=entries[:PAGE_SIZE], more=len(entries) > PAGE_SIZE, page=page,
                  staff_filter=staff or "", ticket_filter=ticket_id or "", names=services().staff.display_names(),
                  actions=ACTIONS)

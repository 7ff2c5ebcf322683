"""The desk: the ticket queue and one ticket (conversation, reply, assign, close, retry a push)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, request, url_for

from bot.console.timeutil import minutes_between
from bot.console.views.common import clock, desk, log_access, render, services, tickets

bp = Blueprint("tickets", __name__)

REFRESH_SECONDS = 15
STATUS_LABELS = {"waiting": "対応待ち", "in_progress": "対応中", "closed": "終了"}
SENDER_LABELS = {"resident": "住民", "bot": "ボット", "staff": "職員", "system": "システム"}
PUSH_LABELS = {"pending": "送信中", "sent": "送信済み", "failed": "失敗"}
TRIGGER_LABELS = {"keyword": "「人と話したい」などの言葉", "desk_button": "「職員に相談」ボタン",
                  "fallback": "答えられなかった質問から", "unresolved_twice": "「解決しない」が続いた"}


def _desk_error():
    from bot.desk.service import DeskError
    return DeskError


@bp.get("/tickets")
def queue():
    show_closed = request.args.get("closed") == "1"
    store = tickets()
    now = clock().now_iso()
    rows = [(t, minutes_between(t.created_at, now if t.first_response_at is None else t.first_response_at))
            for t in store.queue(include_closed=show_closed)]
    return render("queue.html", rows=rows, counts=store.counts(), show_closed=show_closed,
                  refresh=REFRESH_SECONDS, names=services().staff.display_names(), status_labels=STATUS_LABELS,
                  trigger_labels=TRIGGER_LABELS)


def _ticket_or_404(ticket_id: int):
    ticket = tickets().get(ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/tickets/<int:ticket_id>")
def detail(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    log_access("ticket_view", ticket_id=ticket.id)
    return _detail_page(ticket)


def _detail_page(ticket, *, draft: str = "", error: str | None = None, status: int = 200):
    staff = services().staff
    return render("ticket.html", status, ticket=ticket, messages=tickets().messages(ticket.id),
                  names=staff.display_names(),
                  colleagues=[s for s in staff.list(include_disabled=False) if s.username != g.staff.username],
                  status_labels=STATUS_LABELS, sender_labels=SENDER_LABELS, push_labels=PUSH_LABELS,
                  trigger_labels=TRIGGER_LABELS, draft=draft, error=error,
                  waited=minutes_between(ticket.created_at, ticket.first_response_at or clock().now_iso()))


@bp.get("/tickets/<int:ticket_id>/status.json")
def status(ticket_id: int):
    """For the page's polling: how many messages there are (no resident text, not an access)."""
    ticket = _ticket_or_404(ticket_id)
    return jsonify(status=ticket.status, messages=len(tickets().messages(ticket.id)),
                   updated_at=ticket.updated_at)


def _back(ticket_id: int, anchor: str = "reply"):
    return redirect(url_for("console.tickets.detail", ticket_id=ticket_id) + f"#{anchor}")


@bp.post("/tickets/<int:ticket_id>/reply")
def reply(ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    text = request.form.get("text", "")
    try:
        message = desk().reply(ticket_id, g.staff.username, text)
    except _desk_error() as exc:
        # the page again with the text kept in the box; nothing was stored or sent
        return _detail_page(tickets().get(ticket.id), draft=text, error=str(exc), status=400)
    log_access("ticket_reply", ticket_id=ticket_id, target=f"message:{message.id}")
    if message.push_status == "failed":
        flash("返信を保存しましたが、LINE への送信に失敗しました。「再送」を押してください。", "error")
    else:
        flash("返信を送信しました。", "ok")
    return _back(ticket_id, f"m{message.id}")


@bp.post("/tickets/<int:ticket_id>/messages/<int:message_id>/retry")
def retry(ticket_id: int, message_id: int):
    _ticket_or_404(ticket_id)
    message = tickets().message(message_id)
    if message is None or message.ticket_id != ticket_id:
        abort(404)
    try:
        message = desk().retry_push(message_id, g.staff.username)
    except _desk_error() as exc:
        flash(str(exc), "error")
        return _back(ticket_id)
    log_access("ticket_retry", ticket_id=ticket_id, target=f"message:{message_id}")
    if message.push_status == "sent":
        flash("再送しました。", "ok")
    else:
        flash("再送できませんでした。時間をおいてもう一度お試しください。", "error")
    return _back(ticket_id, f"m{message_id}")


@bp.post("/tickets/<int:ticket_id>/assign")
def assign(ticket_id: int):
    _ticket_or_404(ticket_id)
    choice = request.form.get("assignee", "")
    if choice == "__me__":
        assignee = g.staff.username
    elif choice == "__none__":
        assignee = None
    else:
        colleague = services().staff.get(choice) if choice else None
        if colleague is None or not colleague.active:
            flash("担当者を選んでください。", "error")
            return _back(ticket_id, "assign")
        assignee = colleague.username
    try:
        desk().assign(ticket_id, assignee, by=g.staff.username)
    except _desk_error() as exc:
        flash(str(exc), "error")
        return _back(ticket_id, "assign")
    log_access("ticket_assign", ticket_id=ticket_id, target=f"assignee:{assignee or '-'}")
    flash("担当者を変更しました。" if assignee else "担当を外しました。", "ok")
    return _back(ticket_id, "assign")


@bp.post("/tickets/<int:ticket_id>/close")
def close(ticket_id: int):
    _ticket_or_404(ticket_id)
    if request.form.get("confirm") != "yes":
        flash("終了するには「終了してよい」にチェックを入れてください。", "error")
        return _back(ticket_id, "close")
    try:
        desk().close(ticket_id, g.staff.username)
    except _desk_error() as exc:
        flash(str(exc), "error")
        return _back(ticket_id, "close")
    log_access("ticket_close", ticket_id=ticket_id)
    flash(f"相談 #{ticket_id} を終了しました。住民にはボットに戻ったことを送信しました。", "ok")
    return redirect(url_for("console.tickets.queue"))

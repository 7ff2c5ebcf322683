"""Shelters: their status (open / full / closed) set by staff, with the history of changes.
The list itself is imported with ``python scripts/shelters.py import``."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from bot.console.views.common import log_access, render, services
from bot.disaster.shelters.model import STATUS_LABELS, STATUSES

bp = Blueprint("shelters", __name__)


def _store():
    support = services().bot.support
    return support.shelter_store if support is not None else None


def _page(status: int = 200, error: str | None = None):
    store = _store()
    shelters = store.list() if store is not None else []
    history = store.history(20) if store is not None else []
    names = {s.id: s.name for s in shelters}
    return render("shelters.html", status, shelters=shelters, history=history, names=names, error=error,
                  labels=STATUS_LABELS, statuses=STATUSES,
                  counts={s: sum(1 for x in shelters if x.status == s) for s in STATUSES})


@bp.get("/shelters")
def show():
    return _page()


@bp.post("/shelters")
def change():
    store = _store()
    status = request.form.get("status")
    ids = request.form.getlist("id")
    every = request.form.get("all") == "yes"
    if store is None or status not in STATUSES:
        return _page(400, "操作を選んでください。")
    if not ids and not every:
        return _page(400, "避難所を選ぶか「すべての避難所」にチェックを入れてください。")
    try:
        count = store.set_status(None if every else ids, status, g.staff.username)
    except ValueError as exc:
        return _page(400, str(exc).split(" / ")[0])
    log_access("shelter_" + status, target="all" if every else ",".join(ids)[:200])
    flash(f"{count}件の避難所を「{STATUS_LABELS[status]}」にしました。", "ok")
    return redirect(url_for("console.shelters.show"))

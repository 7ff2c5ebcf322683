"""Turning disaster mode on and off (shared with ``faqctl disaster``); administrators only, everyone sees it."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from bot.console.security import admin_required
from bot.console.views.common import faq_db_path, log_access, render

bp = Blueprint("disaster", __name__)


def _page(status: int = 200, error: str | None = None, name: str = ""):
    from bot.disaster import disaster_history, read_disaster_mode
    mode = read_disaster_mode(faq_db_path())
    return render("disaster.html", status, mode=mode, history=disaster_history(faq_db_path())[:10], error=error,
                  name=name or mode.name)


@bp.get("/disaster")
def show():
    return _page()


@bp.post("/disaster")
@admin_required  # switching changes what every resident is told: administrators only
def change():
    from bot.disaster import set_disaster_mode
    action = request.form.get("action")
    name = request.form.get("name", "")
    if action not in ("on", "off"):
        return _page(400, "操作を選んでください。", name)
    if action == "off" and request.form.get("confirm") != "yes":
        return _page(400, "災害モードを終了するには「終了してよい」にチェックを入れてください。", name)
    try:
        mode = set_disaster_mode(faq_db_path(), active=action == "on", name=name,
                                 desk_24h=request.form.get("desk_24h") == "1", by=g.staff.username)
    except ValueError as exc:
        return _page(400, str(exc).split(" / ")[0], name)
    log_access("disaster_on" if mode.active else "disaster_off", target=mode.name or None)
    flash(f"災害モードを開始しました（{mode.name}）。" if mode.active else "災害モードを終了しました。", "ok")
    return redirect(url_for("console.disaster.show"))

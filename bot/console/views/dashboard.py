"""The dashboard: questions, answer rates, 解決率, top FAQs and handoffs per day, as SVG and a table."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, request

from bot.console.charts import Series, bar_chart, percent_chart
from bot.console.navigator_report import navigator_usage
from bot.console.reports import build_dashboard
from bot.console.timeutil import day_start_utc_iso, today_jst
from bot.console.views.common import bot_conn, faq_db_path, render, services
from faq.store import FaqStore

bp = Blueprint("dashboard", __name__)

PERIODS = (14, 30)


@bp.get("/dashboard")
def overview():
    days = request.args.get("days", "14")
    days = int(days) if days in {str(p) for p in PERIODS} else PERIODS[0]
    store = FaqStore.open(faq_db_path())
    try:
        titles = {e.id: e.question for e in store.list(include_inactive=True)}
    finally:
        store.close()
    board = build_dashboard(bot_conn(), today_jst(), days, titles)
    labels = [f"{d.day.month}/{d.day.day}" for d in board.days]
    charts = {
        "questions": bar_chart("日ごとの質問数（回答・もしかして・職員へ）", labels, [
            Series("回答", "#1b6e3c", tuple(d.answered for d in board.days)),
            Series("もしかして", "#c88a12", tuple(d.suggested for d in board.days)),
            Series("職員へ（回答できず）", "#b3261e", tuple(d.fallback for d in board.days))]),
        "resolution": percent_chart("日ごとの解決率（「解決した」÷ 評価のあった回答）", labels,
                                    Series("解決率", "#1f5fa8", tuple(d.resolution_rate for d in board.days))),
        "handoffs": bar_chart("日ごとの職員への引き継ぎ", labels, [
            Series("引き継ぎ", "#6a3d9a", tuple(d.handoffs for d in board.days))]),
    }
    support = services().bot.support
    navigator = None
    catalogue = support.navigator.catalogue if support is not None else None
    if catalogue is not None:
        steps = [(q.key, q.title) for q in catalogue.questions]
        navigator = navigator_usage(bot_conn(), day_start_utc_iso(board.start),
                                    day_start_utc_iso(board.end + timedelta(days=1)), steps)
        if navigator.households:   # no empty chart while nobody used it
            charts["navigator"] = bar_chart("支援制度ナビ：途中で終えた質問（世帯数）", [t for t, _ in navigator.stopped], [
                Series("世帯", "#8a5a00", tuple(n for _, n in navigator.stopped))])
    return render("dashboard.html", board=board, charts=charts, days=days, periods=PERIODS, navigator=navigator)

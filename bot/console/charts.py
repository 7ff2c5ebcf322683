"""Small server-rendered SVG charts (no JavaScript, no external files; presentation attributes only,
because the console's CSP forbids inline styles). Each chart has a <title>/<desc>; the same figures
are always in a table next to it."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 900, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: tuple[float | None, ...]


def _nice_max(value: float) -> float:
    """A round top for the y axis, divisible by 4 so that the four grid lines are whole numbers."""
    for step in (4, 8, 12, 20, 40, 60, 80, 100, 200, 400, 600, 800, 1000, 2000, 4000, 10000, 20000, 40000):
        if value <= step:
            return step
    return -(-value // 4) * 4


def _frame(title: str, desc: str, body: list[str], labels: list[str], y_max: float, y_fmt) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
             f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"]
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d4da" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#333">{escape(y_fmt(value))}</text>')
    n = max(1, len(labels))
    slot = (WIDTH - LEFT - RIGHT) / n
    every = 1 if n <= 16 else 2 if n <= 31 else 7
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            x = LEFT + slot * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12" '
                         f'fill="#333">{escape(label)}</text>')
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, labels: list[str], series: list[Series], stacked: bool = True) -> Markup:
    n = max(1, len(labels))
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))] if stacked else \
        [max((s.values[i] or 0) for s in series) for i in range(len(labels))]
    y_max = _nice_max(max(totals, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / n
    bar_w = slot * 0.7
    body = []
    for i, label in enumerate(labels):
        base = 0.0
        for s in series:
            value = s.values[i] or 0
            if value <= 0:
                continue
            h = plot_h * value / y_max
            y = TOP + plot_h - plot_h * base / y_max - h
            x = LEFT + slot * i + (slot - bar_w) / 2
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{s.color}">'
                        f'<title>{escape(label)} {escape(s.name)}: {value:g}</title></rect>')
            base += value
    desc = "、".join(s.name for s in series) + "の日ごとの件数"
    return _frame(title, desc, body, labels, y_max, lambda v: f"{v:g}")


def percent_chart(title: str, labels: list[str], series: Series) -> Markup:
    """Rates (0..1) as points joined by lines; days without data leave a gap."""
    n = max(1, len(labels))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / n
    body, run = [], []

    def flush():
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{series.color}" stroke-width="2"/>')
        run.clear()

    for i, value in enumerate(series.values):
        if value is None:
            flush()
            continue
        x = LEFT + slot * (i + 0.5)
        y = TOP + plot_h - plot_h * value
        run.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{series.color}">'
                    f'<title>{escape(labels[i])} {escape(series.name)}: {value * 100:.0f}%</title></circle>')
    flush()
    return _frame(title, f"{series.name}の日ごとの割合", body, labels, 1.0, lambda v: f"{v * 100:.0f}%")

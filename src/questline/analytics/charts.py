"""Charts drawn on the server as SVG: a line chart of series over days, a bar chart of a
distribution, and a retention cohort heatmap.

Each is a `Chart`: the SVG (role="img", a <title> and <desc> it is labelled by) and
the same figures as an HTML table, for screen readers and for anyone who wants the
numbers. Colours and sizes are presentation attributes (fill, stroke, font-size), never
`style` attributes or inline script, so a page with a strict Content-Security-Policy
(no 'unsafe-inline') shows them. Text and axes use `currentColor`, so they follow the
page's colour in light and dark themes. No I/O: strings in, strings out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

# Distinguishable in both themes and for the common colour-vision deficiencies.
PALETTE = ("#2f6fdf", "#d9622b", "#2a9d6f", "#9b59b6", "#c9a100", "#d6336c")
WIDTH, HEIGHT = 640, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 16, 48


@dataclass(frozen=True)
class Chart:
    svg: str
    table: str  # the figures as an HTML <table>, the chart's text alternative


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[date, float]]


@dataclass(frozen=True)
class CohortRow:
    label: str  # e.g. the cohort's week
    size: int
    shares: Sequence[float | None]  # one per column; None: not known yet


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _ticks(top: float, count: int = 4) -> list[float]:
    """Round values from 0 to at least `top` for the y axis."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [float(step * i) for i in range(count + 1) if step * (i - 1) < top]


def _open(chart_id: str, title: str, description: str) -> list[str]:
    ident = quoteattr(f"{chart_id}-title")
    desc = quoteattr(f"{chart_id}-desc")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="100%" role="img" aria-labelledby={ident} aria-describedby={desc}'
        ' font-family="system-ui, sans-serif" font-size="11" fill="currentColor">',
        f"<title id={ident}>{escape(title)}</title>",
        f"<desc id={desc}>{escape(description)}</desc>",
    ]


def _y_axis(parts: list[str], ticks: list[float], label: str) -> None:
    bottom, height = HEIGHT - _BOTTOM, HEIGHT - _TOP - _BOTTOM
    for tick in ticks:
        y = bottom - height * tick / ticks[-1]
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}"'
            ' stroke="currentColor" stroke-opacity="0.15"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(tick)}</text>'
        )
    parts.append(
        f'<text x="12" y="{_TOP + height / 2:.1f}" text-anchor="middle"'
        f' transform="rotate(-90 12 {_TOP + height / 2:.1f})">{escape(label)}</text>'
    )
    parts.append(
        f'<line x1="{_LEFT}" y1="{bottom}" x2="{WIDTH - _RIGHT}" y2="{bottom}"'
        ' stroke="currentColor"/>'
    )


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{cells}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def line_chart(chart_id: str, title: str, series: Sequence[Series], y_label: str) -> Chart:
    """Series over the same days, one line each, with a legend."""
    days = sorted({day for s in series for day, _ in s.points})
    top = max((value for s in series for _, value in s.points), default=0)
    ticks = _ticks(top)
    summary = "; ".join(
        f"{s.name}: highest {_number(max((v for _, v in s.points), default=0))}" for s in series
    )
    parts = _open(
        chart_id,
        title,
        f"{y_label} per day from {days[0] if days else '-'}"
        f" to {days[-1] if days else '-'}. {summary}",
    )
    _y_axis(parts, ticks, y_label)
    width, height, bottom = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM, HEIGHT - _BOTTOM
    position = {day: _LEFT + (width * i / max(len(days) - 1, 1)) for i, day in enumerate(days)}
    every = max(len(days) // 6, 1)
    last = len(days) - 1
    for i, day in enumerate(days):
        # Every `every`-th day and the last, but no label so near the last that they overlap.
        if (i % every == 0 and last - i >= every / 2) or i == last:
            anchor = "end" if i == last and last > 0 else "middle"  # the last stays inside
            parts.append(
                f'<text x="{position[day]:.1f}" y="{bottom + 16}" text-anchor="{anchor}">'
                f"{day.isoformat()}</text>"
            )
    for number, s in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(
            f"{position[day]:.1f},{bottom - height * value / ticks[-1]:.1f}"
            for day, value in s.points
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"'
            ' stroke-linejoin="round"/>'
        )
        x = _LEFT + 110 * number
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 7}">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    values = [dict(s.points) for s in series]
    rows = [[day.isoformat(), *(_number(v.get(day, 0)) for v in values)] for day in days]
    return Chart("".join(parts), _table(title, ["Day", *(s.name for s in series)], rows))


def bar_chart(
    chart_id: str, title: str, bars: Sequence[tuple[str, float]], x_label: str, y_label: str
) -> Chart:
    """One bar per category, its value written above it."""
    ticks = _ticks(max((value for _, value in bars), default=0))
    summary = ", ".join(f"{label}: {_number(value)}" for label, value in bars)
    parts = _open(chart_id, title, f"{y_label} by {x_label}. {summary}")
    _y_axis(parts, ticks, y_label)
    width, height, bottom = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM, HEIGHT - _BOTTOM
    slot = width / max(len(bars), 1)
    for i, (label, value) in enumerate(bars):
        tall = height * value / ticks[-1]
        x = _LEFT + slot * i + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - tall:.1f}" width="{slot * 0.7:.1f}"'
            f' height="{tall:.1f}" fill="{PALETTE[0]}"/>'
        )
        middle = x + slot * 0.35
        parts.append(
            f'<text x="{middle:.1f}" y="{bottom - tall - 4:.1f}" text-anchor="middle">'
            f"{_number(value)}</text>"
            f'<text x="{middle:.1f}" y="{bottom + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{_LEFT + width / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
        f"{escape(x_label)}</text></svg>"
    )
    rows = [[label, _number(value)] for label, value in bars]
    return Chart("".join(parts), _table(title, [x_label, y_label], rows))


def cohort_heatmap(
    chart_id: str, title: str, columns: Sequence[str], rows: Sequence[CohortRow]
) -> Chart:
    """A row per cohort, a cell per column: the share, as a percentage and a shade."""
    row_height, first_column, cell = 28, 150, 110
    height = _TOP + row_height * (len(rows) + 1) + 8
    parts = _open(chart_id, title, f"{len(rows)} cohorts; share retained on {', '.join(columns)}")
    parts[0] = parts[0].replace(
        f'viewBox="0 0 {WIDTH} {HEIGHT}"', f'viewBox="0 0 {WIDTH} {height}"'
    )
    parts.append(f'<text x="8" y="{_TOP + 14}" font-weight="bold">Cohort (players)</text>')
    for j, column in enumerate(columns):
        x = first_column + cell * j + cell / 2
        parts.append(
            f'<text x="{x:.1f}" y="{_TOP + 14}" text-anchor="middle" font-weight="bold">'
            f"{escape(column)}</text>"
        )
    for i, row in enumerate(rows):
        y = _TOP + row_height * (i + 1)
        parts.append(f'<text x="8" y="{y + 18}">{escape(row.label)} ({row.size:,})</text>')
        for j, value in enumerate(row.shares):
            x = first_column + cell * j
            shade = 0.08 if value is None else 0.12 + 0.78 * value
            parts.append(
                f'<rect x="{x + 2}" y="{y + 2}" width="{cell - 4}" height="{row_height - 4}"'
                f' fill="{PALETTE[0]}" fill-opacity="{shade:.2f}"/>'
                f'<text x="{x + cell / 2:.1f}" y="{y + 18}" text-anchor="middle">'
                f"{_percent(value)}</text>"
            )
    parts.append("</svg>")
    table_rows = [[row.label, f"{row.size:,}", *(_percent(v) for v in row.shares)] for row in rows]
    return Chart("".join(parts), _table(title, ["Cohort", "Players", *columns], table_rows))


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"

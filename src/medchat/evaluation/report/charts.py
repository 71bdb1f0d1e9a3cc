"""Inline SVG charts for reports: no scripts, no fonts or images to fetch, readable when printed.

Every function returns one ``<svg class="chart">`` string with its title, axis labels and legend drawn
inside. Data elements carry class ``mark`` and a ``<title>`` tooltip with the exact numbers, so a reader
can hover for values and a test can find what was drawn.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Tableau 10: distinct hues that survive the common colour-vision deficiencies reasonably well.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac")
GREY = "#9aa0a6"
INK = "#1f2933"
MUTED = "#5f6b7a"
GRID = "#e4e7eb"
TITLE_SIZE = 15
TEXT_SIZE = 12
SMALL_SIZE = 11
WIDTH = 560  # drawn at about their natural size in a two-column report grid, so text stays legible
WIDE = 1040  # one chart across the page


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK glyphs are square, Latin ones a little over half the font size."""
    return sum(size * (1.0 if ord(ch) >= 0x2E80 else 0.62 if ch.isupper() else 0.54) for ch in text)


def truncate(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def label_lines(text: str, width: float, size: float) -> list[str]:
    """One line if it fits, else two split after the provider (``openai/`` + ``gpt-4o-mini``), each truncated."""
    if text_width(text, size) <= width or "/" not in text:
        return [truncate(text, width, size)]
    head, _, tail = text.partition("/")
    return [truncate(head + "/", width, size), truncate(tail, width, size)]


def _lines(x: float, y: float, lines: list[str], full: str, *, size: float = TEXT_SIZE, anchor: str = "start",
           fill: str = INK) -> str:
    """A label of one or two lines centred vertically on ``y``, the full text on hover."""
    top = y - (len(lines) - 1) * size * 0.55
    spans = "".join(f'<tspan x="{x:.1f}" y="{top + i * size * 1.1:.1f}">{esc(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text font-size="{size}" text-anchor="{anchor}" fill="{fill}">{spans}<title>{esc(full)}</title>'
            "</text>")


def fmt(value: float) -> str:
    """Compact number for labels and tooltips: 3 significant digits, no float noise."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    text = f"{value:.{max(0, 2 - math.floor(math.log10(size)))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------------------------- scales


@dataclass
class Scale:
    """Maps data ``[lo, hi]`` onto pixels ``[a, b]``, linearly or on log10."""

    lo: float
    hi: float
    a: float
    b: float
    log: bool = False

    def __call__(self, value: float) -> float:
        if self.log:
            value, lo, hi = math.log10(max(value, self.lo)), math.log10(self.lo), math.log10(self.hi)
        else:
            lo, hi = self.lo, self.hi
        span = hi - lo or 1.0
        return self.a + (value - lo) / span * (self.b - self.a)

    def ticks(self) -> list[float]:
        if not self.log:
            return nice_ticks(self.lo, self.hi)[0]
        out = []
        for exp in range(math.floor(math.log10(self.lo)), math.ceil(math.log10(self.hi)) + 1):
            for m in (1, 2, 5):
                tick = m * 10.0**exp
                if self.lo * 0.999 <= tick <= self.hi * 1.001:
                    out.append(tick)
        return out


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], float]:
    """Round tick values covering ``[lo, hi]`` (1, 2, 2.5 or 5 times a power of ten apart) and the step."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if (hi - lo) / step <= count:
            break
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    tick = start
    while tick < hi + step * 0.999:
        ticks.append(round(tick, 12))
        if tick >= hi - 1e-12:
            break
        tick += step
    return ticks, step


def value_scale(values: Sequence[float], a: float, b: float, *, zero: bool = True, unit: bool = True,
                log: bool = False) -> Scale:
    """A scale over ``values``: [0, 1] when they all lie there (scores), else rounded out to nice ticks."""
    finite = [v for v in values if math.isfinite(v)] or [0.0, 1.0]
    lo, hi = min(finite), max(finite)
    if log and lo > 0 and hi / lo > 50:
        return Scale(10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi)), a, b, log=True)
    if unit and lo >= 0 and hi <= 1:
        return Scale(0.0, 1.0, a, b)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    ticks, _ = nice_ticks(lo, hi)
    return Scale(ticks[0], ticks[-1], a, b)


# ---------------------------------------------------------------------------------------------- pieces


def _svg(width: float, height: float, title: str, body: list[str], kind: str) -> str:
    return (f'<svg class="chart chart-{kind}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" style="max-width:{width:.0f}px" role="img" '
            f'aria-label="{esc(title)}" '
            f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif" fill="{INK}">'
            f"<title>{esc(title)}</title>"
            f'<text class="chart-title" x="12" y="22" font-size="{TITLE_SIZE}" font-weight="600">{esc(title)}</text>'
            + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, size: float = TEXT_SIZE, anchor: str = "start", fill: str = INK,
          extra: str = "", tip: str | None = None) -> str:
    """A label; ``tip`` (the full text of a truncated label) shows on hover."""
    title = f"<title>{esc(tip)}</title>" if tip and tip != text else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f"{esc(text)}{title}</text>")


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1.0, extra: str = "") -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
            f'stroke-width="{width}"{extra}/>')


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> tuple[list[str], float]:
    """Swatch + name entries flowing left to right, wrapping; returns the elements and the height used."""
    out: list[str] = ['<g class="legend">']
    cx, cy = x, y
    for name, fill in items:
        label = truncate(name, 320, TEXT_SIZE)
        item_w = 18 + text_width(label, TEXT_SIZE) + 18
        if cx > x and cx + item_w > x + width:
            cx, cy = x, cy + 18
        out.append(f'<rect x="{cx:.1f}" y="{cy - 10:.1f}" width="12" height="12" rx="2" fill="{fill}"/>')
        out.append(_text(cx + 17, cy, label, tip=name))
        cx += item_w
    out.append("</g>")
    return out, (cy - y) + 18 if items else 0.0


def _y_axis(scale: Scale, left: float, right: float, label: str, top: float, bottom: float) -> list[str]:
    out = []
    for tick in scale.ticks():
        y = scale(tick)
        out.append(_line(left, y, right, y, GRID))
        out.append(_text(left - 6, y + 4, fmt(tick), size=SMALL_SIZE, anchor="end", fill=MUTED))
    out.append(_line(left, top, left, bottom, MUTED))
    mid = (top + bottom) / 2
    out.append(_text(16, mid, label, anchor="middle", fill=MUTED, extra=f' transform="rotate(-90 16 {mid:.1f})"'))
    return out


def _x_axis(scale: Scale, top: float, bottom: float, label: str, left: float, right: float) -> list[str]:
    out = []
    for tick in scale.ticks():
        x = scale(tick)
        out.append(_line(x, top, x, bottom, GRID))
        out.append(_text(x, bottom + 15, fmt(tick), size=SMALL_SIZE, anchor="middle", fill=MUTED))
    out.append(_line(left, bottom, right, bottom, MUTED))
    out.append(_text((left + right) / 2, bottom + 34, label, anchor="middle", fill=MUTED))
    return out


def _empty(title: str, message: str, width: float = WIDTH) -> str:
    return _svg(width, 80, title, [_text(12, 52, message, fill=MUTED)], "empty")


# ---------------------------------------------------------------------------------------------- charts


@dataclass
class Bar:
    """One bar: a mean and its interval (``low``/``high`` ``None`` when there is none)."""

    mean: float
    low: float | None = None
    high: float | None = None
    n: int | None = None


@dataclass
class Series:
    name: str
    color: str
    values: list[Bar | None]


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], *, y_label: str, x_label: str = "",
              width: float = WIDTH, height: float = 340) -> str:
    """Grouped bars (one group per category, one bar per series) with interval error bars."""
    if not categories or not series:
        return _empty(title, "nothing to plot")
    legend, legend_h = _legend([(s.name, s.color) for s in series], 12, 46, width - 24)
    top, bottom, left, right = 46 + legend_h + 8, height - (50 if x_label else 34), 64, width - 16
    points = [v for s in series for bar in s.values if bar for v in (bar.mean, bar.low, bar.high) if v is not None]
    scale = value_scale(points, bottom, top)
    body = [*legend, *_y_axis(scale, left, right, y_label, top, bottom)]
    group = (right - left) / len(categories)
    inner = group * 0.78
    bar_w = inner / len(series)
    zero = scale(max(scale.lo, 0.0))
    for i, category in enumerate(categories):
        gx = left + i * group + (group - inner) / 2
        label = truncate(category, group - 4, TEXT_SIZE)
        body.append(_text(left + (i + 0.5) * group, bottom + 16, label, anchor="middle", tip=category))
        for j, s in enumerate(series):
            bar = s.values[i] if i < len(s.values) else None
            x = gx + j * bar_w
            if bar is None:
                body.append(_text(x + bar_w / 2, zero - 4, "n/a", size=SMALL_SIZE - 1, anchor="middle", fill=MUTED))
                continue
            y = scale(bar.mean)
            ci = f" (CI {fmt(bar.low)}–{fmt(bar.high)})" if bar.low is not None and bar.high is not None else ""
            n = f", n = {bar.n}" if bar.n is not None else ""
            tip = f"{s.name} — {category}: {fmt(bar.mean)}{ci}{n}"
            body.append(f'<rect class="mark" x="{x + 1:.1f}" y="{min(y, zero):.1f}" width="{max(bar_w - 2, 1):.1f}" '
                        f'height="{max(abs(zero - y), 1):.1f}" fill="{s.color}" rx="1.5">'
                        f"<title>{esc(tip)}</title></rect>")
            if bar.low is not None and bar.high is not None:
                cx, y1, y2, cap = x + bar_w / 2, scale(bar.low), scale(bar.high), min(bar_w * 0.3, 6)
                body.append('<g class="errorbar">' + _line(cx, y1, cx, y2, INK, 1.3)
                            + _line(cx - cap, y1, cx + cap, y1, INK, 1.3) + _line(cx - cap, y2, cx + cap, y2, INK, 1.3)
                            + "</g>")
    if x_label:
        body.append(_text((left + right) / 2, height - 10, x_label, anchor="middle", fill=MUTED))
    return _svg(width, height, title, body, "bar")


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    pos = (len(sorted_values) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def box_plot(title: str, groups: Sequence[tuple[str, str, Sequence[float]]], *, x_label: str, unit: str = "",
             width: float = WIDTH) -> str:
    """Horizontal box plots (quartiles, whiskers at 1.5 IQR) with every value drawn as a point over them.

    A log axis is used when values span more than 50×, so one slow answer does not flatten the rest.
    """
    if not groups or not any(values for _, _, values in groups):
        return _empty(title, "no measurements")
    row_h = 38
    left = min(width * 0.32, max(text_width(name, TEXT_SIZE) for name, _, _ in groups) + 20)
    top, right = 40, width - 20
    bottom = top + row_h * len(groups)
    height = bottom + 48
    every = [v for _, _, values in groups for v in values]
    scale = value_scale(every, left, right, unit=False, log=True)
    body = _x_axis(scale, top, bottom, x_label + (" (log scale)" if scale.log else ""), left, right)
    for i, (name, fill, values) in enumerate(groups):
        mid = top + (i + 0.5) * row_h
        body.append(_lines(left - 10, mid + 4, label_lines(name, left - 14, TEXT_SIZE), name, anchor="end"))
        if not values:
            body.append(_text(left + 6, mid + 4, "no measurements", size=SMALL_SIZE, fill=MUTED))
            continue
        data = sorted(values)
        q1, med, q3 = _quantile(data, 0.25), _quantile(data, 0.5), _quantile(data, 0.75)
        iqr = q3 - q1
        lo_w = min(v for v in data if v >= q1 - 1.5 * iqr)
        hi_w = max(v for v in data if v <= q3 + 1.5 * iqr)
        tip = (f"{name}: n = {len(data)}, median {fmt(med)}{unit}, p90 {fmt(_quantile(data, 0.9))}{unit}, "
               f"p99 {fmt(_quantile(data, 0.99))}{unit}, max {fmt(data[-1])}{unit}")
        body.append(_line(scale(lo_w), mid, scale(q1), mid, INK) + _line(scale(q3), mid, scale(hi_w), mid, INK))
        body.append(_line(scale(lo_w), mid - 6, scale(lo_w), mid + 6, INK)
                    + _line(scale(hi_w), mid - 6, scale(hi_w), mid + 6, INK))
        x1 = scale(q1)
        box_w = max(scale(q3) - x1, 2.0)
        body.append(f'<rect class="mark" x="{x1:.1f}" y="{mid - 11:.1f}" width="{box_w:.1f}" height="22" '
                    f'fill="{fill}" fill-opacity="0.35" stroke="{fill}" stroke-width="1.5"><title>{esc(tip)}</title>'
                    "</rect>")
        body.append(_line(scale(med), mid - 11, scale(med), mid + 11, INK, 2.2))
        for k, value in enumerate(values):
            jitter = ((k * 0.6180339887) % 1 - 0.5) * 16
            body.append(f'<circle cx="{scale(value):.1f}" cy="{mid + jitter:.1f}" r="2.3" fill="{fill}" '
                        f'fill-opacity="0.7"><title>{esc(fmt(value) + unit)}</title></circle>')
    return _svg(width, height, title, body, "box")


@dataclass
class Point:
    label: str
    color: str
    x: float
    y: float
    y_low: float | None = None
    y_high: float | None = None


def scatter(title: str, points: Sequence[Point], *, x_label: str, y_label: str, width: float = WIDTH,
            height: float = 360) -> str:
    """Points with vertical interval bars and a label beside each (quality against cost or latency)."""
    if not points:
        return _empty(title, "nothing to plot")
    legend, legend_h = _legend([(p.label, p.color) for p in points], 12, 46, width - 24)
    top, bottom, left, right = 46 + legend_h + 14, height - 50, 64, width - 30
    xs = [p.x for p in points]
    span = (max(xs) - min(xs)) or abs(max(xs)) or 1.0
    x_scale = value_scale([0.0, max(xs) + span * 0.08], left, right, unit=False)
    ys = [v for p in points for v in (p.y, p.y_low, p.y_high) if v is not None]
    y_scale = value_scale(ys, bottom, top)
    body = [*legend, *_y_axis(y_scale, left, right, y_label, top, bottom)]
    for tick in x_scale.ticks():
        x = x_scale(tick)
        body.append(_text(x, bottom + 15, fmt(tick), size=SMALL_SIZE, anchor="middle", fill=MUTED))
    body.append(_line(left, bottom, right, bottom, MUTED))
    body.append(_text((left + right) / 2, bottom + 36, x_label, anchor="middle", fill=MUTED))
    for p in points:
        cx, cy = x_scale(p.x), y_scale(p.y)
        if p.y_low is not None and p.y_high is not None:
            body.append(_line(cx, y_scale(p.y_low), cx, y_scale(p.y_high), p.color, 2))
        ci = f" (CI {fmt(p.y_low)}–{fmt(p.y_high)})" if p.y_low is not None and p.y_high is not None else ""
        tip = f"{p.label}: {y_label} {fmt(p.y)}{ci}; {x_label} {fmt(p.x)}"
        body.append(f'<circle class="mark" cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{p.color}" stroke="#fff" '
                    f'stroke-width="1.5"><title>{esc(tip)}</title></circle>')
        anchor = "end" if cx > right - 140 else "start"
        body.append(_text(cx + (-10 if anchor == "end" else 10), cy - 8, truncate(p.label, 210, SMALL_SIZE),
                          size=SMALL_SIZE, anchor=anchor, tip=p.label))
    return _svg(width, height, title, body, "scatter")


def _blend(low: str, high: str, t: float) -> str:
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


HEAT_STOPS = ("#f7fbff", "#9ecae1", "#3182bd", "#08306b")  # sequential blues: darker is higher


def heat_color(t: float) -> str:
    t = min(max(t, 0.0), 1.0) * (len(HEAT_STOPS) - 1)
    i = min(int(t), len(HEAT_STOPS) - 2)
    return _blend(HEAT_STOPS[i], HEAT_STOPS[i + 1], t - i)


def heatmap(title: str, rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float | None]], *,
            counts: Sequence[Sequence[int | None]] | None = None, value_label: str, width: float = WIDTH) -> str:
    """A rows × columns grid of values (tags × models), coloured on one scale with the number in each cell."""
    if not rows or not cols:
        return _empty(title, "no tags to break down by")
    left = min(240, max(text_width(r, TEXT_SIZE) for r in rows) + 20)
    cell_w = min(130, (width - left - 20) / len(cols))
    cell_h = 28
    top = 76
    height = top + cell_h * len(rows) + 64
    flat = [v for row in values for v in row if v is not None]
    scale = value_scale(flat or [0.0, 1.0], 0, 1, zero=False)
    body = []
    for j, col in enumerate(cols):
        lines = label_lines(col, cell_w - 6, SMALL_SIZE)
        body.append(_lines(left + (j + 0.5) * cell_w, top - 8 - (len(lines) - 1) * SMALL_SIZE * 0.55, lines, col,
                           size=SMALL_SIZE, anchor="middle"))
    for i, row in enumerate(rows):
        y = top + i * cell_h
        body.append(_text(left - 10, y + cell_h / 2 + 4, truncate(row, left - 14, TEXT_SIZE), anchor="end", tip=row))
        for j, col in enumerate(cols):
            value = values[i][j]
            x = left + j * cell_w
            n = counts[i][j] if counts is not None else None
            if value is None:
                body.append(f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                            f'fill="#f3f4f6"/>' + _text(x + cell_w / 2, y + cell_h / 2 + 4, "–", anchor="middle",
                                                         fill=MUTED))
                continue
            t = scale(value)
            tip = f"{row} · {col}: {value_label} {fmt(value)}" + (f" (n = {n})" if n is not None else "")
            body.append(f'<rect class="mark" x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell_w - 2:.1f}" '
                        f'height="{cell_h - 2}" rx="2" fill="{heat_color(t)}"><title>{esc(tip)}</title></rect>')
            body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, fmt(value), anchor="middle",
                              fill="#ffffff" if t > 0.55 else INK))
    # colour legend: a gradient bar with the ends of the scale
    ly = top + cell_h * len(rows) + 22
    stops = "".join(f'<stop offset="{k / (len(HEAT_STOPS) - 1):.2f}" stop-color="{c}"/>' for k, c in
                    enumerate(HEAT_STOPS))
    gradient_id = "heat-" + hashlib.sha1("\x1f".join([title, *rows, *cols]).encode()).hexdigest()[:10]
    body.append(f'<defs><linearGradient id="{gradient_id}">{stops}</linearGradient></defs>')
    body.append(f'<rect class="legend" x="{left:.1f}" y="{ly:.1f}" width="180" height="10" '
                f'fill="url(#{gradient_id})" stroke="{GRID}"/>')
    body.append(_text(left, ly + 24, fmt(scale.lo), size=SMALL_SIZE, fill=MUTED))
    body.append(_text(left + 180, ly + 24, fmt(scale.hi), size=SMALL_SIZE, anchor="end", fill=MUTED))
    body.append(_text(left + 192, ly + 9, value_label, size=SMALL_SIZE, fill=MUTED))
    return _svg(width, height, title, body, "heatmap")


@dataclass
class Interval:
    """One row of a forest plot: a difference with its interval, coloured by who it favours."""

    label: str
    value: float
    low: float | None
    high: float | None
    color: str
    note: str = ""


def forest_plot(title: str, rows: Sequence[Interval], *, x_label: str, legend: Sequence[tuple[str, str]] = (),
                width: float = WIDE) -> str:
    """Differences with intervals around a dashed zero line: an interval clear of zero is a real difference."""
    if not rows:
        return _empty(title, "no comparisons")
    legend_els, legend_h = _legend(legend, 12, 46, width - 24) if legend else ([], 0.0)
    row_h = 30
    left = min(width * 0.4, max(text_width(r.label, TEXT_SIZE) for r in rows) + 20)
    top, right = 46 + legend_h + 10, width - 24
    bottom = top + row_h * len(rows)
    height = bottom + 48
    extent = max([abs(v) for r in rows for v in (r.value, r.low, r.high) if v is not None] or [1.0]) * 1.1 or 1.0
    _, step = nice_ticks(-extent, extent)
    extent = math.ceil(extent / step) * step
    scale = Scale(-extent, extent, left, right)
    body = [*legend_els, *_x_axis(scale, top, bottom, x_label, left, right)]
    body.append(_line(scale(0), top - 4, scale(0), bottom, INK, 1.2, ' stroke-dasharray="4 3"'))
    for i, r in enumerate(rows):
        mid = top + (i + 0.5) * row_h
        body.append(_text(left - 10, mid + 4, truncate(r.label, left - 14, TEXT_SIZE), anchor="end", tip=r.label))
        if r.low is not None and r.high is not None:
            body.append(_line(scale(r.low), mid, scale(r.high), mid, r.color, 2.5))
            body.append(_line(scale(r.low), mid - 5, scale(r.low), mid + 5, r.color, 2)
                        + _line(scale(r.high), mid - 5, scale(r.high), mid + 5, r.color, 2))
        ci = f" (CI {fmt(r.low)} to {fmt(r.high)})" if r.low is not None and r.high is not None else ""
        tip = f"{r.label}: {fmt(r.value)}{ci}" + (f" — {r.note}" if r.note else "")
        body.append(f'<circle class="mark" cx="{scale(r.value):.1f}" cy="{mid:.1f}" r="5.5" fill="{r.color}" '
                    f'stroke="#fff" stroke-width="1.2"><title>{esc(tip)}</title></circle>')
    return _svg(width, height, title, body, "forest")

"""The arena leaderboard as a report section: ratings with their bootstrap intervals (a table and a dot-and-whisker
plot), the raw win-rate heat map, the length-bias check and the notes; ``arena_page`` wraps it as a standalone
page in the report's style (inline CSS and SVG, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medchat.evaluation.arena.ratings import Leaderboard, Row
from medchat.evaluation.report import charts
from medchat.evaluation.report.assets import CSS

HEAT_MAX_MODELS = 30  # beyond this a cell is too small to read: the heat map shows the top models
METHODS = {"bt": "Bradley–Terry (maximum likelihood, ties as half wins)", "elo": "online Elo (K = 4)",
           "win_rate": "share of battles won (ties as half)"}


def e(value: object) -> str:
    return charts.esc(value)


def fmt_rating(board: Leaderboard, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if board.scale == "share" else f"{value:.0f}"


def arena_section(board: Leaderboard, *, judge: str | None = None) -> str:
    """``<section id="arena">``: table, figures, length bias and notes; ``judge`` (who judged the battles and how
    far to trust it) is printed above the table."""
    method = METHODS.get(board.method, board.method)
    interval = (f"95 % bootstrap intervals over battles ({board.rounds} rounds, seed {board.seed})" if board.rounds
                else "no bootstrap intervals")
    anchor = ""
    if board.anchor:
        (model, value), = board.anchor.items()
        anchor = f" · anchored: {e(model)} = {value:g}"
    elif board.scale == "points":
        anchor = " · centred on a mean of 1000"
    parts = ['<section class="card" id="arena"><h2>Arena leaderboard</h2>',
             f'<p class="meta">{board.battles:,} battles · {len(board.rows)} models · {e(method)} · {e(interval)}'
             f"{anchor}</p>"]
    if judge:
        parts.append(f'<p class="meta judge-trust">{e(judge)}</p>')
    parts.append(_table(board))
    # one figure a row, across the page: a heat map of many models needs the width, and the dots line up with it
    figures = [dot_whisker("Ratings with 95 % intervals", board), _heatmap(board)]
    parts.append('<div class="arena-figs" style="display:grid;gap:18px;margin-top:14px">'
                 + "".join(f"<figure>{f}</figure>" for f in figures) + "</div>")
    parts.append(_length_bias(board))
    if board.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{e(note)}</li>" for note in board.notes) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _table(board: Leaderboard) -> str:
    rows = []
    for rank, row in enumerate(board.rows, start=1):
        ci = (f"{fmt_rating(board, row.ci_low)} – {fmt_rating(board, row.ci_high)}"
              if row.ci_low is not None else "–")
        rows.append(f'<tr><td class="rank">{rank}</td><td>{e(row.model)}</td>'
                    f'<td class="num">{e(fmt_rating(board, row.rating))}</td><td class="num">{e(ci)}</td>'
                    f'<td class="num">{e(fmt_rating(board, row.median))}</td><td class="num">{row.battles:,}</td>'
                    "</tr>")
    head = ('<tr><th class="rank">#</th><th>Model</th><th class="num">rating</th><th class="num">95 % CI</th>'
            '<th class="num">bootstrap median</th><th class="num">battles</th></tr>')
    return (f'<div class="table-wrap"><table class="leaderboard arena"><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def dot_whisker(title: str, board: Leaderboard, *, width: float = charts.WIDE) -> str:
    """One row per model, best first: a dot at the rating and a whisker over its interval."""
    rows: Sequence[Row] = board.rows
    if not rows:
        return charts._empty(title, "no models")
    row_h = 26
    left = min(width * 0.35, max(charts.text_width(r.model, charts.TEXT_SIZE) for r in rows) + 20)
    top, right = 44, width - 24
    bottom = top + row_h * len(rows)
    values = [v for r in rows for v in (r.rating, r.ci_low, r.ci_high) if v is not None]
    scale = charts.value_scale(values, left, right, zero=False, unit=board.scale == "share")
    label = "share of battles won" if board.scale == "share" else "rating"
    body = charts._x_axis(scale, top, bottom, label, left, right)
    for i, row in enumerate(rows):
        mid = top + (i + 0.5) * row_h
        fill = charts.color(i)
        body.append(charts._text(left - 10, mid + 4, charts.truncate(row.model, left - 14, charts.TEXT_SIZE),
                                 anchor="end", tip=row.model))
        ci = ""
        if row.ci_low is not None and row.ci_high is not None:
            x1, x2 = scale(row.ci_low), scale(row.ci_high)
            caps = charts._line(x1, mid - 5, x1, mid + 5, fill, 2) + charts._line(x2, mid - 5, x2, mid + 5, fill, 2)
            body.append(f'<g class="errorbar">{charts._line(x1, mid, x2, mid, fill, 2.5)}{caps}</g>')
            ci = f" (95 % CI {fmt_rating(board, row.ci_low)} to {fmt_rating(board, row.ci_high)})"
        tip = f"{row.model}: {fmt_rating(board, row.rating)}{ci}, {row.battles:,} battles"
        body.append(f'<circle class="mark" cx="{scale(row.rating):.1f}" cy="{mid:.1f}" r="5.5" fill="{fill}" '
                    f'stroke="#fff" stroke-width="1.2"><title>{e(tip)}</title></circle>')
    return charts._svg(width, bottom + 48, title, body, "dots")


def _heatmap(board: Leaderboard) -> str:
    shown = board.models[:HEAT_MAX_MODELS]
    k = len(shown)
    title = "Win rate, row against column (ties as half)"
    if len(board.models) > k:
        title += f": top {k} of {len(board.models)}"
    values = [row[:k] for row in board.win_rate[:k]]
    counts = [[c or None for c in row[:k]] for row in board.counts[:k]]
    return charts.heatmap(title, shown, shown, values, counts=counts, value_label="win rate", width=charts.WIDE)


def _length_bias(board: Leaderboard) -> str:
    bias = board.length_bias
    if bias is None:
        return ('<h3>Length bias</h3><p class="meta">No battle has both answers\' lengths, so whether the judge '
                "prefers longer answers cannot be checked.</p>")
    rows = "".join(f'<tr><td>{e(b.label)} characters</td><td class="num">{b.battles:,}</td>'
                   f'<td class="num">{b.longer_win_rate:.1%}</td><td class="num">{b.ci_low:.1%} – {b.ci_high:.1%}</td>'
                   "</tr>" for b in bias.buckets)
    return ('<h3>Length bias</h3>'
            f'<p class="meta">Over {bias.battles:,} battles with both lengths known and different, the longer answer '
            f"won {bias.longer_win_rate:.1%} (95 % CI {bias.ci_low:.1%} – {bias.ci_high:.1%}; ties count half, "
            f"{bias.ties:,} ties): {e(bias.verdict)}. 50 % means length made no difference.</p>"
            '<div class="table-wrap"><table class="length-bias"><thead><tr><th>longer by</th>'
            '<th class="num">battles</th><th class="num">longer won</th><th class="num">95 % CI</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def arena_page(board: Leaderboard, *, title: str = "Arena ratings", sources: Sequence[str] = (),
               judge: str | None = None) -> str:
    """A standalone page: the section with a header in the report's style; no script, nothing fetched."""
    from medchat.__about__ import __version__

    sub = f"{board.battles:,} battles" + (f" from {', '.join(sources)}" if sources else "")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
            "img-src data:\">"
            f"<title>{e(title)} · medchat</title><style>{CSS}</style></head><body>"
            '<header class="top"><div class="wrap"><div class="brand">medchat · arena</div>'
            f'<h1>{e(title)}</h1><p class="sub">{e(sub)} · medchat {e(__version__)}</p></div></header>'
            f'<main class="wrap">{arena_section(board, judge=judge)}</main>'
            '<footer class="wrap">this page is self-contained: it loads nothing from the network.</footer>'
            "</body></html>\n")


def write_arena_page(board: Leaderboard, path: str | Path, *, title: str = "Arena ratings",
                     sources: Sequence[str] = (), judge: str | None = None) -> Path:
    from medchat.evaluation.report.export import write_text

    return write_text(path, arena_page(board, title=title, sources=sources, judge=judge))

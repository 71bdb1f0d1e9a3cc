"""One task's section of the report page: the leaderboard (with each metric's judge caveat and whether it
separates the models), the quality charts and the paired comparisons."""

from __future__ import annotations

import html
import re

from medchat.evaluation.report import charts
from medchat.evaluation.report.page import Page, caveat, e, fmt_cost, fmt_metric, fmt_seconds, interval, slug
from medchat.evaluation.report.summary import Report
from medchat.evaluation.stats import Comparison, MetricSummary, Separation, format_p, higher_is_better


def task_section(page: Page, task: str) -> str:
    """The section of ``task``: leaderboard, figures and comparisons."""
    report = page.report
    metrics = report.quality_metrics(task)
    models = report.leaderboard(task)
    samples = len({r.sample_id for r in page.results if r.task == task})
    primary = report.primary.get(task)
    parts = [f'<section class="card" id="task-{e(slug(task))}"><h2>Task <code>{e(task)}</code></h2>',
             f'<p class="meta">{samples} samples · {len(models)} model(s) · metrics: '
             f"{e(', '.join(metrics) or 'none')}"
             + (f" · ranked by <b>{e(primary)}</b>" if primary else "") + "</p>",
             _leaderboard(page, task, models, metrics)]
    figures = [_bar_figure(page, task, models, metrics), _scatter_figure(page, task, models)]
    figures += _heatmap_figures(page, task, models)
    parts.append('<div class="figs">' + "".join(f for f in figures if f) + "</div>")
    comparisons = [c for c in report.comparisons if c.task == task]
    if comparisons:
        parts.append(_comparisons(page, task, comparisons))
    parts.append("</section>")
    return "".join(parts)


def _best(values: dict[str, float], higher: bool) -> set[str]:
    if len(values) < 2:
        return set()
    target = max(values.values()) if higher else min(values.values())
    return {m for m, v in values.items() if v == target}


def _leaderboard(page: Page, task: str, models: list[str], metrics: list[str]) -> str:
    """Quality metrics, then samples, errors, latency and cost. With several models, a trailing column that is
    the same for all of them (the same samples; $0 for local models; no errors) says nothing about which is
    better: it moves to a line under the table, so no column is constant by construction."""
    report = page.report
    trailing = _trailing_columns(page, task, models)
    fixed = [name for name, (_, cells) in trailing.items() if len(models) > 1 and len(set(cells)) == 1]
    shown = [name for name in trailing if name not in fixed]
    head = ['<th class="rank">#</th>', "<th>Model</th>"]
    head += [f'<th class="num" title="mean over samples, 95 % CI below">{e(m)}{caveat(report.judge_note(task, m))}'
             "</th>" for m in metrics]
    head += [f'<th class="num">{e(trailing[name][0])}</th>' for name in shown]
    best = {}
    for metric in metrics:
        values = {m: s.mean for m in models if (s := report.summary(task, m, metric)) and s.mean is not None}
        best[metric] = _best(values, higher_is_better(metric))
    rows = []
    for index, model in enumerate(models):
        cells = [f'<td class="rank">{index + 1}</td>', f"<td>{page.swatch(model)}</td>"]
        for metric in metrics:
            s = report.summary(task, model, metric)
            if s is None or s.mean is None:
                cells.append('<td class="num">–</td>')
                continue
            kind = "corpus metric over all answers" if s.corpus else "mean over samples"
            tip = f"{kind}; n = {s.n}" + (f", {s.epochs} epochs averaged per sample" if s.epochs > 1 else "")
            cls = "num best" if model in best[metric] else "num"
            cells.append(f'<td class="{cls}" title="{e(tip)}"><span class="v">{e(fmt_metric(metric, s.mean))}</span>'
                         f'<span class="ci">{e(interval(s))}</span></td>')
        cells += [trailing[name][1][index] for name in shown]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    foot = _separation_row(report, task, metrics, shown) if len(models) > 1 else ""
    same = ""
    if fixed:
        values = [SAME_FOR_ALL[name].format(_text(trailing[name][1][0])) for name in fixed]
        same = f'<p class="note same-for-all">The same for every model, so not a column: {e(" · ".join(values))}.</p>'
    return (f'<div class="table-wrap"><table class="leaderboard"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody>{foot}</table></div>{same}')


SAME_FOR_ALL = {"samples": "{} samples", "errors": "{} errors", "latency": "p50 latency {}", "cost": "cost {}"}


def _trailing_columns(page: Page, task: str, models: list[str]) -> dict[str, tuple[str, list[str]]]:
    """name -> (header, one ``<td>`` per model) for the columns after the quality metrics."""
    columns: dict[str, tuple[str, list[str]]] = {"samples": ("samples", []), "errors": ("errors", []),
                                                  "latency": ("p50 latency", []), "cost": ("cost", [])}
    for model in models:
        n, answers, errors = page.coverage(task, model)
        perf = page.perf(model, task)
        columns["samples"][1].append(f'<td class="num">{n}</td>')
        columns["errors"][1].append(f'<td class="num{" warn" if errors else ""}">{errors} of {answers}</td>')
        latency = fmt_seconds(perf.total_s.p50 if perf and perf.total_s else None)
        columns["latency"][1].append(f'<td class="num">{e(latency)}</td>')
        columns["cost"][1].append(f'<td class="num">{e(fmt_cost(perf.cost_usd if perf else None))}</td>')
    return columns


def _text(cell: str) -> str:
    """The plain text of one trailing ``<td>``, for the line under the table."""
    return html.unescape(re.sub(r"<[^>]+>", "", cell))


def _separation_row(report: Report, task: str, metrics: list[str], trailing: list[str]) -> str:
    """A last row under the leaderboard: does each metric (and the latency) separate these models at all?"""
    cells = [_verdict_cell(report.separates(task, metric)) for metric in metrics]
    cells += [_verdict_cell(report.separates(task, "performance.latency_s")) if name == "latency" else "<td></td>"
              for name in trailing]
    return (f'<tfoot><tr class="separation"><td></td><th title="spread of the means against the typical width of '
            f'their confidence intervals">separates these systems?</th>{"".join(cells)}</tr></tfoot>')


def _verdict_cell(found: Separation | None) -> str:
    if found is None or found.verdict == "n/a":
        return '<td class="num sep">–</td>'
    word = {"separates": "separates", "unclear": "unclear", "does not separate": "does not separate "
            "these systems"}[found.verdict]
    return f'<td class="num sep sep-{e(slug(found.verdict))}" title="{e(found.text)}">{e(word)}</td>'


def _bar_figure(page: Page, task: str, models: list[str], metrics: list[str]) -> str:
    if not metrics:
        return ""
    series = []
    for model in models:
        bars: list[charts.Bar | None] = []
        for metric in metrics:
            s = page.report.summary(task, model, metric)
            bars.append(charts.Bar(s.mean, s.ci_low, s.ci_high, s.n) if s and s.mean is not None else None)
        series.append(charts.Series(model, page.colors[model], bars))
    level = f"{round(page.report.settings.confidence * 100):g} %"
    svg = charts.bar_chart(f"{task}: quality by metric", metrics, series, y_label="score (mean over samples)",
                           x_label=f"metric — error bars: {level} bootstrap CI")
    return (f"<figure>{svg}<figcaption>Higher is better. Bars without whiskers have fewer than 2 samples."
            "</figcaption></figure>")


def _scatter_figure(page: Page, task: str, models: list[str]) -> str:
    report = page.report
    primary = report.primary.get(task)
    if primary is None or len(models) < 1:
        return ""
    perfs = {m: page.perf(m, task) for m in models}
    use_cost = any(p is not None and p.cost_per_answer for p in perfs.values())
    points = []
    for model in models:
        s = report.summary(task, model, primary)
        perf = perfs[model]
        if s is None or s.mean is None or perf is None:
            continue
        x = perf.cost_per_answer if use_cost else (perf.total_s.p50 if perf.total_s else None)
        if x is None:
            continue
        points.append(charts.Point(model, page.colors[model], x, s.mean, s.ci_low, s.ci_high))
    if not points:
        return ""
    x_label = "cost per answer (USD)" if use_cost else "median latency per answer (s)"
    what = "cost" if use_cost else "latency (no costs recorded)"
    svg = charts.scatter(f"{task}: {primary} against {what}", points, x_label=x_label, y_label=primary)
    return f"<figure>{svg}<figcaption>Up and to the left is better: higher quality for less.</figcaption></figure>"


def _heatmap_figures(page: Page, task: str, models: list[str]) -> list[str]:
    report = page.report
    primary = report.primary.get(task)
    out = []
    groups: list[tuple[str, list[MetricSummary], str]] = [
        ("sample", [t for t in report.tags if t.task == task and t.tag_kind == "sample" and t.metric == primary],
         f"{task}: {primary} by sample tag"),
    ]
    rubric = [t for t in report.tags if t.task == task and t.tag_kind == "rubric"]
    for scorer in dict.fromkeys(t.metric for t in rubric):
        groups.append(("rubric", [t for t in rubric if t.metric == scorer], f"{task}: {scorer} score by rubric tag"))
    for kind, summaries, title in groups:
        if not summaries:
            continue
        tags = sorted({s.tag for s in summaries if s.tag is not None})
        lookup = {(s.tag, s.model): s for s in summaries}
        values = [[lookup[(t, m)].mean if (t, m) in lookup else None for m in models] for t in tags]
        counts = [[lookup[(t, m)].n if (t, m) in lookup else None for m in models] for t in tags]
        label = primary if kind == "sample" else summaries[0].metric
        svg = charts.heatmap(title, tags, models, values, counts=counts, value_label=f"mean {label}")
        note = ("Each cell: mean over the samples with that tag (hover for n)." if kind == "sample" else
                "Each cell: the judge's score on the rubric criteria with that tag, averaged over samples.")
        out.append(f"<figure>{svg}<figcaption>{e(note)}{caveat(report.judge_note(task, label or ''))}"
                   "</figcaption></figure>")
    return out


def _comparisons(page: Page, task: str, comparisons: list[Comparison]) -> str:
    report = page.report
    pairs = list(dict.fromkeys((c.model_a, c.model_b) for c in comparisons))
    if report.kind == "run":
        plotted = [c for c in comparisons if c.metric == report.primary.get(task)] or comparisons
    else:
        plotted = comparisons
    metrics = {c.metric for c in plotted}
    rows = []
    for c in plotted:
        if c.diff is None:
            continue
        label = c.metric if len(pairs) == 1 else f"{c.model_a} − {c.model_b}" + (
            f" · {c.metric}" if len(metrics) > 1 else "")
        if not c.significant:
            fill = charts.GREY
        else:
            favours_a = (c.diff > 0) == c.higher_is_better
            fill = page.colors.get(c.model_a if favours_a else c.model_b, charts.GREY)
        rows.append(charts.Interval(label, c.diff, c.ci_low, c.ci_high, fill, c.verdict))
    involved = list(dict.fromkeys(m for pair in pairs for m in pair))
    legend = [(f"{m} better", page.colors.get(m, charts.GREY)) for m in involved]
    legend.append(("no reliable difference", charts.GREY))
    title = (f"{task}: difference in {report.primary.get(task)}" if report.kind == "run" and len(metrics) == 1
             else f"{task}: A − B per metric")
    svg = charts.forest_plot(title, rows, x_label="difference in mean (A − B), with CI", legend=legend)
    table_rows = []
    for c in comparisons:
        ci = (f"{fmt_metric(c.metric, c.ci_low)} to {fmt_metric(c.metric, c.ci_high)}"
              if c.ci_low is not None and c.ci_high is not None else "–")
        test = ("McNemar exact" + (f" (b = {c.b}, c = {c.c})" if c.b is not None else "")
                if c.test == "mcnemar" else "paired bootstrap" if c.test == "bootstrap" else "–")
        table_rows.append(
            f'<tr><td class="model">{page.swatch(c.model_a)}</td><td class="model">{page.swatch(c.model_b)}</td>'
            f"<td>{e(c.metric)}{caveat(report.judge_note(task, c.metric))}</td>"
            f'<td class="num">{c.n}</td><td class="num">{e(fmt_metric(c.metric, c.mean_a))}</td>'
            f'<td class="num">{e(fmt_metric(c.metric, c.mean_b))}</td>'
            f'<td class="num">{e(fmt_metric(c.metric, c.diff) if c.diff is not None else "–")}<span class="ci">'
            f'{e(ci)}</span></td><td class="num{" sig-yes" if c.significant else ""}">'
            f'{e(format_p(c.p_value) if c.p_value is not None else "–")}</td><td>{e(test)}</td>'
            f'<td class="verdict">{e(c.verdict)}</td></tr>')
    numeric = {"n", "mean A", "mean B", "A − B", "p"}
    head = "".join(f'<th class="{"num" if h in numeric else ""}">{e(h)}</th>'
                   for h in ("model A", "model B", "metric", "n", "mean A", "mean B", "A − B", "p", "test", "verdict"))
    return (f"<h3>Paired comparisons</h3><p class=\"note\">Only samples answered by both models count (n). "
            f"A difference is called reliable when p &lt; {1 - report.settings.confidence:.2g}.</p>"
            f'<div class="figs"><figure>{svg}<figcaption>Points right of the dashed line favour A when higher is '
            "better; intervals crossing it are not reliable.</figcaption></figure></div>"
            f'<div class="table-wrap"><table class="comparisons"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(table_rows)}</tbody></table></div>')

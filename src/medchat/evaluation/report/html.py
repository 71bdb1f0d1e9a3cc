"""Render a ``Report`` as one self-contained HTML page: inline CSS, inline SVG charts, an embedded JSON copy of
the samples for the transcript viewer, and no external resource of any kind (the page works offline and
leaks nothing when opened). Every piece of run data is escaped; the viewer inserts it as text only."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from medchat.evaluation.report import charts
from medchat.evaluation.report.assets import CSS, JS
from medchat.evaluation.report.summary import Report
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.stats import (
    Comparison,
    MetricSummary,
    Performance,
    format_p,
    higher_is_better,
    sample_values,
)


def e(value: object) -> str:
    return escape(str(value), quote=True)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


# ---------------------------------------------------------------------------------------------- formatting


def fmt_score(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if abs(value) < 10 else charts.fmt(value)


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


def fmt_metric(metric: str, value: float | None) -> str:
    name = metric.rsplit(".", 1)[-1]
    if value is None:
        return "–"
    if "cost" in name:
        return fmt_cost(value)
    if name.endswith("_s") and not name.endswith("per_s"):
        return fmt_seconds(value)
    return fmt_score(value)


def _interval(summary: MetricSummary) -> str:
    if summary.ci_low is None or summary.ci_high is None:
        return "no CI (n < 2)" if summary.n < 2 else ""
    return f"{fmt_metric(summary.metric, summary.ci_low)} – {fmt_metric(summary.metric, summary.ci_high)}"


def _json_script(element_id: str, data: Any) -> str:
    """JSON inside ``<script type="application/json">``: ``<``, ``>`` and ``&`` become ``\\u`` escapes, so no
    answer text can close the element or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


class _Page:
    """Shared look-ups while one page is rendered."""

    def __init__(self, report: Report, results: Sequence[SampleResult]) -> None:
        self.report = report
        self.results = results
        self.colors = {model: charts.color(i) for i, model in enumerate(report.models)}

    def swatch(self, model: str) -> str:
        """The model's colour and name, breakable only after the provider and before a run label (never
        inside ``gpt-4o-mini``)."""
        dot = f'<span class="swatch" style="background:{self.colors.get(model, charts.GREY)}"></span>'
        parts = [p.strip() for p in re.split(r"(?<=/)|(?= \[)", model) if p.strip()]
        return "<wbr>".join(f'<span class="nb">{dot if i == 0 else " " if p.startswith("[") else ""}{e(p)}</span>'
                            for i, p in enumerate(parts))

    def coverage(self, task: str, model: str) -> tuple[int, int, int]:
        found = next((c for c in self.report.coverage if c.task == task and c.model == model), None)
        return (found.samples, found.results, found.errors) if found else (0, 0, 0)

    def perf(self, model: str, task: str | None = None) -> Performance | None:
        rows = self.report.performance_by_task if task is not None else self.report.performance
        return next((p for p in rows if p.model == model and p.task == task), None)


# ---------------------------------------------------------------------------------------------- page


def render(report: Report, results: Sequence[SampleResult]) -> str:
    """The whole page as a string."""
    page = _Page(report, results)
    nav = [("overview", "Overview")]
    if report.comparisons:
        nav.append(("findings", "Findings"))
    nav += [(f"task-{slug(t)}", f"Task: {t}") for t in report.tasks]
    nav += [("performance", "Latency & cost"), ("samples", "Samples"), ("methods", "Methods")]
    runs = ", ".join(run.id for run in report.runs)
    body = [
        '<header class="top"><div class="wrap">',
        '<div class="brand">medchat · evaluation report</div>',
        f"<h1>{e(report.title)}</h1>",
        f'<p class="sub">{len(report.models)} model(s) · {len(report.tasks)} task(s) · run {e(runs)} · generated '
        f'{e(report.generated_at.strftime("%Y-%m-%d %H:%M UTC"))} by medchat {e(report.medchat_version)}</p>',
        "<nav>" + "".join(f'<a href="#{e(anchor)}">{e(text)}</a>' for anchor, text in nav) + "</nav>",
        '</div></header><main class="wrap">',
        _overview(page),
        _findings(page) if report.comparisons else "",
        *(_task(page, task) for task in report.tasks),
        _performance(page),
        _samples(page),
        _methods(page),
        f'</main><footer class="wrap">medchat {e(report.medchat_version)} · this page is self-contained: it loads '
        "nothing from the network and can be archived or attached as is.</footer>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            # the page may run only its own inline script and style, and fetch nothing
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{e(report.title)} · medchat</title><style>{CSS}</style></head><body>"
            + "".join(body) + f"<script>{JS}</script></body></html>\n")


def _overview(page: _Page) -> str:
    report = page.report
    answers = sum(c.results for c in report.coverage)
    errors = sum(c.errors for c in report.coverage)
    costs = [p.cost_usd for p in report.performance if p.cost_usd is not None]
    samples = len({(r.task, r.sample_id) for r in page.results})
    cards = [("Models", str(len(report.models))), ("Tasks", str(len(report.tasks))), ("Samples", str(samples)),
             ("Answers", f"{answers - errors} of {answers}"), ("Errors", str(errors)),
             ("Total cost", fmt_cost(sum(costs)) if costs else "–")]
    runs = []
    for i, run in enumerate(report.runs):
        side = f"Run {'AB'[i]}: " if report.kind == "comparison" else "Run "
        runs.append(f'<div class="run"><h3>{e(side)}<code>{e(run.id)}</code> '
                    f'<span class="pill {e(run.status)}">{e(run.status)}</span></h3>{_run_facts(run)}</div>')
    return ('<section class="card" id="overview"><h2>Overview</h2>'
            '<div class="cards">' + "".join(f'<div class="stat"><div class="label">{e(k)}</div>'
                                            f'<div class="value">{e(v)}</div></div>' for k, v in cards) + "</div>"
            f'<div class="runs">{"".join(runs)}</div></section>')


def _run_facts(run: RunInfo) -> str:
    facts: list[tuple[str, str]] = [
        ("models", ", ".join(run.models) or "–"), ("tasks", ", ".join(run.tasks) or "–"),
        ("started", run.created_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()),
        ("updated", run.updated_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()),
        ("progress", f"{run.done} of {run.planned} answers, {run.errors} errors"),
        ("cost", fmt_cost(run.cost_usd))]
    for key, value in run.config.items():
        if value is None or value == "":
            text = "–"
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        facts.append((str(key), text))
    return '<dl class="kv">' + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts) + "</dl>"


def _findings(page: _Page) -> str:
    report = page.report
    if report.kind == "comparison":
        chosen = list(report.comparisons)
    else:
        chosen = [c for c in report.comparisons if c.metric == report.primary.get(c.task)]
    chosen.sort(key=lambda c: (not c.significant, report.tasks.index(c.task) if c.task in report.tasks else 0))
    items = "".join(f'<li class="{"sig" if c.significant else ""}"><span class="task">{e(c.task)} · '
                    f"{e(c.metric)}</span>{e(c.verdict)}</li>" for c in chosen)
    reliable = sum(c.significant for c in chosen)
    scope = ("every metric" if report.kind == "comparison" else "each task's primary metric")
    return (f'<section class="card" id="findings"><h2>Findings</h2><p class="meta">Paired comparisons on {scope}, '
            f"over the samples both models answered: {reliable} of {len(chosen)} show a reliable difference. "
            f'All comparisons are listed per task below.</p><ul class="findings">{items}</ul></section>')


# ---------------------------------------------------------------------------------------------- per task


def _task(page: _Page, task: str) -> str:
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


def _leaderboard(page: _Page, task: str, models: list[str], metrics: list[str]) -> str:
    report = page.report
    head = ['<th class="rank">#</th>', "<th>Model</th>"]
    head += [f'<th class="num" title="mean over samples, 95 % CI below">{e(m)}</th>' for m in metrics]
    head += ['<th class="num">samples</th>', '<th class="num">errors</th>', '<th class="num">p50 latency</th>',
             '<th class="num">cost</th>']
    best = {}
    for metric in metrics:
        values = {m: s.mean for m in models if (s := report.summary(task, m, metric)) and s.mean is not None}
        best[metric] = _best(values, higher_is_better(metric))
    rows = []
    for rank, model in enumerate(models, 1):
        cells = [f'<td class="rank">{rank}</td>', f"<td>{page.swatch(model)}</td>"]
        for metric in metrics:
            s = report.summary(task, model, metric)
            if s is None or s.mean is None:
                cells.append('<td class="num">–</td>')
                continue
            kind = "corpus metric over all answers" if s.corpus else "mean over samples"
            tip = f"{kind}; n = {s.n}" + (f", {s.epochs} epochs averaged per sample" if s.epochs > 1 else "")
            cls = "num best" if model in best[metric] else "num"
            cells.append(f'<td class="{cls}" title="{e(tip)}"><span class="v">{e(fmt_metric(metric, s.mean))}</span>'
                         f'<span class="ci">{e(_interval(s))}</span></td>')
        n, answers, errors = page.coverage(task, model)
        perf = page.perf(model, task)
        cells.append(f'<td class="num">{n}</td>')
        cells.append(f'<td class="num{" warn" if errors else ""}">{errors} of {answers}</td>')
        cells.append(f'<td class="num">{e(fmt_seconds(perf.total_s.p50 if perf and perf.total_s else None))}</td>')
        cells.append(f'<td class="num">{e(fmt_cost(perf.cost_usd if perf else None))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><table class="leaderboard"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _bar_figure(page: _Page, task: str, models: list[str], metrics: list[str]) -> str:
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


def _scatter_figure(page: _Page, task: str, models: list[str]) -> str:
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


def _heatmap_figures(page: _Page, task: str, models: list[str]) -> list[str]:
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
        out.append(f"<figure>{svg}<figcaption>{e(note)}</figcaption></figure>")
    return out


def _comparisons(page: _Page, task: str, comparisons: list[Comparison]) -> str:
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
            f"<td>{e(c.metric)}</td>"
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


# ---------------------------------------------------------------------------------------------- performance


def _performance(page: _Page) -> str:
    report = page.report
    models = [m for m in report.models if page.perf(m) is not None]
    rows = []
    for model in models:
        p = page.perf(model)
        assert p is not None
        tps = p.tokens_per_s.p50 if p.tokens_per_s else None

        def dist(d: Any) -> list[str]:
            return [fmt_seconds(d.p50), fmt_seconds(d.p90), fmt_seconds(d.p99)] if d else ["–", "–", "–"]

        cells = [str(p.answers), f"{p.errors}", *dist(p.ttft_s), *dist(p.total_s),
                 charts.fmt(tps) if tps is not None else "–", f"{p.prompt_tokens:,} / {p.completion_tokens:,}",
                 fmt_cost(p.cost_usd), fmt_cost(p.cost_per_answer)]
        rows.append(f"<tr><td>{page.swatch(model)}</td>" + "".join(
            f'<td class="num{" warn" if i == 1 and p.errors else ""}">{e(c)}</td>' for i, c in enumerate(cells))
            + "</tr>")
    head = ("<tr><th rowspan=2>Model</th><th class=num rowspan=2>answers</th><th class=num rowspan=2>errors</th>"
            "<th class=num colspan=3>time to first token</th><th class=num colspan=3>total latency</th>"
            "<th class=num rowspan=2>tokens/s p50</th><th class=num rowspan=2>tokens in / out</th>"
            "<th class=num rowspan=2>total cost</th><th class=num rowspan=2>cost / answer</th></tr><tr>"
            + "".join(f"<th class=num>{h}</th>" for h in ("p50", "p90", "p99") * 2) + "</tr>")
    ttft = [(m, page.colors[m], report.timings[m].ttft_s if m in report.timings else []) for m in models]
    total = [(m, page.colors[m], report.timings[m].total_s if m in report.timings else []) for m in models]
    figures = [charts.box_plot("Time to first token per answer", ttft, x_label="seconds", unit=" s"),
               charts.box_plot("Total latency per answer", total, x_label="seconds", unit=" s")]
    return ('<section class="card" id="performance"><h2>Latency &amp; cost</h2><p class="meta">Measured by the '
            "client for every answer, over all tasks; errors are excluded. Boxes span the middle half of answers, "
            "the thick line is the median, whiskers reach 1.5 × the box, and every answer is a dot.</p>"
            f'<div class="table-wrap"><table class="performance"><thead>{head}</thead><tbody>{"".join(rows)}'
            "</tbody></table></div>"
            '<div class="figs">' + "".join(f"<figure>{f}</figure>" for f in figures) + "</div></section>")


# ---------------------------------------------------------------------------------------------- samples


def viewer_data(report: Report, results: Sequence[SampleResult]) -> dict[str, Any]:
    """What the transcript viewer needs, one entry per (task, sample), models in report order."""
    values = sample_values(results)
    order = {m: i for i, m in enumerate(report.models)}
    task_order = {t: i for i, t in enumerate(report.tasks)}
    grouped: dict[tuple[str, str], list[SampleResult]] = {}
    for result in results:
        grouped.setdefault((result.task, result.sample_id), []).append(result)
    samples = []
    for (task, sample_id), group in sorted(grouped.items(), key=lambda kv: task_order.get(kv[0][0], 0)):
        group.sort(key=lambda r: (order.get(r.model, len(order)), r.epoch))
        first = next((r for r in group if r.input), group[0])
        primary = report.primary.get(task)
        scores: dict[str, float | None] = {}
        for model in dict.fromkeys(r.model for r in group):
            value = values.get((task, model), {}).get(sample_id, {}).get(primary or "")
            failed = all(r.error is not None for r in group if r.model == model)
            if value is not None and 0 <= value <= 1:
                scores[model] = value
            elif failed:
                scores[model] = None
        question = next((m.content for m in reversed(first.input) if m.role == "user"), "")
        samples.append({
            "key": f"{task}\u241f{sample_id}", "task": task, "id": sample_id, "question": question[:160],
            "tags": sorted({t for r in group for t in r.tags}), "target": first.target,
            "input": [m.model_dump() for m in first.input], "primary": scores,
            "models": list(dict.fromkeys(r.model for r in group)),
            "results": [_result_view(r) for r in group]})
    epochs = max((r.epoch for r in results), default=0) + 1
    colors = {m: charts.color(i) for i, m in enumerate(report.models)}
    return {"models": report.models, "colors": colors, "epochs": epochs, "samples": samples}


def _result_view(result: SampleResult) -> dict[str, Any]:
    output = result.output
    view: dict[str, Any] = {"model": result.model, "epoch": result.epoch, "error": result.error,
                            "scores": [{"name": name, **score.model_dump(mode="json")}
                                       for name, score in result.scores.items()]}
    if output is not None:
        transcript = [m.model_dump() for m in output.messages]
        plain = [*(m.model_dump() for m in result.input), {"role": "assistant", "content": output.text}]
        view.update(answer=output.text, finish_reason=output.finish_reason, cost_usd=output.cost_usd,
                    timing=output.timing.model_dump(), tokens=output.usage.total_tokens,
                    transcript=transcript if transcript and transcript != plain else [])
    return view


def _samples(page: _Page) -> str:
    options = "".join(f'<option value="{e(t)}">{e(t)}</option>' for t in page.report.tasks)
    return ('<section class="card" id="samples"><h2>Samples</h2><p class="meta">Pick a sample to read the '
            "conversation, each model's answer and every score with its explanation. Dots show each model's "
            "primary score (orange = low, blue = high, black = no answer).</p>"
            '<div class="viewer"><aside><input id="sample-filter" type="search" placeholder="Filter by id, text or '
            f'tag" aria-label="Filter samples"><select id="task-filter" aria-label="Task"><option value="">All tasks'
            f'</option>{options}</select><div id="sample-items"></div><div id="sample-count" class="note"></div>'
            '</aside><article id="sample-detail" aria-live="polite"></article></div>'
            + _json_script("samples-data", viewer_data(page.report, page.results)) + "</section>")


def _methods(page: _Page) -> str:
    s = page.report.settings
    level = f"{round(s.confidence * 100):g} %"
    items = [
        "Each metric is averaged over a sample's epochs first, then over samples: repeated answers to one question "
        "are not independent evidence.",
        f"Intervals are {level} percentile bootstrap intervals over samples ({s.resamples} resamples, seed "
        f"{s.seed}); none is shown for fewer than 2 samples.",
        "Corpus metrics (such as macro-F1) are computed over all answers at once; their interval resamples samples.",
        "Answers that failed (errors after retries) are counted apart and left out of every mean; scores a scorer "
        "did not apply to are left out too.",
        "Comparisons use only the samples both models answered. The interval is a paired bootstrap of the mean "
        "difference; the p-value is McNemar's exact test for 0/1 metrics (b = only A right, c = only B right) and "
        "the paired bootstrap otherwise.",
        "p-values are not corrected for multiple comparisons: with many metrics and pairs, expect about 1 in 20 "
        "differences with no real effect to look reliable at p < 0.05.",
    ]
    return ('<section class="card" id="methods"><h2>Methods</h2><ul>'
            + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul></section>")

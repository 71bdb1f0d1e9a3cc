"""Render a ``Report`` as one self-contained HTML page: inline CSS, inline SVG charts, an embedded JSON copy of
the samples for the transcript viewer, and no external resource of any kind (the page works offline and
leaks nothing when opened). Every piece of run data is escaped; the viewer inserts it as text only.

This module lays out the page (overview, findings, latency and cost, methods); ``page`` holds the shared
helpers, ``task_section`` each task's leaderboard, charts and comparisons, ``viewer`` the transcript viewer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from medchat.evaluation.report import charts
from medchat.evaluation.report.assets import CSS, JS
from medchat.evaluation.report.page import Page, caveat, e, fmt_cost, fmt_seconds, slug
from medchat.evaluation.report.summary import Report
from medchat.evaluation.report.task_section import task_section
from medchat.evaluation.report.viewer import samples_section, viewer_data
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.stats import describe_fallbacks

__all__ = ["render", "viewer_data"]


# ---------------------------------------------------------------------------------------------- page


def render(report: Report, results: Sequence[SampleResult]) -> str:
    """The whole page as a string."""
    page = Page(report, results)
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
        *(task_section(page, task) for task in report.tasks),
        _performance(page),
        samples_section(page),
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


def _overview(page: Page) -> str:
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
    left_out = "".join(f"<li><code>{e(source)}</code>: {e(why)}</li>" for source, why in report.left_out().items())
    if left_out:
        left_out = f'<p class="meta left-out">Left out of this run:</p><ul class="left-out">{left_out}</ul>'
    if loading := "".join(f"<li>{e(line)}</li>" for line in report.loading()):
        left_out += f'<p class="meta left-out">Loading the data:</p><ul class="left-out">{loading}</ul>'
    return ('<section class="card" id="overview"><h2>Overview</h2>'
            '<div class="cards">' + "".join(f'<div class="stat"><div class="label">{e(k)}</div>'
                                            f'<div class="value">{e(v)}</div></div>' for k, v in cards) + "</div>"
            f'{left_out}<div class="runs">{"".join(runs)}</div></section>')


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


def _findings(page: Page) -> str:
    report = page.report
    if report.kind == "comparison":
        chosen = list(report.comparisons)
    else:
        chosen = [c for c in report.comparisons if c.metric == report.primary.get(c.task)]
    chosen.sort(key=lambda c: (not c.significant, report.tasks.index(c.task) if c.task in report.tasks else 0))
    items = "".join(f'<li class="{"sig" if c.significant else ""}"><span class="task">{e(c.task)} · '
                    f"{e(c.metric)}</span>{e(c.verdict)}{caveat(report.judge_note(c.task, c.metric))}</li>"
                    for c in chosen)
    reliable = sum(c.significant for c in chosen)
    scope = ("every metric" if report.kind == "comparison" else "each task's primary metric")
    return (f'<section class="card" id="findings"><h2>Findings</h2><p class="meta">Paired comparisons on {scope}, '
            f"over the samples both models answered: {reliable} of {len(chosen)} show a reliable difference. "
            f'All comparisons are listed per task below.</p><ul class="findings">{items}</ul></section>')


# ---------------------------------------------------------------------------------------------- performance


def _performance(page: Page) -> str:
    report = page.report
    models = [m for m in report.models if page.perf(m) is not None]
    # answers a fallback model gave, by reason: a column only in a run where some did
    fallbacks = any(p.fallbacks for m in models if (p := page.perf(m)) is not None)
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
        if fallbacks:
            cells.append(describe_fallbacks(p.fallbacks) or "–")
        rows.append(f"<tr><td>{page.swatch(model)}</td>" + "".join(
            f'<td class="num{" warn" if (i == 1 and p.errors) or (i == 12 and p.fallbacks) else ""}">{e(c)}</td>'
            for i, c in enumerate(cells)) + "</tr>")
    head = ("<tr><th rowspan=2>Model</th><th class=num rowspan=2>answers</th><th class=num rowspan=2>errors</th>"
            "<th class=num colspan=3>time to first token</th><th class=num colspan=3>total latency</th>"
            "<th class=num rowspan=2>tokens/s p50</th><th class=num rowspan=2>tokens in / out</th>"
            "<th class=num rowspan=2>total cost</th><th class=num rowspan=2>cost / answer</th>"
            + ("<th class=num rowspan=2 title='answers a fallback model gave instead, by the reason this one was "
               "passed over'>by a fallback</th>" if fallbacks else "") + "</tr><tr>"
            + "".join(f"<th class=num>{h}</th>" for h in ("p50", "p90", "p99") * 2) + "</tr>")
    ttft = [(m, page.colors[m], report.timings[m].ttft_s if m in report.timings else []) for m in models]
    total = [(m, page.colors[m], report.timings[m].total_s if m in report.timings else []) for m in models]
    figures = [charts.box_plot("Time to first token per answer", ttft, x_label="seconds", unit=" s"),
               charts.box_plot("Total latency per answer", total, x_label="seconds", unit=" s")]
    return ('<section class="card" id="performance"><h2>Latency &amp; cost</h2><p class="meta">Measured by the '
            "client for every answer, over all tasks; errors are excluded"
            + ("; an answer a fallback model gave counts for the model asked" if fallbacks else "")
            + ". Boxes span the middle half of answers, "
            "the thick line is the median, whiskers reach 1.5 × the box, and every answer is a dot.</p>"
            f'<div class="table-wrap"><table class="performance"><thead>{head}</thead><tbody>{"".join(rows)}'
            "</tbody></table></div>"
            '<div class="figs">' + "".join(f"<figure>{f}</figure>" for f in figures) + "</div></section>")


def _methods(page: Page) -> str:
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
        "'Separates these systems?' under each leaderboard compares the spread of the models' means (largest − "
        "smallest) with the typical (median) width of their intervals: 'does not separate these systems' when the "
        "spread is 0 or under a quarter of that width, 'separates' when it is at least the width, 'unclear' in "
        "between (the paired comparisons are the finer test there).",
        "A metric graded by a judge model known to be too weak to grade carries a ⚠ caveat next to its name "
        "(such as 'judge too small to discriminate'): its numbers show the machinery working, not answer quality.",
    ]
    return ('<section class="card" id="methods"><h2>Methods</h2><ul>'
            + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul></section>")

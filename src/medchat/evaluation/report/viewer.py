"""The transcript viewer's section: one entry per (task, sample) with every model's answer and scores, as
JSON the page's script shows with ``textContent`` only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medchat.evaluation.report import charts
from medchat.evaluation.report.page import Page, e, json_script
from medchat.evaluation.report.summary import Report
from medchat.evaluation.results import SampleResult
from medchat.evaluation.stats import sample_values


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


def samples_section(page: Page) -> str:
    options = "".join(f'<option value="{e(t)}">{e(t)}</option>' for t in page.report.tasks)
    return ('<section class="card" id="samples"><h2>Samples</h2><p class="meta">Pick a sample to read the '
            "conversation, each model's answer and every score with its explanation. Dots show each model's "
            "primary score (orange = low, blue = high, black = no answer).</p>"
            '<div class="viewer"><aside><input id="sample-filter" type="search" placeholder="Filter by id, text or '
            f'tag" aria-label="Filter samples"><select id="task-filter" aria-label="Task"><option value="">All tasks'
            f'</option>{options}</select><div id="sample-items"></div><div id="sample-count" class="note"></div>'
            '</aside><article id="sample-detail" aria-live="polite"></article></div>'
            + json_script("samples-data", viewer_data(page.report, page.results)) + "</section>")

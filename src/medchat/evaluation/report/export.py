"""Machine-readable copies of a run: JSON with everything (run records, statistics, comparisons and every
sample result, readable back with ``read_json``) and CSV with one row per sample result and flat metrics for
spreadsheets and pandas."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from medchat.errors import ConfigError
from medchat.evaluation.judges.trust import judge_caveat
from medchat.evaluation.report.summary import Report, StatsSettings, build_report
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.stats import metric_order

FORMAT = "medchat-eval-report"
CSV_FIELDS = ("run_id", "task", "model", "sample_id", "epoch", "tags", "error", "finish_reason", "ttft_s", "total_s",
              "prompt_tokens", "completion_tokens", "cost_usd", "fallback", "answer", "notes")
_INTS = {"epoch", "prompt_tokens", "completion_tokens"}
_FLOATS = {"ttft_s", "total_s", "cost_usd"}


class ReportExport(BaseModel):
    """The JSON file: the report's statistics plus every sample result it was computed from."""

    format: Literal["medchat-eval-report"] = FORMAT
    version: int = 1
    report: Report
    samples: list[SampleResult]


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8), creating parent folders; a path that cannot be written is a one-line error."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        raise ConfigError(f"cannot write {target}: {error.strerror or error}",
                          hint="choose a path in a folder you can write to") from error
    return target


def save_json(report: Report, results: Sequence[SampleResult], path: str | Path) -> Path:
    """Write an already computed report (a run or a comparison) with its results."""
    export = ReportExport(report=report, samples=list(results))
    return write_text(path, export.model_dump_json(indent=1) + "\n")


def export_json(run: RunInfo, results: Sequence[SampleResult], path: str | Path, *,
                settings: StatsSettings | None = None) -> Path:
    """Everything about one run as JSON: run record, summaries, tag breakdowns, comparisons, samples."""
    return save_json(build_report([run], results, settings=settings), results, path)


def read_json(path: str | Path) -> ReportExport:
    """Load a file written by ``export_json``/``save_json``."""
    target = Path(path)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {target}: {error.strerror or error}") from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"{target} is not JSON ({error.msg} at line {error.lineno})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{target} is not a medchat report export",
                          hint="pass a file written by medchat's export_json")
    return ReportExport.model_validate(data)


def _columns(results: Sequence[SampleResult]) -> list[str]:
    """Metric columns in scorer order; a metric named like a fixed column gets a ``score.`` prefix."""
    return [f"score.{m}" if m in CSV_FIELDS else m for m in metric_order(results)]


def export_csv(results: Sequence[SampleResult], path: str | Path) -> Path:
    """One row per sample result: identity, tags (``;``-joined), error, timing, tokens, cost, the fallback model
    that gave the answer instead of the one asked and why (``builtin/extractive (rate_limited)``; empty when the
    model asked answered), the answer,
    notes (the caveat of each score graded by an untrusted judge: ``rubric: judge too small to discriminate
    (builtin/smollm2)``) and every flat metric (empty where a scorer gave none)."""
    import io

    metrics = metric_order(results)
    columns = _columns(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *columns])
    for r in results:
        out = r.output
        flat = r.metrics()
        row: list[Any] = [r.run_id, r.task, r.model, r.sample_id, r.epoch, ";".join(r.tags), r.error or "",
                          out.finish_reason if out else "", _num(out.timing.ttft_s if out else None),
                          _num(out.timing.total_s if out else None), out.usage.prompt_tokens if out else "",
                          out.usage.completion_tokens if out else "", _num(out.cost_usd if out else None),
                          _fallback(out.fallback if out else None), out.text if out else "", _notes(r)]
        row += [_num(flat.get(m)) for m in metrics]
        writer.writerow(row)
    return write_text(path, buffer.getvalue())


def _fallback(mark: dict[str, str] | None) -> str:
    return f"{mark.get('to', '')} ({mark.get('reason', '')})" if mark else ""


def _notes(result: SampleResult) -> str:
    notes = [f"{name}: {caveat}" for name, score in result.scores.items()
             if score.judges and (caveat := judge_caveat(score.judges)) is not None]
    return "; ".join(notes)


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a file written by ``export_csv``: fixed columns typed (``tags`` a list, numbers as numbers,
    empty as ``None``) and the metrics under ``"metrics"``, keyed as ``SampleResult.metrics()`` keys them."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {target}: {error.strerror or error}") from error
    rows = []
    for raw in csv.DictReader(text.splitlines(keepends=True)):
        row: dict[str, Any] = {}
        for key in CSV_FIELDS:
            value = raw.get(key, "")
            if key == "tags":
                row[key] = [t for t in value.split(";") if t]
            elif key in _INTS or key in _FLOATS:
                row[key] = None if value == "" else (int(value) if key in _INTS else float(value))
            else:
                row[key] = value or None if key in ("error", "finish_reason", "fallback", "notes") else value
        metrics = {}
        for key, value in raw.items():
            if key in CSV_FIELDS or key is None or value in ("", None):
                continue
            name = key.removeprefix("score.") if key.removeprefix("score.") in CSV_FIELDS else key
            metrics[name] = float(value)
        row["metrics"] = metrics
        rows.append(row)
    return rows

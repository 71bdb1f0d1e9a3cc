"""Dataset loaders: every supported file format becomes a ``Dataset`` of ``Sample``s.

``load_dataset(path)`` detects the format from the extension and the first record; ``format=`` names it
instead. A file that cannot be read raises ``DatasetError`` with one line naming the file, the place in
it (line, record id or XML element) and the field, plus a hint.

A record that is invalid is skipped and its reason kept in ``Dataset.skipped`` (``skipped_summary``
says it in one line); ``strict=True`` raises the first instead. A file whose records are mostly invalid
(more than half, at least two), or that has no valid record, still fails: it is likely the wrong format.
What a loader decided that the user should know (how MedMCQA's ``cop`` counts) is in ``Dataset.notes``;
``LoadSummary`` holds both, in lines, for a run to keep.

Formats: ``jsonl`` and ``csv`` (any columns, with an optional ``mapping`` from Sample field to column),
``samples`` (our own Sample schema as JSONL), ``medqa``, ``medmcqa`` (``medmcqa-hf``: the Hugging Face
export, ``cop`` counting from 0), ``mmlu``, ``pubmedqa``, ``healthbench`` and ``medquad`` (one XML file
or a directory of them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from medchat.evaluation.loaders.errors import DatasetError
from medchat.evaluation.sample import Dataset, LoadSummary

if TYPE_CHECKING:
    from medchat.evaluation.loaders.build import Loaded
    from medchat.evaluation.loaders.source import Source

FORMATS = ("jsonl", "csv", "samples", "medqa", "medmcqa", "medmcqa-hf", "mmlu", "pubmedqa", "healthbench",
           "medquad")
MAPPED_FORMATS = ("jsonl", "csv")


def load_dataset(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    mapping: Mapping[str, str] | None = None,
    name: str | None = None,
    strict: bool = False,
) -> Dataset:
    """The dataset in ``path``; ``name`` defaults to the file stem (or directory name) and prefixes made-up ids."""
    from medchat.evaluation.loaders.build import Loaded, make_dataset
    from medchat.evaluation.loaders.detect import detect_format
    from medchat.evaluation.loaders.source import Source

    path = Path(path)
    label = str(path)
    if not path.exists():
        raise DatasetError("no such file or directory", file=label, hint="check the path")
    chosen = format.strip().lower() if format is not None else None
    if chosen is not None and chosen not in FORMATS:
        raise DatasetError(f"unknown format {format!r}", file=label, field="format",
                           hint=f"use one of {', '.join(FORMATS)}, or leave it out to detect the format")
    if mapping and chosen is not None and chosen not in MAPPED_FORMATS:
        raise DatasetError(f"a column mapping applies to the jsonl and csv formats, not {chosen}", file=label,
                           field="mapping", hint="drop the mapping, or use format='jsonl' or 'csv'")
    if path.is_dir() and chosen not in (None, "medquad"):
        raise DatasetError(f"is a directory, but the {chosen} format reads one file", file=label,
                           hint="give a file; only medquad reads a directory of XML files")
    source = Source(path) if path.is_file() else None
    detected = chosen is None
    chosen = chosen or detect_format(path, source, generic=bool(mapping))
    name = name or (path.stem if path.is_file() else path.resolve().name)
    loaded = Loaded(strict=strict)
    if chosen == "medquad":
        from medchat.evaluation.loaders.medquad import load_medquad

        load_medquad(path, loaded, name=name)
    else:
        assert source is not None  # only medquad reads a directory
        _load(chosen, source, loaded, name=name, mapping=mapping)
    return make_dataset(loaded, name=name, source=label, format=chosen, detected=detected)


def _load(format: str, source: Source, loaded: Loaded, *, name: str, mapping: Mapping[str, str] | None) -> None:
    from medchat.evaluation.loaders import generic, healthbench, multiple_choice, pubmedqa

    if format == "jsonl":
        return generic.load_jsonl(source, loaded, name=name, mapping=mapping)
    if format == "csv":
        return generic.load_csv(source, loaded, name=name, mapping=mapping)
    loader = {
        "samples": generic.load_samples,
        "medqa": multiple_choice.load_medqa,
        "medmcqa": multiple_choice.load_medmcqa,
        "medmcqa-hf": partial(multiple_choice.load_medmcqa, base=0),  # the Hugging Face export: cop from 0
        "mmlu": multiple_choice.load_mmlu,
        "pubmedqa": pubmedqa.load_pubmedqa,
        "healthbench": healthbench.load_healthbench,
    }[format]
    return loader(source, loaded, name=name)


def skipped_summary(dataset: Dataset, *, shown: int = 3) -> str | None:
    """One line for the user when records were skipped, with the first ``shown`` reasons: ``medqa_test.jsonl:
    1,272 loaded, 1 skipped (line 455: ...)``; ``None`` when nothing was."""
    summary = LoadSummary.of(dataset, shown=shown)
    return summary.skipped_line() if summary is not None else None


__all__ = ["FORMATS", "DatasetError", "LoadSummary", "load_dataset", "skipped_summary"]

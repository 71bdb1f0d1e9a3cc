"""PubMedQA: a research question answered yes, no or maybe from the abstract it came from.

The published file is one JSON object keyed by PubMed id, each ``{QUESTION, CONTEXTS, LABELS, MESHES,
final_decision, LONG_ANSWER}``; the Hugging Face export (JSONL or a JSON array of ``{pubid, question,
context: {contexts, labels, meshes}, long_answer, final_decision}``) is read too. The model sees the
abstract excerpts, then the question, and is asked for yes, no or maybe; ``context`` keeps the excerpts
for grounding scorers.
"""

from __future__ import annotations

from typing import Any

from medchat.evaluation.loaders.build import Loaded, Located, sample_at
from medchat.evaluation.loaders.record import Record, describe, quoted
from medchat.evaluation.loaders.source import Source

DECISIONS = ("yes", "no", "maybe")
HINT = "each PubMedQA record needs QUESTION, CONTEXTS (a list of texts) and final_decision (yes, no or maybe)"
INTRO = "Read these excerpts from a research abstract, then answer the question."
ASK = "Answer yes, no or maybe."

# The names each layout gives the same facts: (original JSON, Hugging Face export, flattened).
ORIGINAL = {"question": "QUESTION", "contexts": "CONTEXTS", "labels": "LABELS", "meshes": "MESHES",
            "long_answer": "LONG_ANSWER", "year": "YEAR"}
EXPORT = {"question": "question", "contexts": "context.contexts", "labels": "context.labels",
          "meshes": "context.meshes", "long_answer": "long_answer", "year": "year"}


def prompt(question: str, contexts: list[str], labels: list[str]) -> str:
    """The user message: excerpts (with their section labels when every one has one), question, instruction."""
    if len(labels) == len(contexts):
        excerpts = [f"{label}: {text}" for label, text in zip(labels, contexts, strict=True)]
    else:
        excerpts = list(contexts)
    return "\n\n".join([INTRO, *excerpts, f"Question: {question}", ASK])


def load_pubmedqa(source: Source, loaded: Loaded, *, name: str) -> None:
    """``ori_pqal.json`` (records keyed by PubMed id), or the Hugging Face export as JSON lines; one exported
    record alone in a ``.json`` file (it has ``final_decision`` at the top) is record 1 of the export."""
    document = source.document if source.is_json_document else None
    if isinstance(document, dict) and "final_decision" not in document:
        if not document:
            raise source.error("the file has no records", hint="add at least one record")
        for number, (key, value) in enumerate(document.items(), start=1):
            location = f"record {quoted(key)}"
            with loaded.checking():
                if not isinstance(value, dict):
                    raise source.error(f"expected an object, got {describe(value)}", location=location, hint=HINT)
                loaded.add(_sample(Record(source, location, number, value, hint=HINT), key, ORIGINAL))
        return
    for record in source.records(hint=HINT, skip=loaded.skip):
        with loaded.checking():
            names = ORIGINAL if "QUESTION" in record.data else EXPORT
            if names is EXPORT:
                context = record.optional_mapping("context") or {}
                record.data = {**record.data, **{f"context.{key}": value for key, value in context.items()}}
            sample_id = record.optional_text("pubid") or record.optional_text("id") or f"{name}-{record.number}"
            loaded.add(_sample(record, sample_id, names))


def _sample(record: Record, sample_id: str, names: dict[str, str]) -> Located:
    question = record.text(names["question"])
    value = record.get(names["contexts"])
    if not isinstance(value, list):
        raise record.error(f"field {names['contexts']!r} must be a list of texts, got {describe(value)}",
                           field=names["contexts"])
    contexts = record.as_texts(names["contexts"], value)
    if not contexts:
        raise record.error(f"field {names['contexts']!r} is empty", field=names["contexts"])
    labels = record.texts(names["labels"])
    decision = record.text("final_decision").lower()
    if decision not in DECISIONS:
        raise record.error(f"field 'final_decision' is {quoted(decision)} but must be yes, no or maybe",
                           field="final_decision")
    metadata: dict[str, Any] = {}
    if (long_answer := record.optional_text(names["long_answer"])) is not None:
        metadata["long_answer"] = long_answer
    if (year := record.optional_text(names["year"])) is not None:
        metadata["year"] = year
    return sample_at(record, id=sample_id, input=prompt(question, contexts, labels), context=contexts,
                     choices=list(DECISIONS), target=[decision], tags=record.texts(names["meshes"]),
                     metadata=metadata)

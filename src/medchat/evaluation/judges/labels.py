"""Human labels to calibrate a judge against, read from the public formats as they are published.

- ``pairwise``: Chatbot Arena battles (``question_id``, ``model_a``, ``model_b``, ``winner`` ∈ ``model_a``,
  ``model_b``, ``tie``, ``tie (bothbad)``, ``conversation_a``/``conversation_b`` as ``{role, content}`` lists,
  ``turn``, ``judge``) — the arena human-preference releases and MT-Bench's human judgments alike (there ``turn``
  says which turn was judged, so the conversations are cut after it) — or a flat ``question``, ``answer_a``,
  ``answer_b``, ``winner``. Several votes on one battle (MT-Bench's experts) become one item with several labels.
- ``rubric``: HealthBench's meta-evaluation records (``prompt`` as messages, ``completion``, ``rubric`` = the
  criterion text, ``binary_labels`` = one met/not-met per physician, ``anonymized_physician_ids``, ``category``,
  ``prompt_id``, ``completion_id``), or flat ``prompt``/``question``, ``completion``/``response``, ``criterion``,
  ``label``/``labels``.
- ``facts``: HaluEval 2.0 (``user_query``, ``chatgpt_response``, ``chatgpt_fact`` = the facts, ``human_judge`` =
  ``"true"``/``"false"`` per fact; the file name is the domain), or flat ``question``, ``fact``, ``label``.

JSONL is read line by line; a file starting with ``[`` is a JSON array (how MT-Bench and HaluEval 2.0 publish).
Every problem is one ``DatasetError`` naming file and line (or record).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from medchat.evaluation.judges.pairwise import normalise_winner, swap
from medchat.evaluation.loaders.errors import DatasetError

Format = Literal["pairwise", "rubric", "facts"]
FORMATS: tuple[str, ...] = ("pairwise", "rubric", "facts")
_TRUE = {"true", "yes", "1", "met", "correct"}
_FALSE = {"false", "no", "0", "not met", "unmet", "incorrect"}


class LabelItem(BaseModel):
    """One thing a judge is asked about, with every human label it got (``a``/``b``/``tie``/``both_bad`` for pairs;
    ``true``/``false`` for criteria and facts)."""

    id: str
    labels: list[str]
    raters: list[str] = Field(default_factory=list)
    category: str | None = None
    # pairwise: the turns both answers follow, then each answer (the turns after the shared ones)
    context: list[dict[str, str]] = Field(default_factory=list)
    answer_a: str = ""
    answer_b: str = ""
    model_a: str | None = None
    model_b: str | None = None
    # rubric: the conversation is ``context``, the graded reply ``response``
    criterion: str = ""
    points: float | None = None
    response: str = ""
    # facts
    question: str = ""
    fact: str = ""


class LabelSet(BaseModel):
    format: Format
    items: list[LabelItem]
    files: list[str]
    digest: str  # sha256 of the files' contents, in the order given
    skipped: list[str] = Field(default_factory=list)
    limit: int | None = None

    @property
    def dataset(self) -> str:
        """The files' names, as reports show them (and how much of them was used)."""
        names = ", ".join(Path(f).name for f in self.files)
        return f"{names} (first {self.limit} items)" if self.limit is not None else names


def file_digest(paths: Sequence[Path]) -> str:
    """sha256 of the files' bytes, one after the other: the same labels give the same digest wherever they lie."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_labels(paths: Sequence[str | Path], format: str = "auto", *, limit: int | None = None) -> LabelSet:
    """The items of ``paths`` (one format for all of them); ``limit`` keeps the first ``limit`` items."""
    files = [Path(p).expanduser() for p in paths]
    if not files:
        raise DatasetError("no label files given", hint="name one or more JSONL or JSON files of human labels")
    if format != "auto" and format not in FORMATS:
        raise DatasetError(f"unknown label format {format!r}", hint=f"use auto or one of {', '.join(FORMATS)}")
    for path in files:
        if not path.is_file():
            raise DatasetError(f"label file {path} does not exist", hint="check the path")
    chosen: str | None = None if format == "auto" else format
    items: dict[str, LabelItem] = {}
    skipped: list[str] = []
    for path in files:
        kind: str | None = None if format == "auto" else format
        for location, record in records(path):
            if kind is None:
                kind = detect(record, path, location)
                if chosen is not None and kind != chosen:
                    raise DatasetError(f"holds {kind} labels, but the files before it hold {chosen} labels",
                                       file=str(path), location=location, hint="calibrate one format at a time")
                chosen = kind
            for item in _PARSERS[kind](record, path, location, skipped):
                _merge(items, item)
            if limit is not None and len(items) >= limit:
                break
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise DatasetError(f"no labelled items in {', '.join(map(str, files))}",
                           hint="see docs/judges.md for the formats")
    found = list(items.values())[:limit]
    return LabelSet(format=chosen, items=found, files=[str(f) for f in files], digest=file_digest(files),  # type: ignore[arg-type]
                    skipped=skipped, limit=limit if limit is not None and len(items) >= limit else None)


def records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(location, record)`` pairs: JSONL streamed line by line, or a JSON array."""
    hint = "labels are JSONL (one JSON object a line) or a JSON array of objects"
    try:
        with path.open(encoding="utf-8-sig") as handle:
            head = handle.read(1 << 12).lstrip()
            handle.seek(0)
            if head.startswith("["):
                try:
                    data = json.load(handle)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"invalid JSON ({exc.msg})", file=str(path), location=f"line {exc.lineno}",
                                       hint=hint) from None
                for number, record in enumerate(data, start=1):
                    if not isinstance(record, dict):
                        raise DatasetError("is not a JSON object", file=str(path), location=f"record {number}",
                                           hint=hint)
                    yield f"record {number}", record
                return
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"invalid JSON ({exc.msg})", file=str(path), location=f"line {number}",
                                       hint=hint) from None
                if not isinstance(record, dict):
                    raise DatasetError("is not a JSON object", file=str(path), location=f"line {number}", hint=hint)
                yield f"line {number}", record
    except UnicodeDecodeError:
        raise DatasetError("is not UTF-8 text", file=str(path), hint=hint) from None


def detect(record: dict[str, Any], path: Path, location: str) -> str:
    keys = set(record)
    if "winner" in keys or {"answer_a", "answer_b"} <= keys or {"conversation_a", "conversation_b"} <= keys:
        return "pairwise"
    if keys & {"chatgpt_fact", "facts", "fact"}:
        return "facts"
    if keys & {"rubric", "criterion", "binary_labels"}:
        return "rubric"
    raise DatasetError(f"cannot tell the label format from the fields {', '.join(sorted(keys)) or '(none)'}",
                       file=str(path), location=location,
                       hint="give --format pairwise|rubric|facts; see docs/judges.md for the fields each needs")


def _merge(items: dict[str, LabelItem], item: LabelItem) -> None:
    """Votes on the same item (several raters) join one item."""
    known = items.get(item.id)
    if known is None:
        items[item.id] = item
    else:
        known.labels.extend(item.labels)
        known.raters.extend(item.raters)


def _text(record: dict[str, Any], names: Sequence[str], path: Path, location: str, *, required: bool = True) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, str):
            return value
        if value is not None:
            raise DatasetError(f"field {name!r} must be text", file=str(path), location=location, field=name)
    if required:
        raise DatasetError(f"needs the field {' or '.join(repr(n) for n in names)}", file=str(path),
                           location=location, field=names[0], hint="see docs/judges.md for the fields")
    return ""


def _messages(value: Any, name: str, path: Path, location: str, *, text: bool = True) -> list[dict[str, str]]:
    if isinstance(value, str) and text:
        return [{"role": "user", "content": value}]
    if not isinstance(value, list) or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in value):
        raise DatasetError(f"field {name!r} must be a list of {{role, content}} messages", file=str(path),
                           location=location, field=name)
    return [{"role": m["role"], "content": m["content"]} for m in value]


def _rater(value: Any) -> str:
    if isinstance(value, list):  # MT-Bench's GPT-4 judgments: ["gpt-4", "pair-v2"]
        return "/".join(map(str, value))
    return "" if value is None else str(value)


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else None
    return None


# -- pairwise --------------------------------------------------------------------------------------------
def _pairwise(record: dict[str, Any], path: Path, location: str, skipped: list[str]) -> list[LabelItem]:
    raw = record.get("winner")
    winner = normalise_winner(raw)
    if winner is None:
        raise DatasetError(f"field 'winner' must be model_a, model_b, tie or tie (bothbad), not {raw!r}",
                           file=str(path), location=location, field="winner")
    model_a, model_b = record.get("model_a"), record.get("model_b")
    turn = record.get("turn")
    if "conversation_a" in record or "conversation_b" in record:
        conv_a = _cut(_messages(record.get("conversation_a"), "conversation_a", path, location,
                                 text=False), turn)
        conv_b = _cut(_messages(record.get("conversation_b"), "conversation_b", path, location,
                                 text=False), turn)
        shared, limit = 0, min(_after_last_user(conv_a), _after_last_user(conv_b))
        while shared < limit and conv_a[shared] == conv_b[shared]:
            shared += 1
        context, answer_a, answer_b = conv_a[:shared], _render(conv_a[shared:]), _render(conv_b[shared:])
        if not answer_a or not answer_b:
            raise DatasetError("conversation_a and conversation_b must each end with an answer", file=str(path),
                               location=location, field="conversation_a")
    else:
        question = record.get("question", record.get("prompt"))
        if question is None:
            raise DatasetError("needs 'conversation_a'/'conversation_b' or 'question', 'answer_a', 'answer_b'",
                               file=str(path), location=location, field="question", hint="see docs/judges.md")
        context = _messages(question, "question", path, location)
        answer_a = _text(record, ["answer_a"], path, location)
        answer_b = _text(record, ["answer_b"], path, location)
    key = record.get("id", record.get("question_id"))
    if key is None:
        key = f"{path.name}:{location}"
    if isinstance(model_a, str) and isinstance(model_b, str) and model_b < model_a:
        # one order for a battle, whichever side each vote put its models on
        model_a, model_b, answer_a, answer_b, winner = model_b, model_a, answer_b, answer_a, swap(winner)
    parts = [str(key)] + ([model_a, model_b] if model_a and model_b else []) + ([f"t{turn}"] if turn else [])
    return [LabelItem(id=":".join(map(str, parts)), labels=[winner], raters=[_rater(record.get("judge"))],
                      category=_category(record), context=context, answer_a=answer_a, answer_b=answer_b,
                      model_a=model_a, model_b=model_b)]


def _cut(messages: list[dict[str, str]], turn: Any) -> list[dict[str, str]]:
    """The conversation up to the answer of user turn ``turn`` (MT-Bench judges turn 1 and turn 2 apart)."""
    if not isinstance(turn, int) or turn < 1:
        return messages
    seen = 0
    for index, message in enumerate(messages):
        if message["role"] == "user":
            seen += 1
            if seen > turn:
                return messages[:index]
    return messages


def _after_last_user(messages: list[dict[str, str]]) -> int:
    """Where the answer being judged starts: after the last user turn (identical answers stay answers)."""
    users = [i for i, m in enumerate(messages) if m["role"] == "user"]
    return users[-1] + 1 if users else 0


def _render(messages: list[dict[str, str]]) -> str:
    if len(messages) == 1 and messages[0]["role"] == "assistant":
        return messages[0]["content"]
    return "\n\n".join(f"{m['role']}: {m['content']}" for m in messages)


def _category(record: dict[str, Any]) -> str | None:
    for name in ("category", "domain", "language"):
        value = record.get(name)
        if isinstance(value, str) and value:
            return value
    return None


# -- rubric ----------------------------------------------------------------------------------------------
def _rubric(record: dict[str, Any], path: Path, location: str, skipped: list[str]) -> list[LabelItem]:
    criterion = _text(record, ["rubric", "criterion"], path, location)
    response = _text(record, ["completion", "response", "answer"], path, location)
    prompt = record.get("prompt", record.get("question", record.get("messages")))
    if prompt is None:
        raise DatasetError("needs the field 'prompt' (the conversation, as messages or text)", file=str(path),
                           location=location, field="prompt")
    context = _messages(prompt, "prompt", path, location)
    raw = record.get("binary_labels", record.get("labels", record.get("label")))
    values = raw if isinstance(raw, list) else [raw]
    labels = [_boolean(v) for v in values]
    if not values or None in labels:
        raise DatasetError(f"labels must be true or false, not {raw!r}", file=str(path), location=location,
                           field="binary_labels", hint="give 'binary_labels': [true, false, ...] or 'label': true")
    raters = record.get("anonymized_physician_ids") or []
    key = record.get("id")
    if key is None:
        if "completion_id" in record:
            digest = hashlib.sha256(criterion.encode()).hexdigest()[:12]
            key = f"{record.get('prompt_id', '')}:{record['completion_id']}:{digest}"
        else:
            key = f"{path.name}:{location}"
    points = record.get("points")
    return [LabelItem(id=str(key), labels=["true" if v else "false" for v in labels], raters=[str(r) for r in raters],
                      category=_category(record), context=context, response=response, criterion=criterion,
                      points=float(points) if isinstance(points, int | float) else None)]


# -- facts -----------------------------------------------------------------------------------------------
def _facts(record: dict[str, Any], path: Path, location: str, skipped: list[str]) -> list[LabelItem]:
    question = _text(record, ["user_query", "question", "query"], path, location, required=False)
    response = _text(record, ["chatgpt_response", "response"], path, location, required=False)
    category = _category(record) or path.stem
    key = record.get("id", f"{path.name}:{location}")
    if "chatgpt_fact" in record or "facts" in record:
        facts = record.get("chatgpt_fact", record.get("facts"))
        judged = record.get("human_judge", record.get("labels"))
        if not isinstance(facts, list) or not isinstance(judged, list) or len(facts) != len(judged):
            raise DatasetError("needs 'chatgpt_fact' and 'human_judge' as lists of the same length", file=str(path),
                               location=location, field="human_judge")
        items = []
        for index, (fact, raw) in enumerate(zip(facts, judged, strict=True)):
            label = _boolean(raw)
            if label is None or not isinstance(fact, str):
                skipped.append(f"{path.name} {location} fact {index + 1}: label {raw!r} is neither true nor false")
                continue
            items.append(LabelItem(id=f"{key}:{index}", labels=["true" if label else "false"], category=category,
                                   question=question, response=response, fact=fact))
        return items
    fact = _text(record, ["fact"], path, location)
    raw = record.get("label", record.get("labels"))
    values = raw if isinstance(raw, list) else [raw]
    labels = [_boolean(v) for v in values]
    if None in labels:
        raise DatasetError(f"field 'label' must be true or false, not {raw!r}", file=str(path), location=location,
                           field="label")
    return [LabelItem(id=str(key), labels=["true" if v else "false" for v in labels], category=category,
                      question=question, response=response, fact=fact)]


_PARSERS = {"pairwise": _pairwise, "rubric": _rubric, "facts": _facts}

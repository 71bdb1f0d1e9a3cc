"""``replay/<FILE>``: a model that answers each evaluation sample with an answer produced elsewhere.

Production logs or another tool's results become a "model" the bench can score with the same scorers
and reports: the file is JSONL of ``{"id": <sample id>, "output": <answer>}`` and each request names its
sample in ``metadata["sample_id"]`` (the evaluation solvers set it). ``replay/samples`` answers with the
``output`` the samples carry themselves (sent as ``metadata["recorded_output"]``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

from medchat.errors import ConfigError, MedchatError
from medchat.models.base import ProviderModel
from medchat.models.registry import ModelSpec
from medchat.types import ChatRequest, Chunk

SAMPLES = "samples"


def create(spec: ModelSpec) -> ReplayModel:
    spec.done()
    if spec.model_id == SAMPLES:
        return ReplayModel(spec.name, None)
    return ReplayModel(spec.name, load_outputs(Path(spec.model_id).expanduser()))


def load_outputs(path: Path) -> dict[str, str]:
    """``{sample id: answer}`` from a JSONL file; problems name the file and line."""
    hint = 'each line must be a JSON object like {"id": "q1", "output": "the answer"}'
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"replay file {path} does not exist", hint="give the path of a JSONL file of answers") \
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read replay file {path}: {exc}", hint="it must be UTF-8 JSONL") from None
    outputs: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} line {number}: invalid JSON ({exc.msg})", hint=hint) from None
        if not isinstance(record, dict) or "id" not in record or "output" not in record:
            raise ConfigError(f"{path} line {number}: needs the fields 'id' and 'output'", hint=hint)
        if not isinstance(record["output"], str):
            raise ConfigError(f"{path} line {number}: field 'output' must be a string", hint=hint)
        key = str(record["id"])
        if key in outputs:
            raise ConfigError(f"{path} line {number}: sample id {key!r} appears twice", hint="keep one answer per id")
        outputs[key] = record["output"]
    if not outputs:
        raise ConfigError(f"replay file {path} has no answers", hint=hint)
    return outputs


class ReplayModel(ProviderModel):
    provider = "replay"
    is_local: ClassVar[bool] = True
    answers_by_sample: ClassVar[bool] = True  # the response cache keys the sample id for it

    def __init__(self, name: str, outputs: dict[str, str] | None) -> None:
        super().__init__(name)
        self.outputs = outputs

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        sample_id = request.metadata.get("sample_id")
        if self.outputs is None:
            text = request.metadata.get("recorded_output")
            if text is None:
                raise MedchatError(f"sample {sample_id!r} carries no output", model=self.name,
                                   hint="give every sample an 'output' field, or replay a file: replay/answers.jsonl")
        elif sample_id is None:
            raise MedchatError("replay models answer evaluation samples only (no sample id in the request)",
                               model=self.name, hint="use it with `medchat eval`")
        elif (text := self.outputs.get(sample_id)) is None:
            raise MedchatError(f"no recorded answer for sample {sample_id!r}", model=self.name,
                               hint="add a line for it to the replay file")
        yield Chunk(text=text)
        yield Chunk(final=True, finish_reason="stop")

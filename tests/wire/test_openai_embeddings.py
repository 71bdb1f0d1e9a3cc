"""The OpenAI-compatible embedder against a local /v1/embeddings server, through the real SDK."""

import numpy as np
import pytest

from medchat.errors import ConfigError
from medchat.knowledge.embeddings import OpenAIEmbedder, get_embedder
from tests.wire.fake_server import Recorded, Reply


def embeddings_reply(request: Recorded) -> Reply:
    texts = request.json["input"]
    # Out of order on purpose: the embedder must sort by index.
    data = [{"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]} for i, t in enumerate(texts)]
    return Reply(json={"object": "list", "data": list(reversed(data)), "model": request.json["model"],
                       "usage": {"prompt_tokens": 3, "total_tokens": 3}})


def test_embeds_through_the_endpoint_normalised_and_in_order(fake_server):
    fake_server.handler = embeddings_reply
    embedder = get_embedder(f"openai:text-embedding-3-small@{fake_server.url}/v1")
    assert isinstance(embedder, OpenAIEmbedder)
    vectors = embedder.embed_passages(["a", "abc"])
    assert vectors.shape == (2, 3)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    expected = np.array([[1.0, 1.0, 0.0], [3.0, 1.0, 0.0]])
    assert np.allclose(vectors, expected / np.linalg.norm(expected, axis=1, keepdims=True))
    request = fake_server.requests[0]
    assert request.path == "/v1/embeddings"
    assert request.json["model"] == "text-embedding-3-small"
    assert embedder.embed_queries(["question"]).shape == (1, 3)


def test_needs_a_key_for_the_hosted_service():
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_embedder("openai:text-embedding-3-small")


def test_unknown_embedder_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown embedder"):
        get_embedder("word2vec")

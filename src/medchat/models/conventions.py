"""The environment variables each provider's own SDK and the tools around it read, honoured the same way.

A user who already set ``OPENAI_BASE_URL`` for the ``openai`` SDK, LiteLLM or Inspect expects medchat to
reach the same server. medchat resolves these itself (rather than leaving them to each SDK) because it
must know the real URL: whether a server is local decides redaction and cost, and errors name the URL.
An alias's ``base_url`` in ``medchat.toml`` still wins over all of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

#: Per provider prefix: the variables that name its base URL, first set wins.
BASE_URL_ENVS: dict[str, tuple[str, ...]] = {
    # The openai SDK reads OPENAI_BASE_URL; OPENAI_API_BASE is the pre-1.0 name LiteLLM and LangChain still read.
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    # No SDK of its own: OPENROUTER_BASE_URL by analogy, OPENROUTER_API_BASE as LiteLLM reads it.
    "openrouter": ("OPENROUTER_BASE_URL", "OPENROUTER_API_BASE"),
    # google-genai reads GOOGLE_GEMINI_BASE_URL when no base_url is given.
    "gemini": ("GOOGLE_GEMINI_BASE_URL",),
    # The ollama CLI and its Python client read OLLAMA_HOST ("host:port", scheme optional).
    "ollama": ("OLLAMA_HOST",),
}


def _ollama_url(value: str) -> str:
    """``OLLAMA_HOST`` names the server (``0.0.0.0:11434``, ``box``, ``https://host``) the way the ollama client
    parses it (http and port 11434 unless given); medchat talks to its OpenAI-compatible ``/v1``."""
    from urllib.parse import urlsplit

    parts = urlsplit(value if "://" in value else f"http://{value}")
    host = parts.hostname or "127.0.0.1"
    host = "127.0.0.1" if host == "0.0.0.0" else host  # "listen everywhere" is reached on this machine
    port = parts.port or (443 if parts.scheme == "https" else 11434)
    path = parts.path.rstrip("/")
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{port}{path if path.endswith('/v1') else path + '/v1'}"


_TRANSFORMS: dict[str, Callable[[str], str]] = {"OLLAMA_HOST": _ollama_url}


def base_url_from_env(prefix: str) -> tuple[str, str] | None:
    """``(url, variable)`` from the first of the provider's base-URL variables that is set, else ``None``."""
    for env in BASE_URL_ENVS.get(prefix, ()):
        value = os.environ.get(env, "").strip()
        if value:
            return _TRANSFORMS.get(env, str)(value), env
    return None


def hf_saved_token() -> str | None:
    """The token ``huggingface_hub`` would use: ``HF_TOKEN``, else the one ``hf auth login`` saved under
    ``HF_HOME`` (or ``HF_TOKEN_PATH``)."""
    try:
        from huggingface_hub import get_token
    except ImportError:  # pragma: no cover - a dependency, but keep the error about the key, not the import
        return None
    return get_token()

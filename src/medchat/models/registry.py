"""Resolve ``"provider/model"`` strings (or aliases from ``medchat.toml``) to provider instances.

Built-in providers are listed here by module path and imported only when used, so ``import medchat``
and ``medchat --help`` never pull in an SDK. Third parties add providers with ``@register_provider`` or
a ``medchat.providers`` entry point.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from medchat.config import Price, Settings, get_settings
from medchat.errors import AuthenticationError, ConfigError, UnknownProviderError
from medchat.models.base import ChatModel, reject_unknown_options
from medchat.models.conventions import base_url_from_env, hf_saved_token
from medchat.types import GenerationParams


@dataclass
class ModelSpec:
    """Everything a provider factory needs to build one model."""

    name: str  # "openai/gpt-4o-mini"
    model_id: str  # "gpt-4o-mini"
    provider: ProviderInfo
    options: dict[str, Any]  # factories pop what they use; leftovers are an error
    params: GenerationParams
    settings: Settings

    @property
    def price(self) -> Price | None:
        from medchat.models.pricing import price_for

        return None if self.provider.local else price_for(self.name, self.settings)

    def take(self, option: str, default: Any = None) -> Any:
        """Pop one provider option (what is left at the end is rejected as unknown)."""
        return self.options.pop(option, default)

    def take_bool(self, option: str, default: bool) -> bool:
        """``take`` for a yes/no option: a bool, or "true"/"false"/"1"/"0"/"yes"/"no" (a TOML or env string)."""
        value = self.take(option, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(f"{option} must be true or false, not {value!r}")

    def done(self) -> None:
        """Call after taking all options: leftovers are typos."""
        reject_unknown_options(self.name, self.options)

    def api_key(self, *, required: bool = True) -> str | None:
        """The key from ``api_key=``, ``api_key_env=``, or the provider's usual variables."""
        if key := self.options.pop("api_key", None):
            return str(key)
        env_names = [self.options.pop("api_key_env")] if "api_key_env" in self.options else []
        env_names += list(self.provider.key_envs)
        for env in env_names:
            if value := os.environ.get(env):
                return value
        if self.provider.hf_token and (saved := hf_saved_token()):
            return saved  # saved by `hf auth login` under HF_HOME, as huggingface_hub finds it
        if required:
            wanted = " or ".join(env_names) or "an API key"
            raise AuthenticationError(f"no API key: {wanted} is not set",
                                      hint=f"export {env_names[0] if env_names else 'the key'}=... "
                                           "or set api_key_env in medchat.toml", model=self.name)
        return None


Factory = Callable[[ModelSpec], ChatModel]


@dataclass(frozen=True)
class ProviderInfo:
    prefix: str
    target: str | Factory  # "package.module:factory" (imported lazily) or the factory itself
    description: str
    key_envs: tuple[str, ...] = ()
    local: bool = False
    example: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    hf_token: bool = False  # also the token huggingface_hub saved (HF_HOME/token)

    def factory(self) -> Factory:
        if callable(self.target):
            return self.target
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


_OPENAI = "medchat.models.openai_compat:create"
_PROVIDERS: dict[str, ProviderInfo] = {}


def _add(info: ProviderInfo) -> None:
    _PROVIDERS[info.prefix] = info


for _info in (
    ProviderInfo("openai", _OPENAI, "OpenAI, or any OpenAI-compatible server via base_url",
                 ("OPENAI_API_KEY",), example="openai/gpt-4o-mini"),
    ProviderInfo("openrouter", _OPENAI, "OpenRouter (OpenAI-compatible)", ("OPENROUTER_API_KEY",),
                 example="openrouter/meta-llama/llama-3.1-8b-instruct",
                 defaults={"base_url": "https://openrouter.ai/api/v1"}),
    ProviderInfo("hf-router", _OPENAI, "Hugging Face inference router (OpenAI-compatible)",
                 ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"), example="hf-router/meta-llama/Llama-3.1-8B-Instruct",
                 defaults={"base_url": "https://router.huggingface.co/v1"}, hf_token=True),
    ProviderInfo("vllm", _OPENAI, "a vLLM server (OpenAI-compatible)", ("VLLM_API_KEY",),
                 example="vllm/Qwen/Qwen2.5-7B-Instruct", defaults={"base_url": "http://localhost:8000/v1"}),
    ProviderInfo("ollama", _OPENAI, "an Ollama server (OpenAI-compatible)", (),
                 example="ollama/llama3.2", defaults={"base_url": "http://localhost:11434/v1"}),
    ProviderInfo("llama-server", _OPENAI, "a llama.cpp server (OpenAI-compatible)", (),
                 example="llama-server/default", defaults={"base_url": "http://localhost:8080/v1"}),
    ProviderInfo("gemini", "medchat.models.gemini:create", "Google Gemini API (google-genai)",
                 ("GEMINI_API_KEY", "GOOGLE_API_KEY"), example="gemini/gemini-2.5-flash"),
    ProviderInfo("hf", "medchat.models.hf_inference:create", "Hugging Face Inference (huggingface_hub)",
                 ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"), example="hf/meta-llama/Llama-3.1-8B-Instruct",
                 hf_token=True),
    ProviderInfo("gguf", "medchat.models.llama_cpp:create_gguf", "a local GGUF file through llama.cpp",
                 local=True, example="gguf/./models/qwen2.5-1.5b-instruct-q4_k_m.gguf"),
    ProviderInfo("builtin", "medchat.models.builtin:create", "models bundled with medchat, offline",
                 local=True, example="builtin/smollm2"),
    ProviderInfo("assistant", "medchat.assistant.model:create",
                 "the guarded medical assistant around another model (triage, PII, sources, validators)",
                 example="assistant/builtin/smollm2"),
    ProviderInfo("replay", "medchat.models.replay:create",
                 "answers recorded elsewhere, per evaluation sample: a JSONL file of {id, output}",
                 local=True, example="replay/answers.jsonl"),
    ProviderInfo("local", "medchat.models.transformers_local:create",
                 "a Hugging Face transformers model from a path or Hub id", local=True,
                 example="local/HuggingFaceTB/SmolLM2-135M-Instruct"),
):
    _add(_info)


def register_provider(prefix: str, *, description: str = "", key_envs: tuple[str, ...] = (),
                      local: bool = False, example: str = "") -> Callable[[Factory], Factory]:
    """Decorator: ``@register_provider("myco")`` makes ``get_model("myco/x")`` call the factory."""

    def decorate(factory: Factory) -> Factory:
        _add(ProviderInfo(prefix, factory, description or (factory.__doc__ or "").strip().split("\n")[0],
                          key_envs, local, example))
        return factory

    return decorate


def providers() -> list[ProviderInfo]:
    _load_entry_points()
    return list(_PROVIDERS.values())


_entry_points_loaded = False


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group="medchat.providers"):
        if ep.name not in _PROVIDERS:
            _add(ProviderInfo(ep.name, ep.value, f"plugin {ep.value}"))


def resolve(spec: str, settings: Settings | None = None, **options: Any) -> ModelSpec:
    """Turn a model string or alias into a ``ModelSpec`` without building anything."""
    settings = settings or get_settings()
    params = GenerationParams()
    seen: list[str] = []
    while spec in settings.models:
        if spec in seen:
            raise ConfigError(f"alias loop in medchat.toml: {' -> '.join([*seen, spec])}")
        seen.append(spec)
        alias = settings.models[spec]
        options = {**alias.options, **options}
        params = alias.params.merged(params)
        spec = alias.model
    prefix, sep, model_id = spec.partition("/")
    if not sep or not prefix or not model_id:
        raise ConfigError(f"{spec!r} is not a model name",
                          hint="use provider/model (e.g. openai/gpt-4o-mini) or an alias from medchat.toml; "
                               "see `medchat models`")
    if prefix not in _PROVIDERS:
        _load_entry_points()
    info = _PROVIDERS.get(prefix)
    if info is None:
        known = ", ".join(sorted(_PROVIDERS))
        raise UnknownProviderError(f"unknown provider {prefix!r} in {spec!r}", hint=f"known providers: {known}")
    if "params" in options:
        params = params.merged(GenerationParams.model_validate(options.pop("params")))
    defaults = dict(info.defaults)
    if "base_url" not in options and (from_env := base_url_from_env(prefix)) is not None:
        defaults["base_url"] = from_env[0]  # the SDK's own variable (OPENAI_BASE_URL ...); an alias's wins
    return ModelSpec(name=spec, model_id=model_id, provider=info, options={**defaults, **options},
                     params=params, settings=settings)


def create_model(spec: str, settings: Settings | None = None, **options: Any) -> ChatModel:
    """Build the raw provider model (no retries or limits: see ``medchat.gateway.get_model``)."""
    resolved = resolve(spec, settings, **options)
    return resolved.provider.factory()(resolved)

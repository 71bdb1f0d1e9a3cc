import pytest

from medchat.config import load_settings
from medchat.errors import ConfigError, ModelUnavailableError
from medchat.gateway import AdaptiveLimit, ConcurrencyLimit, Fallback, Retry, Router, Timeout, get_model
from medchat.models.registry import register_provider
from medchat.types import ChatRequest
from tests.scripted import ScriptedModel

REQ = ChatRequest.of("hi")
BUILT: list[ScriptedModel] = []


class InProcess(ScriptedModel):
    is_local = True  # an engine in this process, like llama.cpp


@register_provider("stacktest", description="gateway stack tests")
def make(spec):
    kind = InProcess if spec.take("local", False) else ScriptedModel
    model = kind(*spec.take("steps", ["hello"]), name=spec.name)
    model.base_url = spec.take("base_url", None)
    spec.done()  # a gateway option reaching the provider would fail here
    BUILT.append(model)
    return model


def layers(model):
    """The wrapper classes from the top down to the provider."""
    out = []
    while model is not None:
        out.append(type(model))
        model = None if isinstance(model, ScriptedModel) else getattr(model, "inner", None)
    return out


def settings(**models):
    return load_settings(models=models)


ENDPOINT = [Retry, AdaptiveLimit, ConcurrencyLimit, Timeout, ScriptedModel]


def test_a_plain_remote_model_gets_retry_adaptive_limits_concurrency_and_timeout():
    model = get_model("plain", settings=settings(plain={"model": "stacktest/a", "base_url": "http://a/v1"}))
    assert layers(model) == ENDPOINT
    adaptive = model.inner
    assert adaptive.key == "stacktest/a@http://a/v1"
    assert adaptive.adaptive and adaptive.ceiling == 8 and adaptive.rpm is None


def test_an_engine_in_this_process_has_no_adaptive_layer_unless_given_rpm():
    assert layers(get_model("stacktest/x", settings=load_settings(), local=True)) == [Retry, ConcurrencyLimit,
                                                                                      Timeout, InProcess]
    model = get_model("stacktest/x", settings=load_settings(), local=True, rpm=30)
    assert layers(model)[:-1] == ENDPOINT[:-1] and model.inner.rpm == 30 and not model.inner.adaptive


def test_a_server_on_this_machine_is_limited_like_a_remote_one():
    model = get_model("openai/qwen", settings=load_settings(), base_url="http://127.0.0.1:8000/v1")
    assert model.is_local  # for redaction and cost
    assert isinstance(model.inner, AdaptiveLimit) and model.inner.key == "openai/qwen@http://127.0.0.1:8000/v1"


def test_gateway_settings_reach_the_adaptive_layer():
    conf = load_settings(max_concurrency=16, gateway={"aimd_ceiling": 12, "aimd_floor": 2, "aimd_window": 5})
    adaptive = get_model("stacktest/x", settings=conf).inner
    assert (adaptive.ceiling, adaptive.floor, adaptive.window) == (12, 2, 5)
    assert layers(get_model("stacktest/x", settings=load_settings(gateway={"adaptive": False}))) == [
        Retry, ConcurrencyLimit, Timeout, ScriptedModel]


def test_deployments_fallbacks_and_limits_from_an_alias():
    conf = settings(
        smart={"model": "stacktest/big", "base_url": "http://default/v1", "strategy": "weighted", "cooldown_s": 5,
               "rpm": 100, "tpm": 50_000, "fallbacks": ["stacktest/backup", "cheap"],
               "context_window_fallbacks": ["stacktest/long"],
               "deployments": [{"base_url": "http://eu/v1", "weight": 3},
                               {"base_url": "http://us/v1", "rpm": 20},
                               {"model": "stacktest/other", "base_url": "http://other/v1"}]},
        cheap={"model": "stacktest/small", "fallbacks": ["stacktest/never"]})
    model = get_model("smart", settings=conf)
    assert isinstance(model, Fallback)
    router = model.inner
    assert isinstance(router, Router)
    assert router.strategy == "weighted" and router.cooldown_s == 5
    assert [d.weight for d in router.deployments] == [3.0, 1.0, 1.0]
    endpoints = [d.model for d in router.deployments]
    assert all(layers(e) == ENDPOINT for e in endpoints)
    assert [e.inner.key for e in endpoints] == ["stacktest/big@http://eu/v1", "stacktest/big@http://us/v1",
                                                "stacktest/other@http://other/v1"]
    assert [(e.inner.rpm, e.inner.tpm) for e in endpoints] == [(100, 50_000), (20, 50_000), (100, 50_000)]
    assert [f.name for f in model.fallbacks] == ["stacktest/backup", "stacktest/small"]
    assert not isinstance(model.fallbacks[1], Fallback)  # a fallback's own fallbacks are not followed
    assert [f.name for f in model.context_window_fallbacks] == ["stacktest/long"]


def test_the_alias_named_first_wins_and_keyword_arguments_win_over_both():
    conf = settings(inner={"model": "stacktest/x", "fallbacks": ["stacktest/a"], "rpm": 10},
                    outer={"model": "inner", "fallbacks": ["stacktest/b"]})
    model = get_model("outer", settings=conf)
    assert [f.name for f in model.fallbacks] == ["stacktest/b"]
    assert model.inner.inner.rpm == 10  # from the inner alias: the outer did not set it
    model = get_model("outer", settings=conf, fallbacks=["stacktest/c"], rpm=5)
    assert [f.name for f in model.fallbacks] == ["stacktest/c"] and model.inner.inner.rpm == 5


def test_the_bare_provider_ignores_gateway_options():
    conf = settings(smart={"model": "stacktest/x", "fallbacks": ["stacktest/y"], "rpm": 3})
    assert isinstance(get_model("smart", settings=conf, reliable=False), ScriptedModel)
    assert isinstance(get_model("stacktest/x", settings=conf, reliable=False, fallbacks=["a/b"]), ScriptedModel)


def test_a_wrong_gateway_option_is_a_config_error():
    with pytest.raises(ConfigError, match="strategy"):
        get_model("stacktest/x", settings=load_settings(), strategy="fastest")
    with pytest.raises(ConfigError):
        load_settings(models={"m": {"model": "stacktest/x", "deployments": [{"weight": 0}]}})


async def test_the_whole_stack_falls_back_after_every_deployment_gives_up():
    conf = load_settings(retry={"max_attempts": 1}, models={
        "smart": {"model": "stacktest/x", "steps": [ModelUnavailableError("down", status=500)],
                  "deployments": [{"base_url": "http://one/v1"}, {"base_url": "http://two/v1"}],
                  "fallbacks": ["stacktest/backup"]}})
    done = await get_model("smart", settings=conf).complete(REQ)
    assert done.model == "stacktest/backup"
    assert done.fallback == {"from": "stacktest/x", "to": "stacktest/backup", "reason": "unavailable"}
    assert done.timing.attempts == 1

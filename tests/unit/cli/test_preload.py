"""``medchat ask --assistant`` and ``chat`` start loading a llama.cpp model's weights while they build the rest."""

import threading

import medchat.models.llama_cpp as llama_cpp
from medchat.cli.chat import preload


class Model:
    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.options = object()


def test_a_llama_cpp_model_starts_loading_in_the_background(monkeypatch):
    loaded = threading.Event()
    monkeypatch.setattr(llama_cpp, "load", lambda options: loaded.set())
    preload(Model("llama.cpp"))
    assert loaded.wait(30)


def test_other_models_are_left_alone(monkeypatch):
    """A loopback OpenAI-compatible server is "local" too, but it has no weights to load and its client must stay
    on the session's own event loop."""
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name))
    for provider in ("openai", "extractive", "transformers"):
        preload(Model(provider))
    assert started == []
    preload(Model("llama.cpp"))
    assert started == ["medchat-preload"]


def test_a_failing_load_is_left_for_the_turn_to_report(monkeypatch):
    tried = threading.Event()

    def broken(options):
        tried.set()
        raise RuntimeError("no such file")

    monkeypatch.setattr(llama_cpp, "load", broken)
    preload(Model("llama.cpp"))  # no exception here, and none printed from the thread
    assert tried.wait(30)

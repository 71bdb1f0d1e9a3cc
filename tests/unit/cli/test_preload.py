"""``medchat ask --assistant`` and ``chat`` start loading local weights while they build the rest."""

import threading

from medchat.cli.chat import preload


class Model:
    def __init__(self, is_local: bool) -> None:
        self.is_local = is_local
        self.loaded = threading.Event()

    async def load(self) -> None:
        self.loaded.set()


def test_a_local_model_starts_loading_in_the_background():
    model = Model(is_local=True)
    preload(model)
    assert model.loaded.wait(30)


def test_a_remote_model_is_left_alone(monkeypatch):
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name))
    preload(Model(is_local=False))
    assert started == []
    preload(Model(is_local=True))
    assert started == ["medchat-preload"]


def test_a_failing_load_is_left_for_the_turn_to_report():
    class Broken(Model):
        async def load(self) -> None:
            self.loaded.set()
            raise RuntimeError("no such file")

    model = Broken(is_local=True)
    preload(model)  # no exception here, and none printed from the thread
    assert model.loaded.wait(30)

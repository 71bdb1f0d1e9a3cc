"""``storage.opening.Opening``: a store opened on a background thread once asked to start, or on first use."""

import threading

import pytest

from medchat.storage import ConversationStore, Database
from medchat.storage.opening import Opening


def test_nothing_is_opened_before_start_or_first_use(database_url):
    opened: list[ConversationStore] = []

    def open_store() -> ConversationStore:
        database = Database(database_url)
        database.migrate()
        opened.append(ConversationStore(database))
        return opened[-1]

    store = Opening(open_store)
    assert opened == [] and not store.opened
    conversation = store.create(title="first")  # the first use opens it
    assert len(opened) == 1 and store.opened
    assert [c.id for c in store.list()] == [conversation]
    store.start()  # already open: nothing more
    assert len(opened) == 1
    opened[0].database.close()


def test_start_opens_on_a_thread_and_a_use_meanwhile_waits_for_it():
    gate, entered = threading.Event(), threading.Event()
    calls: list[str] = []

    def open_store() -> object:
        calls.append(threading.current_thread().name)
        entered.set()
        assert gate.wait(30)
        return type("Store", (), {"history": lambda self, cid: [cid]})()

    store = Opening(open_store)
    store.start()
    store.start()  # once
    assert entered.wait(30)
    got: list[object] = []
    user = threading.Thread(target=lambda: got.append(store.history("c1")))
    user.start()
    gate.set()
    user.join(30)
    assert got == [["c1"]]
    assert calls == ["medchat-store-open"]


def test_an_error_opening_it_reaches_the_first_use():
    def broken() -> object:
        raise ValueError("no database at that URL")

    store = Opening(broken)
    store.start()
    with pytest.raises(ValueError, match="no database"):
        store.list()


def test_start_returns_at_once_while_the_store_is_opening():
    # The opening thread holds the store's lock while it opens; a second start() must not wait for it (it did, and
    # a use that came after it then opened the store a second time once the first opening gave up).
    gate, entered = threading.Event(), threading.Event()

    def open_store() -> object:
        entered.set()
        assert gate.wait(60)
        return object()

    store = Opening(open_store)
    store.start()
    try:
        assert entered.wait(30)
        again = threading.Thread(target=store.start)
        again.start()
        again.join(30)
        assert not again.is_alive()
    finally:
        gate.set()
    assert store.get() is not None

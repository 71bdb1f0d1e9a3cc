"""The saved-prefix LRU of the llama.cpp provider, without a model."""

from medchat.models.llama_cpp import PrefixStates, SavedPrefix, common_prefix


def entry(tokens: tuple[int, ...], size: int = 10) -> SavedPrefix:
    return SavedPrefix(tokens, data=None, size=size)


def test_common_prefix_counts_leading_tokens_shared():
    assert common_prefix([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix([1, 2], [1, 2, 3]) == 2
    assert common_prefix([], [1]) == 0 and common_prefix([9], [1]) == 0


def test_longest_match_wins_and_counts_as_a_use():
    states = PrefixStates(max_entries=3, max_bytes=1000)
    states.add(entry((1, 2, 3)))
    states.add(entry((1, 2, 3, 4, 5)))
    states.add(entry((7, 8)))
    best, shared = states.longest([1, 2, 3, 4, 9])
    assert best is not None and best.tokens == (1, 2, 3, 4, 5) and shared == 4
    assert states.prefixes()[-1] == (1, 2, 3, 4, 5)  # now the most recently used
    assert states.longest([5, 5]) == (None, 0)


def test_evicts_least_recently_used_beyond_the_entry_bound():
    states = PrefixStates(max_entries=2, max_bytes=1000)
    states.add(entry((1,)))
    states.add(entry((2,)))
    states.longest([1])  # (1,) used again: (2,) is now the oldest
    states.add(entry((3,)))
    assert states.prefixes() == [(1,), (3,)]


def test_evicts_beyond_the_byte_bound_and_refuses_what_alone_is_too_big():
    states = PrefixStates(max_entries=10, max_bytes=100)
    states.add(entry((1,), size=60))
    states.add(entry((2,), size=30))
    states.add(entry((3,), size=40))  # 130 bytes: (1,) goes
    assert states.prefixes() == [(2,), (3,)] and states.nbytes == 70
    assert not states.add(entry((4,), size=101))
    assert states.prefixes() == [(2,), (3,)]


def test_zero_entries_keeps_nothing():
    states = PrefixStates(max_entries=0, max_bytes=100)
    assert not states.add(entry((1,))) and len(states) == 0

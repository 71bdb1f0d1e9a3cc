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


# -- saved prefixes in files (PrefixFiles) -----------------------------------------------------------------

def _state(tokens: tuple[int, ...], fill: int = 7, size: int = 64) -> SavedPrefix:
    import ctypes

    return SavedPrefix(tokens, (ctypes.c_uint8 * size)(*([fill] * size)), size)


def test_a_saved_prefix_written_to_a_file_is_read_back_by_another_instance(tmp_path):
    from medchat.models.prefix_states import PrefixFiles

    PrefixFiles(tmp_path).write(_state((1, 2, 3, 4)))
    files = PrefixFiles(tmp_path)  # a new process
    found, length = files.longest([1, 2, 3, 4, 5, 6])
    assert found is not None and length == 4
    read = files.read(found)
    assert read is not None and read.tokens == (1, 2, 3, 4) and read.size == 64 and bytes(read.data) == bytes([7] * 64)


def test_a_file_counts_only_when_its_whole_prefix_matches(tmp_path):
    from medchat.models.prefix_states import PrefixFiles

    files = PrefixFiles(tmp_path)
    files.write(_state((1, 2, 3, 4)))
    files.write(_state((1, 2)))
    assert files.longest([1, 2, 3, 9])[1] == 2  # (1, 2, 3, 4) differs at its fourth token: its state does not fit
    assert files.longest([5])[0] is None


def test_files_beyond_the_bound_go_least_recently_used_first(tmp_path):
    import os

    from medchat.models.prefix_states import PrefixFiles

    files = PrefixFiles(tmp_path, max_files=2)
    first = files.write(_state((1,)))
    second = files.write(_state((2,)))
    os.utime(first, ns=(10**18, 10**18))  # (1,) was used since: (2,) is now the oldest
    os.utime(second, ns=(10, 10))
    files.write(_state((3,)))
    assert sorted(PrefixFiles(tmp_path)._scan().values()) == [(1,), (3,)]


def test_a_damaged_or_foreign_file_is_skipped(tmp_path):
    from medchat.models.prefix_states import PrefixFiles

    file = PrefixFiles(tmp_path).write(_state((1, 2, 3)))
    file.write_bytes(file.read_bytes()[:-10])  # cut short
    (tmp_path / "other.state").write_bytes(b"not a state at all")
    files = PrefixFiles(tmp_path)
    found, _ = files.longest([1, 2, 3])
    assert found is None or files.read(found) is None


def test_an_unwritable_folder_keeps_the_state_in_memory_only(tmp_path):
    from medchat.models.prefix_states import PrefixFiles

    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert PrefixFiles(blocker / "sub").write(_state((1,))) is None
    assert PrefixFiles(tmp_path, max_files=0).write(_state((1,))) is None

"""The bundled knowledge base's passages and BM25 words, cached under the data directory."""

import json

import pytest

from medchat.knowledge import bundled
from medchat.knowledge.bundled import bundled_knowledge_base, cached_index, index_key
from tests.unit.knowledge.fakes import HashingEmbedder


@pytest.fixture
def builds(monkeypatch):
    """Counts the times the index is computed from the pages."""
    calls = []
    real = bundled.build_index

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(bundled, "build_index", counting)
    return calls


def cache_files(data_dir):
    return sorted(p.name for p in (data_dir / "kb" / ".cache").glob("bundled.*.json"))


def test_the_first_open_builds_and_writes_the_cache_and_the_next_reads_it(tmp_path, builds):
    passages, tokens = cached_index(tmp_path)
    assert len(builds) == 1 and cache_files(tmp_path) == [f"bundled.{index_key()}.json"]
    again, again_tokens = cached_index(tmp_path)
    assert len(builds) == 1  # read back, not rebuilt
    assert again == passages and again_tokens == tokens
    assert (passages, tokens) == bundled.build_index()  # exactly what the pages give


def test_a_stale_cache_is_rebuilt_and_replaced(tmp_path, builds):
    folder = tmp_path / "kb" / ".cache"
    folder.mkdir(parents=True)
    (folder / "bundled.0123456789abcdef.json").write_text(json.dumps({"key": "0123456789abcdef", "passages": [],
                                                                      "tokens": []}))
    passages, _ = cached_index(tmp_path)
    assert len(builds) == 1 and passages
    assert cache_files(tmp_path) == [f"bundled.{index_key()}.json"]  # the stale file is gone


@pytest.mark.parametrize("content", ["{not json", '{"key": "other", "passages": [], "tokens": []}', "[]"])
def test_an_unreadable_or_mismatched_cache_file_is_rebuilt(tmp_path, builds, content):
    folder = tmp_path / "kb" / ".cache"
    folder.mkdir(parents=True)
    (folder / f"bundled.{index_key()}.json").write_text(content)
    passages, tokens = cached_index(tmp_path)
    assert len(builds) == 1 and len(passages) == len(tokens) > 0
    cached_index(tmp_path)
    assert len(builds) == 1  # the rewritten file is used


def test_the_key_follows_the_pages_and_the_version(monkeypatch, tmp_path):
    key = index_key()
    monkeypatch.setattr("medchat.__about__.__version__", "0.0.0-test")
    assert index_key() != key
    monkeypatch.undo()
    pages = tmp_path / "bundled"
    (pages / "en").mkdir(parents=True)
    for path in sorted(bundled.PACKAGE_DIR.glob("*/*.md"))[:2]:
        (pages / path.parent.name).mkdir(exist_ok=True)
        (pages / path.parent.name / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(bundled, "PACKAGE_DIR", pages)
    before = index_key()
    page = next(pages.glob("*/*.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert index_key() != before


def test_a_knowledge_base_from_the_cache_searches_like_one_built_from_the_pages(tmp_path):
    embedder = HashingEmbedder()
    cached_index(tmp_path)  # written
    from_cache = bundled_knowledge_base(embedder, data_dir=tmp_path)
    from_pages = bundled_knowledge_base(embedder)
    for query in ("What are the signs of a stroke?", "发烧怎么办", "how long does a cold last"):
        assert ([r.passage.id for r in from_cache.search(query, mode="bm25", k=5)]
                == [r.passage.id for r in from_pages.search(query, mode="bm25", k=5)])


def test_a_read_only_data_directory_still_answers(tmp_path, builds):
    (tmp_path / "kb").write_text("not a folder")  # nothing can be written under it
    passages, _ = cached_index(tmp_path)
    assert passages and len(builds) == 1

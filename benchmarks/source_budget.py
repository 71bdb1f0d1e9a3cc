"""What the source budget costs the answer's grounding: how much of each bundled question's reference answer the
prompt's sources still hold, by budget.

For every question of the bundled ``medical-qa`` suite (reference answers) and ``mcq`` suite (the correct option),
the assistant prepares its prompt exactly as in a turn (retrieval, passage screening, ``fit_sources``) with
``source_tokens`` set to each budget; the measure is the share of the reference's content words (stemmed English,
jieba Chinese, as BM25 reads them) that occur in the sources, averaged per language, and the sources' median length
in SmolLM2 tokens (titles included). "all" is the ceiling: every retrieved passage whole. No model is run: only the
bundled model's tokenizer is loaded. To compare a change, run it twice (``PYTHONPATH=<other src>`` for the other).

    python benchmarks/source_budget.py [--budgets all,240,200,160,120]
"""

from __future__ import annotations

import argparse
import json
import statistics
from importlib import resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budgets", default="all,240,200,160,120")
    args = parser.parse_args()
    from medchat.assistant.pipeline import Assistant
    from medchat.config import Settings
    from medchat.gateway import get_model
    from medchat.knowledge import open_knowledge_base
    from medchat.knowledge.tokenize import content_words

    settings = Settings()
    model = get_model("builtin/smollm2")
    knowledge = open_knowledge_base(settings.assistant.knowledge, settings.data_dir)
    data = resources.files("medchat.evaluation.suites") / "data"
    suites = {
        "medical-qa": [(r["metadata"]["language"], r["input"], r["target"][0])
                       for r in map(json.loads, (data / "medical_qa.jsonl").read_text("utf-8").splitlines())],
        "mcq": [(r["language"], r["question"], r["answer"])
                for r in map(json.loads, (data / "mcq.jsonl").read_text("utf-8").splitlines())],
    }
    print("| budget | suite | en: reference words in sources | en: source tokens | zh: reference words in sources "
          "| zh: source tokens |\n|---|---|---|---|---|---|")
    for budget in args.budgets.split(","):
        setting = budget if budget == "all" else int(budget)
        assistant = Assistant(model, knowledge=knowledge,
                              settings=settings.assistant.model_copy(update={"source_tokens": setting}))
        for suite, items in suites.items():
            recall: dict[str, list[float]] = {"en": [], "zh": []}
            tokens: dict[str, list[int]] = {"en": [], "zh": []}
            for language, question, reference in items:
                turn = assistant._prepare([], question, None, lambda *a, **k: None)
                system = turn.request.messages[0].content
                heading = "资料：" if language == "zh" else "Sources:"
                sources = system.split(heading, 1)[1] if heading in system else ""
                wanted = content_words(reference)
                if wanted:
                    recall[language].append(len(wanted & content_words(sources)) / len(wanted))
                tokens[language].append(model.count_tokens(sources))
            print(f"| {budget} | {suite} | " + " | ".join(
                f"{statistics.mean(recall[lang]):.3f} | {statistics.median(tokens[lang]):.0f}" for lang in ("en", "zh"))
                + " |", flush=True)


if __name__ == "__main__":
    main()

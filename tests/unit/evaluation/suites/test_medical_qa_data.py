"""The bundled ``medical-qa`` data: every line a valid Sample, with sensible counts, ids, tags and authorities,
and short reference answers. It catches a bad hand edit before a run fails halfway, or before a run
scores against an empty or overlong target."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from medchat.evaluation.sample import Dataset, Sample
from medchat.evaluation.suites import get_suite

SUITE = get_suite("medical-qa")
MIN_COUNT = {"en": 150, "zh": 50}
MAX_TARGET = {"en": 60, "zh": 100}  # English words / Chinese characters
TOPICS = {"respiratory", "cardiovascular", "diabetes", "endocrine", "infection", "mental-health", "medicines",
          "prevention", "nutrition", "sleep", "maternal-child", "first-aid", "skin", "musculoskeletal", "neurology",
          "digestive", "womens-health", "general"}
KINDS = {"definition", "symptoms", "treatment", "prevention", "when-to-seek-care", "medicines"}
AUTHORITIES = {
    "en": {"NHS", "CDC", "WHO", "MedlinePlus", "FDA"},
    "zh": {"国家卫生健康委员会", "中国疾病预防控制中心", "中华医学会", "中国营养学会", "中国红十字会", "WHO"},
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _rows() -> list[dict[str, Any]]:
    lines = SUITE.path.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in the data file"
    return [json.loads(line) for line in lines]


ROWS = _rows()
SAMPLES = [Sample(**row) for row in ROWS]


def _language(sample: Sample) -> str:
    return sample.metadata["language"]


def test_every_line_is_a_sample_and_ids_are_unique() -> None:
    dataset = Dataset(name=SUITE.name, samples=SAMPLES)
    assert len(dataset) == len(ROWS)


def test_counts_per_language_meet_the_minimum() -> None:
    counts = Counter(_language(sample) for sample in SAMPLES)
    assert set(counts) == set(MIN_COUNT)
    for language, minimum in MIN_COUNT.items():
        assert counts[language] >= minimum, f"only {counts[language]} {language} items"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_item_is_well_formed(sample: Sample) -> None:
    language = _language(sample)
    assert re.fullmatch(rf"mqa-{language}-\d{{3}}", sample.id)
    assert len(sample.input) == 1
    assert sample.input[0].role == "user"
    assert sample.question.strip().endswith(("?", "？"))
    assert not sample.choices
    assert not sample.rubric

    topic, kind = sample.tags
    assert topic in TOPICS
    assert kind in KINDS

    authority = sample.metadata["authority"]
    assert authority in AUTHORITIES[language]
    reading = sample.metadata["further_reading"]
    assert re.fullmatch(rf"{re.escape(authority)}[:：]\s*\S.*", reading), reading

    assert sample.target
    for target in sample.target:
        assert target == target.strip()
        assert target
        size = len(target.split()) if language == "en" else len(target)
        assert size <= MAX_TARGET[language], f"{sample.id} target is {size} long"
    if language == "zh":
        assert CJK.search(sample.question)
        assert CJK.search(sample.target[0])
    else:
        assert not CJK.search(sample.question + "".join(sample.target))


def test_questions_are_not_repeated() -> None:
    repeated = [q for q, n in Counter(s.question.strip().lower() for s in SAMPLES).items() if n > 1]
    assert not repeated


def test_default_slice_mixes_languages_and_topics() -> None:
    head = Dataset(name=SUITE.name, samples=SAMPLES).limited(SUITE.default_limit)
    assert {_language(sample) for sample in head} == {"en", "zh"}
    assert len({sample.tags[0] for sample in head}) >= min(8, len(head))  # topics rotate through the file

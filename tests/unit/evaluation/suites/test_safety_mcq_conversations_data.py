"""The bundled safety, mcq and conversations suites: every line is well formed, counts and language mix meet
the spec, personal data is really in the text (and Chinese resident IDs carry valid check digits)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from importlib.resources import files
from itertools import pairwise
from typing import Any

import pytest

from medchat.evaluation.sample import Dataset, Sample

DATA = files("medchat.evaluation.suites") / "data"
CJK = re.compile(r"[\u4e00-\u9fff]")
EXPECT = {"emergency": "escalate", "harmful": "decline", "benign": "answer", "injection": "decline", "pii": "answer"}
MINIMUM = {"emergency": 60, "harmful": 40, "benign": 80, "injection": 30, "pii": 30}
AXES = {"accuracy", "completeness", "communication_quality", "context_awareness", "instruction_following", "safety"}
RESIDENT_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9A-Za-z])")
CN_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def read(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), f"{name} has blank lines"
    return [json.loads(line) for line in lines]


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2, as used by GB 11643 resident identity numbers."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def valid_resident_id(number: str) -> bool:
    if not re.fullmatch(r"[1-9][0-9]{16}[0-9X]", number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return check_digit(number[:17]) == number[17]


def user_text(messages: list[dict[str, str]] | str) -> str:
    if isinstance(messages, str):
        return messages
    return "\n".join(m["content"] for m in messages if m["role"] == "user")


def all_text(messages: list[dict[str, str]] | str) -> str:
    return messages if isinstance(messages, str) else "\n".join(m["content"] for m in messages)


@pytest.fixture(scope="module")
def safety() -> list[dict[str, Any]]:
    return read("safety.jsonl")


@pytest.fixture(scope="module")
def mcq() -> list[dict[str, Any]]:
    return read("mcq.jsonl")


@pytest.fixture(scope="module")
def conversations() -> list[dict[str, Any]]:
    return read("conversations.jsonl")


def test_check_digit_matches_the_standard_example() -> None:
    assert valid_resident_id("11010519491231002X")  # the worked example in GB 11643-1999
    assert not valid_resident_id("110105194912310021")
    assert not valid_resident_id("110105194913310025")  # month 13


# --- safety -------------------------------------------------------------------------------------------


def test_safety_lines_are_samples_with_unique_ids(safety: list[dict[str, Any]]) -> None:
    samples = [Sample(**obj) for obj in safety]
    Dataset(name="safety", samples=samples)  # rejects duplicate ids
    for sample in samples:
        assert re.fullmatch(r"safety-(en|zh)-\d{3}", sample.id)
        assert sample.input[-1].role == "user"


def test_safety_tags_expectations_and_authority(safety: list[dict[str, Any]]) -> None:
    for obj in safety:
        kind, category = obj["tags"]
        meta = obj["metadata"]
        assert kind in EXPECT, obj["id"]
        assert category and category not in EXPECT, obj["id"]
        assert meta["expect"] == EXPECT[kind], obj["id"]
        assert meta["authority"].strip(), obj["id"]
        assert meta["language"] == obj["id"].split("-")[1]
        assert ("pii" in meta) == (kind == "pii"), obj["id"]


def test_safety_counts_and_language_mix(safety: list[dict[str, Any]]) -> None:
    per_kind = Counter(obj["tags"][0] for obj in safety)
    for kind, minimum in MINIMUM.items():
        assert per_kind[kind] >= minimum, kind
        chinese = sum(1 for obj in safety if obj["tags"][0] == kind and obj["metadata"]["language"] == "zh")
        assert 0.25 <= chinese / per_kind[kind] <= 0.45, kind


def test_safety_text_is_in_its_language(safety: list[dict[str, Any]]) -> None:
    for obj in safety:
        has_cjk = bool(CJK.search(user_text(obj["input"])))
        assert has_cjk == (obj["metadata"]["language"] == "zh"), obj["id"]


def test_safety_covers_the_required_situations(safety: list[dict[str, Any]]) -> None:
    categories = {kind: set() for kind in EXPECT}
    for obj in safety:
        categories[obj["tags"][0]].add(obj["tags"][1])
    assert {"cardiac", "stroke", "anaphylaxis", "bleeding", "breathing", "seizure", "overdose", "poisoning",
            "suicide", "self_harm", "infant_fever", "pregnancy"} <= categories["emergency"]
    assert {"rx_without_prescription", "lethal_dose", "eating_disorder", "falsify_records", "dangerous_remedy",
            "harm_others"} <= categories["harmful"]
    assert {"emergency_knowledge", "history", "negation", "medication_safety", "sexual_health", "mental_health",
            "harm_reduction", "figurative"} <= categories["benign"]
    assert {"instruction_override", "roleplay_jailbreak", "system_prompt_extraction", "multi_turn"} <= categories[
        "injection"]


def test_harmful_requests_name_their_harm_category_and_cover_every_one(safety: list[dict[str, Any]]) -> None:
    from medchat.safety.harm import CATEGORIES

    harmful = [obj for obj in safety if obj["tags"][0] == "harmful"]
    for obj in harmful:
        assert obj["metadata"]["harm_category"] in CATEGORIES, obj["id"]
    for category in CATEGORIES:
        languages = {o["metadata"]["language"] for o in harmful if o["metadata"]["harm_category"] == category}
        assert languages == {"en", "zh"}, category


def test_multi_turn_injections_in_both_languages(safety: list[dict[str, Any]]) -> None:
    multi = [obj for obj in safety if obj["tags"][0] == "injection" and isinstance(obj["input"], list)]
    assert {obj["metadata"]["language"] for obj in multi} == {"en", "zh"}
    for obj in multi:
        roles = [m["role"] for m in obj["input"]]
        assert len(roles) >= 3 and roles[-1] == "user" and "assistant" in roles, obj["id"]


def test_pii_strings_are_verbatim_in_the_question(safety: list[dict[str, Any]]) -> None:
    for obj in (o for o in safety if o["tags"][0] == "pii"):
        strings = obj["metadata"]["pii"]
        assert strings, obj["id"]
        for value in strings:
            assert value in user_text(obj["input"]), (obj["id"], value)


def test_pii_data_is_fictional(safety: list[dict[str, Any]]) -> None:
    pii = [value for obj in safety if obj["tags"][0] == "pii" for value in obj["metadata"]["pii"]]
    emails = [value for value in pii if "@" in value]
    assert emails and all(re.search(r"@example\.(com|org|net)$", value) for value in emails)
    us_phones = [value for value in pii if re.search(r"555", value) and not CJK.search(value)]
    assert us_phones
    assert any(CN_MOBILE.fullmatch(value) for value in pii)


def test_resident_ids_have_valid_check_digits(safety: list[dict[str, Any]]) -> None:
    found = [match for obj in safety if obj["tags"][0] == "pii"
             for match in RESIDENT_ID.findall(user_text(obj["input"]))]
    assert len(found) >= 3
    for number in found:
        assert valid_resident_id(number), number
    listed = {value for obj in safety for value in obj["metadata"].get("pii", [])}
    assert set(found) <= listed


# --- mcq ------------------------------------------------------------------------------------------------


def test_mcq_items_are_well_formed(mcq: list[dict[str, Any]]) -> None:
    ids = [obj["id"] for obj in mcq]
    assert len(ids) == len(set(ids))
    for obj in mcq:
        assert re.fullmatch(r"mcq-(en|zh)-\d{3}", obj["id"])
        assert obj["language"] == obj["id"].split("-")[1]
        assert list(obj["options"]) == ["A", "B", "C", "D"], obj["id"]
        texts = [text.strip() for text in obj["options"].values()]
        assert all(texts) and len(set(texts)) == 4, obj["id"]
        assert obj["answer_idx"] in "ABCD" and len(obj["answer_idx"]) == 1
        assert obj.get("answer", obj["options"][obj["answer_idx"]]) == obj["options"][obj["answer_idx"]]
        assert obj["question"].strip() and obj["tags"] and obj["authority"].strip()
        assert bool(CJK.search(obj["question"])) == (obj["language"] == "zh"), obj["id"]


def test_mcq_counts_and_balanced_letters(mcq: list[dict[str, Any]]) -> None:
    for language, minimum in (("en", 40), ("zh", 20)):
        items = [obj for obj in mcq if obj["language"] == language]
        assert len(items) >= minimum, language
        letters = Counter(obj["answer_idx"] for obj in items)
        assert set(letters) == set("ABCD")
        assert max(letters.values()) - min(letters.values()) <= 2, (language, letters)


# --- conversations --------------------------------------------------------------------------------------


def test_conversations_are_healthbench_shaped(conversations: list[dict[str, Any]]) -> None:
    ids = [obj["prompt_id"] for obj in conversations]
    assert len(ids) == len(set(ids))
    for obj in conversations:
        pid = obj["prompt_id"]
        assert re.fullmatch(r"conv-(en|zh)-\d{3}", pid)
        assert obj["ideal_completions_data"] is None
        roles = [m["role"] for m in obj["prompt"]]
        assert 2 <= len(roles) <= 5, pid
        assert roles[-1] == "user" and all(r in ("user", "assistant") for r in roles), pid
        assert all(a != b for a, b in pairwise(roles)), pid
        assert all(m["content"].strip() for m in obj["prompt"]), pid


def test_conversation_rubrics(conversations: list[dict[str, Any]]) -> None:
    for obj in conversations:
        pid, rubrics = obj["prompt_id"], obj["rubrics"]
        assert 4 <= len(rubrics) <= 8, pid
        points = [item["points"] for item in rubrics]
        assert any(p < 0 for p in points) and any(p > 0 for p in points), pid
        for item in rubrics:
            assert isinstance(item["points"], int) and 1 <= abs(item["points"]) <= 10, pid
            assert item["criterion"].strip(), pid
            (tag,) = item["tags"]
            assert tag.startswith("axis:") and tag.removeprefix("axis:") in AXES, (pid, tag)


def test_conversation_tags_counts_and_language(conversations: list[dict[str, Any]]) -> None:
    for obj in conversations:
        language = obj["prompt_id"].split("-")[1]
        tags = obj["example_tags"]
        assert f"language:{language}" in tags
        assert sum(tag.startswith("theme:") for tag in tags) == 1
        assert bool(CJK.search(all_text(obj["prompt"]))) == (language == "zh"), obj["prompt_id"]
    languages = Counter(obj["prompt_id"].split("-")[1] for obj in conversations)
    assert languages["en"] >= 24 and languages["zh"] >= 10
    themes = {tag for obj in conversations for tag in obj["example_tags"] if tag.startswith("theme:")}
    assert {"theme:emergency_referrals", "theme:context_seeking", "theme:communication", "theme:hedging",
            "theme:global_health"} <= themes

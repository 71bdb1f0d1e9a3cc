"""Human labels in their published shapes: Chatbot Arena / MT-Bench battles, HealthBench meta-eval, HaluEval 2.0."""

import hashlib
import json
from pathlib import Path

import pytest

from medchat.evaluation.judges.labels import load_labels
from medchat.evaluation.loaders.errors import DatasetError

DATA = Path(__file__).parents[3] / "data" / "eval" / "judges"


def test_arena_battles_keep_the_question_as_context_and_each_answer():
    labels = load_labels([DATA / "arena.jsonl"])
    assert labels.format == "pairwise" and len(labels.items) == 6
    first = labels.items[0]
    assert first.id == "arena-1:clinic-bot-1:quick-bot-2:t1"
    assert first.context == [{"role": "user", "content": first.context[0]["content"]}]
    assert "fluids" in first.answer_a and "aspirin" in first.answer_b
    assert [item.labels for item in labels.items] == [["a"], ["b"], ["tie"], ["a"], ["both_bad"], ["a"]]
    assert labels.items[2].answer_a == labels.items[2].answer_b  # identical answers are still the answers
    assert first.category == "English" and first.raters == ["arena_user_0"]


def test_mt_bench_votes_on_one_battle_join_one_item_whichever_side_each_put_the_models():
    labels = load_labels([DATA / "mtbench_human.json"])  # a JSON array, as MT-Bench publishes it
    by_id = {item.id: item for item in labels.items}
    assert set(by_id) == {"101:alpha:beta:t1", "101:alpha:beta:t2", "102:alpha:beta:t1"}
    assert by_id["101:alpha:beta:t1"].labels == ["a", "a", "tie"]  # expert_1 had beta as model_a
    assert by_id["101:alpha:beta:t1"].raters == ["expert_0", "expert_1", "author_2"]
    turn1, turn2 = by_id["101:alpha:beta:t1"], by_id["101:alpha:beta:t2"]
    assert "see a doctor" not in turn1.answer_a.lower()  # turn 1 is judged on the first answer only
    assert turn2.answer_a.startswith("assistant: ") and "when should I see a doctor" in turn2.answer_a


def test_flat_pairs():
    labels = load_labels([DATA / "pairs_flat.jsonl"], "pairwise")
    assert [i.id for i in labels.items] == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert labels.items[0].context[0]["role"] == "user"


def test_healthbench_meta_eval_records_keep_every_physician_label():
    labels = load_labels([DATA / "healthbench_meta.jsonl"])
    assert labels.format == "rubric" and len(labels.items) == 8
    item = labels.items[2]
    assert item.labels == ["true", "true", "false"] and len(item.raters) == 3
    assert item.criterion.startswith("Advises cooling") and "running water" in item.response
    assert item.category == "cluster:communication_health-professional"
    assert item.id.startswith("prompt-burn:completion-burn-good:")


def test_halueval_facts_become_one_item_each_and_unknown_labels_are_skipped_with_a_reason():
    labels = load_labels([DATA / "halueval_Biomedicine.json"])
    assert labels.format == "facts" and len(labels.items) == 8
    assert [i.labels[0] for i in labels.items[:3]] == ["true", "true", "false"]
    assert labels.items[2].fact == "Insulin is made in the liver." and labels.items[2].id == "1:2"
    assert labels.items[0].category == "halueval_Biomedicine"
    assert labels.skipped == ["halueval_Biomedicine.json record 3 fact 3: label 'unknown' is neither true nor false"]


def test_limit_and_digest():
    labels = load_labels([DATA / "facts_flat.jsonl"], limit=2)
    assert [i.id for i in labels.items] == ["f1", "f2"]
    assert labels.dataset == "facts_flat.jsonl (first 2 items)"
    assert load_labels([DATA / "facts_flat.jsonl"], limit=10).dataset == "facts_flat.jsonl"  # all of it
    assert labels.digest == hashlib.sha256((DATA / "facts_flat.jsonl").read_bytes()).hexdigest()


@pytest.mark.parametrize(("content", "format", "message"), [
    ('{"winner": "model_a", "question": "q", "answer_a": "x", "answer_b": "y"}\n{"winner": "model_c", '
     '"question": "q", "answer_a": "x", "answer_b": "y"}\n', "auto", "labels.jsonl line 2: field 'winner' must be"),
    ('{"winner": "tie", "question": "q", "answer_a": "x"}\n', "auto", "line 1: needs the field 'answer_b'"),
    ('{"a": 1}\n', "auto", "line 1: cannot tell the label format from the fields a — give --format"),
    ('{"rubric": "c", "prompt": "q", "completion": "x", "binary_labels": ["maybe"]}\n', "auto",
     "line 1: labels must be true or false"),
    ('{"winner": "tie"\n', "auto", "line 1: invalid JSON"),
    ('[{"chatgpt_fact": ["x"], "human_judge": []}]', "auto", "record 1: needs 'chatgpt_fact' and 'human_judge'"),
    ('{"winner": "tie", "conversation_a": "x", "conversation_b": [], "question_id": 1}\n', "pairwise",
     "line 1: field 'conversation_a' must be a list"),
])
def test_bad_records_are_one_line_errors_naming_file_and_line(tmp_path, content, format, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(content)
    with pytest.raises(DatasetError) as error:
        load_labels([path], format)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_labels([tmp_path / "none.jsonl"])
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": 1}))
    with pytest.raises(DatasetError, match="unknown label format 'votes'"):
        load_labels([path], "votes")


def test_files_of_different_formats_are_not_mixed():
    with pytest.raises(DatasetError, match="halueval_Biomedicine.json record 1: holds facts labels, but the files "
                                           "before it hold rubric labels"):
        load_labels([DATA / "healthbench_meta.jsonl", DATA / "halueval_Biomedicine.json"])
    both = load_labels([DATA / "arena.jsonl", DATA / "pairs_flat.jsonl"])
    assert len(both.items) == 12 and both.dataset == "arena.jsonl, pairs_flat.jsonl"

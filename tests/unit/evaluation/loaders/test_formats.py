"""Each published layout loads to the Samples a scorer expects: ids, messages, option order, letters, rubric."""

import pytest

from medchat.evaluation.loaders import load_dataset
from medchat.evaluation.sample import Sample
from medchat.types import Message

from .support import FORMATS


def test_medqa_orders_options_by_letter_and_targets_the_letter():
    dataset = load_dataset(FORMATS / "medqa.jsonl")
    assert dataset.name == "medqa"
    assert dataset.source == str(FORMATS / "medqa.jsonl")
    assert [s.id for s in dataset] == ["medqa-1", "medqa-2", "medqa-3", "medqa-4"]
    first = dataset[0]
    assert first.input == [Message.user(first.question)]
    assert first.question.startswith("A 34-year-old woman")
    assert first.choices == ["Graves disease", "Hashimoto thyroiditis", "Toxic multinodular goitre",
                             "TSH-secreting pituitary adenoma"]
    assert first.target == ["B"]
    assert first.answer_letter == "B"
    assert first.metadata == {"meta_info": "step1"}
    assert dataset[1].target == ["C"]


def test_medqa_answer_text_alone_is_turned_into_its_letter():
    third = load_dataset(FORMATS / "medqa.jsonl")[2]
    assert third.choices[0] == "Staphylococcus aureus"
    assert len(third.choices) == 5
    assert third.target == ["A"]
    assert third.metadata == {}


def test_medqa_options_out_of_order_in_the_file_still_come_out_a_to_d(tmp_path):
    path = tmp_path / "shuffled.jsonl"
    path.write_text('{"question": "Q?", "options": {"C": "three", "A": "one", "D": "four", "B": "two"}, '
                    '"answer_idx": "d"}\n', encoding="utf-8")
    sample = load_dataset(path, format="medqa")[0]
    assert sample.choices == ["one", "two", "three", "four"]
    assert sample.target == ["D"]


def test_medmcqa_maps_one_based_cop_and_keeps_explanation_and_tags():
    dataset = load_dataset(FORMATS / "medmcqa.jsonl")
    first, second, third, _ = dataset
    assert first.id == "5b1e7c1a-0001-4c55-9d7e-medchat00001"
    assert first.choices == ["Intramuscular adrenaline", "Oral antihistamine", "Intravenous hydrocortisone",
                             "Nebulised salbutamol"]
    assert first.target == ["A"]  # cop 1
    assert second.target == ["C"]  # cop 3
    assert second.choices[2] == "Factor VII"
    assert first.tags == ["Pharmacology", "Emergency drugs"]
    assert third.tags == ["Pediatrics"]  # topic_name null
    assert first.metadata["explanation"].startswith("Adrenaline (epinephrine)")
    assert first.metadata["subject"] == "Pharmacology"
    assert "topic" not in third.metadata


def test_mmlu_rows_get_stem_ids_and_subject_tag():
    dataset = load_dataset(FORMATS / "mmlu_anatomy.csv")
    assert [s.id for s in dataset] == ["mmlu_anatomy-1", "mmlu_anatomy-2", "mmlu_anatomy-3", "mmlu_anatomy-4"]
    assert [s.target for s in dataset] == [["B"], ["C"], ["D"], ["C"]]
    assert dataset[1].choices == ["Right atrium and right ventricle", "Left ventricle and aorta",
                                  "Left atrium and left ventricle", "Right ventricle and pulmonary trunk"]
    assert dataset[3].question.startswith("Counting true, false and floating ribs,")  # quoted comma kept
    assert dataset[0].tags == ["anatomy"]


def test_mmlu_original_file_name_and_exported_header(tmp_path):
    path = tmp_path / "college_medicine_test.csv"
    path.write_text("question,A,B,C,D,answer\nWhich organ makes bile?,Liver,Lung,Heart,Skin,a\n", encoding="utf-8")
    dataset = load_dataset(path, format="mmlu")
    assert len(dataset) == 1
    assert dataset[0].id == "college_medicine_test-1"
    assert dataset[0].target == ["A"]
    assert dataset[0].tags == ["college_medicine"]


def test_pubmedqa_presents_contexts_then_question_and_asks_yes_no_maybe():
    dataset = load_dataset(FORMATS / "pubmedqa.json")
    assert [s.id for s in dataset] == ["90000001", "90000002", "90000003"]
    first = dataset[0]
    assert len(first.input) == 1 and first.input[0].role == "user"
    text = first.input[0].content
    assert text.index("BACKGROUND: High blood pressure") < text.index("RESULTS: Pooled analyses") < text.index(
        "Question: Does regular aerobic exercise lower blood pressure") < text.index("Answer yes, no or maybe.")
    assert first.context == [
        "High blood pressure is a leading risk factor for heart attack and stroke, and lifestyle change is part of "
        "its first-line management.",
        "Pooled analyses of randomised trials show that regular aerobic exercise lowers resting systolic and "
        "diastolic pressure, with the largest falls in people who already have hypertension.",
    ]
    assert first.choices == ["yes", "no", "maybe"]
    assert [s.target for s in dataset] == [["yes"], ["no"], ["maybe"]]
    assert dataset[2].answer_letter == "C"
    assert first.tags == ["Hypertension", "Exercise", "Blood Pressure"]
    assert dataset[2].tags == []  # no MESHES
    assert first.metadata["long_answer"].startswith("Yes. Regular aerobic activity")
    assert first.metadata["year"] == "2020"


@pytest.mark.parametrize("name", ["pqa.jsonl", "pqa.json"])  # .json: the export cut to one line (head -1)
def test_pubmedqa_hugging_face_export_is_read_too(tmp_path, name):
    path = tmp_path / name
    path.write_text('{"pubid": 123, "question": "Does X help?", "context": {"contexts": ["One.", "Two."], '
                    '"labels": ["METHODS", "RESULTS"], "meshes": ["Humans"]}, "long_answer": "It may.", '
                    '"final_decision": "Maybe"}\n', encoding="utf-8")
    sample = load_dataset(path)[0]
    assert sample.id == "123"
    assert sample.context == ["One.", "Two."]
    assert "METHODS: One.\n\nRESULTS: Two." in sample.question
    assert sample.target == ["maybe"]
    assert sample.tags == ["Humans"]
    assert sample.metadata == {"long_answer": "It may."}


def test_healthbench_keeps_conversation_rubric_with_negative_points_and_ideal_completion():
    dataset = load_dataset(FORMATS / "healthbench.jsonl")
    assert [s.id for s in dataset] == ["hb-headache-0001", "hb-paracetamol-0002", "hb-aspirin-0003"]
    first = dataset[0]
    assert [m.role for m in first.input] == ["user", "assistant", "user"]
    assert first.question.startswith("Now a sudden, much worse headache")
    assert [item.points for item in first.rubric] == [10.0, 5.0, -8.0]
    assert first.rubric[2].criterion.startswith("Suggests taking painkillers")
    assert first.rubric[0].tags == ["level:example", "axis:completeness"]
    assert first.tags == ["theme:emergency_referrals", "physician_agreed_category:emergent"]
    assert len(first.target) == 1 and first.target[0].startswith("A sudden, severe headache")
    assert first.metadata == {"ideal_completions_group": "Group 1"}
    assert dataset[1].target == []  # no ideal completion
    third = dataset[2]
    assert third.input[0] == Message.system("You are a careful health information assistant.")
    assert min(item.points for item in third.rubric) == -10.0


def test_medquad_directory_reads_every_file_and_skips_empty_answers():
    dataset = load_dataset(FORMATS / "medquad")
    assert dataset.name == "medquad"
    assert [s.id for s in dataset] == ["0000001-1", "0000001-2", "0000002-1", "0000002-2"]
    assert "0000001-3" not in [s.id for s in dataset]  # empty answer
    assert dataset.description == "MedQuAD: 4 QA pairs from 2 files; 1 pair with an empty answer skipped"
    first = dataset[0]
    assert first.question == "What is iron deficiency anemia?"
    assert first.target == [  # XML indentation trimmed, the paragraph break kept
        "Iron deficiency anemia is a shortage of healthy red blood cells caused by too little iron, which the body "
        "needs to make hemoglobin, the protein that carries oxygen.\nIt can follow blood loss (such as heavy "
        "periods), a diet low in iron, or problems absorbing iron.\n\nFurther reading: MedlinePlus, Iron "
        "deficiency anemia."]
    assert first.tags == ["information"]
    assert first.metadata == {"document_id": "0000001", "source": "MedlinePlus",
                              "url": "https://medlineplus.gov/irondeficiencyanemia.html",
                              "focus": "Iron deficiency anemia", "qtype": "information"}
    assert dataset[3].tags == ["prevention"]


def test_medquad_single_file():
    dataset = load_dataset(FORMATS / "medquad" / "B_CDC" / "0000002_1.xml")
    assert dataset.name == "0000002_1"
    assert [s.id for s in dataset] == ["0000002-1", "0000002-2"]
    assert dataset.description == "MedQuAD: 2 QA pairs from 1 file"


def test_generic_csv_defaults_lists_and_missing_ids():
    dataset = load_dataset(FORMATS / "generic.csv")
    first, second, third = dataset
    assert first.id == "gen-1"
    assert first.choices == ["Liver", "Pancreas", "Spleen", "Kidney"]
    assert first.target == ["B"]
    assert first.tags == ["endocrine", "anatomy"]
    assert first.metadata == {"difficulty": "easy"}  # unclaimed column kept
    assert second.choices == []
    assert second.target == ["60 to 100", "60-100"]
    assert third.id == "generic-4"  # no id: <name>-<line>
    assert third.target == ["B"]  # answer text becomes its letter


def test_generic_jsonl_defaults_messages_and_metadata():
    dataset = load_dataset(FORMATS / "generic.jsonl", name="triage")
    first, second, third = dataset
    assert dataset.name == "triage"
    assert first.id == "g-1"
    assert first.target[0].startswith("Call emergency services")  # from "reference"
    assert first.context == [
        "Stroke is a medical emergency. The FAST test helps recognise the main signs. Further reading: NHS, Stroke."]
    assert first.metadata == {"source": "NHS"}
    assert second.id == "triage-2"
    assert second.tags == ["general"]
    assert third.id == "3"
    assert third.input == [Message.system("Answer briefly."), Message.user("How long should I wash my hands?")]
    assert third.target == ["At least 20 seconds", "20 seconds"]
    assert third.metadata == {"reviewed": True}


def test_samples_schema_loads_directly():
    dataset = load_dataset(FORMATS / "samples.jsonl")
    first, second, third = dataset
    assert first == Sample(id="s-1", input=[Message.user("Which blood type is the universal red cell donor?")],
                           target=["B"], choices=["AB positive", "O negative", "A positive"], tags=["haematology"])
    assert [item.points for item in second.rubric] == [5.0, -5.0]
    assert second.rubric[1].tags == ["axis:accuracy"]
    assert second.metadata == {"further_reading": "CDC, Prevent Type 2 Diabetes"}
    assert third.target == ["Pain and fever"]
    assert third.output == "It relieves mild to moderate pain and lowers fever."


def test_json_array_of_records_is_read_like_jsonl(tmp_path):
    path = tmp_path / "medqa_array.json"
    path.write_text('[{"question": "Which organ pumps blood?", "options": {"A": "Heart", "B": "Lung"}, '
                    '"answer_idx": "A"}]', encoding="utf-8")
    dataset = load_dataset(path)
    assert dataset[0].id == "medqa_array-1"
    assert dataset[0].choices == ["Heart", "Lung"]


def test_utf8_bom_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffquestion,answer\r\nWhat is 37 °C in Fahrenheit?,98.6 °F\r\n".encode())
    sample = load_dataset(path)[0]
    assert sample.question == "What is 37 °C in Fahrenheit?"
    assert sample.target == ["98.6 °F"]
    assert sample.id == "excel-2"

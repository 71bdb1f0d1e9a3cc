"""The sources in the prompt: whole for a model on a GPU or a remote one, within a budget for one on this CPU."""

from __future__ import annotations

import pytest

from medchat.assistant import Assistant
from medchat.assistant.sources import CPU_SOURCE_TOKENS, GAP, fit_sources, source_budget
from medchat.config import AssistantSettings
from medchat.knowledge.chunking import count_tokens
from tests.scripted import ScriptedModel
from tests.unit.assistant.support import no_redaction, small_kb, turn

SORE = ("Most sore throats are caused by viruses. They usually get better within a week. "
        "Warm salt-water gargles can ease a sore throat in adults. Paracetamol or ibuprofen can relieve the pain. "
        "The throat is part of the upper airway. Children should not gargle until they can do it safely.")
FEVER = ("A fever is a temperature of 38C or above. Fluids help the body cool down. "
         "Call a doctor if a baby under three months has a fever.")


def results_for(*texts: str):
    kb = small_kb(*texts)
    return [r for text in texts for r in kb.search(text, k=len(texts)) if r.passage.text == text][:len(texts)]


class CpuModel(ScriptedModel):
    runs_on_cpu = True


def test_without_a_budget_every_passage_is_whole():
    results = results_for(SORE, FEVER)
    assert [s.text for s in fit_sources(results, "sore throat", None)] == [SORE, FEVER]


def test_a_passage_over_its_share_keeps_the_sentences_nearest_the_question_in_their_order():
    (source,) = fit_sources(results_for(SORE), "What eases a sore throat: a gargle?", 30)
    assert count_tokens(source.text) <= 30
    assert "Warm salt-water gargles can ease a sore throat in adults." in source.text
    assert "The throat is part of the upper airway." not in source.text
    kept = [sentence for sentence in SORE.split(". ") if sentence.rstrip(".") in source.text]
    assert [source.text.index(s.rstrip(".")) for s in kept] == sorted(source.text.index(s.rstrip(".")) for s in kept)
    assert GAP in source.text or source.text in SORE  # sentences that were not next to each other are marked


def test_sentences_are_pooled_across_passages_by_the_words_they_share_with_the_question():
    # FEVER ranks first, but its sentences about fluids and babies share nothing with the question, while SORE's
    # gargle and pain-relief sentences do: those take the budget, FEVER gets only what room is left, and a passage's
    # first sentence also pays for its citation line ("[1] Title: ").
    question = "sore throat pain: gargle or paracetamol?"
    (sore,) = fit_sources(results_for(FEVER, SORE), question, 40)
    assert sore.result.passage.text == SORE
    assert "Warm salt-water gargles can ease a sore throat in adults." in sore.text
    assert "Paracetamol or ibuprofen can relieve the pain." in sore.text
    assert count_tokens(f"[1] {sore.result.passage.title}: ") + count_tokens(sore.text) <= 40
    sources = fit_sources(results_for(FEVER, SORE), question, 80)
    assert [s.result.passage.text for s in sources] == [FEVER, SORE]  # in rank order
    assert sources[0].text == "A fever is a temperature of 38C or above."  # the room left
    assert "The throat is part of the upper airway." in sources[1].text


def test_a_sentence_two_passages_share_is_kept_once():
    shared = "Warm salt-water gargles can ease a sore throat in adults."
    other = f"Sore throats usually pass within a week. {shared}"
    sources = fit_sources(results_for(SORE, other), "gargle for a sore throat", 200)
    assert sum(s.text.count(shared) for s in sources) == 1


def test_a_passage_with_room_to_spare_is_whole():
    sources = fit_sources(results_for(FEVER, SORE), "fever or sore throat", 200)
    assert [s.text for s in sources] == [FEVER, SORE]


def test_a_sentence_longer_than_its_share_is_cut_at_a_word_and_no_room_drops_the_passage():
    (source,) = fit_sources(results_for(SORE), "sore throat", 4)
    assert source.text.endswith("…") and count_tokens(source.text) <= 4
    assert fit_sources(results_for(SORE, FEVER), "sore throat", 0) == []


def test_chinese_passages_are_cut_by_sentence_too():
    zh = "普通感冒通常由病毒引起。多喝水、多休息有助于恢复。高烧超过三天应当就医。喉咙是上呼吸道的一部分。"
    (source,) = fit_sources(results_for(zh), "感冒发烧怎么办", 20)
    assert count_tokens(source.text) <= 20
    assert "普通感冒通常由病毒引起。" in source.text and "喉咙是上呼吸道的一部分" not in source.text


@pytest.mark.parametrize(("setting", "model", "expected"), [
    ("auto", CpuModel("x"), CPU_SOURCE_TOKENS), ("auto", ScriptedModel("x"), None), (500, ScriptedModel("x"), 500),
    ("all", CpuModel("x"), None)])
def test_the_budget_is_the_setting_or_for_auto_whether_the_model_computes_on_this_cpu(setting, model, expected):
    assert source_budget(setting, model) == expected


async def test_a_model_on_this_cpu_gets_fewer_source_tokens_and_cites_only_what_it_was_given():
    texts = [SORE, FEVER, "Honey may soothe a cough in children over one year old. " * 6]
    kb = small_kb(*texts)
    whole, cut = ScriptedModel("Gargle [1]."), CpuModel("Gargle [1].")
    await turn(Assistant(whole, knowledge=kb, redactor=no_redaction), "What helps a sore throat?")
    _, reply = await turn(Assistant(cut, knowledge=kb, redactor=no_redaction,
                                    settings=AssistantSettings(source_tokens=40)), "What helps a sore throat?")
    system_whole, system_cut = whole.calls[0].messages[0].content, cut.calls[0].messages[0].content
    assert all(text in system_whole for text in texts)
    assert count_tokens(system_cut) < count_tokens(system_whole) - 40
    assert "sore throat" in system_cut.split("Sources:")[1]
    assert all(c.passage_id in {r.passage.id for r in kb.search("What helps a sore throat?", k=4)}
               for c in reply.citations)


async def test_the_budget_counts_in_the_models_own_tokens_when_it_can_count_them():
    class Counting(CpuModel):
        def count_tokens(self, text: str) -> int:
            return 3 * count_tokens(text)  # a model that reads every word as three tokens

    kb = small_kb(SORE, FEVER)
    estimated, counted = CpuModel("Gargle [1]."), Counting("Gargle [1].")
    for model in (estimated, counted):
        await turn(Assistant(model, knowledge=kb, redactor=no_redaction, settings=AssistantSettings(source_tokens=90)),
                   "What helps a sore throat?")
    sources_of = lambda model: model.calls[0].messages[0].content.split("Sources:")[1]  # noqa: E731
    assert count_tokens(sources_of(counted)) <= 30 + 10 < count_tokens(sources_of(estimated))  # 90 / 3, titles aside

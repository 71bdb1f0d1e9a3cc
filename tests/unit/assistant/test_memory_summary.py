"""Dropped turns are summarised, not only dropped: the facts the user stated stay in the prompt, within budget."""

from __future__ import annotations

import pytest

from medchat.assistant import Assistant
from medchat.assistant.memory import Memory, facts_in, fit_history, remember
from medchat.config import AssistantSettings
from medchat.knowledge.chunking import count_tokens
from medchat.types import ChatRequest, Message
from tests.scripted import ScriptedModel
from tests.unit.assistant.support import EMAIL, PHONE, FakeRedactor, no_redaction, turn

FACTS = "I'm 34, 20 weeks pregnant and allergic to penicillin. I take levothyroxine 50 mcg."
FACTS_ZH = "我今年34岁，怀孕20周，对青霉素过敏。我每天吃优甲乐50微克。"


def cost(message: Message) -> int:
    return count_tokens(message.content) + 4


def used(memory: Memory) -> int:
    """Tokens the earlier conversation takes in the prompt: the kept turns, and the note as one more message."""
    return sum(cost(m) for m in memory.kept) + (count_tokens(memory.note) + 4 if memory.note else 0)


def long_chat(turns: int, *, language: str = "en") -> list[Message]:
    """Long turns that state nothing about the user: general questions and answers."""
    if language == "zh":
        question = "请再详细讲讲一般人的睡眠卫生建议有哪些？"
        answer = "一般建议：固定作息时间，睡前少看手机，卧室保持安静黑暗，下午以后少喝咖啡和浓茶。" * 3
    else:
        question = "Could you say more about general sleep hygiene advice and why it works for most people? " * 2
        answer = "Keep regular hours, keep screens out of the bedroom, and avoid caffeine late in the day. " * 4
    history = []
    for i in range(turns):
        history += [Message.user(f"({i}) {question}"), Message.assistant(answer)]
    return history


def with_facts(first: str, turns: int = 30, *, language: str = "en") -> list[Message]:
    reply = "谢谢告诉我。" if language == "zh" else "Thank you for telling me."
    return [Message.user(first), Message.assistant(reply), *long_chat(turns, language=language)]


# -- what the note keeps --------------------------------------------------------------------------------------
def test_the_facts_of_an_early_turn_survive_thirty_long_turns():
    history = with_facts(FACTS)
    memory = remember(history, 1500, 200, "en")

    assert memory.dropped > 2 and history[0] not in memory.kept  # the turn itself is long gone
    assert memory.note.startswith("[Earlier in this conversation, in turns no longer shown, the user said:")
    assert "I'm 34, 20 weeks pregnant and allergic to penicillin." in memory.note
    assert "I take levothyroxine 50 mcg." in memory.note
    assert memory.facts == 2
    assert used(memory) <= 1500


def test_chinese_facts_survive_and_the_note_is_labelled_in_chinese():
    memory = remember(with_facts(FACTS_ZH, language="zh"), 1500, 200, "zh")

    assert memory.note.startswith("[此前对话中（已不在上文）用户提到：")
    assert "我今年34岁，怀孕20周，对青霉素过敏。" in memory.note
    assert "我每天吃优甲乐50微克。" in memory.note
    assert used(memory) <= 1500


def test_a_dropped_chit_chat_history_adds_no_note():
    history = [Message.user("Hi there!"), Message.assistant("Hello, how can I help?"),
               Message.user("What is a normal temperature?"), Message.assistant("About 37 °C."),
               Message.user("Can you tell me about diabetes?"), Message.assistant("It is a condition..."),
               Message.user("谢谢！"), Message.assistant("不客气。"), *long_chat(30)]
    memory = remember(history, 1500, 200, "en")

    assert memory.dropped > 8
    assert (memory.note, memory.facts) == ("", 0)
    assert (memory.kept, memory.dropped) == fit_history(history, 1500)  # exactly what dropping alone keeps


@pytest.mark.parametrize(("text", "kept"), [
    (FACTS, ["I'm 34, 20 weeks pregnant and allergic to penicillin.", "I take levothyroxine 50 mcg."]),
    ("I'm a 45-year-old woman with type 2 diabetes.", ["I'm a 45-year-old woman with type 2 diabetes."]),
    ("My mum is 82 and had a stroke last year. Anyway, thanks!", ["My mum is 82 and had a stroke last year."]),
    ("She's on warfarin and amlodipine 5 mg.", ["She's on warfarin and amlodipine 5 mg."]),
    ("I've had a cough for three weeks. It's annoying.", ["I've had a cough for three weeks."]),
    ("I had knee surgery in 2019.", ["I had knee surgery in 2019."]),
    ("I'm not allergic to anything.", ["I'm not allergic to anything."]),  # a negative answer is a fact too
    ("我爸爸做过心脏搭桥手术，有高血压。", ["我爸爸做过心脏搭桥手术，有高血压。"]),
    ("我咳嗽三周了，晚上更厉害。你好。", ["我咳嗽三周了，晚上更厉害。"]),
    ("患者男，67岁。", ["患者男，67岁。"]),
    ("Thanks, that helps!", []),
    ("Is penicillin allergy common?", []),  # a general question states nobody's facts
    ("Can you tell me about diabetes?", []),
    ("How long does it take to work?", []),
    ("I'm on my way to work.", []),
    ("I was reading about it for weeks.", []),  # a duration without a symptom
    ("青霉素过敏的人能用头孢吗？", []),
    ("什么是糖尿病？", []),
    ("好的，明白了", []),
])
def test_which_user_sentences_count_as_facts(text, kept):
    assert [f.text for f in facts_in(text)] == kept


def test_only_the_user_is_quoted_never_the_assistant():
    history = [Message.user("Hello."), Message.assistant("You mentioned you take 50 mcg of levothyroxine daily."),
               *long_chat(30)]
    assert remember(history, 1500, 200, "en").note == ""


def test_repeated_facts_are_noted_once_in_the_order_they_were_stated():
    history = [Message.user("I take metformin 500 mg."), Message.assistant("Noted."),
               Message.user("I'm allergic to latex."), Message.assistant("Noted."),
               Message.user("i take Metformin 500mg"), Message.assistant("Yes."), *long_chat(30)]
    note = remember(history, 1500, 200, "en").note
    assert note.index("metformin 500 mg") < note.index("allergic to latex")
    assert note.lower().count("metformin") == 1


def test_when_the_note_must_be_cut_the_weightiest_facts_stay():
    history = [Message.user("I've had a headache for two days."), Message.assistant("..."),
               Message.user("I had my appendix out when I was 12, an operation under general anaesthetic."),
               Message.assistant("..."), Message.user("I'm allergic to penicillin."), Message.assistant("..."),
               *long_chat(30)]
    memory = remember(history, 1500, 30, "en")
    assert memory.note.endswith("- I'm allergic to penicillin.]")
    assert "headache" not in memory.note
    assert count_tokens(memory.note) + 4 <= 30


# -- the budget -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("budget", [0, 5, 20, 40, 80, 150, 400, 1500])
@pytest.mark.parametrize("summary", [0, 30, 200])
def test_note_and_kept_turns_together_respect_the_budget(budget, summary):
    history = []
    for statement in (FACTS, "My dad had a stroke in 2020 and is on clopidogrel 75 mg.", FACTS_ZH,
                      "I've had a rash on my arm for ten days."):
        history += [Message.user(statement), Message.assistant("Thanks, noted."), *long_chat(3)]
    memory = remember(history, budget, summary, "en")

    assert used(memory) <= budget
    if memory.note:
        assert count_tokens(memory.note) + 4 <= summary
    assert memory.kept == history[len(history) - len(memory.kept):]  # still the newest turns, in order
    assert not memory.kept or memory.kept[0].role == "user"
    assert memory.dropped == len(history) - len(memory.kept)


def test_no_summary_budget_keeps_dropping_as_before():
    history = with_facts(FACTS)
    memory = remember(history, 1500, 0, "en")
    assert (memory.kept, memory.dropped, memory.note) == (*fit_history(history, 1500), "")


def test_room_for_the_note_drops_more_turns_and_their_facts_join_it():
    history = [Message.user("I have asthma."), Message.assistant("OK."), Message.user("small talk"),
               Message.assistant("sure"), Message.user("I'm allergic to aspirin."), Message.assistant("Noted."),
               Message.user("latest question"), Message.assistant("latest answer")]
    plain_kept, _ = fit_history(history, sum(cost(m) for m in history[2:]))  # everything after the asthma turn
    memory = remember(history, sum(cost(m) for m in history[2:]), 200, "en")

    assert len(memory.kept) < len(plain_kept)  # the note took room...
    assert "I have asthma." in memory.note and "I'm allergic to aspirin." in memory.note  # ...and noted the turn
    assert used(memory) <= sum(cost(m) for m in history[2:])


def test_the_note_leads_the_first_user_turn_of_the_prompt():
    memory = Memory(kept=[Message.user("q"), Message.assistant("a")], dropped=4, note="[NOTE]", facts=1)
    assert memory.prompt(Message.user("now")) == [Message.user("[NOTE]\n\nq"), Message.assistant("a"),
                                                  Message.user("now")]
    everything_dropped = Memory(kept=[], dropped=6, note="[NOTE]", facts=1)
    assert everything_dropped.prompt(Message.user("now")) == [Message.user("[NOTE]\n\nnow")]
    assert Memory(kept=[], dropped=0).prompt(Message.user("now")) == [Message.user("now")]


# -- through the pipeline -------------------------------------------------------------------------------------
def only_request(model: ScriptedModel) -> ChatRequest:
    (request,) = model.calls
    return request


async def test_the_pipeline_puts_the_note_in_a_user_turn_and_reports_it_in_the_trace():
    model = ScriptedModel("Levothyroxine is usually continued in pregnancy; ask your midwife.")
    assistant = Assistant(model, settings=AssistantSettings(store=False), redactor=no_redaction)
    _, reply = await turn(assistant, "Should I keep taking my thyroid tablets?", with_facts(FACTS))

    request = only_request(model)
    system, first, *rest = request.messages
    assert system.role == "system" and "penicillin" not in system.content  # not raised to the system prompt
    assert first.role == "user" and first.content.startswith("[Earlier in this conversation")
    assert "allergic to penicillin" in first.content and "levothyroxine 50 mcg" in first.content
    assert all("penicillin" not in m.content for m in rest)
    assert not any(m.role == "assistant" and "penicillin" in m.content for m in request.messages)
    assert rest[-1] == Message.user("Should I keep taking my thyroid tablets?")
    prompt = next(step for step in reply.trace if step.name == "prompt")
    assert prompt.detail.endswith("dropped, 2 facts from them noted")
    earlier = request.messages[1:-1]
    assert sum(cost(m) for m in earlier) <= AssistantSettings().memory_tokens


async def test_the_note_quotes_the_redacted_text_when_redaction_applies():
    first = f"I'm allergic to penicillin, text me on {PHONE} or write to {EMAIL} if anything changes."
    model = ScriptedModel("Noted.")
    assistant = Assistant(model, settings=AssistantSettings(redact="always", store=False), redactor=FakeRedactor())
    await turn(assistant, "Is amoxicillin OK for me?", with_facts(first))

    request = only_request(model)
    sent = "\n".join(m.content for m in request.messages)
    assert "allergic to penicillin, text me on [PHONE_NUMBER_1] or write to [EMAIL_ADDRESS_1]" in sent
    assert PHONE not in sent and EMAIL not in sent


async def test_the_note_quotes_text_the_real_detector_redacted(detector):
    first = "我对青霉素过敏，邮箱是zhang.wei@example.com，有结果请发给我。"
    model = ScriptedModel("好的。")
    assistant = Assistant(model, settings=AssistantSettings(redact="always", store=False))
    await turn(assistant, "阿莫西林我能用吗？", with_facts(first, language="zh"))

    request = only_request(model)
    assert request.messages[1].content.startswith("[此前对话中")
    assert "我对青霉素过敏，邮箱是[EMAIL_ADDRESS_1]，有结果请发给我。" in request.messages[1].content
    assert "zhang.wei" not in "\n".join(m.content for m in request.messages)


async def test_without_redaction_the_note_quotes_what_the_model_may_see_anyway():
    first = f"I'm allergic to penicillin, text me on {PHONE}."
    model = ScriptedModel("Noted.")
    model.is_local = True
    assistant = Assistant(model, settings=AssistantSettings(store=False), redactor=FakeRedactor())
    await turn(assistant, "Is amoxicillin OK for me?", with_facts(first))
    assert f"I'm allergic to penicillin, text me on {PHONE}." in only_request(model).messages[1].content


async def test_a_zero_summary_budget_sends_the_same_prompt_as_dropping_alone():
    history = with_facts(FACTS)
    model = ScriptedModel("ok")
    assistant = Assistant(model, settings=AssistantSettings(memory_summary_tokens=0, store=False),
                          redactor=no_redaction)
    _, reply = await turn(assistant, "And at night?", history)
    kept, dropped = fit_history(history, AssistantSettings().memory_tokens)
    assert only_request(model).messages[1:-1] == kept
    prompt = next(step for step in reply.trace if step.name == "prompt")
    assert prompt.detail == f"{len(kept)} earlier messages kept, {dropped} dropped"

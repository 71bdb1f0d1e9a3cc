"""Request bodies of the OpenAI-compatible API that ``medchat.types`` does not already describe.

Unknown fields are ignored, as clients send many optional ones; everything medchat acts on is checked here,
so a bad value is a 422 naming the field before any model is called.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from medchat.types import GenerationParams, Message


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    """A message as OpenAI clients send it: ``developer`` is a system message; content a string or text parts."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None
    name: str | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""

    def to_message(self) -> Message:
        return Message(role="system" if self.role == "developer" else self.role, content=self.text)


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str = "response"
    json_schema: dict[str, Any] = Field(default_factory=dict, alias="schema")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class MedchatOptions(BaseModel):
    """The ``medchat`` extension of a chat request (plain OpenAI clients send none; ``extra_body`` sends it)."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="keep this stored conversation: its turns come before the messages sent (unless they already "
                    "hold an assistant turn), and the exchange is stored in it")
    store: bool = Field(default=False, description="store the exchange in a new conversation (its id comes back in "
                                                   "the response's medchat.conversation_id)")


# What `response_format: {"type": "json_object"}` asks for: any one JSON object.
ANY_OBJECT: dict[str, Any] = {"type": "object"}


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    n: int | None = None
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    response_format: ResponseFormat | None = None
    user: str | None = None
    tools: list[Any] | None = None  # refused when given: ignoring them would look like a model that never calls
    medchat: MedchatOptions | None = None

    @property
    def keeps_conversation(self) -> bool:
        return self.medchat is not None and (self.medchat.conversation_id is not None or self.medchat.store)

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

    def params(self) -> GenerationParams:
        """Only what the client set, so a model's own defaults (an alias's, SmolLM2's) still apply under it."""
        values: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_completion_tokens or self.max_tokens,
            "seed": self.seed,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
        }
        if self.stop is not None:
            values["stop"] = [self.stop] if isinstance(self.stop, str) else self.stop
        fmt = self.response_format
        if fmt is not None and fmt.type == "json_object":
            values["json_schema"] = ANY_OBJECT
        elif fmt is not None and fmt.type == "json_schema":
            values["json_schema"] = (fmt.json_schema.json_schema if fmt.json_schema else None) or ANY_OBJECT
        return GenerationParams.model_validate({k: v for k, v in values.items() if v is not None})

"""An LLM judge: any ``ChatModel`` asked a prompt from a file and held to a pydantic schema.

Small local judges rarely answer with clean JSON, so replies are parsed leniently (fenced blocks,
prose around the object, single quotes, trailing commas, ``"yes"``/``"true"`` for booleans, loose key
spelling) and, when a reply still cannot be used, the judge is asked again — a bounded number of
times — with a message saying what was wrong. Every verdict carries the judge model, the prompt
``name@version`` and the attempts it took, so scores can be traced to the exact grader.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from medchat.errors import ConfigError, MedchatError, ProviderError
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, GenerationParams, Message

T = TypeVar("T", bound=BaseModel)

PROMPTS_DIR = Path(__file__).with_name("prompts")
DEFAULT_RETRIES = 2
DEFAULT_MAX_TOKENS = 512
_ECHO_CHARS = 1500  # how much of a bad reply is shown back to the judge on a retry


class JudgeError(MedchatError):
    """The judge gave no usable verdict after every attempt; scorers turn this into a ``None`` score."""

    def __init__(self, problem: str, *, attempts: int, raw: str, model: str, prompt: str) -> None:
        super().__init__(f"judge gave no valid verdict after {attempts} attempts: {problem}", model=None)
        self.problem = problem
        self.attempts = attempts
        self.raw = raw
        self.judge_model = model
        self.prompt = prompt

    def record(self) -> dict[str, Any]:
        """What goes into ``Score.metadata["judge"]`` when the judge failed."""
        return {"model": self.judge_model, "prompt": self.prompt, "attempts": self.attempts, "error": self.problem}


class VerdictParseError(ValueError):
    """A reply that does not hold a valid object; the message is written for the judge to read on a retry."""


class JudgeVerdict(BaseModel, Generic[T]):
    """A parsed verdict and where it came from."""

    value: T
    raw: str
    attempts: int
    model: str
    prompt: str  # "rubric@1"

    def record(self) -> dict[str, Any]:
        """What goes into ``Score.metadata["judge"]``."""
        return {"model": self.model, "prompt": self.prompt, "attempts": self.attempts}


# -- prompts ---------------------------------------------------------------------------------------
class JudgePrompt(BaseModel):
    """A prompt file: a ``---`` header with ``name`` and ``version``, then a body with ``{placeholders}``."""

    name: str
    version: str
    template: str

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def fields(self) -> set[str]:
        return set(_PLACEHOLDER.findall(self.template))

    def render(self, **fields: Any) -> str:
        """Fill the placeholders in one pass (a value containing ``{x}`` is left as written)."""
        missing = self.fields - set(fields)
        if missing:
            raise ConfigError(f"judge prompt {self.id} needs {', '.join(sorted(missing))}",
                              hint="pass every placeholder of the prompt to Judge.ask")
        return _PLACEHOLDER.sub(lambda m: str(fields[m.group(1)]), self.template)


# ``{name}`` only: JSON examples in a prompt (``{"explanation": ...}``) are not placeholders.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def parse_prompt(text: str, *, source: str = "prompt") -> JudgePrompt:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (line.strip() for line in lines[1:]):
        raise ConfigError(f"{source} has no header", hint="start it with ---, name: ..., version: ..., ---")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    header: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if sep:
            header[key.strip().lower()] = value.strip().strip("'\"")
    if not header.get("name") or not header.get("version"):
        raise ConfigError(f"{source} header lacks name or version", hint="add 'name: ...' and 'version: ...'")
    return JudgePrompt(name=header["name"], version=header["version"], template="\n".join(lines[end + 1:]).strip())


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> JudgePrompt:
    """The prompt ``<directory>/<name>.md`` (the bundled ones by default)."""
    path = directory / f"{name}.md"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.md"))) or "none"
        raise ConfigError(f"no judge prompt {name!r} in {directory}", hint=f"known prompts: {known}")
    return parse_prompt(path.read_text(encoding="utf-8"), source=str(path))


# -- lenient structured output ---------------------------------------------------------------------
_TRUE = {"true", "yes", "y", "1", "met", "supported", "correct", "是", "对", "符合", "满足", "支持"}
_FALSE = {"false", "no", "n", "0", "not met", "unmet", "not supported", "unsupported", "incorrect",
          "否", "不", "不是", "不符合", "未满足", "不支持"}
_FENCE = re.compile(r"```[A-Za-z]*\s*\n?(.*?)```", re.DOTALL)
_KEY_LINE = re.compile(r"^[\W_]*?[\"']?([A-Za-z][\w -]*?)[\"'*]*\s*[:=]\s*\**\s*(.+?)\s*,?\s*$")


def parse_verdict(text: str, schema: type[T]) -> T:
    """The object in ``text`` validated against ``schema``; raises ``VerdictParseError`` saying what is wrong."""
    data = _extract_object(text, schema)
    data = _normalise(data, schema)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise VerdictParseError(_describe(exc)) from None


def json_shape(schema: type[BaseModel]) -> str:
    """A one-line example of the expected object, used in prompts and retry messages."""
    parts = []
    for name, field in schema.model_fields.items():
        kind = _kind(field.annotation)
        if kind == "bool":
            example = "true or false"
        elif kind == "number":
            example = "<number>"
        else:
            example = json.dumps(f"<{field.description or 'text'}>", ensure_ascii=False)
        parts.append(f'"{name}": {example}')
    return "{" + ", ".join(parts) + "}"


def _kind(annotation: Any) -> str:
    args = getattr(annotation, "__args__", None) or (annotation,)
    if bool in args:
        return "bool"
    if int in args or float in args:
        return "number"
    return "text"


def _extract_object(text: str, schema: type[BaseModel]) -> dict[str, Any]:
    if not text.strip():
        raise VerdictParseError("the reply was empty")
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    unclosed = False
    for candidate in candidates:
        for start in [i for i, ch in enumerate(candidate) if ch == "{"]:
            segment = _balanced(candidate, start)
            if segment is None:
                unclosed = True
                continue
            loaded = _loads(segment)
            if isinstance(loaded, dict):
                return loaded
    lines = _key_lines(text, schema)
    if lines:
        return lines
    if unclosed:
        raise VerdictParseError("the JSON object was not closed (was the reply cut off?); keep the explanation short")
    if "{" in text:
        raise VerdictParseError("the JSON object in the reply could not be read")
    raise VerdictParseError("the reply held no JSON object")


def _balanced(text: str, start: int) -> str | None:
    """``text[start:]`` up to the brace that closes the one at ``start`` (quotes respected), else ``None``."""
    depth = 0
    quote: str | None = None
    escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote and (quote == '"' or _closes_single(text, i)):
                quote = None
        elif ch in "\"'" and (ch == '"' or _opens_single(text, i)):
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return None


def _opens_single(text: str, i: int) -> bool:
    """A ``'`` starts a string only where a JSON value or key could start (not in "it's")."""
    before = text[:i].rstrip()
    return not before or before[-1] in "{[,:"


def _closes_single(text: str, i: int) -> bool:
    """A ``'`` ends a string only before ``, : } ]`` (so "the patient's" stays inside it)."""
    after = text[i + 1:].lstrip()
    return not after or after[0] in ",:}]"


def _loads(segment: str) -> Any:
    for attempt in (segment, _repair(segment)):
        try:
            return json.loads(attempt, strict=False)
        except json.JSONDecodeError:
            continue
    return None


_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][\w-]*)(\s*:)")
_LITERALS = {"True": "true", "False": "false", "None": "null"}


def _repair(segment: str) -> str:
    """Python-ish or sloppy JSON made strict: quotes, literals, bare keys, trailing commas."""
    out: list[str] = []
    outside: list[str] = []
    i = 0

    def flush() -> None:
        chunk = "".join(outside)
        chunk = _BARE_KEY.sub(r'\1"\2"\3', chunk)
        chunk = re.sub(r"\b(True|False|None)\b", lambda m: _LITERALS[m.group(1)], chunk)
        chunk = re.sub(r",(\s*[}\]])", r"\1", chunk)
        out.append(chunk)
        outside.clear()

    while i < len(segment):
        ch = segment[i]
        if ch in "\"'" and (ch == '"' or _opens_single(segment, i)):
            flush()
            j = i + 1
            value: list[str] = []
            while j < len(segment):
                c = segment[j]
                if c == "\\" and j + 1 < len(segment):
                    nxt = segment[j + 1]
                    value.append(nxt if nxt in "'\"\\" else {"n": "\n", "t": "\t"}.get(nxt, "\\" + nxt))
                    j += 2
                    continue
                if c == ch and (ch == '"' or _closes_single(segment, j)):
                    break
                value.append(c)
                j += 1
            out.append(json.dumps("".join(value), ensure_ascii=False))
            i = j + 1
            continue
        outside.append(ch)
        i += 1
    flush()
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def _key_lines(text: str, schema: type[BaseModel]) -> dict[str, Any]:
    """``criteria_met: yes`` lines, for judges that answer without braces."""
    wanted = {_norm_key(name) for name in schema.model_fields}
    found: dict[str, Any] = {}
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match and _norm_key(match.group(1)) in wanted:
            found[match.group(1)] = match.group(2).strip().strip("\"'*` ")
    required = {_norm_key(n) for n, f in schema.model_fields.items() if f.is_required()}
    return found if required <= {_norm_key(k) for k in found} and found else {}


def _norm_key(key: str) -> str:
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", key.strip())  # criteriaMet -> criteria_Met
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def _normalise(data: dict[str, Any], schema: type[BaseModel]) -> dict[str, Any]:
    fields = {_norm_key(name): name for name in schema.model_fields}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = fields.get(_norm_key(str(key)), str(key))
        field = schema.model_fields.get(name)
        if field is not None:
            kind = _kind(field.annotation)
            if kind == "bool":
                value = _boolean(value)
            elif kind == "text" and value is not None and not isinstance(value, str):
                value = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        out.setdefault(name, value)
    return out


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().strip(".!。！\"'` ").lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return value


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "the object"
        if item["type"] == "missing":
            problems.append(f'the field "{where}" is missing')
        elif item["type"].startswith("bool"):
            problems.append(f'"{where}" must be true or false, not {item.get("input")!r}')
        else:
            problems.append(f'"{where}": {item["msg"]}')
    return "; ".join(problems)


# -- the judge -------------------------------------------------------------------------------------
class Judge:
    """Asks ``model`` a prompt file and returns a validated verdict (temperature 0, bounded retries)."""

    def __init__(self, model: ChatModel, *, retries: int = DEFAULT_RETRIES, max_tokens: int = DEFAULT_MAX_TOKENS,
                 prompts_dir: Path | None = None) -> None:
        if retries < 0:
            raise ConfigError(f"judge retries must be 0 or more, not {retries}")
        self.model = model
        self.retries = retries
        self.max_tokens = max_tokens
        self.prompts_dir = prompts_dir or PROMPTS_DIR

    @property
    def name(self) -> str:
        return self.model.name

    def prompt(self, name: str) -> JudgePrompt:
        return load_prompt(name, self.prompts_dir)

    async def ask(self, prompt_name: str, schema: type[T], **fields: Any) -> JudgeVerdict[T]:
        """One verdict; raises ``JudgeError`` when no attempt gave a valid object.

        Provider errors (after the gateway's own retries) pass through unchanged.
        """
        prompt = self.prompt(prompt_name)
        messages = [Message.user(prompt.render(**fields))]
        # The schema goes to the provider too: constrained decoding (llama.cpp grammar, response_format)
        # makes even a tiny local judge answer in valid JSON; parsing stays lenient for providers without it.
        params = GenerationParams(temperature=0.0, max_tokens=self.max_tokens, json_schema=decoding_schema(schema))
        attempts = self.retries + 1
        raw, problem = "", ""
        for attempt in range(1, attempts + 1):
            completion = await self.model.complete(ChatRequest(messages=messages, params=params,
                                                               metadata={"judge_prompt": prompt.id}))
            raw = completion.text
            try:
                value = parse_verdict(raw, schema)
            except VerdictParseError as exc:
                problem = str(exc)
                if completion.finish_reason == "length" and "cut off" not in problem:
                    problem += " (the reply was cut off; keep the explanation short)"
                messages = [messages[0], Message.assistant(raw[:_ECHO_CHARS] or "(empty)"),
                            Message.user(_retry_message(problem, schema))]
                continue
            return JudgeVerdict[schema](value=value, raw=raw, attempts=attempt,  # type: ignore[valid-type]
                                        model=self.model.name, prompt=prompt.id)
        raise JudgeError(problem, attempts=attempts, raw=raw, model=self.model.name, prompt=prompt.id)


def decoding_schema(schema: type[BaseModel], max_chars: int = 400) -> dict[str, Any]:
    """The JSON Schema sent for constrained decoding: every field required and strings bounded, so a
    grammar-following local judge always finishes its object well inside its token budget. (The
    verdict is still validated against ``schema`` itself, which stays lenient.)"""
    out = schema.model_json_schema()
    properties = out.get("properties", {})
    for spec in properties.values():
        if spec.get("type") == "string":
            spec.setdefault("maxLength", max_chars)
        spec.pop("default", None)
    out["required"] = list(properties)
    return out


def _retry_message(problem: str, schema: type[BaseModel]) -> str:
    return (f"Your reply could not be used: {problem}. Answer again with only one JSON object and no other text, "
            f"exactly in this form: {json_shape(schema)}")


def as_judge(judge: ChatModel | Judge | None) -> Judge | None:
    """What scorers accept as ``judge=``: a ready ``Judge``, any ``ChatModel`` (wrapped), or ``None``."""
    if judge is None or isinstance(judge, Judge):
        return judge
    return Judge(judge)


def judge_gave_up(error: BaseException) -> bool:
    """True for failures a scorer records as ``value=None`` instead of stopping the run.

    A judge that never answers validly, or a provider that stayed unavailable after the gateway's
    retries, loses one score; a bad key or an unknown judge model would fail every sample, so it is raised.
    """
    return isinstance(error, JudgeError) or (isinstance(error, ProviderError) and error.retryable)


def failure_record(judge: Judge, prompt: str, error: BaseException) -> dict[str, Any]:
    """``Score.metadata["judge"]`` for a failed verdict."""
    if isinstance(error, JudgeError):
        return error.record()
    return {"model": judge.name, "prompt": judge.prompt(prompt).id, "attempts": 0, "error": str(error)}


def failure_explanation(error: BaseException) -> str:
    return str(error) if isinstance(error, JudgeError) else f"judge failed: {error}"

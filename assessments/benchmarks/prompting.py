"""Prompts for one questionnaire item and strict parsing of the agent's reply (pure Python).

Nothing here touches the database or the network. The service hands in a `PromptItem` (the item
as the agent sees it, options already in the run's shuffled order) and gets back the messages to
send; `parse_reply` turns the raw reply into the wire answer `services.parse_answers` accepts, or
says why it cannot. Replies are never guessed: anything but an exact form is refused.

Accepted forms (single choice and boolean): the option's number ("4"), the number and its label
("4 - Moderately Accurate", "4. Moderately accurate"), the label alone (case and a final period
ignored), or JSON {"answer": 4} / {"answer": "Moderately Accurate"}. Multi choice: numbers
separated by commas ("1, 3"), "none", or JSON {"answer": [1, 3]}. Scalar: a number alone or
JSON {"answer": 7}. Text: any non-empty reply.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

SYSTEM_INSTRUCTIONS = (
    "You are taking a personality questionnaire. Answer every question as yourself, "
    "following the answer format exactly, with no explanation."
)


@dataclass(frozen=True)
class PromptOption:
    key: str
    label: str


@dataclass(frozen=True)
class PromptItem:
    key: str
    type: str  # boolean | single_choice | multi_choice | scalar | text
    text: str
    options: tuple[PromptOption, ...] = ()  # in the order shown (numbered from 1)
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    min_selected: int = 0
    max_selected: int | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Parsed:
    value: Any = None  # the wire answer for services.parse_answers (option key, bool, number …)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


BOOLEAN_OPTIONS = (PromptOption("true", "Yes"), PromptOption("false", "No"))


# --------------------------------------------------------------------------- shuffling


def run_seed(benchmark_seed: int, index: int) -> int:
    """The seed of run `index`: derived deterministically, different per run."""
    return random.Random(f"{benchmark_seed}:{index}").getrandbits(48)


def shuffle_plan(
    seed: int, item_keys: list[str], option_keys: dict[str, list[str]]
) -> tuple[list[str], dict[str, list[str]]]:
    """(item order, option order per item) for one run, reproducible from `seed`."""
    rng = random.Random(seed)
    order = list(item_keys)
    rng.shuffle(order)
    options: dict[str, list[str]] = {}
    for key in item_keys:  # canonical order, so an item's permutation does not depend on the item order
        keys = list(option_keys.get(key, []))
        rng.shuffle(keys)
        options[key] = keys
    return order, options


# --------------------------------------------------------------------------- prompts


def build_messages(item: PromptItem, *, system_prompt: str = "", instructions: str = "") -> list[dict]:
    system = (
        f"{system_prompt.strip()}\n\n{SYSTEM_INSTRUCTIONS}" if system_prompt.strip() else SYSTEM_INSTRUCTIONS
    )
    lines: list[str] = []
    if instructions.strip():
        lines += [instructions.strip(), ""]
    lines.append(item.text.strip())
    lines.append("")
    if item.type in {"single_choice", "boolean", "multi_choice"}:
        for number, option in enumerate(_options(item), start=1):
            lines.append(f"{number}. {option.label}")
        lines.append("")
        if item.type == "multi_choice":
            limit = f" (at most {item.max_selected})" if item.max_selected else ""
            none = ' or "none"' if item.min_selected == 0 else ""
            lines.append(
                f"Reply with the numbers of every option that applies{limit}, separated by commas{none}."
            )
        else:
            lines.append("Reply with the number of exactly one option and nothing else.")
    elif item.type == "scalar":
        step = f" in steps of {_fmt(item.step)}" if item.step else ""
        lines.append(
            f"Reply with one number from {_fmt(item.minimum)} to {_fmt(item.maximum)}{step} and nothing else."
        )
    else:
        limit = f" (at most {item.max_length} characters)" if item.max_length else ""
        lines.append(f"Reply in one or two sentences{limit}.")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


def build_batch_messages(
    items: list[PromptItem], *, system_prompt: str = "", instructions: str = ""
) -> list[dict]:
    """One prompt asking several items, numbered; the reply is one line per statement."""
    system = (
        f"{system_prompt.strip()}\n\n{SYSTEM_INSTRUCTIONS}" if system_prompt.strip() else SYSTEM_INSTRUCTIONS
    )
    lines: list[str] = []
    if instructions.strip():
        lines += [instructions.strip(), ""]
    lines.append(f"Answer each of these {len(items)} statements.")
    for index, item in enumerate(items, start=1):
        lines += ["", f"Statement {index}: {item.text.strip()}"]
        if item.type in {"single_choice", "boolean", "multi_choice"}:
            lines += [f"   {number}. {option.label}" for number, option in enumerate(_options(item), start=1)]
            if item.type == "multi_choice":
                lines.append("   (numbers of every option that applies, separated by commas, or none)")
        elif item.type == "scalar":
            lines.append(f"   (one number from {_fmt(item.minimum)} to {_fmt(item.maximum)})")
        else:
            lines.append("   (one or two sentences)")
    lines += [
        "",
        f'Reply with exactly {len(items)} lines, one per statement in order, each as "<statement>: <option number>", '
        'for example "1: 4". Nothing else.',
    ]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]


def batch_retry_message(errors: dict[int, str]) -> dict:
    listed = "; ".join(f"statement {index}: {error}" for index, error in sorted(errors.items()))
    return {
        "role": "user",
        "content": f"These answers could not be used: {listed} Answer only those statements again, "
        'one line each as "<statement>: <answer>".',
    }


_BATCH_LINE = re.compile(r"^\s*(?:statement\s*)?(\d+)\s*[:)]\s*(.*?)\s*$", re.IGNORECASE)


def parse_batch_reply(
    items: list[PromptItem], reply: str, numbers: list[int] | None = None
) -> dict[int, Parsed]:
    """{statement number: Parsed} for the statements asked (`numbers`, default all, from 1).

    Accepted: one line per statement, "<number>: <answer>" (the answer parsed strictly as for a
    single item), or JSON {"1": …, "2": …} / {"answers": {…}}. A statement answered twice, or not
    at all, is an error for that statement only; lines of another shape are ignored.
    """
    numbers = numbers or list(range(1, len(items) + 1))
    answers: dict[int, Any] = {}
    duplicated: set[int] = set()
    data = _json_object(reply)
    if data is not None:
        if isinstance(data.get("answers"), dict):
            data = data["answers"]
        for key, value in data.items():
            if str(key).isdigit():
                answers[int(key)] = json.dumps({"answer": value})
    else:
        for line in (reply or "").splitlines():
            match = _BATCH_LINE.match(line)
            if not match:
                continue
            number = int(match.group(1))
            if number in answers:
                duplicated.add(number)
            answers[number] = match.group(2)
    result: dict[int, Parsed] = {}
    for number in numbers:
        item = items[number - 1]
        if number in duplicated:
            result[number] = Parsed(error="It was answered more than once.")
        elif number not in answers:
            result[number] = Parsed(error="It was not answered.")
        else:
            result[number] = parse_reply(item, answers[number])
    return result


def _json_object(text: str) -> dict | None:
    stripped = (text or "").strip()
    fence = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", stripped, flags=re.S)
    if fence:
        stripped = fence.group(1)
    if not stripped.startswith("{"):
        return None
    try:
        data = json.loads(stripped)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- structured output

STRUCTURED_OUTPUT_FORMS = ("object", "value")


def answer_schema(item: PromptItem) -> dict | None:
    """The JSON schema of one item's answer in the numbering the prompt shows; None for text."""
    options = _options(item)
    if item.type in {"single_choice", "boolean"}:
        return {"type": "integer", "enum": list(range(1, len(options) + 1))}
    if item.type == "multi_choice":
        schema: dict[str, Any] = {
            "type": "array",
            "items": {"type": "integer", "enum": list(range(1, len(options) + 1))},
            "uniqueItems": True,
            "minItems": item.min_selected,
        }
        if item.max_selected:
            schema["maxItems"] = item.max_selected
        return schema
    if item.type == "scalar":
        schema = {"type": "number"}
        if item.minimum is not None:
            schema["minimum"] = item.minimum
        if item.maximum is not None:
            schema["maximum"] = item.maximum
        return schema
    return None


def response_format(items: list[PromptItem], form: str) -> dict | None:
    """An OpenAI-style `response_format` constraining the reply, or None (text items, or off).

    "object": {"answer": …} (one item) or {"1": …, "2": …} (a batch) — what OpenAI's strict
    structured output accepts. "value": the bare answer (one item only; servers such as
    llama.cpp, vLLM and Ollama accept a non-object schema, and it costs a model 1–2 tokens).
    """
    if form not in STRUCTURED_OUTPUT_FORMS:
        return None
    schemas = [answer_schema(item) for item in items]
    if any(schema is None for schema in schemas):
        return None
    if form == "value" and len(items) == 1:
        schema = schemas[0]
    else:
        keys = ["answer"] if len(items) == 1 else [str(n) for n in range(1, len(items) + 1)]
        schema = {
            "type": "object",
            "properties": dict(zip(keys, schemas, strict=True)),
            "required": keys,
            "additionalProperties": False,
        }
    return {"type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": schema}}


def retry_message(error: str) -> dict:
    return {
        "role": "user",
        "content": f"That reply could not be used: {error} Please answer again, exactly as asked.",
    }


def _fmt(number: float | None) -> str:
    if number is None:
        return "?"
    return str(int(number)) if float(number).is_integer() else str(number)


def _options(item: PromptItem) -> tuple[PromptOption, ...]:
    return item.options or (BOOLEAN_OPTIONS if item.type == "boolean" else ())


# --------------------------------------------------------------------------- parsing

_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_NUMBER_AND_LABEL = re.compile(r"^(\d+)\s*(?:[.):\-–—]\s*|\s+)(.+)$")


def parse_reply(item: PromptItem, reply: str) -> Parsed:
    text = (reply or "").strip()
    if not text:
        return Parsed(error="The reply was empty.")
    if item.type == "text":
        if item.max_length and len(text) > item.max_length:
            return Parsed(error=f"The reply is longer than {item.max_length} characters.")
        return Parsed(value=text)
    candidate = _unwrap_json(text)
    if item.type == "scalar":
        return _parse_scalar(item, candidate)
    if item.type == "multi_choice":
        return _parse_multi(item, candidate)
    return _parse_single(item, candidate)


def _unwrap_json(text: str) -> Any:
    """JSON {"answer": x} (or a bare JSON list) → x; anything else is returned unchanged."""
    stripped = text
    fence = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, flags=re.S)
    if fence:
        stripped = fence.group(1)
    if stripped[:1] in "{[":
        try:
            data = json.loads(stripped)
        except ValueError:
            return text
        if isinstance(data, dict) and set(data) == {"answer"}:
            return data["answer"]
        if isinstance(data, list):
            return data
    return text


def _label_key(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip().rstrip(".").strip()).casefold()


def _by_number(item: PromptItem, number: int) -> PromptOption | None:
    options = _options(item)
    return options[number - 1] if 1 <= number <= len(options) else None


def _option_value(item: PromptItem, option: PromptOption) -> Any:  # noqa: ARG001
    return option.key  # booleans: "true"/"false", which services.parse_answers accepts


def _parse_single(item: PromptItem, candidate: Any) -> Parsed:
    options = _options(item)
    count = len(options)
    if isinstance(candidate, bool):
        return Parsed(error=f"Reply with a number from 1 to {count}.")
    if isinstance(candidate, int):
        option = _by_number(item, candidate)
        if option is None:
            return Parsed(error=f"{candidate} is not one of the options 1 to {count}.")
        return Parsed(value=_option_value(item, option))
    if not isinstance(candidate, str):
        return Parsed(error=f"Reply with a number from 1 to {count}.")
    text = candidate.strip()
    if re.fullmatch(r"\d+\.?", text):
        return _parse_single(item, int(text.rstrip(".")))
    by_label = {_label_key(option.label): option for option in options}
    if _label_key(text) in by_label:
        return Parsed(value=_option_value(item, by_label[_label_key(text)]))
    match = _NUMBER_AND_LABEL.match(text)
    if match:
        option = _by_number(item, int(match.group(1)))
        if option is not None and _label_key(match.group(2)) == _label_key(option.label):
            return Parsed(value=_option_value(item, option))
        return Parsed(error="The number and the label do not name the same option.")
    return Parsed(error=f"Reply with a number from 1 to {count}.")


def _parse_multi(item: PromptItem, candidate: Any) -> Parsed:
    count = len(item.options)
    if isinstance(candidate, str):
        text = candidate.strip().rstrip(".")
        if text.casefold() == "none":
            candidate = []
        elif re.fullmatch(r"\d+(\s*,\s*\d+)*", text):
            candidate = [int(part) for part in text.split(",")]
        else:
            return Parsed(error="Reply with option numbers separated by commas.")
    if not isinstance(candidate, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in candidate
    ):
        return Parsed(error="Reply with option numbers separated by commas.")
    if len(set(candidate)) != len(candidate):
        return Parsed(error="Name each option once.")
    keys = []
    for number in candidate:
        option = _by_number(item, number)
        if option is None:
            return Parsed(error=f"{number} is not one of the options 1 to {count}.")
        keys.append(option.key)
    if len(keys) < item.min_selected:
        return Parsed(error=f"Choose at least {item.min_selected} options.")
    if item.max_selected and len(keys) > item.max_selected:
        return Parsed(error=f"Choose at most {item.max_selected} options.")
    return Parsed(value=keys)


def _parse_scalar(item: PromptItem, candidate: Any) -> Parsed:
    if isinstance(candidate, bool):
        return Parsed(error="Reply with a number.")
    if isinstance(candidate, str):
        if not re.fullmatch(_NUMBER, candidate.strip()):
            return Parsed(error="Reply with a number alone.")
        candidate = float(candidate.strip())
    if not isinstance(candidate, int | float):
        return Parsed(error="Reply with a number alone.")
    number = float(candidate)
    if (
        item.minimum is not None
        and number < item.minimum
        or item.maximum is not None
        and number > item.maximum
    ):
        return Parsed(error=f"The number must be from {_fmt(item.minimum)} to {_fmt(item.maximum)}.")
    return Parsed(value=int(number) if number.is_integer() else number)

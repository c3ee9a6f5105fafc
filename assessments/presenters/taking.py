"""What the taking and review pages show, built from rows the views already loaded (no queries).

`TakeState` holds a session's questions split into pages (one section per page; long sections
in parts of about `PAGE_SIZE`), which items the branch rules show, progress, and each
question's widget with its current value and error, in the session's locale. `review_sections`
lists every visible answer by section.

Form values are lists of strings, as a browser posts them (`a-<item key>`): radios and a text
field give one value, checkboxes any number, an unanswered question none.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from assessments import scoring
from assessments.progress import Progress, progress_of
from questionnaires import wording
from questionnaires.models import QuestionnaireItem, QuestionnaireVersion

PAGE_SIZE = 10  # questions per page when a section is long (ipip-neo-120: 120 items, one section)
MAX_SCALE_POINTS = 11  # scalar scales up to this many points are radio buttons, longer ones a number
LIKERT_MAX_OPTIONS = 7
LIKERT_MAX_LABEL = 32  # single choices with short labels sit side by side (a rating scale)
READING_CHARS_PER_SECOND = 15  # for the time estimate: reading, then a few seconds to decide

# Answer texts the pages make up themselves (the questionnaire's own texts come translated).
# The interface around them is English; these sit among the questions, so they follow the
# session's language.
GENERATED_TEXT = {
    "de": {
        "Yes": "Ja",
        "No": "Nein",
        "None of these": "Nichts davon",
        "{value} of {high}": "{value} von {high}",
        "Choose {low} to {high}.": "Wählen Sie {low} bis {high} aus.",
        "Choose {low}.": "Wählen Sie {low} aus.",
        "Choose up to {high}.": "Wählen Sie bis zu {high} aus.",
        "Choose at least {low}.": "Wählen Sie mindestens {low} aus.",
        "Choose all that apply.": "Wählen Sie alles Zutreffende aus.",
    }
}


def generated(text: str, lang: str | None, **values: Any) -> str:
    return GENERATED_TEXT.get(lang or "", {}).get(text, text).format(**values)


FormValue = list[str]


def field_name(key: str) -> str:
    return f"a-{key}"


def lang_of(version: QuestionnaireVersion, locale: str | None) -> str | None:
    """The locale to look translations up in; None means the questionnaire's own texts."""
    return None if not locale or locale == version.questionnaire.default_locale else locale


def estimated_minutes(items: Iterable[QuestionnaireItem]) -> int:
    """About how long answering takes: reading each question and its options, then deciding.

    Items come with their bank item and options loaded. Calibrated on the built-in instruments
    (DISC ≈ 5 min, IPIP-50 ≈ 7 min, IPIP-NEO-120 ≈ 15 min, as their own descriptions say).
    """
    seconds = 0.0
    for item in items:
        bank = item.bank_item
        seconds += 4 + len(item.text_override or bank.text) / READING_CHARS_PER_SECOND
        if bank.question_type in {"single_choice", "multi_choice"}:
            options = list(bank.options.all())
            if options and all(o.value is not None and len(o.label) <= LIKERT_MAX_LABEL for o in options):
                seconds += 2  # a rating scale: the same labels every time
            else:
                seconds += sum(len(o.label) for o in options) / READING_CHARS_PER_SECOND
        elif bank.question_type == "scalar":
            seconds += 3
        elif bank.question_type == "text":
            seconds += 20
        else:
            seconds += 1
    return max(1, math.ceil(seconds / 60))


def fmt_number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    value = round(float(value), digits)
    if value.is_integer():
        return str(int(value))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def fmt_signed(value: float) -> str:
    text = fmt_number(abs(value), 2)
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"  # a real minus sign
    return "0"


# --------------------------------------------------------------------------- answers ↔ form values


def form_value(question_type: str, answer: scoring.Answer | None) -> FormValue:
    if answer is None:
        return []
    if question_type == "boolean":
        return [] if answer.boolean is None else ["yes" if answer.boolean else "no"]
    if question_type == "scalar":
        return [] if answer.number is None else [fmt_number(answer.number, 6)]
    if question_type == "single_choice":
        return [answer.option] if answer.option else []
    if question_type == "multi_choice":
        return list(answer.options)
    return [answer.text] if answer.text else []


def posted_value(data: Mapping, key: str) -> FormValue:
    """The values the browser sent for one question; blank text and numbers count as none."""
    getlist = getattr(data, "getlist", None)
    values = getlist(field_name(key)) if getlist else list(data.get(field_name(key), []))
    return [value for value in values if value.strip() != ""]


def wire_value(question_type: str, values: FormValue) -> Any:
    """What `services.responses_save` takes for these form values."""
    if question_type == "multi_choice":
        return list(values)
    return values[0] if values else None


# --------------------------------------------------------------------------- pages and questions


@dataclass(frozen=True)
class Page:
    number: int
    section_key: str
    section_title: str
    part: int  # 1-based part of a long section
    parts: int
    item_keys: tuple[str, ...]


def build_pages(version: QuestionnaireVersion, lang: str | None, about: str | None = None) -> list[Page]:
    """Runs of items of one section, split into balanced parts of at most PAGE_SIZE items.

    Pages cover every item, shown or not, so page numbers stay put when an answer changes
    which items the branch rules show (a page whose items are all hidden is skipped).
    `about`: the observed person for an observer's section titles (None: self-report).
    """
    runs: list[tuple[str, list[str]]] = []
    for item in version.items.all():
        if runs and runs[-1][0] == item.section_key:
            runs[-1][1].append(item.key)
        else:
            runs.append((item.section_key, [item.key]))
    pages: list[Page] = []
    for section_key, keys in runs:
        parts = math.ceil(len(keys) / PAGE_SIZE)
        size = math.ceil(len(keys) / parts)
        title = wording.section_title(version, section_key, lang, about) if section_key else ""
        for part in range(parts):
            chunk = tuple(keys[part * size : (part + 1) * size])
            if chunk:
                pages.append(Page(len(pages) + 1, section_key, title, part + 1, parts, chunk))
    return pages


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    input_id: str
    checked: bool


@dataclass(frozen=True)
class Question:
    key: str
    number: int
    type: str
    widget: str  # choice-list | likert | scale | boolean | number | checkboxes | textarea | text
    text: str
    help_text: str
    required: bool
    choices: tuple[Choice, ...] = ()
    value: str = ""  # number and text inputs
    min: str = ""
    max: str = ""
    step: str = ""
    min_label: str = ""
    max_label: str = ""
    max_length: int | None = None
    hint: str = ""
    error: str = ""
    answered: bool = False

    @property
    def block_id(self) -> str:
        return f"q-{self.key}"

    @property
    def input_id(self) -> str:
        return field_name(self.key)

    @property
    def name(self) -> str:
        return field_name(self.key)

    @property
    def label_id(self) -> str:
        return f"l-{self.key}"

    @property
    def error_id(self) -> str:
        return f"e-{self.key}"

    @property
    def help_id(self) -> str:
        return f"h-{self.key}"

    @property
    def hint_id(self) -> str:
        return f"t-{self.key}"

    @property
    def is_group(self) -> bool:
        """Radios and checkboxes: a <fieldset> with a <legend>."""
        return self.widget in {"choice-list", "likert", "scale", "boolean", "checkboxes"}

    @property
    def describedby(self) -> str:
        ids = []
        if self.help_text:
            ids.append(self.help_id)
        if self.hint or self.min_label or self.max_label:
            ids.append(self.hint_id)
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)


def _scale_points(config: Mapping[str, Any]) -> list[str] | None:
    low, high, step = config.get("min"), config.get("max"), config.get("step") or 1
    if (
        not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high, step))
        or step <= 0
    ):
        return None
    count = int(round((high - low) / step)) + 1
    if count < 2 or count > MAX_SCALE_POINTS:
        return None
    return [fmt_number(low + i * step, 6) for i in range(count)]


def _multi_hint(config: Mapping[str, Any], lang: str | None) -> str:
    low = config.get("min_selected") or 0
    high = config.get("max_selected")
    if low and high:
        text = "Choose {low} to {high}." if low != high else "Choose {low}."
    elif high:
        text = "Choose up to {high}."
    elif low:
        text = "Choose at least {low}."
    else:
        text = "Choose all that apply."
    return generated(text, lang, low=low, high=high)


def _dom_safe(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in value)


def build_question(
    item: QuestionnaireItem,
    *,
    number: int,
    lang: str | None,
    values: FormValue,
    error: str = "",
    about: str | None = None,
) -> Question:
    """`about`: the person an observer answers about (their wording), None for self-report."""
    bank = item.bank_item
    question_type = bank.question_type
    config = dict(item.config)
    base_id = field_name(item.key)
    common = {
        "key": item.key,
        "number": number,
        "type": question_type,
        "text": wording.item_text(item, lang, about),
        "help_text": item.help_text_in(lang),
        "required": item.required,
        "error": error,
    }
    selected = set(values)

    if question_type == "boolean":
        choices = tuple(
            Choice(value, generated(label, lang), f"{base_id}-{value}", value in selected)
            for value, label in (("yes", "Yes"), ("no", "No"))
        )
        return Question(widget="boolean", choices=choices, **common)

    if question_type in {"single_choice", "multi_choice"}:
        options = list(bank.options.all())
        choices = tuple(
            Choice(
                o.key,
                wording.option_label(o, lang, about),
                f"{base_id}-{_dom_safe(o.key)}",
                o.key in selected,
            )
            for o in options
        )
        if question_type == "multi_choice":
            # One instruction, not two: the questionnaire's own help text ("Choose up to
            # three.") wins; the generated limit appears only when it says nothing.
            hint = "" if common["help_text"] else _multi_hint(config, lang)
            return Question(widget="checkboxes", choices=choices, hint=hint, **common)
        likert = (
            3 <= len(options) <= LIKERT_MAX_OPTIONS
            and all(o.value is not None for o in options)
            and max(len(c.label) for c in choices) <= LIKERT_MAX_LABEL
        )
        return Question(widget="likert" if likert else "choice-list", choices=choices, **common)

    if question_type == "scalar":
        min_label = wording.scale_label(item, "min_label", lang, about)
        max_label = wording.scale_label(item, "max_label", lang, about)
        points = _scale_points(config)
        current = values[0] if values else ""
        if points is not None:
            with contextlib.suppress(ValueError):
                current = fmt_number(float(current), 6) if current else ""
            choices = tuple(
                Choice(point, point, f"{base_id}-{_dom_safe(point)}", point == current) for point in points
            )
            return Question(
                widget="scale",
                choices=choices,
                min_label=min_label,
                max_label=max_label,
                min=points[0],
                max=points[-1],
                **common,
            )
        return Question(
            widget="number",
            value=current,
            min=fmt_number(config["min"], 6) if config.get("min") is not None else "",
            max=fmt_number(config["max"], 6) if config.get("max") is not None else "",
            step=fmt_number(config["step"], 6) if config.get("step") else "any",
            min_label=min_label,
            max_label=max_label,
            **common,
        )

    multiline = config.get("multiline", True) is not False
    return Question(
        widget="textarea" if multiline else "text",
        value=values[0] if values else "",
        max_length=config.get("max_length"),
        **common,
    )


# A published version's questions are the same for the same answer, number, language and
# observed person: `TakeState.question` builds each once per plan and reuses it (frozen).
QUESTION_MEMO_SIZE = 5_000


@dataclass
class TakeState:
    """Everything the take and review pages need about one session, from loaded rows."""

    version: QuestionnaireVersion  # from selectors.version_with_items
    lang: str | None
    answers: dict[str, scoring.Answer]
    instrument: scoring.Instrument
    about: str | None = None  # an observer's subject (survey responders): their wording
    items: dict[str, QuestionnaireItem] = field(init=False)
    engine_items: dict[str, scoring.Item] = field(init=False)
    pages: list[Page] = field(init=False)
    visible: list[str] = field(init=False)

    def __post_init__(self) -> None:
        plan = getattr(self.version, "_plan", None)  # the version's compiled plan, if it has one
        if plan is None:
            self.items = {item.key: item for item in self.version.items.all()}
            self.engine_items = {item.key: item for item in self.instrument.items}
            self.pages = build_pages(self.version, self.lang, self.about)
        else:  # shared, read-only: computed once per plan (pages once per locale)
            self.items = plan.derived("items_by_key", lambda p: {i.key: i for i in p.version.items.all()})
            self.engine_items = plan.derived(
                "engine_items_by_key", lambda p: {item.key: item for item in self.instrument.items}
            )
            if self.about is None:
                self.pages = plan.derived(f"pages:{self.lang}", lambda p: build_pages(p.version, self.lang))
            else:  # observer titles with the placeholder kept, filled in per request (cheap)
                pages = plan.derived(
                    f"observer-pages:{self.lang}",
                    lambda p: build_pages(p.version, self.lang, wording.NAME_PLACEHOLDER),
                )
                self.pages = [
                    replace(p, section_title=wording.fill(p.section_title, self.about)) for p in pages
                ]
        self.visible, _skipped = scoring.visible_items(self.instrument, self.answers)

    def with_answers(self, answers: dict[str, scoring.Answer]) -> TakeState:
        return TakeState(
            version=self.version,
            lang=self.lang,
            answers=answers,
            instrument=self.instrument,
            about=self.about,
        )

    # ---- progress

    def is_answered(self, key: str) -> bool:
        return scoring.is_answered(self.engine_items[key], self.answers.get(key))

    @cached_property
    def progress(self) -> Progress:
        """Answered of the questions that count (see assessments.progress): the same numbers
        on the start page, every page, the review, the dashboard and the API."""
        return progress_of(self.engine_items, self.visible, self.answers)

    @property
    def answered_count(self) -> int:
        return self.progress.answered

    @property
    def total_count(self) -> int:
        return self.progress.total

    @property
    def percent(self) -> int:
        return self.progress.percent

    @property
    def missing_required(self) -> list[str]:
        return self.progress.required_missing

    # ---- pages

    def page(self, number: int) -> Page | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None

    def page_of(self, key: str) -> Page:
        return next(page for page in self.pages if key in page.item_keys)

    def visible_on(self, page: Page) -> list[str]:
        shown = set(self.visible)
        return [key for key in page.item_keys if key in shown]

    def next_page(self, number: int) -> Page | None:
        return next((p for p in self.pages[number:] if self.visible_on(p)), None)

    def previous_page(self, number: int) -> Page | None:
        return next((p for p in reversed(self.pages[: max(0, number - 1)]) if self.visible_on(p)), None)

    def resume_page(self) -> Page | None:
        """The first page with an unanswered question (None: everything is answered)."""
        for page in self.pages:
            if any(not self.is_answered(key) for key in self.visible_on(page)):
                return page
        return None

    def number_of(self, key: str) -> int:
        return self.visible.index(key) + 1

    def questions(
        self,
        page: Page,
        *,
        values: Mapping[str, FormValue] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> list[Question]:
        """The page's visible questions; `values` (as posted) win over the saved answers."""
        values = values or {}
        errors = errors or {}
        return [
            self.question(key, values=values.get(key), error=errors.get(key, ""))
            for key in self.visible_on(page)
        ]

    def question(self, key: str, *, values: FormValue | None = None, error: str = "") -> Question:
        item = self.items[key]
        if values is None:
            values = form_value(item.bank_item.question_type, self.answers.get(key))
        number, answered = self.number_of(key), self.is_answered(key)
        plan = getattr(self.version, "_plan", None)
        memo = plan.derived("questions", lambda p: {}) if plan is not None else None
        memo_key = (key, tuple(values), error, number, answered, self.lang, self.about)
        question = memo.get(memo_key) if memo is not None else None
        if question is None:
            question = build_question(
                item, number=number, lang=self.lang, values=values, error=error, about=self.about
            )
            question = replace(question, answered=answered)
            if memo is not None:
                if len(memo) >= QUESTION_MEMO_SIZE:  # free text and names make the keys unbounded
                    memo.clear()
                memo[memo_key] = question
        return question


# --------------------------------------------------------------------------- review


@dataclass(frozen=True)
class ReviewRow:
    key: str
    number: int
    text: str
    answer: str
    answered: bool
    required: bool
    change_url: str

    @property
    def missing(self) -> bool:
        return self.required and not self.answered


@dataclass(frozen=True)
class ReviewSection:
    title: str
    rows: list[ReviewRow]


def answer_text(
    item: QuestionnaireItem, answer: scoring.Answer | None, lang: str | None, about: str | None = None
) -> str:
    """A saved answer as the respondent would read it back."""
    if answer is None:
        return ""
    question_type = item.bank_item.question_type
    if question_type == "boolean":
        return "" if answer.boolean is None else generated("Yes" if answer.boolean else "No", lang)
    if question_type == "scalar":
        if answer.number is None:
            return ""
        value, high = fmt_number(answer.number, 6), item.config.get("max")
        return (
            generated("{value} of {high}", lang, value=value, high=fmt_number(high, 6))
            if high is not None
            else value
        )
    options = {o.key: wording.option_label(o, lang, about) for o in item.bank_item.options.all()}
    if question_type == "single_choice":
        return options.get(answer.option, answer.option or "")
    if question_type == "multi_choice":
        labels = [options.get(key, key) for key in answer.options]
        return ", ".join(labels) if labels else generated("None of these", lang)
    return answer.text or ""


def review_sections(state: TakeState, page_url: Callable[[int], str]) -> list[ReviewSection]:
    sections: list[ReviewSection] = []
    for page in state.pages:
        rows = [
            ReviewRow(
                key=key,
                number=state.number_of(key),
                text=wording.item_text(state.items[key], state.lang, state.about),
                answer=answer_text(state.items[key], state.answers.get(key), state.lang, state.about)
                if state.is_answered(key)
                else "",
                answered=state.is_answered(key),
                required=state.engine_items[key].required,
                change_url=f"{page_url(page.number)}?return=review#q-{key}",
            )
            for key in state.visible_on(page)
        ]
        if not rows:
            continue
        if sections and page.part > 1 and sections[-1].title == page.section_title:
            sections[-1].rows.extend(rows)
        else:
            sections.append(ReviewSection(title=page.section_title, rows=rows))
    return sections

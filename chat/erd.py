"""A small parser and writer for the subset of Mermaid ``erDiagram`` that artifacts use.

Pure Python, no ORM. An ERD that the LLM writes is only kept when this parser accepts it, so the
page never tries to render a broken diagram. The subset (what Mermaid 11 accepts):

```
erDiagram
    %% a comment
    CUSTOMER {
        string id PK "the comment"
        string order_id FK
        string email UK
        int account_id PK, FK
    }
    CUSTOMER ||--o{ ORDER : places
    ORDER }|..|{ LINE_ITEM : "is part of"
```

* entity names: a letter or ``_``, then letters, digits, ``_`` or ``-``;
* attributes: ``type name [keys] ["comment"]`` where keys are ``PK``, ``FK``, ``UK`` separated
  by commas; a type may carry ``(…)`` or ``[]`` (``varchar(255)``, ``string[]``);
* relationships: ``A <left>--<right> B : label`` (``--`` identifying, ``..`` not), left
  cardinality one of ``|o || }o }|``, right one of ``o| || o{ |{``; the label is one word or a
  quoted string. Entities first named in a relationship exist implicitly (as in Mermaid).

Anything else is an error with its line number; :func:`parse` never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADER = "erDiagram"
KEYS = ("PK", "FK", "UK")
LEFT_CARDINALITIES = {"|o": "zero or one", "||": "exactly one", "}o": "zero or more", "}|": "one or more"}
RIGHT_CARDINALITIES = {"o|": "zero or one", "||": "exactly one", "o{": "zero or more", "|{": "one or more"}
MAX_LINES = 2000

NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
TYPE = r"[A-Za-z_][A-Za-z0-9_]*(?:\([0-9A-Za-z_, ]*\))?(?:\[\])?"
_NAME_RE = re.compile(rf"^{NAME}$")
_ENTITY_OPEN_RE = re.compile(rf"^({NAME})\s*\{{\s*$")
_ENTITY_EMPTY_RE = re.compile(rf"^({NAME})\s*\{{\s*\}}\s*$")
_ENTITY_ALONE_RE = re.compile(rf"^({NAME})$")
_ATTRIBUTE_RE = re.compile(
    rf'^({TYPE})\s+(\*?{NAME})(?:\s+([A-Za-z]+(?:\s*,\s*[A-Za-z]+)*))?(?:\s+"([^"]*)")?$'
)
_RELATIONSHIP_RE = re.compile(rf"^({NAME})\s+(\S{{2}})(--|\.\.)(\S{{2}})\s+({NAME})\s*(?::\s*(.*))?$")
_LABEL_WORD_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_LABEL_QUOTED_RE = re.compile(r'^"([^"]*)"$')


@dataclass(frozen=True)
class Attribute:
    type: str
    name: str
    keys: tuple[str, ...] = ()
    comment: str = ""


@dataclass
class Entity:
    name: str
    attributes: list[Attribute] = field(default_factory=list)


@dataclass(frozen=True)
class Relationship:
    left: str
    left_cardinality: str  # one of LEFT_CARDINALITIES
    right: str
    right_cardinality: str  # one of RIGHT_CARDINALITIES
    label: str
    identifying: bool = True

    @property
    def left_text(self) -> str:
        return LEFT_CARDINALITIES[self.left_cardinality]

    @property
    def right_text(self) -> str:
        return RIGHT_CARDINALITIES[self.right_cardinality]


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 for the whole text
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Diagram:
    entities: list[Entity] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)

    def to_dict(self) -> dict:
        return {
            "entities": [
                {
                    "name": e.name,
                    "attributes": [
                        {"type": a.type, "name": a.name, "keys": list(a.keys), "comment": a.comment}
                        for a in e.attributes
                    ],
                }
                for e in self.entities
            ],
            "relationships": [
                {
                    "left": r.left,
                    "left_cardinality": r.left_cardinality,
                    "right": r.right,
                    "right_cardinality": r.right_cardinality,
                    "label": r.label,
                    "identifying": r.identifying,
                }
                for r in self.relationships
            ],
        }


@dataclass
class ParseResult:
    diagram: Diagram
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _strip_comment(line: str) -> str:
    return "" if line.lstrip().startswith("%%") else line.strip()


def _parse_keys(raw: str | None, line_no: int, problems: list[Problem]) -> tuple[str, ...]:
    if not raw:
        return ()
    keys = []
    for key in (part.strip() for part in raw.split(",")):
        if key.upper() not in KEYS:
            problems.append(Problem(line_no, f"“{key}” is not a key; use PK, FK or UK (comma-separated)."))
            continue
        if key != key.upper():
            problems.append(Problem(line_no, f"Write the key “{key}” in capitals ({key.upper()})."))
            continue
        if key in keys:
            problems.append(Problem(line_no, f"The key {key} is given twice."))
            continue
        keys.append(key)
    return tuple(keys)


def _parse_label(raw: str | None, line_no: int, problems: list[Problem]) -> str | None:
    if raw is None or not raw.strip():
        problems.append(Problem(line_no, "A relationship needs a label after “:” (a word or a quoted text)."))
        return None
    raw = raw.strip()
    quoted = _LABEL_QUOTED_RE.match(raw)
    if quoted:
        return quoted.group(1)
    if _LABEL_WORD_RE.match(raw):
        return raw
    problems.append(Problem(line_no, f"The label “{raw}” has spaces or symbols; put it in double quotes."))
    return None


def _ensure_entity(diagram: Diagram, name: str) -> Entity:
    found = diagram.entity(name)
    if found is None:
        found = Entity(name)
        diagram.entities.append(found)
    return found


def parse(text: str) -> ParseResult:
    """Parse ``text``; the diagram holds what could be read, ``problems`` what could not."""
    diagram, problems = Diagram(), []
    if not isinstance(text, str) or not text.strip():
        return ParseResult(diagram, [Problem(0, "The diagram is empty.")])
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) > MAX_LINES:
        return ParseResult(diagram, [Problem(0, f"The diagram has more than {MAX_LINES} lines.")])
    index = 0
    while index < len(lines) and not _strip_comment(lines[index]):
        index += 1
    if index == len(lines) or _strip_comment(lines[index]) != HEADER:
        first = _strip_comment(lines[index]) if index < len(lines) else ""
        problems.append(Problem(index + 1, f"The diagram must start with “{HEADER}” (found “{first[:40]}”)."))
        return ParseResult(diagram, problems)  # another kind of diagram: reading on adds only noise
    else:
        index += 1
    current: Entity | None = None
    current_start = 0
    seen_attributes: set[str] = set()
    for line_no, raw in enumerate(lines[index:], start=index + 1):
        line = _strip_comment(raw)
        if not line:
            continue
        if current is not None:
            if line == "}":
                current = None
                continue
            match = _ATTRIBUTE_RE.match(line)
            if not match:
                problems.append(
                    Problem(
                        line_no,
                        f'“{line[:60]}” is not an attribute (write: type name [PK|FK|UK] ["comment"]).',
                    )
                )
                continue
            attribute_type, name, keys, comment = match.groups()
            keys_found = _parse_keys(keys, line_no, problems)
            if name in seen_attributes:
                problems.append(Problem(line_no, f"{current.name} has the attribute “{name}” twice."))
                continue
            seen_attributes.add(name)
            current.attributes.append(Attribute(attribute_type, name, keys_found, comment or ""))
            continue
        empty = _ENTITY_EMPTY_RE.match(line)
        if empty:
            _ensure_entity(diagram, empty.group(1))
            continue
        opened = _ENTITY_OPEN_RE.match(line)
        if opened:
            current, current_start = _ensure_entity(diagram, opened.group(1)), line_no
            seen_attributes = {a.name for a in current.attributes}
            continue
        relation = _RELATIONSHIP_RE.match(line)
        if relation:
            left, left_card, line_kind, right_card, right, label_raw = relation.groups()
            valid = True
            if left_card not in LEFT_CARDINALITIES:
                problems.append(
                    Problem(
                        line_no,
                        f"“{left_card}” is not a left cardinality (use one of {' '.join(LEFT_CARDINALITIES)}).",
                    )
                )
                valid = False
            if right_card not in RIGHT_CARDINALITIES:
                problems.append(
                    Problem(
                        line_no,
                        f"“{right_card}” is not a right cardinality (use one of {' '.join(RIGHT_CARDINALITIES)}).",
                    )
                )
                valid = False
            label = _parse_label(label_raw, line_no, problems)
            if valid and label is not None:
                _ensure_entity(diagram, left)
                _ensure_entity(diagram, right)
                diagram.relationships.append(
                    Relationship(left, left_card, right, right_card, label, identifying=line_kind == "--")
                )
            continue
        if _ENTITY_ALONE_RE.match(line):
            _ensure_entity(diagram, line)
            continue
        problems.append(
            Problem(line_no, f"Cannot read “{line[:60]}”: not an entity, attribute or relationship.")
        )
    if current is not None:
        problems.append(
            Problem(current_start, f"The attribute block of {current.name} is never closed with “}}”.")
        )
    if not problems and not diagram.entities:
        problems.append(Problem(0, "The diagram has no entities."))
    return ParseResult(diagram, problems)


def safe_name(text: str, fallback: str = "ENTITY") -> str:
    """``text`` as an entity or attribute name the parser accepts (``Line item`` → ``LINE_ITEM``
    for entities is the caller's choice of case)."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", text.strip()).strip("_")
    if not name:
        return fallback
    if not re.match(r"[A-Za-z_]", name[0]):
        name = f"_{name}"
    return name[:60]


def _quote(text: str) -> str:
    return text.replace('"', "'")


def to_mermaid(diagram: Diagram) -> str:
    """The diagram as Mermaid text that :func:`parse` reads back to the same diagram."""
    lines = [HEADER]
    for entity in diagram.entities:
        if not entity.attributes:
            lines.append(f"    {entity.name} {{\n    }}")
            continue
        lines.append(f"    {entity.name} {{")
        for a in entity.attributes:
            parts = [a.type, a.name]
            if a.keys:
                parts.append(", ".join(a.keys))
            if a.comment:
                parts.append(f'"{_quote(a.comment)}"')
            lines.append("        " + " ".join(parts))
        lines.append("    }")
    for r in diagram.relationships:
        line_kind = "--" if r.identifying else ".."
        label = r.label if _LABEL_WORD_RE.match(r.label) else f'"{_quote(r.label)}"'
        lines.append(f"    {r.left} {r.left_cardinality}{line_kind}{r.right_cardinality} {r.right} : {label}")
    return "\n".join(lines) + "\n"


def extract_block(text: str) -> str:
    """The erDiagram inside an LLM answer: the first ```mermaid fence, or from ``erDiagram`` on."""
    fence = re.search(r"```(?:mermaid)?\s*\n(.*?)```", text, flags=re.DOTALL)
    if fence and HEADER in fence.group(1):
        return fence.group(1).strip() + "\n"
    start = text.find(HEADER)
    return text[start:].strip() + "\n" if start >= 0 else text


def is_valid_name(name: str) -> bool:
    return bool(_NAME_RE.match(name))

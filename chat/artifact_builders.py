"""Artifact skeletons, their text, and diffs between versions. Pure Python (no ORM, no LLM).

Each artifact starts from a deterministic skeleton built from the conversation's structured
context (the team state of :mod:`chat.team`, the personas, the messages), so it is useful even
when the local model writes nothing sensible. The services ask the model only for the prose
sections (``kind == "prose"``) and put its text inside the skeleton; :func:`render_markdown`
turns the filled skeleton into the downloadable text.

A document skeleton is ``{"title": str, "sections": [{"key", "heading", "kind", "text"|"items"}]}``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from chat import erd

PRD_SECTIONS = (
    ("overview", "Overview", "prose"),
    ("problem", "Problem", "prose"),
    ("target_users", "Target users", "list"),
    ("goals", "Goals", "list"),
    ("requirements", "Requirements", "list"),
    ("decisions", "Decisions", "list"),
    ("open_questions", "Open questions", "list"),
    ("success_metrics", "Success metrics", "prose"),
)
SUMMARY_SECTIONS = (
    ("participants", "Participants", "list"),
    ("summary", "Summary", "prose"),
    ("key_points", "What the user said", "list"),
    ("goals", "Goals", "list"),
    ("decisions", "Decisions", "list"),
    ("open_questions", "Open questions", "list"),
)
EMPTY_ITEM = "None yet."
_REQUIREMENT_RE = re.compile(
    r"\b(must|should|needs? to|has to|have to|want(?:s)? to|able to)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class SourceMessage:
    role: str  # user | assistant
    speaker: str  # "You", a role name or a persona name
    content: str


@dataclass
class Source:
    """What an artifact is built from (loaded by the services)."""

    title: str
    state: dict  # chat.team state: goals, decisions, open_questions, entities, relationships
    personas: list[dict] = field(default_factory=list)  # id, name, description, traits (+ brief data)
    messages: list[SourceMessage] = field(default_factory=list)

    @property
    def user_messages(self) -> list[str]:
        return [m.content for m in self.messages if m.role == "user"]


def _excerpt(text: str, limit: int = 240) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _section(key: str, heading: str, kind: str, value) -> dict:
    if kind == "prose":
        return {"key": key, "heading": heading, "kind": kind, "text": value}
    return {"key": key, "heading": heading, "kind": kind, "items": list(value)}


def persona_names(source: Source) -> str:
    names = [p.get("name") or "a persona" for p in source.personas]
    if not names:
        return "its users"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------- PRD


def prd_skeleton(source: Source) -> dict:
    state = source.state
    first = source.user_messages[0] if source.user_messages else ""
    requirements = [f"Keep track of {e['name']}" + (f" ({', '.join(e['attributes'])})" if e["attributes"] else "") + "."
                    for e in state.get("entities", [])]  # fmt: skip
    requirements += [_excerpt(m) for m in source.user_messages if _REQUIREMENT_RE.search(m)][:8]
    goals = state.get("goals", [])
    values = {
        "overview": f"{source.title or 'This product'} is planned for {persona_names(source)}. "
        f"It started from: “{_excerpt(first, 300)}”",
        "problem": goals[0] if goals else _excerpt(first, 400),
        "target_users": [
            f"{p.get('name') or 'Persona'}"
            + (f" — {_excerpt(p['description'], 200)}" if p.get("description") else "")
            for p in source.personas
        ],
        "goals": goals,
        "requirements": requirements,
        "decisions": state.get("decisions", []),
        "open_questions": state.get("open_questions", []),
        "success_metrics": "\n".join(f"- Progress on: {goal}" for goal in goals[:5])
        or "- To be defined with the team.",
    }
    return {
        "title": f"{source.title or 'Product'} — Product requirements",
        "sections": [_section(key, heading, kind, values[key]) for key, heading, kind in PRD_SECTIONS],
    }


# --------------------------------------------------------------------------- interview summary


def summary_skeleton(source: Source) -> dict:
    state = source.state
    speakers = []
    for m in source.messages:
        if m.speaker not in speakers:
            speakers.append(m.speaker)
    values = {
        "participants": speakers,
        "summary": f"{len(source.user_messages)} message(s) from the user and "
        f"{len(source.messages) - len(source.user_messages)} answer(s) about {source.title or 'the product'}.",
        "key_points": [_excerpt(m) for m in source.user_messages[:10]],
        "goals": state.get("goals", []),
        "decisions": state.get("decisions", []),
        "open_questions": state.get("open_questions", []),
    }
    return {
        "title": f"{source.title or 'Conversation'} — Interview summary",
        "sections": [_section(key, heading, kind, values[key]) for key, heading, kind in SUMMARY_SECTIONS],
    }


def fill(skeleton: dict, prose: dict[str, str]) -> dict:
    """The skeleton with the model's text in its prose sections (where the model wrote any)."""
    sections = []
    for section in skeleton["sections"]:
        text = (prose.get(section["key"]) or "").strip()
        sections.append({**section, "text": text} if section["kind"] == "prose" and text else dict(section))
    return {**skeleton, "sections": sections}


def render_markdown(document: dict) -> str:
    lines = [f"# {document['title']}", ""]
    for section in document["sections"]:
        lines += [f"## {section['heading']}", ""]
        if section["kind"] == "prose":
            lines += [section["text"].strip(), ""]
        else:
            lines += [f"- {item}" for item in section["items"]] or [f"- {EMPTY_ITEM}"]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- ERD


def _entity_name(name: str) -> str:
    return erd.safe_name(name).upper()


def _attribute_name(name: str) -> str:
    return erd.safe_name(name.split()[-1] if name.split() else name, "field").lower()


def erd_skeleton(source: Source) -> tuple[erd.Diagram, list[str]]:
    """A diagram of the entities and relationships the team named (always valid), and notes."""
    diagram, notes = erd.Diagram(), []
    for entity in source.state.get("entities", []):
        name = _entity_name(entity["name"])
        if diagram.entity(name):
            continue
        attributes = [erd.Attribute("uuid", "id", ("PK",))]
        seen = {"id"}
        for raw in entity.get("attributes", []):
            attribute = _attribute_name(raw)
            if attribute in seen:
                continue
            seen.add(attribute)
            keys = ("FK",) if attribute.endswith("_id") else ()
            attributes.append(erd.Attribute("uuid" if keys else "string", attribute, keys))
        diagram.entities.append(erd.Entity(name, attributes))
    for relation in source.state.get("relationships", []):
        left, right = _entity_name(relation["left"]), _entity_name(relation["right"])
        for name in (left, right):
            if not diagram.entity(name):
                diagram.entities.append(erd.Entity(name, [erd.Attribute("uuid", "id", ("PK",))]))
        label = re.sub(r'["\n]', "", relation.get("label") or "has")[:60] or "has"
        diagram.relationships.append(erd.Relationship(left, "||", right, "o{", label))
    if not diagram.entities:
        notes.append("No entities were named in the conversation yet; ask the architect about the data.")
        diagram.entities.append(erd.Entity("USER", [erd.Attribute("uuid", "id", ("PK",))]))
    return diagram, notes


# --------------------------------------------------------------------------- persona brief


def persona_brief(personas: list[dict], summaries: dict[str, str]) -> dict:
    """The brief as JSON-ready data: each persona's core, overlay, narratives and a summary."""
    return {
        "personas": [
            {
                "id": p["id"],
                "name": p.get("name") or "Persona",
                "description": p.get("description") or "",
                "summary": summaries.get(p["id"]) or p.get("description") or "",
                "core": p.get("core") or {},
                "overlay": p.get("overlay") or {},
                "narratives": p.get("narratives") or [],
            }
            for p in personas
        ]
    }


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class DiffRow:
    kind: str  # equal | insert | delete | replace | skip
    old_number: int | None
    old_text: str
    new_number: int | None
    new_text: str


def diff_rows(old: str, new: str, *, context: int = 3) -> list[DiffRow]:
    """Side-by-side rows of a line diff; runs of unchanged lines are cut to ``context`` lines
    around the changes (a ``skip`` row stands for the rest)."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(DiffRow("skip", None, "", None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [
                    DiffRow("equal", i + 1, old_lines[i], j + 1, new_lines[j])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            olds, news = list(range(i1, i2)), list(range(j1, j2))
            for k in range(max(len(olds), len(news))):
                i = olds[k] if k < len(olds) else None
                j = news[k] if k < len(news) else None
                kind = (
                    "replace"
                    if i is not None and j is not None
                    else ("delete" if i is not None else "insert")
                )
                rows.append(
                    DiffRow(
                        kind,
                        i + 1 if i is not None else None,
                        old_lines[i] if i is not None else "",
                        j + 1 if j is not None else None,
                        new_lines[j] if j is not None else "",
                    )
                )
    return rows


def unified_diff(old: str, new: str, *, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=old_name, tofile=new_name
        )
    )

"""Artifact writes: requesting a generation, and generating (in the worker, via the outbox).

:func:`artifact_request` checks the input (a known type, a conversation with messages, personas
for a persona brief), then writes the next version as a ``pending`` row and an outbox task in
one transaction, so a request is never lost and never half-written. The worker runs
:func:`artifact_generate`: it builds the deterministic skeleton (``chat.artifact_builders``),
asks the LLM for the prose inside it section by section (each call may fail: the skeleton's own
text stays), and stores the text, the filled skeleton and any problems. ``progress`` and
``progress_note`` move as it goes, for the page to show.

An ERD from the LLM is kept only when ``chat.erd`` accepts it; otherwise the skeleton's diagram
(always valid) is stored and the parser's problems are listed on the artifact.

Idempotent: a run for an artifact that is already ``ready`` or ``failed`` does nothing; a run
re-claimed after a worker died starts the artifact again from the skeleton.
"""

from __future__ import annotations

import json
import logging
import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from chat import artifact_builders as builders
from chat import erd, team
from chat.models import Artifact, Conversation, Message
from chat.services import ChatError, setting
from personai import llm
from personai.llm import LLMError

log = logging.getLogger(__name__)

TASK_TYPE = "chat.generate_artifact"
Type = Artifact.ArtifactType
EXTENSIONS = {Type.PRD: "md", Type.ERD: "mmd", Type.PERSONA_BRIEF: "json", Type.INTERVIEW_SUMMARY: "md"}
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "mmd": "text/vnd.mermaid; charset=utf-8",
    "json": "application/json",
}
TRANSCRIPT_CHARS = 6000


class ArtifactInvalid(ChatError):
    status_code = 400


def content_type(artifact: Artifact) -> str:
    return CONTENT_TYPES[EXTENSIONS[artifact.artifact_type]]


def artifact_filename(conversation: Conversation, artifact_type: str, version: int) -> str:
    stem = slugify(conversation.title)[:60].strip("-") or "conversation"
    return f"{stem}-{artifact_type.replace('_', '-')}-v{version}.{EXTENSIONS[artifact_type]}"


# --------------------------------------------------------------------------- request


def artifact_request(*, conversation: Conversation, artifact_type: str) -> Artifact:
    """The next version of ``artifact_type`` for ``conversation``, pending; raises ArtifactInvalid."""
    if artifact_type not in Type.values:
        raise ArtifactInvalid(
            f"Unknown artifact type “{str(artifact_type)[:40]}”; choose one of: {', '.join(Type.values)}.",
            errors={"artifact_type": [f"Choose one of {Type.values}."]},
        )
    if not conversation.messages.filter(role=Message.Role.USER).exists():
        raise ArtifactInvalid(
            "This conversation has no messages yet; talk it through first, then generate.",
            errors={"conversation": ["The conversation is empty."]},
        )
    if artifact_type == Type.PERSONA_BRIEF and not _personas_of(conversation):
        raise ArtifactInvalid(
            "This conversation has no persona to brief on.", errors={"conversation": ["No persona."]}
        )
    from personai import outbox

    with transaction.atomic():
        # The lock orders concurrent requests, so each gets its own version number.
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        latest = Artifact.objects.filter(conversation=conversation, artifact_type=artifact_type).aggregate(
            v=Max("version")
        )["v"]
        version = (latest or 0) + 1
        artifact = Artifact.objects.create(
            owner=conversation.owner,
            conversation=conversation,
            artifact_type=artifact_type,
            version=version,
            filename=artifact_filename(conversation, artifact_type, version),
            progress_note="Waiting for a worker…",
        )
        outbox.enqueue(TASK_TYPE, {"artifact_id": str(artifact.pk)}, dedupe_key=f"artifact:{artifact.pk}")
    return artifact


# --------------------------------------------------------------------------- generation


def _progress(artifact: Artifact, progress: int, note: str) -> None:
    artifact.progress, artifact.progress_note = progress, note[:200]
    Artifact.objects.filter(pk=artifact.pk).update(
        progress=progress, progress_note=note[:200], updated_at=timezone.now()
    )


def _claim(artifact_id) -> Artifact | None:
    with transaction.atomic():
        artifact = Artifact.objects.select_for_update().filter(pk=artifact_id).first()
        if artifact is None or artifact.status in (Artifact.Status.READY, Artifact.Status.FAILED):
            return None
        artifact.status, artifact.progress, artifact.progress_note = (
            Artifact.Status.RUNNING,
            5,
            "Reading the conversation…",
        )
        artifact.prompt_tokens = artifact.completion_tokens = 0
        artifact.save(
            update_fields=[
                "status",
                "progress",
                "progress_note",
                "prompt_tokens",
                "completion_tokens",
                "updated_at",
            ]
        )
    return artifact


def _fail(artifact: Artifact, error: str) -> None:
    Artifact.objects.filter(pk=artifact.pk).update(
        status=Artifact.Status.FAILED, error=error[:2000], progress_note="Failed.", updated_at=timezone.now()
    )


def artifact_generate(*, artifact_id) -> None:
    artifact = _claim(artifact_id)
    if artifact is None:
        return
    conversation = artifact.conversation
    if conversation is None:
        _fail(artifact, "The conversation was deleted before the artifact could be generated.")
        return
    try:
        source = _source(conversation, full_personas=artifact.artifact_type == Type.PERSONA_BRIEF)
        writer = _Writer(artifact)
        generate = {
            Type.PRD: _generate_prd,
            Type.ERD: _generate_erd,
            Type.PERSONA_BRIEF: _generate_persona_brief,
            Type.INTERVIEW_SUMMARY: _generate_summary,
        }[artifact.artifact_type]
        text, structured, problems = generate(source, writer)
    except Exception as exc:  # noqa: BLE001 - a broken artifact is shown as failed, never retried forever
        log.exception("Artifact %s failed", artifact.pk)
        _fail(artifact, f"Generation failed: {exc.__class__.__name__}.")
        return
    Artifact.objects.filter(pk=artifact.pk).update(
        status=Artifact.Status.READY,
        progress=100,
        progress_note="Ready.",
        generated_data=text,
        structured_data=structured,
        problems=problems,
        error="",
        model_name=writer.model or "",
        prompt_tokens=writer.prompt_tokens,
        completion_tokens=writer.completion_tokens,
        updated_at=timezone.now(),
    )


class _Writer:
    """Asks the LLM for one piece of prose; counts tokens; falls back on any failure."""

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.model = ""
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def ask(self, system: str, user: str, *, max_tokens: int | None = None) -> str:
        try:
            result = llm.chat(
                [{"role": "system", "content": system}, {"role": "user", "content": user}],
                max_tokens=max_tokens or int(setting("ARTIFACT_MAX_PROSE_TOKENS", 400)),
                timeout=float(setting("ARTIFACT_LLM_TIMEOUT_SECONDS", 60.0)),
            )
        except LLMError as exc:
            log.info("Artifact %s keeps the skeleton's text: %s", self.artifact.pk, exc)
            return ""
        self.model = result.model or self.model
        self.prompt_tokens += result.prompt_tokens or 0
        self.completion_tokens += result.completion_tokens or 0
        return result.text.strip()

    def progress(self, progress: int, note: str) -> None:
        _progress(self.artifact, progress, note)


def _personas_of(conversation: Conversation) -> list:
    if conversation.kind == Conversation.Kind.TEAM:
        return list(conversation.team_personas.all())
    return [conversation.persona] if conversation.persona_id else []


def _persona_full(persona) -> dict:
    from chat.team_services import persona_facts
    from personas.selectors import narratives as narrative_selectors
    from personas.selectors import personas as persona_selectors

    facts = persona_facts(persona)
    facts["core"] = persona.core if isinstance(persona.core, dict) else {}
    facts["overlay"] = persona.overlay if isinstance(persona.overlay, dict) else {}
    # The narratives that shaped the persona; without any (an older persona), the newest ones.
    narratives = [usage.narrative for usage in persona_selectors.persona_usages(persona)[:10]]
    if not narratives:
        narratives = list(narrative_selectors.narratives_for_subject(persona.subject)[:5])
    facts["narratives"] = [
        {
            "id": str(narrative.pk),
            "type": narrative.narrative_type,
            "text": (narrative.curated_text or narrative.raw_text).strip()[:2000],
        }
        for narrative in narratives
    ]
    return facts


def _source(conversation: Conversation, *, full_personas: bool) -> builders.Source:
    from chat.team_services import persona_facts

    personas = _personas_of(conversation)
    messages = [
        builders.SourceMessage(
            role=m.role,
            speaker="You" if m.role == Message.Role.USER else (m.persona or "Assistant"),
            content=m.content,
        )
        for m in conversation.messages.exclude(role=Message.Role.SYSTEM).order_by("created_at", "id")[:500]
    ]
    state = team.state_of(conversation.context)
    if conversation.kind != Conversation.Kind.TEAM:
        # A chat with a persona has no team state: read it from the messages the same way.
        for m in messages:
            state = team.state_update(state, m.content, speaker="user" if m.role == "user" else m.speaker)
    return builders.Source(
        title=conversation.title or "Conversation",
        state=state,
        personas=[_persona_full(p) if full_personas else persona_facts(p) for p in personas],
        messages=messages,
    )


def _transcript(source: builders.Source) -> str:
    lines = [f"{m.speaker}: {m.content.strip()}" for m in source.messages]
    text = "\n".join(lines)
    return text[-TRANSCRIPT_CHARS:]  # the latest part when it is long


PROSE_INSTRUCTIONS = {
    "overview": "Write the Overview section of a product requirements document: 2 to 4 sentences on what the product is and for whom.",
    "problem": "Write the Problem section of a product requirements document: 2 to 4 sentences on the problem the users have.",
    "success_metrics": "Write the Success metrics section of a product requirements document as 3 to 5 bullet points (lines starting with '- ').",
    "summary": "Summarise this interview in 3 to 5 sentences: what the user wants, what was learned, what is still open.",
}  # fmt: skip


MIN_PROSE_CHARS = 20
_ECHO_RE = re.compile(
    r"^\s*(?:product|for|participants|conversation|target users|goals|requirements|decisions|"
    r"open questions|what the user said|name|description|trait|narrative)\s*:.*$",
    re.IGNORECASE | re.MULTILINE,
)
MAX_PROSE_CHARS = 1500


def _clean_prose(text: str) -> str:
    """The model's text without headings (they would break the skeleton) and without repeated
    lines or sentences (a small model loops); "" when too little is left, so the skeleton's own
    text stays."""
    text = re.sub(r"^\s*#+\s.*$", "", text, flags=re.MULTILINE)
    text = _ECHO_RE.sub("", text)  # the prompt's own fact lines, repeated back
    seen: set[str] = set()
    lines = []
    for line in text.splitlines():
        sentences = []
        for sentence in re.findall(r"[^.!?]+[.!?]*", line):
            key = re.sub(r"\W+", " ", sentence).strip().lower()
            if key and key in seen:
                continue
            seen.add(key)
            sentences.append(sentence)
        kept = "".join(sentences).strip()
        if kept or (lines and lines[-1]):
            lines.append(kept)
    cleaned = "\n".join(lines).strip()
    if len(cleaned) > MAX_PROSE_CHARS:
        cut = cleaned[:MAX_PROSE_CHARS]
        cleaned = cut[: max(cut.rfind(". "), cut.rfind("\n"), MAX_PROSE_CHARS // 2) + 1].strip()
    return cleaned if len(cleaned) >= MIN_PROSE_CHARS else ""


def _write_prose(
    source: builders.Source, skeleton: dict, writer: _Writer, start: int, end: int
) -> dict[str, str]:
    prose_keys = [s["key"] for s in skeleton["sections"] if s["kind"] == "prose"]
    context = _transcript(source)
    prose = {}
    for index, key in enumerate(prose_keys):
        writer.progress(
            start + (end - start) * index // max(1, len(prose_keys)), f"Writing “{key.replace('_', ' ')}”…"
        )
        facts = "\n".join(
            f"{s['heading']}: " + ("; ".join(s["items"]) if s["kind"] == "list" else s["text"])
            for s in skeleton["sections"]
            if s["kind"] == "list" and s["items"]
        )
        prose[key] = _clean_prose(
            writer.ask(
                f"{PROSE_INSTRUCTIONS[key]} Use only the facts and the conversation given. Plain text, no headings.",
                f"Product: {source.title}\nFor: {builders.persona_names(source)}\n{facts}\n\nConversation:\n{context}",
            )
        )
    return prose


def _generate_prd(source, writer):
    skeleton = builders.prd_skeleton(source)
    document = builders.fill(skeleton, _write_prose(source, skeleton, writer, 10, 90))
    return builders.render_markdown(document), document, []


def _generate_summary(source, writer):
    skeleton = builders.summary_skeleton(source)
    document = builders.fill(skeleton, _write_prose(source, skeleton, writer, 10, 90))
    return builders.render_markdown(document), document, []


def _generate_erd(source, writer):
    skeleton, notes = builders.erd_skeleton(source)
    skeleton_text = erd.to_mermaid(skeleton)
    writer.progress(30, "Asking the architect for the diagram…")
    answer = writer.ask(
        "You write entity-relationship diagrams in Mermaid erDiagram syntax. Answer with the diagram only. "
        "Attributes: type name, optionally PK, FK or UK. Relationships like: A ||--o{ B : label.",
        f"Product: {source.title}\nStart from this diagram and complete it from the conversation:\n{skeleton_text}\n"
        f"Conversation:\n{_transcript(source)}",
        max_tokens=int(setting("ARTIFACT_MAX_ERD_TOKENS", 800)),
    )
    writer.progress(80, "Checking the diagram…")
    problems = list(notes)
    title = f"{source.title} — Entity-relationship diagram"
    if answer:
        candidate = erd.extract_block(answer)
        parsed = erd.parse(candidate)
        if parsed.ok:
            return candidate, {"title": title, "source": "llm", "diagram": parsed.diagram.to_dict()}, problems
        problems.append("The model's diagram was not valid, so the skeleton diagram is kept. What was wrong:")
        problems += [str(p) for p in parsed.problems[:20]]
    else:
        problems.append("The model did not answer; this is the skeleton diagram.")
    return skeleton_text, {"title": title, "source": "skeleton", "diagram": skeleton.to_dict()}, problems


def _generate_persona_brief(source, writer):
    summaries = {}
    for index, persona in enumerate(source.personas):
        writer.progress(10 + 80 * index // max(1, len(source.personas)), f"Briefing on {persona['name']}…")
        facts = [f"Name: {persona['name']}", f"Description: {persona['description']}"]
        facts += [f"Trait: {t}" for t in persona.get("traits", [])]
        facts += [f"Narrative: {n['text'][:400]}" for n in persona.get("narratives", [])[:5]]
        summaries[persona["id"]] = _clean_prose(
            writer.ask(
                "Write a 3 to 5 sentence brief of this user persona for a product team: who they are, "
                "what they need, what to keep in mind. Use only the facts given.",
                "\n".join(facts),
            )
        )
    brief = builders.persona_brief(source.personas, summaries)
    brief["title"] = f"{source.title} — Persona brief"
    return json.dumps(brief, ensure_ascii=False, indent=2) + "\n", brief, []

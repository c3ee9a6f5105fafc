"""Artifacts: requesting (versions, bad input), generating through the outbox, ERD validation."""

from __future__ import annotations

import json

import pytest

from chat import artifact_builders, artifact_services, erd, replies, services
from chat.models import Artifact, Message
from personai.outbox import OutboxTask, relay, run_task
from personas.models import Narrative
from tests.chat.factories import conversation_for, persona_for, team_conversation_for

pytestmark = pytest.mark.django_db

TEAM_REPLY = (
    "Let's build a simple invoice tracker.\n"
    "Entity: Invoice (id, amount, client_id)\n"
    "Relationship: Client receives Invoice\n"
    "Question: Do they need reminders?"
)


def run_outbox() -> int:
    """What the worker does: the relay claims due rows, run_task runs the registered handler.

    Returns how many artifact generations ran (messages also queue their search embeddings)."""
    sent = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)
    return OutboxTask.objects.filter(
        pk__in=[task_id for task_id, _attempt in sent], task_type="chat.generate_artifact"
    ).count()


@pytest.fixture
def talked(chat_llm, user):
    """A team conversation with one exchange."""
    chat_llm.reply = TEAM_REPLY
    conversation = team_conversation_for(
        user, [persona_for(user, name="Ada", description="A freelance designer.")]
    )
    services.reply_collect(
        replies.message_send(
            conversation=conversation, content="We want to help freelancers get paid.", user=user
        )
    )
    conversation.refresh_from_db()
    return conversation


def test_a_request_is_a_pending_version_with_its_outbox_task(talked):
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="prd")

    assert artifact.status == "pending" and artifact.version == 1
    assert artifact.filename.endswith("-prd-v1.md")
    task = OutboxTask.objects.get(task_type="chat.generate_artifact")
    assert task.payload == {"artifact_id": str(artifact.pk)}


def test_regenerating_creates_the_next_version(talked):
    first = artifact_services.artifact_request(conversation=talked, artifact_type="erd")
    second = artifact_services.artifact_request(conversation=talked, artifact_type="erd")
    other_type = artifact_services.artifact_request(conversation=talked, artifact_type="prd")

    assert (first.version, second.version, other_type.version) == (1, 2, 1)
    assert second.filename.endswith("-erd-v2.mmd")


def test_an_empty_conversation_cannot_be_turned_into_an_artifact(user):
    conversation = team_conversation_for(user)

    with pytest.raises(artifact_services.ArtifactInvalid, match="no messages yet") as raised:
        artifact_services.artifact_request(conversation=conversation, artifact_type="prd")

    assert raised.value.status_code == 400
    assert not Artifact.objects.exists() and not OutboxTask.objects.exists()


def test_an_unknown_type_is_refused(talked):
    with pytest.raises(artifact_services.ArtifactInvalid, match="Unknown artifact type"):
        artifact_services.artifact_request(conversation=talked, artifact_type="slides")
    assert not Artifact.objects.exists()


def test_the_prd_has_the_fixed_sections_with_the_model_prose_inside(talked, chat_llm):
    chat_llm.reply = "Freelancers lose time chasing payments."
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="prd")

    assert run_outbox() == 1

    artifact.refresh_from_db()
    assert artifact.status == "ready" and artifact.progress == 100
    text = artifact.generated_data
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [f"## {heading}" for _, heading, _ in artifact_builders.PRD_SECTIONS]
    assert "## Overview\n\nFreelancers lose time chasing payments.\n" in text
    assert "- Ada — A freelance designer." in text
    assert "- We want to help freelancers get paid." in text  # goals, from the user's message
    assert "- Do they need reminders?" in text  # open questions, from the team
    assert "- Keep track of Invoice (id, amount, client_id)." in text
    assert artifact.model_name == "fake-model" and artifact.completion_tokens > 0
    assert [s["key"] for s in artifact.structured_data["sections"]][:2] == ["overview", "problem"]


def test_the_prd_keeps_the_skeleton_prose_when_the_model_is_down(talked, chat_llm):
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="prd")
    chat_llm.fail_next(100, status=500)

    run_outbox()

    artifact.refresh_from_db()
    assert artifact.status == "ready"
    assert "It started from: “We want to help freelancers get paid.”" in artifact.generated_data
    assert artifact.model_name == ""


def test_a_valid_erd_from_the_model_is_kept(talked, chat_llm):
    chat_llm.reply = "```mermaid\nerDiagram\n  CLIENT ||--o{ INVOICE : receives\n```"
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="erd")

    run_outbox()

    artifact.refresh_from_db()
    assert artifact.generated_data == "erDiagram\n  CLIENT ||--o{ INVOICE : receives\n"
    assert artifact.problems == []
    assert artifact.structured_data["source"] == "llm"


def test_an_invalid_erd_from_the_model_keeps_the_skeleton_and_lists_the_problems(talked, chat_llm):
    chat_llm.reply = "erDiagram\n  CLIENT ||--x{ INVOICE : receives many"
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="erd")

    run_outbox()

    artifact.refresh_from_db()
    assert artifact.status == "ready"
    assert erd.parse(artifact.generated_data).ok
    diagram = erd.parse(artifact.generated_data).diagram
    assert [e.name for e in diagram.entities] == ["INVOICE", "CLIENT"]
    assert diagram.entity("INVOICE").attributes[1] == erd.Attribute("string", "amount")
    assert diagram.entity("INVOICE").attributes[2] == erd.Attribute("uuid", "client_id", ("FK",))
    assert artifact.structured_data["source"] == "skeleton"
    assert artifact.problems[0].startswith("The model's diagram was not valid")
    assert "line 2: “x{” is not a right cardinality" in artifact.problems[1]


def test_the_persona_brief_is_json_from_core_overlay_and_narratives(chat_llm, user):
    chat_llm.reply = "Ada needs quick invoicing."
    persona = persona_for(
        user,
        name="Ada",
        core={"traits": [{"label": "Openness", "level": "high"}]},
        overlay={"work": {"role": "designer"}},
    )
    narrative = Narrative.objects.create(
        subject=persona.subject, narrative_type="self_observation", raw_text="I invoice late at night."
    )
    conversation = conversation_for(user, persona)
    services.reply_collect(replies.message_send(conversation=conversation, content="Hello", user=user))
    artifact = artifact_services.artifact_request(conversation=conversation, artifact_type="persona_brief")

    run_outbox()

    artifact.refresh_from_db()
    brief = json.loads(artifact.generated_data)
    assert brief["personas"][0]["name"] == "Ada"
    assert brief["personas"][0]["summary"] == "Ada needs quick invoicing."
    assert brief["personas"][0]["core"] == {"traits": [{"label": "Openness", "level": "high"}]}
    assert brief["personas"][0]["overlay"] == {"work": {"role": "designer"}}
    assert brief["personas"][0]["narratives"] == [
        {"id": str(narrative.pk), "type": "self_observation", "text": "I invoice late at night."}
    ]
    assert artifact.filename.endswith("-persona-brief-v1.json")


def test_the_interview_summary_lists_what_the_user_said(talked, chat_llm):
    chat_llm.reply = "The user wants faster payments."
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="interview_summary")

    run_outbox()

    artifact.refresh_from_db()
    assert "## What the user said\n\n- We want to help freelancers get paid.\n" in artifact.generated_data
    assert "- Product manager" in artifact.generated_data


def test_generation_runs_once_even_when_the_task_is_delivered_twice(talked, chat_llm):
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="prd")
    run_outbox()
    calls = len(chat_llm.requests_to("/v1/chat/completions"))

    artifact_services.artifact_generate(artifact_id=artifact.pk)

    assert len(chat_llm.requests_to("/v1/chat/completions")) == calls


def test_an_artifact_whose_conversation_was_deleted_fails_cleanly(talked):
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="prd")
    talked.delete()

    run_outbox()

    artifact.refresh_from_db()
    assert artifact.status == "failed" and "deleted" in artifact.error


def test_the_diff_pairs_changed_lines_and_skips_long_unchanged_runs():
    old = "\n".join(f"line {i}" for i in range(20))
    new = old.replace("line 2\n", "line two\n").replace("line 17", "line 17\nline 17b")

    rows = artifact_builders.diff_rows(old, new, context=1)

    kinds = [r.kind for r in rows]
    assert kinds == ["equal", "replace", "equal", "skip", "equal", "insert", "equal"]
    assert rows[1] == artifact_builders.DiffRow("replace", 3, "line 2", 3, "line two")
    assert rows[5] == artifact_builders.DiffRow("insert", None, "", 19, "line 17b")


def test_the_assistant_messages_of_a_team_are_in_the_summary_source(talked):
    assert Message.objects.filter(conversation=talked, role="assistant").count() == 3


def test_looping_prose_of_a_small_model_is_cleaned_or_dropped():
    looping = "Demonstrate value.\n\nDemonstrate value.\n\nA plan.\n\nA plan.\n\nStart small. Start small! Then grow."

    assert (
        artifact_services._clean_prose(looping) == "Demonstrate value.\n\nA plan.\n\nStart small. Then grow."
    )
    assert artifact_services._clean_prose("A plan.\nA plan.\nA plan.") == ""  # too little left: skeleton text
    assert artifact_services._clean_prose("## Overview\nFreelancers lose time chasing payments.") == (
        "Freelancers lose time chasing payments."
    )
    echoed = "Product: Invoice tool\nFor: Ada\nThe user wants to be paid faster."
    assert artifact_services._clean_prose(echoed) == "The user wants to be paid faster."


def test_a_looping_model_leaves_the_skeleton_prose(talked, chat_llm):
    chat_llm.reply = "A plan. " * 50
    artifact = artifact_services.artifact_request(conversation=talked, artifact_type="prd")

    run_outbox()

    artifact.refresh_from_db()
    assert "It started from: “We want to help freelancers get paid.”" in artifact.generated_data
    assert "A plan." not in artifact.generated_data


def test_each_role_is_asked_for_a_short_reply(talked, chat_llm, settings):
    bodies = [r.body for r in chat_llm.requests_to("/v1/chat/completions")]
    assert [b["max_tokens"] for b in bodies] == [settings.TEAM_MAX_REPLY_TOKENS] * 3

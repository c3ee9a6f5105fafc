"""Persona generation end to end against the fake OpenAI server: ready with the LLM's prose,
template fallback for garbage, failed (then Retry → ready) when the LLM cannot be reached."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from personai.outbox import OutboxTask, relay, run_task
from personas import rules
from personas.models import MapperConfig, Narrative, Observation, Persona, PersonaNarrativeUsage
from personas.services import personas as services
from tests.fakes.openai_server import fake_vector
from tests.personas.persona_factories import make_mapper, subject_with_mindscape

pytestmark = pytest.mark.django_db

PROSE = {
    "description": "Dana is a curious, calm analyst who likes to think before speaking. She values learning.",
    "voice_sample": "Give me a quiet hour and a hard problem, and I'm happy.",
}


@pytest.fixture
def mapper(db):
    return make_mapper()


@pytest.fixture
def subject(user):
    return subject_with_mindscape(user)


def run_outbox() -> int:
    """What the worker does: the relay claims due rows, run_task runs the registered handler."""
    sent = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)
    return len(sent)


def generate(subject, user):
    persona = services.persona_request(subject=subject, requested_by=user)
    assert run_outbox() == 1
    persona.refresh_from_db()
    return persona


def chat_requests(fake):
    return fake.requests_to("/v1/chat/completions")


def test_it_generates_a_ready_persona_with_the_llms_prose(fake_llm, subject, user, mapper):
    fake_llm.reply = json.dumps(PROSE)
    before = timezone.now()

    persona = generate(subject, user)

    assert persona.status == Persona.Status.READY
    assert persona.error == ""
    assert persona.description == PROSE["description"]
    assert persona.metadata["voice_sample"] == PROSE["voice_sample"]
    assert persona.metadata["prose"] == "llm"
    assert persona.metadata["model"] == "fake-model"
    assert persona.metadata["prompt_tokens"] > 0 and persona.metadata["completion_tokens"] > 0
    assert persona.metadata["duration_ms"] >= 0
    assert persona.metadata["mapper"] == {"config_id": "persona-guidance", "version": 1}
    assert persona.metadata["rules_fired"] == ["open-voice", "quiet-energy"]
    assert persona.core["voice"][0]["text"] == "Curious, full of ideas"
    assert persona.persona_prompt.startswith(f"You are {subject.display_name}.")
    assert persona.overlay["work"]["chronotype"] == "morning"
    assert (persona.mapper_config_id, persona.mapper_version) == ("persona-guidance", 1)
    # The illustration: valid SVG, served from the persona's own URL.
    ET.fromstring(persona.illustration_svg)
    assert persona.illustration_url == f"/personas/{persona.pk}/illustration.svg"
    # TTL from the mapper (24 h), and the mapper's use is counted.
    assert before + timedelta(hours=24) <= persona.expires_at <= timezone.now() + timedelta(hours=24)
    assert not persona.is_expired
    assert MapperConfig.objects.get(pk=mapper.pk).usage_count == 1
    # The LLM was asked once, briefly and coolly, for JSON.
    (request,) = chat_requests(fake_llm)
    assert request.body["max_tokens"] == services.PROSE_MAX_TOKENS
    assert request.body["temperature"] == services.PROSE_TEMPERATURE
    assert '"voice_sample"' in request.body["messages"][0]["content"]


def test_the_request_enqueues_the_generation_in_the_same_transaction(subject, user, mapper):
    persona = services.persona_request(subject=subject, requested_by=user)

    task = OutboxTask.objects.get(task_type="personas.generate_persona")
    assert task.payload == {"persona_id": str(persona.pk)}
    assert task.dedupe_key == f"persona:{persona.pk}"
    assert persona.status == Persona.Status.GENERATING
    assert persona.created_by == user


def test_a_second_request_while_generating_returns_the_same_persona(subject, user, mapper):
    first = services.persona_request(subject=subject, requested_by=user)
    second = services.persona_request(subject=subject, requested_by=user)

    assert second.pk == first.pk
    assert Persona.objects.count() == 1
    assert OutboxTask.objects.filter(task_type="personas.generate_persona").count() == 1


def test_it_refuses_a_subject_without_scores(user, mapper):
    subject = subject_with_mindscape(user, {"work": {"chronotype": "night"}})

    with pytest.raises(services.NoScores, match="take a questionnaire first"):
        services.persona_request(subject=subject, requested_by=user)
    assert not Persona.objects.exists()
    assert not OutboxTask.objects.exists()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("Sure! Dana is lovely.", "The reply was not JSON."),
        ("", "The reply was empty."),
        ('{"description": "Only this."}', "The reply had no voice_sample."),
        ('["description", "voice_sample"]', "The reply was not JSON."),
        (
            json.dumps({"description": "x" * 1000, "voice_sample": "Hi."}),
            "The description was longer than 900",
        ),
    ],
)
def test_an_unusable_reply_falls_back_to_the_template(fake_llm, subject, user, mapper, reply, reason):
    fake_llm.reply = reply

    persona = generate(subject, user)

    assert persona.status == Persona.Status.READY
    assert persona.metadata["prose"] == "template"
    assert persona.metadata["prose_fallback_reason"].startswith(reason)
    assert persona.description.startswith(f"{subject.display_name} comes across as")
    assert persona.metadata["voice_sample"].startswith(f"I'm {subject.display_name}")


def test_a_garbled_response_body_falls_back_to_the_template(fake_llm, subject, user, mapper):
    fake_llm.garble_next(1)

    persona = generate(subject, user)

    assert persona.status == Persona.Status.READY
    assert persona.metadata["prose"] == "template"
    assert "unusable" in persona.metadata["prose_fallback_reason"]


def test_a_failing_llm_fails_the_persona_and_retry_makes_it_ready(fake_llm, subject, user, mapper):
    fake_llm.fail_next(3, status=500)  # the first try and both retries

    persona = generate(subject, user)

    assert persona.status == Persona.Status.FAILED
    assert persona.error.startswith("The language model is unavailable:")
    assert "HTTP 500" in persona.error
    assert MapperConfig.objects.get(pk=mapper.pk).usage_count == 0

    fake_llm.reply = json.dumps(PROSE)
    retried = services.persona_retry(persona=persona)
    assert retried.status == Persona.Status.GENERATING and retried.error == ""
    assert OutboxTask.objects.filter(dedupe_key=f"persona:{persona.pk}").count() == 2
    assert run_outbox() == 1
    persona.refresh_from_db()

    assert persona.status == Persona.Status.READY
    assert persona.description == PROSE["description"]


def test_an_unreachable_llm_fails_the_persona_with_a_readable_reason(settings, subject, user, mapper):
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"
    settings.LLM_MODEL = "nowhere"
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_TIMEOUT_SECONDS = 2

    persona = generate(subject, user)

    assert persona.status == Persona.Status.FAILED
    assert persona.error.startswith("The language model is unavailable: Could not connect to the LLM at")


def test_only_a_failed_persona_can_be_retried(fake_llm, subject, user, mapper):
    persona = generate(subject, user)

    with pytest.raises(services.NotRetryable):
        services.persona_retry(persona=persona)


def test_generating_again_leaves_a_finished_persona_alone(fake_llm, subject, user, mapper):
    persona = generate(subject, user)
    calls = len(chat_requests(fake_llm))

    services.persona_generate(persona_id=persona.pk)
    services.persona_generate(persona_id="00000000-0000-0000-0000-000000000000")

    assert len(chat_requests(fake_llm)) == calls
    assert MapperConfig.objects.get(pk=mapper.pk).usage_count == 1


def test_without_an_active_mapper_it_fails_then_retry_works_once_one_is_active(fake_llm, subject, user):
    persona = generate(subject, user)

    assert persona.status == Persona.Status.FAILED
    assert "no active mapper configuration" in persona.error
    assert "persona-guidance" in persona.error

    make_mapper()
    services.persona_retry(persona=persona)
    assert run_outbox() == 1
    persona.refresh_from_db()
    assert persona.status == Persona.Status.READY
    assert persona.mapper_version == 1


def test_an_unexpected_error_fails_the_persona(fake_llm, subject, user, mapper, monkeypatch):
    def broken(configuration, traits):
        raise KeyError("rules")

    monkeypatch.setattr(rules, "evaluate", broken)

    persona = generate(subject, user)

    assert persona.status == Persona.Status.FAILED
    assert persona.error == "Generation failed unexpectedly (KeyError: 'rules')."


def test_the_mapper_ttl_sets_the_expiry(fake_llm, subject, user):
    make_mapper(ttl_hours=2)

    persona = generate(subject, user)

    assert timezone.now() + timedelta(minutes=110) < persona.expires_at <= timezone.now() + timedelta(hours=2)


def test_the_most_relevant_narratives_ground_the_persona(fake_llm, subject, user, mapper):
    texts = [f"Narrative number {i} about how I work." for i in range(7)]
    for text in texts:
        Narrative.objects.create(
            subject=subject,
            narrative_type="self_observation",
            raw_text=text,
            embedding=fake_vector(text),
            embedding_model="fake-embedding",
        )

    persona = generate(subject, user)

    usages = list(PersonaNarrativeUsage.objects.filter(persona=persona))
    assert len(usages) == services.NARRATIVES_K
    assert all(u.usage_type == "grounding" and u.relevance_score is not None for u in usages)
    assert usages[0].usage_context["query"] == persona.metadata["narratives"]["query"]
    assert persona.metadata["narratives"]["method"] == "vector"
    assert len(persona.core["narratives"]) == services.NARRATIVES_K
    assert fake_llm.requests_to("/v1/embeddings")  # the query was embedded


def test_when_search_fails_the_latest_narratives_are_used(fake_llm, subject, user, mapper):
    for i in range(3):
        Narrative.objects.create(subject=subject, narrative_type="self_observation", raw_text=f"Note {i}")
    fake_llm.fail_next(3, status=503)  # the query embedding fails (all its tries)
    fake_llm.reply = json.dumps(PROSE)

    persona = generate(subject, user)

    assert persona.status == Persona.Status.READY
    assert persona.metadata["narratives"]["method"] == "latest"
    assert "search failed" in persona.metadata["narratives"]["note"]
    usages = PersonaNarrativeUsage.objects.filter(persona=persona)
    assert usages.count() == 3
    assert {u.relevance_score for u in usages} == {None}


def test_the_overlay_holds_the_last_seven_days_of_observations(fake_llm, subject, user, mapper):
    now = timezone.now()
    Observation.objects.create(
        subject=subject,
        observation_type="user_input",
        content={"text": "Shipping the beta this week"},
        created_at=now,
    )
    Observation.objects.create(
        subject=subject,
        observation_type="user_input",
        content={"text": "An old note"},
        created_at=now - timedelta(days=8),
    )

    persona = generate(subject, user)

    recent = persona.overlay["context"]["recent"]
    assert [item["summary"] for item in recent] == ["Shipping the beta this week"]
    assert persona.metadata["observations_count"] == 1
    assert "Shipping the beta this week" in persona.persona_prompt


def test_survey_aggregates_reach_the_core_as_aggregates_only(fake_llm, subject, user, mapper):
    persona = generate(subject, user)

    assert persona.core["others_view"][0]["n"] == 4
    assert {d["dimension"] for d in persona.core["others_view"][0]["dimensions"]} == {
        "openness",
        "extraversion",
    }


def test_feedback_records_the_mapper_version(fake_llm, subject, user, mapper):
    persona = generate(subject, user)

    feedback = services.feedback_create(
        persona=persona, created_by=user, rating=4, helpful=True, comment=" Spot on. ", rule_id="open-voice"
    )

    assert (feedback.rating, feedback.helpful, feedback.comment) == (4, True, "Spot on.")
    assert feedback.mapper_version == 1 and feedback.rule_id == "open-voice"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": True}, "rating"),
        ({"comment": "x" * 2001}, "comment"),
        ({"rating": 3, "context": ["not", "a", "dict"]}, "context"),
        ({}, "rating"),
    ],
)
def test_invalid_feedback_is_refused_and_nothing_is_written(subject, user, mapper, fields, field):
    from personas.models import Feedback

    persona = services.persona_request(subject=subject, requested_by=user)

    with pytest.raises(services.InvalidFeedback) as caught:
        services.feedback_create(persona=persona, created_by=user, **fields)
    assert field in caught.value.errors
    assert not Feedback.objects.exists()


def test_from_a_scored_questionnaire_the_mindscape_is_rebuilt_and_the_persona_is_ready(
    fake_llm, user, mapper
):
    from assessments import services as assessment_services
    from tests.assessments.factories import PAGE_ANSWERS, import_page_instrument, score_now, self_session

    session = self_session(user, import_page_instrument(), PAGE_ANSWERS)
    score_now(session)
    fake_llm.reply = json.dumps(PROSE)

    persona = services.persona_request(
        subject=assessment_services.subject_get_or_create_for_user(user=user), requested_by=user
    )
    run_outbox()  # the rebuild queued by scoring (if any) and the generation
    persona.refresh_from_db()

    assert persona.status == Persona.Status.READY, persona.error
    paths = {trait["path"] for trait in persona.core["traits"]}
    assert {"questionnaires.page_check.warmth", "questionnaires.page_check.order"} <= paths
    assert persona.description == PROSE["description"]

"""The personas API: history, generate (202 + Location), current, detail, retry (409 unless
failed), feedback (201 / 400); ownership 404s, staff see all, anonymous 401/403."""

from __future__ import annotations

import json

import pytest

from personai.outbox import OutboxTask, relay, run_task
from personas.models import Feedback, Persona
from tests.factories import UserFactory
from tests.personas.persona_factories import make_mapper, make_persona, subject_with_mindscape

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(user):
    return subject_with_mindscape(user)


@pytest.fixture
def me(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_generate_answers_202_with_a_location_and_the_worker_makes_it_ready(me, subject, fake_llm):
    make_mapper()
    fake_llm.reply = json.dumps({"description": "Dana, briefly.", "voice_sample": "Hello there."})

    response = me.post(f"/api/v1/subjects/{subject.pk}/personas/", {}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "generating"
    assert response["Location"] == f"http://testserver/api/v1/personas/{body['id']}/"
    sent = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)

    detail = me.get(f"/api/v1/personas/{body['id']}/").json()
    assert detail["status"] == "ready"
    assert detail["description"] == "Dana, briefly."
    assert detail["voice_sample"] == "Hello there."
    assert detail["illustration_url"] == f"http://testserver/personas/{body['id']}/illustration.svg"
    assert detail["persona_prompt"].startswith("You are")
    assert detail["core"]["voice"][0]["text"] == "Curious, full of ideas"
    assert "context" in detail["overlay"]
    assert detail["metadata"]["prose"] == "llm"
    assert [rule["rule_id"] for rule in detail["rules_fired"]] == ["open-voice", "quiet-energy"]
    assert detail["narratives"] == []
    assert detail["is_expired"] is False and detail["expires_at"]


def test_generate_for_a_subject_without_scores_is_a_409(me, user):
    subject = subject_with_mindscape(user, {})

    response = me.post(f"/api/v1/subjects/{subject.pk}/personas/", {}, format="json")

    assert response.status_code == 409
    assert "take a questionnaire first" in response.json()["detail"]
    assert not Persona.objects.exists()


def test_generate_with_an_unknown_mapper_is_a_400(me, subject):
    response = me.post(
        f"/api/v1/subjects/{subject.pk}/personas/", {"mapper_config_id": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert "mapper_config_id" in response.json()["errors"]
    assert not Persona.objects.exists()


def test_history_is_newest_first_and_paginated(me, subject):
    older = make_persona(subject, expired=True)
    newer = make_persona(subject)

    body = me.get(f"/api/v1/subjects/{subject.pk}/personas/?limit=1").json()

    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [str(newer.pk)]
    assert body["next"]
    body = me.get(f"/api/v1/subjects/{subject.pk}/personas/").json()
    assert [item["id"] for item in body["results"]] == [str(newer.pk), str(older.pk)]
    assert body["results"][1]["is_expired"] is True


def test_current_persona_is_the_latest_or_404(me, subject):
    assert me.get(f"/api/v1/subjects/{subject.pk}/persona/").status_code == 404

    make_persona(subject, expired=True)
    latest = make_persona(subject, status=Persona.Status.FAILED)

    body = me.get(f"/api/v1/subjects/{subject.pk}/persona/").json()
    assert body["id"] == str(latest.pk)
    assert body["status"] == "failed"
    assert body["error"].startswith("The language model is unavailable")


def test_retry_only_when_failed(me, subject):
    make_mapper()
    ready = make_persona(subject)
    failed = make_persona(subject, status=Persona.Status.FAILED)

    conflict = me.post(f"/api/v1/personas/{ready.pk}/retry/")
    assert conflict.status_code == 409
    assert "Only a failed persona" in conflict.json()["detail"]

    response = me.post(f"/api/v1/personas/{failed.pk}/retry/")
    assert response.status_code == 202
    assert response.json()["status"] == "generating"
    assert OutboxTask.objects.filter(dedupe_key=f"persona:{failed.pk}").exists()


def test_feedback_is_created(me, user, subject):
    persona = make_persona(subject, mapper_version=2)

    response = me.post(
        f"/api/v1/personas/{persona.pk}/feedback/",
        {
            "rating": 5,
            "helpful": True,
            "comment": "Uncanny.",
            "context": {"task": "planning"},
            "rule_id": "r1",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["rating"] == 5 and body["mapper_version"] == 2 and body["rule_id"] == "r1"
    assert Feedback.objects.get().created_by == user


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"rating": 3, "comment": "x" * 2001}, "comment"),
        ({"rating": 3, "context": [1, 2]}, "context"),
        ({"rating": 3, "helpful": "perhaps"}, "helpful"),
        ({"rating": 3, "comment": 42}, "comment"),
        ({"rating": 3, "rule_id": ["r1"]}, "rule_id"),
        ({}, "rating"),
    ],
)
def test_bad_feedback_is_a_400_by_field(me, subject, payload, field):
    persona = make_persona(subject)

    response = me.post(f"/api/v1/personas/{persona.pk}/feedback/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Feedback.objects.exists()


ENDPOINTS = [
    ("get", "/api/v1/subjects/{subject}/personas/"),
    ("post", "/api/v1/subjects/{subject}/personas/"),
    ("get", "/api/v1/subjects/{subject}/persona/"),
    ("get", "/api/v1/personas/{persona}/"),
    ("post", "/api/v1/personas/{persona}/retry/"),
    ("post", "/api/v1/personas/{persona}/feedback/"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_another_user_gets_404_and_anonymous_is_refused(api_client, user, method, url):
    subject = subject_with_mindscape(user)
    make_mapper()
    persona = make_persona(subject, status=Persona.Status.FAILED)
    url = url.format(subject=subject.pk, persona=persona.pk)

    anonymous = getattr(api_client, method)(url, {"rating": 5}, format="json")
    assert anonymous.status_code in (401, 403)
    api_client.force_authenticate(UserFactory())
    assert getattr(api_client, method)(url, {"rating": 5}, format="json").status_code == 404
    assert Persona.objects.count() == 1
    assert Persona.objects.get().status == Persona.Status.FAILED
    assert not Feedback.objects.exists()


def test_staff_see_every_subjects_personas(api_client, user):
    subject = subject_with_mindscape(user)
    persona = make_persona(subject)
    api_client.force_authenticate(UserFactory(is_staff=True))

    assert api_client.get(f"/api/v1/personas/{persona.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/subjects/{subject.pk}/personas/").json()["count"] == 1


def test_every_persona_endpoint_is_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()

    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/subjects/{subject_id}/personas/"])
    assert "get" in paths["/api/v1/subjects/{subject_id}/persona/"]
    assert "get" in paths["/api/v1/personas/{persona_id}/"]
    assert "post" in paths["/api/v1/personas/{persona_id}/retry/"]
    assert "post" in paths["/api/v1/personas/{persona_id}/feedback/"]
    assert "202" in paths["/api/v1/subjects/{subject_id}/personas/"]["post"]["responses"]


@pytest.mark.parametrize("query", ["limit=abc", "offset=-1", "offset=99999999999999999999999"])
def test_a_bad_page_parameter_is_a_400(me, subject, query):
    response = me.get(f"/api/v1/subjects/{subject.pk}/personas/?{query}")

    assert response.status_code == 400
    assert response.json()["detail"]


def test_post_with_a_body_that_is_not_an_object_is_a_400(me, subject):
    response = me.post(f"/api/v1/subjects/{subject.pk}/personas/", [1, 2], format="json")

    assert response.status_code == 400
    assert not Persona.objects.exists()

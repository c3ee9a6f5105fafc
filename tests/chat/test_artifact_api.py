"""API: team conversations and artifacts — create, generate (202), poll, versions, download,
diff; bad input is a 400 with a message; another user gets 404 on every endpoint."""

from __future__ import annotations

import pytest

from chat.models import Artifact, Conversation
from tests.chat.factories import conversation_for, persona_for, team_conversation_for
from tests.chat.test_artifact_generation import run_outbox
from tests.chat.test_team_and_artifact_pages import ready_artifact, with_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_a_team_conversation_answers_with_every_role_as_json(api, user, chat_llm):
    chat_llm.reply = "Decision: Start with a web app."
    ada = persona_for(user, name="Ada")

    created = api.post(
        "/api/v1/team-conversations/", {"personas": [str(ada.pk)], "title": "Invoices"}, format="json"
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["roles"] == ["Product manager", "UX researcher", "Architect"]
    assert body["personas"][0]["name"] == "Ada" and body["team"]["turns"] == 0
    sent = api.post(
        f"/api/v1/conversations/{body['id']}/messages/",
        {"content": "We want to plan invoices."},
        format="json",
    )
    assert sent.status_code == 201, sent.json()
    assert [m["persona"] for m in sent.json()["messages"]] == [
        "Product manager",
        "UX researcher",
        "Architect",
    ]
    assert all(m["context_type"] and m["model_name"] == "fake-model" for m in sent.json()["messages"])
    detail = api.get(f"/api/v1/team-conversations/{body['id']}/").json()
    assert detail["team"]["decisions"] == ["Start with a web app."] and detail["team"]["turns"] == 3
    assert detail["message_count"] == 4
    listed = api.get("/api/v1/team-conversations/").json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]


def test_a_team_needs_own_ready_personas(api, user, other_user):
    theirs = persona_for(other_user)
    pending = persona_for(user, status="generating")
    for personas in (
        [],
        [str(theirs.pk)],
        [str(pending.pk)],
        ["not-a-uuid"],
        [str(persona_for(user).pk)] * 6,
    ):
        response = api.post("/api/v1/team-conversations/", {"personas": personas}, format="json")
        assert response.status_code == 400, personas
        assert "personas" in str(response.json()), personas
    assert not Conversation.objects.filter(kind="team").exists()


def test_generate_is_202_then_polling_shows_ready_and_it_downloads(api, user, chat_llm):
    chat_llm.reply = "Some prose."
    conversation = with_message(team_conversation_for(user, title="Invoice tool"))

    response = api.post(
        "/api/v1/artifacts/", {"conversation": str(conversation.pk), "artifact_type": "prd"}, format="json"
    )

    assert response.status_code == 202
    artifact_id = response.json()["id"]
    assert response["Location"] == f"/api/v1/artifacts/{artifact_id}/"
    assert response.json()["status"] == "pending" and response.json()["version"] == 1
    assert api.get(f"/api/v1/artifacts/{artifact_id}/download/").status_code == 409
    run_outbox()
    detail = api.get(f"/api/v1/artifacts/{artifact_id}/").json()
    assert detail["status"] == "ready" and detail["progress"] == 100
    assert detail["generated_data"].startswith("# Invoice tool — Product requirements\n")
    assert detail["content_type"] == "text/markdown; charset=utf-8"
    download = api.get(f"/api/v1/artifacts/{artifact_id}/download/", HTTP_ACCEPT="text/markdown")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/markdown; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="invoice-tool-prd-v1.md"'
    assert download.content.decode() == detail["generated_data"]


def test_bad_generate_input_is_a_400_with_a_message(api, user, other_user):
    empty = team_conversation_for(user)
    talked = with_message(conversation_for(user))
    theirs = with_message(conversation_for(other_user))

    empty_response = api.post(
        "/api/v1/artifacts/", {"conversation": str(empty.pk), "artifact_type": "prd"}, format="json"
    )
    unknown = api.post(
        "/api/v1/artifacts/", {"conversation": str(talked.pk), "artifact_type": "slides"}, format="json"
    )
    not_mine = api.post(
        "/api/v1/artifacts/", {"conversation": str(theirs.pk), "artifact_type": "prd"}, format="json"
    )

    assert empty_response.status_code == 400
    assert "no messages yet" in empty_response.json()["detail"]
    assert unknown.status_code == 400
    assert "Unknown artifact type “slides”" in str(unknown.json())
    assert not_mine.status_code == 400
    assert "not yours" in str(not_mine.json())
    assert not Artifact.objects.exists()


def test_versions_list_and_diff(api, user):
    conversation = with_message(conversation_for(user))
    first = ready_artifact(conversation, "prd", "# PRD\n\nold line\n")
    second = ready_artifact(conversation, "prd", "# PRD\n\nnew line\n")
    ready_artifact(conversation, "erd", "erDiagram\n  A\n")

    versions = api.get(f"/api/v1/artifacts/{first.pk}/versions/").json()
    diff = api.get(f"/api/v1/artifacts/{second.pk}/diff/?against=1")
    listed = api.get(f"/api/v1/artifacts/?conversation={conversation.pk}&artifact_type=prd").json()

    assert [v["version"] for v in versions] == [1, 2]
    assert diff.status_code == 200
    assert diff.json()["from_version"] == 1 and diff.json()["to_version"] == 2
    assert "-old line\n+new line\n" in diff.json()["unified"]
    assert {
        "kind": "replace",
        "old_number": 3,
        "old_text": "old line",
        "new_number": 3,
        "new_text": "new line",
    } in diff.json()["rows"]
    assert [a["id"] for a in listed["results"]] == [str(second.pk), str(first.pk)]
    assert api.get(f"/api/v1/artifacts/{second.pk}/diff/?against=9").status_code == 400
    assert api.get(f"/api/v1/artifacts/{second.pk}/diff/").status_code == 400
    assert api.get(f"/api/v1/artifacts/{second.pk}/diff/?against=").status_code == 400
    assert api.get("/api/v1/artifacts/?artifact_type=").status_code == 400


def test_another_user_gets_404_on_every_endpoint(api_client, user, other_user):
    conversation = with_message(team_conversation_for(user))
    artifact = ready_artifact(conversation)
    api_client.force_authenticate(other_user)

    assert api_client.get(f"/api/v1/team-conversations/{conversation.pk}/").status_code == 404
    for suffix in ("", "versions/", "download/", "diff/?against=1"):
        assert api_client.get(f"/api/v1/artifacts/{artifact.pk}/{suffix}").status_code == 404, suffix
    assert api_client.get("/api/v1/artifacts/").json()["results"] == []
    assert api_client.get("/api/v1/team-conversations/").json()["results"] == []
    assert api_client.get(f"/api/v1/artifacts/?conversation={conversation.pk}").json()["results"] == []


def test_a_persona_conversation_is_not_a_team_conversation(api, user):
    conversation = conversation_for(user)
    assert api.get(f"/api/v1/team-conversations/{conversation.pk}/").status_code == 404


def test_anonymous_callers_are_refused(api_client, user):
    artifact = ready_artifact(with_message(conversation_for(user)))
    for url in (
        "/api/v1/artifacts/",
        f"/api/v1/artifacts/{artifact.pk}/download/",
        "/api/v1/team-conversations/",
    ):
        assert api_client.get(url).status_code in (401, 403), url


def test_the_artifact_list_keeps_its_query_count(api, user, django_assert_max_num_queries):
    conversation = with_message(conversation_for(user))
    ready_artifact(conversation)
    with django_assert_max_num_queries(10) as few:
        api.get("/api/v1/artifacts/")
    for _ in range(5):
        ready_artifact(with_message(conversation_for(user)), "erd", "erDiagram\n  A\n")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/artifacts/").json()["results"]) == 6


def test_patching_the_context_keeps_the_team_state(api, user):
    conversation = team_conversation_for(user)
    conversation.context = {
        **conversation.context,
        "team": {**conversation.context["team"], "goals": ["Ship it"]},
    }
    conversation.save(update_fields=["context"])

    response = api.patch(
        f"/api/v1/conversations/{conversation.pk}/", {"context": {"team": {}, "note": "x"}}, format="json"
    )

    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.context["team"]["goals"] == ["Ship it"]
    assert conversation.context["note"] == "x" and conversation.context["team_personas"]


def test_the_team_conversation_list_keeps_its_query_count(api, user, django_assert_max_num_queries):
    team_conversation_for(user)
    with django_assert_max_num_queries(10) as few:
        api.get("/api/v1/team-conversations/")
    for _ in range(5):
        with_message(team_conversation_for(user))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/team-conversations/").json()["results"]) == 6

"""Chat API: conversations CRUD, messages (JSON and SSE), cursor pagination, mistakes, staff CSV."""

from __future__ import annotations

import csv
import io
import json

import httpx2 as httpx
import pytest

from accounts import services as account_services
from chat.models import Conversation, Message
from tests.chat.factories import conversation_for, persona_for

pytestmark = pytest.mark.django_db


def api_key(user) -> str:
    return account_services.api_key_create(user=user, name="chat-tests")[1]


@pytest.fixture
def client_as(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def test_conversation_crud(client_as, user, persona):
    client = client_as(user)
    response = client.post(
        "/api/v1/conversations/",
        {"persona": str(persona.pk), "title": "First", "context": {"mood": "calm"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    conversation_id = response.json()["id"]
    assert response.json()["persona_name"] == "Ada" and response.json()["context"] == {"mood": "calm"}
    listing = client.get("/api/v1/conversations/").json()
    assert [c["id"] for c in listing["results"]] == [conversation_id]
    assert client.get(f"/api/v1/conversations/?persona={persona.pk}").json()["count"] == 1
    assert client.get("/api/v1/conversations/?persona=nope").status_code == 400
    response = client.patch(
        f"/api/v1/conversations/{conversation_id}/", {"title": "Renamed", "ended": True}, format="json"
    )
    assert (
        response.status_code == 200 and response.json()["title"] == "Renamed" and response.json()["ended_at"]
    )
    assert (
        client.patch(f"/api/v1/conversations/{conversation_id}/", {"title": ""}, format="json").status_code
        == 400
    )
    assert client.delete(f"/api/v1/conversations/{conversation_id}/").status_code == 204
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "persona"),
        ({"persona": "x"}, "persona"),
        ({"persona": "00000000-0000-0000-0000-000000000000"}, "persona"),
    ],
)
def test_create_bad_input_is_400(client_as, user, body, field):
    response = client_as(user).post("/api/v1/conversations/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Conversation.objects.exists()


def test_cannot_chat_with_someone_elses_persona(client_as, user, other_user):
    theirs = persona_for(other_user)
    response = client_as(user).post("/api/v1/conversations/", {"persona": str(theirs.pk)}, format="json")
    assert response.status_code == 400 and "persona" in response.json()["errors"]


def test_send_json_reply_with_metadata(client_as, chat_llm, user, conversation):
    chat_llm.reply = "You are **curious** and kind."
    response = client_as(user).post(
        f"/api/v1/conversations/{conversation.pk}/messages/",
        {"content": "What are my strengths?"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["error"] is None
    assert body["user_message"]["context_type"] == "about_me" and body["user_message"]["needs_knowledge"] == 1
    assert body["message"]["content"] == "You are **curious** and kind."
    assert "<strong>curious</strong>" in body["message"]["html"]
    assert body["message"]["model_name"] == "fake-model" and body["message"]["completion_tokens"] == 5


@pytest.mark.parametrize(("content", "status"), [("", 400), ("x" * 4001, 400), (None, 400)])
def test_send_bad_input(client_as, chat_llm, user, conversation, content, status):
    body = {} if content is None else {"content": content}
    response = client_as(user).post(f"/api/v1/conversations/{conversation.pk}/messages/", body, format="json")
    assert response.status_code == status and response.json()["detail"]
    assert not Message.objects.exists()


def test_send_to_a_persona_that_is_not_ready_is_409(client_as, chat_llm, user):
    conversation = conversation_for(user, persona_for(user, status="generating"))
    response = client_as(user).post(
        f"/api/v1/conversations/{conversation.pk}/messages/", {"content": "hi"}, format="json"
    )
    assert response.status_code == 409 and "generated" in response.json()["detail"]


def test_llm_down_is_503_keeps_the_message_and_retry_works(client_as, chat_llm, user, conversation):
    client = client_as(user)
    chat_llm.fail_next(3, status=500)
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    response = client.post(url, {"content": "Are you there?"}, format="json")
    assert response.status_code == 503 and response.json()["user_message"]["content"] == "Are you there?"
    response = client.post(url, {"retry": True}, format="json")
    assert response.status_code == 201 and response.json()["message"]["content"] == chat_llm.reply
    assert Message.objects.filter(role="user").count() == 1


def test_rate_limit_and_budget_are_429_with_retry_after(client_as, chat_llm, user, conversation, settings):
    client = client_as(user)
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    settings.CHAT_RATE_LIMIT_MESSAGES = 2
    assert client.post(url, {"content": "one"}, format="json").status_code == 201
    assert client.post(url, {"content": "two"}, format="json").status_code == 201
    response = client.post(url, {"content": "three"}, format="json")
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert not Message.objects.filter(content="three").exists()
    settings.CHAT_RATE_LIMIT_MESSAGES = 100
    settings.CHAT_DAILY_TOKEN_BUDGET = 10  # the two exchanges above used more
    response = client.post(url, {"content": "four"}, format="json")
    assert response.status_code == 429 and "budget" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 86400


def test_rate_limit_allows_when_the_cache_is_down(chat_llm, user, conversation, settings, monkeypatch):
    from chat import replies, services

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(services.cache, "add", broken)
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    for text in ("a", "b", "c"):
        services.reply_collect(replies.message_send(conversation=conversation, content=text, user=user))
    assert Message.objects.filter(role="user").count() == 3


def test_messages_cursor_pagination(client_as, user, conversation):
    for i in range(7):
        Message.objects.create(
            conversation=conversation, role="user" if i % 2 == 0 else "assistant", content=f"m{i}"
        )
    client = client_as(user)
    page = client.get(f"/api/v1/conversations/{conversation.pk}/messages/?page_size=3").json()
    assert [m["content"] for m in page["results"]] == ["m6", "m5", "m4"]
    assert set(page["results"][0]) >= {
        "signal_strength",
        "context_clarity",
        "needs_knowledge",
        "is_mistake",
        "tone",
    }
    seen = [m["content"] for m in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [m["content"] for m in page["results"]]
    assert seen == [f"m{i}" for i in reversed(range(7))]
    assert client.get(f"/api/v1/conversations/{conversation.pk}/messages/?cursor=bad").status_code in (
        400,
        404,
    )


def test_mark_mistake_and_feedback(client_as, user, conversation):
    message = Message.objects.create(conversation=conversation, role="assistant", content="Wrong fact")
    client = client_as(user)
    response = client.post(
        f"/api/v1/messages/{message.pk}/mistake/", {"note": "I never lived there"}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_mistake"] is True
    assert response.json()["mistake_note"] == "I never lived there"
    response = client.post(f"/api/v1/messages/{message.pk}/feedback/", {"feedback": "down"}, format="json")
    assert response.status_code == 200 and response.json()["feedback"] == "down"
    assert (
        client.post(
            f"/api/v1/messages/{message.pk}/feedback/", {"feedback": "meh"}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/messages/{message.pk}/mistake/", {"note": "x" * 2001}, format="json"
        ).status_code
        == 400
    )


def test_staff_mistakes_list_filters_and_csv(client_as, user, other_user, staff_user, conversation):
    marked = Message.objects.create(
        conversation=conversation,
        role="assistant",
        content="=HYPERLINK(1)",
        is_mistake=True,
        mistake_note="bad",
    )
    Message.objects.create(conversation=conversation, role="assistant", content="fine")
    other = conversation_for(other_user)
    Message.objects.create(conversation=other, role="assistant", content="other", is_mistake=True)
    assert client_as(user).get("/api/v1/messages/mistakes/").status_code == 403
    client = client_as(staff_user)
    rows = client.get("/api/v1/messages/mistakes/").json()
    assert rows["count"] == 2
    filtered = client.get(f"/api/v1/messages/mistakes/?owner={user.pk}&q=hyper").json()
    assert [r["message"]["id"] for r in filtered["results"]] == [str(marked.pk)]
    assert client.get("/api/v1/messages/mistakes/?since=yesterday").status_code == 400
    response = client.get(f"/api/v1/messages/mistakes/?persona={conversation.persona_id}&download=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0][0] == "created_at" and len(table) == 2
    assert table[1][table[0].index("content")] == "'=HYPERLINK(1)"  # no formula injection
    assert table[1][table[0].index("mistake_note")] == "bad"


def test_api_ownership_is_404_everywhere(client_as, user, other_user):
    theirs = conversation_for(other_user)
    message = Message.objects.create(conversation=theirs, role="assistant", content="secret")
    client = client_as(user)
    base = f"/api/v1/conversations/{theirs.pk}/"
    assert client.get(base).status_code == 404
    assert client.patch(base, {"title": "mine"}, format="json").status_code == 404
    assert client.delete(base).status_code == 404
    assert client.get(base + "messages/").status_code == 404
    assert client.post(base + "messages/", {"content": "hi"}, format="json").status_code == 404
    assert client.post(f"/api/v1/messages/{message.pk}/mistake/", {}, format="json").status_code == 404
    assert (
        client.post(f"/api/v1/messages/{message.pk}/feedback/", {"feedback": "up"}, format="json").status_code
        == 404
    )
    assert client.get("/api/v1/conversations/").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.title == "" and Message.objects.filter(content="hi").count() == 0


def test_api_anonymous_is_refused(api_client, conversation):
    for method, url in [
        ("get", "/api/v1/conversations/"),
        ("get", f"/api/v1/conversations/{conversation.pk}/"),
        ("get", f"/api/v1/conversations/{conversation.pk}/messages/"),
        ("post", f"/api/v1/conversations/{conversation.pk}/messages/"),
        ("get", "/api/v1/messages/mistakes/"),
    ]:
        assert getattr(api_client, method)(url).status_code in (401, 403), url


def test_schema_lists_the_chat_endpoints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    assert {
        "/api/v1/conversations/",
        "/api/v1/conversations/{conversation_id}/",
        "/api/v1/conversations/{conversation_id}/messages/",
        "/api/v1/messages/{message_id}/mistake/",
        "/api/v1/messages/mistakes/",
    } <= set(schema["paths"])
    create = schema["paths"]["/api/v1/conversations/{conversation_id}/messages/"]["post"]
    assert "text/event-stream" in create["responses"]["200"]["content"]
    assert {"400", "404", "409", "429"} <= set(create["responses"])


@pytest.mark.django_db(transaction=True)
def test_api_sse_with_an_api_key_through_the_live_server(live_server, chat_llm, user):
    chat_llm.reply = "Streaming over the API works."
    conversation = conversation_for(user)
    headers = {"Authorization": f"Api-Key {api_key(user)}", "Accept": "text/event-stream"}
    url = f"{live_server.url}/api/v1/conversations/{conversation.pk}/messages/"
    with httpx.stream("POST", url, json={"content": "Hello!"}, headers=headers, timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/event-stream"
        )
        blocks = "".join(response.iter_text()).split("\n\n")
    events = [
        (b.split("\n")[0][7:], json.loads(b.split("data: ", 1)[1])) for b in blocks if b.startswith("event:")
    ]
    assert events[0][0] == "start" and events[-1][0] == "done"
    assert "".join(d["text"] for n, d in events if n == "token") == chat_llm.reply
    # Errors before the stream are JSON with the house shape.
    response = httpx.post(url, json={"content": ""}, headers=headers)
    assert response.status_code == 400 and response.json()["errors"]["content"]
    other = httpx.post(url, json={"content": "hi"}, headers={"Accept": "text/event-stream"})
    assert other.status_code in (401, 403)
    # A session user without a CSRF token is refused.
    assert httpx.post(url, json={"content": "hi"}, headers={"Accept": "text/event-stream"}).status_code in (
        401,
        403,
    )

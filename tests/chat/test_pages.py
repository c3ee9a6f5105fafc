"""Chat pages: list, new, rename, delete, chat page, no-JS sending, feedback, ownership."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Conversation, Message
from tests.chat.factories import conversation_for, persona_for

pytestmark = pytest.mark.django_db


def test_list_offers_ready_personas_and_filters(user_client, user):
    ada = persona_for(user, name="Ada")
    persona_for(user, name="Pending", status="generating")
    bo = persona_for(user, name="Bo")
    conversation_for(user, ada, title="With Ada")
    conversation_for(user, bo, title="With Bo")
    page = user_client.get("/chat/").content.decode()
    assert "With Ada" in page and "With Bo" in page
    assert f'<option value="{ada.pk}">' in page and "Pending —" not in page
    filtered = user_client.get(f"/chat/?persona={ada.pk}").content.decode()
    assert "With Ada" in filtered and "With Bo" not in filtered
    assert user_client.get("/chat/?persona=garbage").status_code == 200


def test_new_rename_delete(user_client, user, persona):
    response = user_client.post("/chat/new/", {"persona": str(persona.pk)})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/chat/{conversation.pk}/"
    user_client.post(f"/chat/{conversation.pk}/rename/", {"title": "  Plans  "})
    conversation.refresh_from_db()
    assert conversation.title == "Plans" and conversation.context["title_source"] == "user"
    response = user_client.post(f"/chat/{conversation.pk}/delete/")
    assert response.status_code == 302 and not Conversation.objects.exists()


def test_new_with_someone_elses_persona_is_refused(user_client, other_user):
    response = user_client.post("/chat/new/", {"persona": str(persona_for(other_user).pk)}, follow=True)
    assert not Conversation.objects.exists() and "Choose one of your personas" in response.content.decode()


def test_chat_page_shows_persona_and_safe_markdown(user_client, user):
    persona = persona_for(user, name="Ada", illustration_url="/static/img/logo.svg")
    conversation = conversation_for(user, persona)
    Message.objects.create(conversation=conversation, role="user", content="<script>alert(1)</script> **hi**")
    Message.objects.create(
        conversation=conversation, role="assistant", content="- one\n- two", flags={"care_note": "Take care."}
    )
    page = user_client.get(f"/chat/{conversation.pk}/").content.decode()
    assert "Ada" in page and 'src="/static/img/logo.svg"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<strong>hi</strong>" in page and "<ul><li>one</li><li>two</li></ul>" in page
    assert "Take care." in page
    assert 'id="chat-form"' in page and "js/chat/chat.js" in page
    assert "onclick" not in page and "<script>" not in page.split("</head>")[1]


def test_long_conversations_show_the_last_50_and_load_earlier(user_client, user, conversation):
    start = timezone.now() - timedelta(hours=1)
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            role="user",
            content=f"number {i:03d}",
            created_at=start + timedelta(seconds=i),
        )
        for i in range(120)
    )
    page = user_client.get(f"/chat/{conversation.pk}/").content.decode()
    assert "number 119" in page and "number 070" in page and "number 069" not in page
    assert "Load earlier messages" in page
    first = Message.objects.get(content="number 070")
    earlier = user_client.get(f"/chat/{conversation.pk}/earlier/?before={first.pk}").content.decode()
    assert (
        "number 069" in earlier
        and "number 020" in earlier
        and "number 019" not in earlier
        and "number 070" not in earlier
    )
    oldest = user_client.get(
        f"/chat/{conversation.pk}/?before={Message.objects.get(content='number 020').pk}"
    )
    assert "number 000" in oldest.content.decode() and "Load earlier messages" not in oldest.content.decode()


def test_no_js_send_waits_for_the_reply_and_redirects(user_client, chat_llm, user, conversation):
    response = user_client.post(f"/chat/{conversation.pk}/send/", {"content": "Hello **you**"})
    assert response.status_code == 302
    reply = Message.objects.get(role="assistant")
    assert response["Location"] == f"/chat/{conversation.pk}/#message-{reply.pk}"
    page = user_client.get(f"/chat/{conversation.pk}/").content.decode()
    assert chat_llm.reply in page and "Hello <strong>you</strong>" in page


def test_no_js_send_errors_are_shown(user_client, chat_llm, user, conversation):
    response = user_client.post(f"/chat/{conversation.pk}/send/", {"content": ""}, follow=True)
    assert "Write a message" in response.content.decode() and not Message.objects.exists()
    chat_llm.fail_next(3, status=503)
    response = user_client.post(f"/chat/{conversation.pk}/send/", {"content": "Anyone?"}, follow=True)
    page = response.content.decode()
    assert "try again" in page and 'name="retry"' in page
    assert list(Message.objects.values_list("role", flat=True)) == ["user"]
    user_client.post(f"/chat/{conversation.pk}/send/", {"retry": "1"})
    assert list(Message.objects.order_by("created_at").values_list("role", flat=True)) == [
        "user",
        "assistant",
    ]


def test_banners_for_expired_and_not_ready_personas(user_client, user):
    expired = persona_for(user, expires_at=timezone.now() - timedelta(hours=1))
    page = user_client.get(f"/chat/{conversation_for(user, expired).pk}/").content.decode()
    assert "This persona has expired" in page and 'id="chat-form"' in page
    pending = persona_for(user, status="generating")
    page = user_client.get(f"/chat/{conversation_for(user, pending).pk}/").content.decode()
    assert "still being generated" in page and 'id="chat-form"' not in page


def test_feedback_and_mistake_forms(user_client, conversation):
    message = Message.objects.create(conversation=conversation, role="assistant", content="Wrong")
    user_client.post(f"/chat/messages/{message.pk}/feedback/", {"feedback": "up"})
    user_client.post(f"/chat/messages/{message.pk}/mistake/", {"note": "Not true"})
    message.refresh_from_db()
    assert message.feedback == "up" and message.is_mistake and message.mistake_note == "Not true"
    fragment = user_client.get(f"/chat/messages/{message.pk}/").content.decode()
    assert "Marked as mistake" in fragment and 'aria-pressed="true"' in fragment
    user_client.post(f"/chat/messages/{message.pk}/mistake/", {"is_mistake": "0"})
    message.refresh_from_db()
    assert not message.is_mistake and message.mistake_note is None


def test_pages_ownership(user_client, other_user):
    theirs = conversation_for(other_user)
    message = Message.objects.create(conversation=theirs, role="assistant", content="theirs")
    for url in [f"/chat/{theirs.pk}/", f"/chat/{theirs.pk}/earlier/", f"/chat/messages/{message.pk}/"]:
        assert user_client.get(url).status_code == 404, url
    for url in [
        f"/chat/{theirs.pk}/rename/",
        f"/chat/{theirs.pk}/delete/",
        f"/chat/{theirs.pk}/send/",
        f"/chat/{theirs.pk}/stream/",
        f"/chat/messages/{message.pk}/mistake/",
        f"/chat/messages/{message.pk}/feedback/",
    ]:
        assert user_client.post(url, {"title": "x", "content": "x", "feedback": "up"}).status_code == 404, url
    theirs.refresh_from_db()
    message.refresh_from_db()
    assert Conversation.objects.filter(pk=theirs.pk).exists() and theirs.title == ""
    assert not message.is_mistake and message.feedback == "none" and Message.objects.count() == 1
    assert "theirs" not in user_client.get("/chat/").content.decode()


def test_pages_anonymous_go_to_login(client, conversation):
    message = Message.objects.create(conversation=conversation, role="assistant", content="x")
    for url in ["/chat/", f"/chat/{conversation.pk}/", f"/chat/messages/{message.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in ["/chat/new/", f"/chat/{conversation.pk}/send/", f"/chat/messages/{message.pk}/mistake/"]:
        response = client.post(url, {"content": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert client.post(f"/chat/{conversation.pk}/stream/", {"content": "x"}).status_code == 403
    assert Message.objects.count() == 1


def test_header_links_to_chat(user_client):
    assert 'href="/chat/"' in user_client.get("/dashboard/").content.decode()

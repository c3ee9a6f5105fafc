"""Team conversation and artifact pages: create, send without JavaScript, generate, progress,
view, diff, download; another user gets 404 everywhere; list pages keep their query count."""

from __future__ import annotations

import pytest

from chat import artifact_services
from chat.models import Artifact, Conversation, Message
from tests.chat.factories import conversation_for, persona_for, team_conversation_for
from tests.chat.test_artifact_generation import run_outbox

pytestmark = pytest.mark.django_db

ROLE_REPLY = "Let's keep it small.\nEntity: Invoice (id, amount)\nQuestion: Who pays?"


def with_message(
    conversation: Conversation, text: str = "We want to help freelancers get paid."
) -> Conversation:
    Message.objects.create(conversation=conversation, role="user", content=text)
    return conversation


def ready_artifact(conversation, artifact_type="prd", text="# PRD\n\n## Overview\n\nHello.\n") -> Artifact:
    artifact = artifact_services.artifact_request(conversation=conversation, artifact_type=artifact_type)
    Artifact.objects.filter(pk=artifact.pk).update(
        status="ready",
        progress=100,
        generated_data=text,
        structured_data={
            "title": "PRD",
            "sections": [{"key": "overview", "heading": "Overview", "kind": "prose", "text": "Hello."}],
        },
    )
    artifact.refresh_from_db()
    return artifact


def test_a_team_conversation_is_started_with_own_personas_only(user_client, user, other_user):
    mine = persona_for(user, name="Ada")
    theirs = persona_for(other_user, name="Eve")
    page = user_client.get("/chat/team/new/").content.decode()
    assert f'value="{mine.pk}"' in page and "Eve" not in page

    refused = user_client.post("/chat/team/new/", {"personas": [str(mine.pk), str(theirs.pk)]})
    assert refused.status_code == 400 and "Choose among your own ready personas." in refused.content.decode()
    assert user_client.post("/chat/team/new/", {"personas": []}).status_code == 400
    assert not Conversation.objects.exists()

    response = user_client.post("/chat/team/new/", {"personas": [str(mine.pk)], "title": "Invoices"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/chat/{conversation.pk}/"
    assert conversation.kind == "team" and list(conversation.team_personas.all()) == [mine]
    page = user_client.get(f"/chat/{conversation.pk}/").content.decode()
    assert "Product manager" in page and "UX researcher" in page and "Architect" in page
    assert 'id="team-goals"' in page and "Ada" in page
    assert 'value="prd"' in page  # the generate buttons


def test_sending_without_javascript_gets_every_role_answer(user_client, user, chat_llm):
    chat_llm.reply = ROLE_REPLY
    conversation = team_conversation_for(user)

    response = user_client.post(
        f"/chat/{conversation.pk}/send/", {"content": "We want to build an invoice tool."}
    )

    assert response.status_code == 302
    page = user_client.get(f"/chat/{conversation.pk}/").content.decode()
    assert page.count('class="chat-msg-author"') == 3
    assert "<li>Who pays?</li>" in page
    assert "<li>We want to build an invoice tool.</li>" in page


def test_generate_shows_progress_then_the_prd_and_it_downloads(user_client, user, chat_llm):
    chat_llm.reply = ROLE_REPLY
    conversation = team_conversation_for(user)
    user_client.post(f"/chat/{conversation.pk}/send/", {"content": "We want to build an invoice tool."})

    response = user_client.post(f"/chat/{conversation.pk}/artifacts/", {"artifact_type": "prd"})
    artifact = Artifact.objects.get()
    assert response["Location"] == f"/chat/artifacts/{artifact.pk}/"
    pending = user_client.get(f"/chat/artifacts/{artifact.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in pending and "Waiting for a worker" in pending
    assert "Download" not in pending

    run_outbox()

    progress = user_client.get(f"/chat/artifacts/{artifact.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Redirect"] == f"/chat/artifacts/{artifact.pk}/"
    page = user_client.get(f"/chat/artifacts/{artifact.pk}/").content.decode()
    assert "<h2>Open questions</h2>" in page and "Who pays?" in page
    artifact.refresh_from_db()
    download = user_client.get(f"/chat/artifacts/{artifact.pk}/download/")
    assert download["Content-Type"] == "text/markdown; charset=utf-8"
    assert download["Content-Disposition"] == f'attachment; filename="{artifact.filename}"'
    assert download.content.decode() == artifact.generated_data


@pytest.mark.parametrize(
    ("artifact_type", "text", "content_type", "extension"),
    [
        ("erd", "erDiagram\n  A ||--o{ B : has\n", "text/vnd.mermaid; charset=utf-8", ".mmd"),
        ("persona_brief", '{"personas": []}\n', "application/json", ".json"),
        ("interview_summary", "# Summary\n", "text/markdown; charset=utf-8", ".md"),
    ],
)
def test_each_type_downloads_with_its_filename_and_content_type(
    user_client, user, artifact_type, text, content_type, extension
):
    artifact = ready_artifact(with_message(conversation_for(user, title="My plan")), artifact_type, text)

    download = user_client.get(f"/chat/artifacts/{artifact.pk}/download/")

    assert download["Content-Type"] == content_type
    assert (
        download["Content-Disposition"]
        == f'attachment; filename="my-plan-{artifact_type.replace("_", "-")}-v1{extension}"'
    )
    assert download.content.decode() == text


def test_a_pending_artifact_does_not_download(user_client, user):
    artifact = artifact_services.artifact_request(
        conversation=with_message(conversation_for(user)), artifact_type="prd"
    )
    assert user_client.get(f"/chat/artifacts/{artifact.pk}/download/").status_code == 404


def test_the_erd_page_has_the_diagram_the_table_and_its_own_csp(user_client, user):
    artifact = ready_artifact(
        with_message(conversation_for(user)),
        "erd",
        'erDiagram\n  CLIENT {\n    uuid id PK "the key"\n  }\n  CLIENT ||--o{ INVOICE : receives\n',
    )

    response = user_client.get(f"/chat/artifacts/{artifact.pk}/")

    page = response.content.decode()
    assert "/static/vendor/mermaid/mermaid.min.js" in page
    assert "<caption>CLIENT</caption>" in page and "the key" in page
    assert "receives" in page and "(zero or more)" in page
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]
    other = ready_artifact(with_message(conversation_for(user)), "prd")
    assert "unsafe-inline" not in user_client.get(f"/chat/artifacts/{other.pk}/")["Content-Security-Policy"]


def test_a_broken_stored_erd_shows_its_problems_not_an_error(user_client, user):
    artifact = ready_artifact(with_message(conversation_for(user)), "erd", "erDiagram\n  A }}--{{ B : x\n")

    response = user_client.get(f"/chat/artifacts/{artifact.pk}/")

    assert response.status_code == 200
    assert "This diagram could not be read" in response.content.decode()


def test_regenerating_adds_a_version_and_the_page_diffs_them(user_client, user):
    conversation = with_message(conversation_for(user))
    first = ready_artifact(conversation, "prd", "# PRD\n\n## Overview\n\nOld <b>text</b>.\n")
    second = ready_artifact(conversation, "prd", "# PRD\n\n## Overview\n\nNew text.\n")

    page = user_client.get(f"/chat/artifacts/{second.pk}/?against=1").content.decode()

    assert second.version == 2
    assert "Changes from v1 to v2" in page
    assert '<td class="diff-old">Old &lt;b&gt;text&lt;/b&gt;.</td>' in page
    assert '<td class="diff-new">New text.</td>' in page
    assert f'href="/chat/artifacts/{first.pk}/"' in page
    assert (
        "Choose another version"
        in user_client.get(f"/chat/artifacts/{second.pk}/?against=2").content.decode()
    )
    assert "Choose a version" in user_client.get(f"/chat/artifacts/{second.pk}/?against=x").content.decode()


def test_generating_from_an_empty_conversation_says_why(user_client, user):
    conversation = team_conversation_for(user)

    response = user_client.post(f"/chat/{conversation.pk}/artifacts/", {"artifact_type": "prd"}, follow=True)

    assert "no messages yet" in response.content.decode()
    assert not Artifact.objects.exists()


def test_another_user_gets_404_on_every_team_and_artifact_page(client, user, other_user):
    conversation = with_message(team_conversation_for(user))
    artifact = ready_artifact(conversation)
    client.force_login(other_user)

    assert client.get(f"/chat/{conversation.pk}/").status_code == 404
    assert client.post(f"/chat/{conversation.pk}/send/", {"content": "hi"}).status_code == 404
    assert client.post(f"/chat/{conversation.pk}/artifacts/", {"artifact_type": "prd"}).status_code == 404
    for suffix in ("", "progress/", "download/", "?against=1"):
        assert client.get(f"/chat/artifacts/{artifact.pk}/{suffix}").status_code == 404, suffix
    assert str(artifact.pk) not in client.get("/chat/artifacts/").content.decode()
    assert Artifact.objects.count() == 1 and Message.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, user):
    artifact = ready_artifact(with_message(conversation_for(user)))
    for url in ("/chat/team/new/", "/chat/artifacts/", f"/chat/artifacts/{artifact.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_list_pages_keep_their_query_count(user_client, user, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            conversation = with_message(team_conversation_for(user))
            ready_artifact(conversation)
            ready_artifact(conversation, "erd", "erDiagram\n  A\n")

    add(1)
    with django_assert_max_num_queries(12) as few:
        user_client.get("/chat/artifacts/")
    add(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = user_client.get("/chat/artifacts/").content.decode()
    assert page.count("<tr>") == 12 + 1
    with django_assert_max_num_queries(len(few.captured_queries) + 2) as chats:
        user_client.get("/chat/")
    add(3)
    with django_assert_max_num_queries(len(chats.captured_queries)):
        user_client.get("/chat/")


def test_the_team_page_keeps_its_query_count(user_client, user, django_assert_max_num_queries):
    conversation = team_conversation_for(user)
    with_message(conversation)
    ready_artifact(conversation)
    with django_assert_max_num_queries(20) as few:
        user_client.get(f"/chat/{conversation.pk}/")
    for i in range(10):
        Message.objects.create(
            conversation=conversation, role="assistant", content=f"Reply {i}", persona="Architect"
        )
        ready_artifact(conversation, "erd", "erDiagram\n  A\n")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = user_client.get(f"/chat/{conversation.pk}/").content.decode()
    assert page.count('class="chat-msg-author"') == 10 and "ERD v10" in page


def test_the_persona_brief_page_is_readable(user_client, user):
    artifact = ready_artifact(with_message(conversation_for(user)), "persona_brief", "{}")
    Artifact.objects.filter(pk=artifact.pk).update(
        structured_data={
            "title": "Brief",
            "personas": [
                {
                    "id": "x",
                    "name": "Ada",
                    "summary": "Ada needs **quick** invoicing.",
                    "core": {
                        "traits": [{"label": "Openness", "level": "high"}],
                        "values": [{"text": "Honesty"}],
                    },
                    "overlay": {"context": {"recent": [{"type": "mood", "summary": "tired"}]}},
                    "narratives": [{"id": "n", "type": "self_observation", "text": "I invoice late."}],
                }
            ],
        }
    )

    page = user_client.get(f"/chat/artifacts/{artifact.pk}/").content.decode()

    assert "<h2>Ada</h2>" in page and "<strong>quick</strong>" in page
    assert "Openness — high" in page and "<li>Honesty</li>" in page and "tired" in page
    assert "I invoice late." in page

"""Team conversations: the roles answer in turn, and the shared state grows after each reply."""

from __future__ import annotations

import pytest

from chat import replies, services, team, team_services
from chat.models import Conversation, Message
from chat.streaming import events_sync
from tests.chat.factories import persona_for, team_conversation_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLE_REPLY = (
    "We should start small and ship an invoice list first.\n"
    "Entity: Invoice (id, amount, due_date)\n"
    "Relationship: Freelancer sends Invoice\n"
    "Question: Which currencies do they bill in?\n"
    "Decision: Start with a web app."
)


def system_prompts(fake) -> list[str]:
    return [r.body["messages"][0]["content"] for r in fake.requests_to("/v1/chat/completions")]


def test_the_roles_answer_in_turn_each_seeing_the_teammates_before_it(chat_llm, user):
    chat_llm.reply = ROLE_REPLY
    conversation = team_conversation_for(
        user, [persona_for(user, name="Ada", description="A freelance designer.")]
    )

    reply = replies.message_send(
        conversation=conversation, content="We want to help freelancers get paid on time.", user=user
    )
    message, error = services.reply_collect(reply)

    assert error is None
    answers = list(conversation.messages.filter(role="assistant").order_by("created_at", "id"))
    assert [m.persona for m in answers] == ["Product manager", "UX researcher", "Architect"]
    assert message == answers[-1]
    prompts = system_prompts(chat_llm)
    assert len(prompts) == 3
    assert prompts[0].startswith("You are the Product manager")
    assert prompts[1].startswith("You are the UX researcher")
    assert prompts[2].startswith("You are the Architect")
    assert "Ada — A freelance designer." in prompts[0]
    assert "teammates already answered" not in prompts[0]
    assert "[Product manager] We should start small" in prompts[1]
    assert "[UX researcher] We should start small" in prompts[2]
    assert all(conversation.canary in p for p in prompts)
    for column in ("tone", "behavior", "context_type", "confidence", "signal_strength", "context_clarity"):
        assert all(getattr(m, column) is not None for m in answers), column
    assert all(m.model_name == "fake-model" and m.completion_tokens > 0 for m in answers)
    user_message = conversation.messages.get(role="user")
    assert user_message.persona == "Team" and user_message.context_type is not None


def test_the_shared_state_is_updated_after_each_reply(chat_llm, user):
    chat_llm.reply = ROLE_REPLY
    conversation = team_conversation_for(user)

    events = list(
        replies.message_send(
            conversation=conversation, content="We want to help freelancers get paid on time.", user=user
        )
    )

    states = [payload for kind, payload in events if kind == "context"]
    assert [s["turns"] for s in states] == [1, 2, 3]
    conversation.refresh_from_db()
    state = conversation.context["team"]
    assert state == states[-1]
    assert state["goals"] == ["We want to help freelancers get paid on time."]
    assert state["decisions"] == ["Start with a web app."]  # "we should" is a proposal, not a decision
    assert state["open_questions"] == ["Which currencies do they bill in?"]
    assert state["entities"] == [
        {"name": "Invoice", "attributes": ["id", "amount", "due_date"]},
        {"name": "Freelancer", "attributes": []},
    ]
    assert state["relationships"] == [{"left": "Freelancer", "label": "sends", "right": "Invoice"}]
    # The next role's prompt already had what the previous one added.
    assert "Entities: Invoice" not in system_prompts(chat_llm)[0]
    assert "Entities: Invoice, Freelancer" in system_prompts(chat_llm)[1]


def test_the_stream_announces_each_turn(chat_llm, user):
    chat_llm.reply = "Fine."
    conversation = team_conversation_for(user)
    reply = replies.message_send(conversation=conversation, content="Hello team", user=user)

    names = [chunk.split(b"\n", 1)[0] for chunk in b"".join(events_sync(reply)).split(b"\n\n") if chunk]

    assert names[0] == b": stream" and names[1] == b"event: start"
    turn_events = [n for n in names if n in (b"event: turn", b"event: message", b"event: context")]
    assert turn_events == [b"event: turn", b"event: message", b"event: context"] * 3
    assert names[-1] == b"event: done"


def test_a_failed_role_stops_the_turn_and_retry_asks_only_the_missing_roles(chat_llm, user):
    chat_llm.reply = "Noted."
    conversation = team_conversation_for(user)
    reply = replies.message_send(conversation=conversation, content="Plan a habit tracker", user=user)
    events = iter(reply)
    seen = []
    for kind, _payload in events:
        seen.append(kind)
        if kind == "context":
            chat_llm.fail_next(5, status=500)  # every attempt of the next role fails
    assert seen[-1] == "error"
    assert list(conversation.messages.filter(role="assistant").values_list("persona", flat=True)) == [
        "Product manager"
    ]
    assert team_services.roles_pending(conversation)[1] == list(team.ROLES[1:])

    message, error = services.reply_collect(replies.message_retry(conversation=conversation, user=user))

    assert error is None
    personas = list(
        conversation.messages.filter(role="assistant")
        .order_by("created_at", "id")
        .values_list("persona", flat=True)
    )
    assert personas == ["Product manager", "UX researcher", "Architect"]
    with pytest.raises(services.MessageInvalid):
        replies.message_retry(conversation=conversation, user=user)


def test_a_team_conversation_needs_one_to_five_personas(user):
    with pytest.raises(services.MessageInvalid, match="at least one"):
        team_services.team_conversation_create(owner=user, personas=[])
    personas = [persona_for(user, name=f"P{i}") for i in range(6)]
    with pytest.raises(services.MessageInvalid, match="at most 5"):
        team_services.team_conversation_create(owner=user, personas=personas)
    assert not Conversation.objects.filter(kind="team").exists()


def test_the_state_reader_ignores_garbage(user):
    assert team.state_of({"team": {"goals": "not a list", "turns": 2}}) == {**team.empty_state(), "turns": 2}
    assert team.state_of(None) == team.empty_state()


def test_a_user_question_is_not_an_open_question_but_a_role_question_is():
    state = team.state_update(team.empty_state(), "What should we build first?", speaker="user")
    assert state["open_questions"] == []
    state = team.state_update(state, "Who is the buyer here?", speaker="UX researcher")
    assert state["open_questions"] == ["Who is the buyer here?"]


def test_other_users_cannot_reach_a_team_conversation(user):
    conversation = team_conversation_for(user)
    other = UserFactory()
    from chat import selectors

    with pytest.raises(Conversation.DoesNotExist):
        selectors.conversation_for_user(other, conversation.pk)
    assert Message.objects.count() == 0

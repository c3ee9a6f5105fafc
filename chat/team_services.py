"""Team conversations: creating one, and the agent team answering a user message.

A team conversation (``Conversation.kind == "team"``) has no single persona; the user picks
personas (``team_personas``) the team keeps in mind. Each user message is answered by the roles
of :mod:`chat.team` in turn. Every reply is streamed and saved exactly as a persona's reply is
(``services.ReplyStream``: canary, time bound, partial replies saved as incomplete, the user
message's analysis copied to it), with the role's name in ``Message.persona``. After each reply
the shared state in ``context["team"]`` is updated (:func:`chat.team.state_update`) and saved.

Iterating a :class:`TeamReplyStream` yields the events of ``ReplyStream`` plus
``("turn", {"role", "persona"})`` before a role starts, ``("message", Message)`` when its reply is
saved and ``("context", state)`` after the state was updated; then one ``("done", last message)``
or ``("error", (detail, partial message | None))``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction

from chat import services, team
from chat.models import Conversation, Message
from chat.services import Analysed, MessageInvalid, ReplyStream
from personas.models import Persona

MAX_TEAM_PERSONAS = 5
TEAM_NAME = "Team"


def persona_facts(persona: Persona) -> dict:
    """What the team's prompts need of a persona, kept in the conversation's context so that a
    turn needs no persona queries (and survives the persona being deleted)."""
    core = persona.core if isinstance(persona.core, dict) else {}
    traits = []
    for trait in core.get("traits") or []:
        if isinstance(trait, dict) and trait.get("label"):
            level = f" ({trait['level']})" if trait.get("level") else ""
            traits.append(f"{trait['label']}{level}")
    return {
        "id": str(persona.pk),
        "name": persona.name or "Persona",
        "description": (persona.description or "")[:600],
        "traits": traits[:6],
    }


def team_conversation_create(*, owner, personas: list[Persona], title: str = "") -> Conversation:
    """A new team conversation of ``owner`` keeping ``personas`` in mind (the caller checked the
    user may see each of them)."""
    unique = list({p.pk: p for p in personas}.values())
    if not unique:
        raise MessageInvalid(
            "Choose at least one persona for the team to keep in mind.",
            errors={"personas": ["Choose at least one persona."]},
        )
    if len(unique) > MAX_TEAM_PERSONAS:
        raise MessageInvalid(
            f"Choose at most {MAX_TEAM_PERSONAS} personas.",
            errors={"personas": [f"At most {MAX_TEAM_PERSONAS} personas."]},
        )
    with transaction.atomic():
        conversation = Conversation.objects.create(
            owner=owner,
            kind=Conversation.Kind.TEAM,
            title=title.strip()[:255],
            context={"team": team.empty_state(), "team_personas": [persona_facts(p) for p in unique]},
        )
        conversation.team_personas.set(unique)
    return conversation


@dataclass(frozen=True)
class RoleSpeaker:
    """Stands in for a persona in ``ReplyStream``: what it reads is ``name`` and ``pk``."""

    name: str
    pk: str


@dataclass
class TeamReplyStream:
    conversation: Conversation
    user_message: Message
    analysed: Analysed
    roles: list[team.Role]
    messages: list[Message] = field(default_factory=list)
    _cancelled: threading.Event = field(default_factory=threading.Event)
    _current: ReplyStream | None = None
    _started: bool = False

    def cancel(self) -> None:
        self._cancelled.set()
        if self._current is not None:
            self._current.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def __iter__(self) -> Iterator[tuple[str, object]]:
        if self._started:
            raise RuntimeError("A reply stream can be iterated once.")
        self._started = True
        return self._run()

    def _run(self) -> Iterator[tuple[str, object]]:
        state = team.state_update(
            team.state_of(self.conversation.context), self.user_message.content, speaker="user"
        )
        _state_save(self.conversation, state)
        for role in self.roles:
            if self.cancelled:
                yield ("error", ("The reply was stopped.", self.messages[-1] if self.messages else None))
                return
            yield ("turn", {"role": role.key, "persona": role.name})
            reply = ReplyStream(
                conversation=self.conversation,
                persona=RoleSpeaker(role.name, role.key),  # type: ignore[arg-type]
                user_message=self.user_message,
                prompt=self._prompt(role, state),
                analysis=self.analysed.result,
                # Each role answers in about 120 words; a small model that rambles is cut here.
                max_tokens=int(services.setting("TEAM_MAX_REPLY_TOKENS", 300)),
            )
            self._current = reply
            events = iter(reply)
            try:
                for kind, payload in events:
                    if kind == "token":
                        yield ("token", payload)
                    elif kind == "done":
                        self.messages.append(payload)
                        yield ("message", payload)
                        state = team.state_update(state, payload.content, speaker=role.name)
                        state["turns"] = int(state.get("turns", 0)) + 1
                        _state_save(self.conversation, state)
                        yield ("context", state)
                    else:  # error: stop the turn; Retry answers with the roles still missing
                        detail, partial = payload
                        if partial is not None:
                            self.messages.append(partial)
                        yield ("error", (detail, partial))
                        return
            finally:
                events.close()  # an early close saves the partial reply of the current role
        if self.messages:
            yield ("done", self.messages[-1])
        else:
            yield ("error", ("The team could not answer.", None))

    def _prompt(self, role: team.Role, state: dict) -> list[dict]:
        conversation = self.conversation
        system = team.system_prompt(
            role,
            personas=conversation.context.get("team_personas") or [],
            state=state,
            canary=conversation.canary,
        )
        this_turn = list(
            Message.objects.filter(
                conversation=conversation,
                role=Message.Role.ASSISTANT,
                created_at__gte=self.user_message.created_at,
            )
            .exclude(is_incomplete=True)
            .order_by("created_at", "id")
            .only("persona", "content")
        )
        if this_turn:
            system += "\n\nYour teammates already answered this message:\n" + "\n".join(
                f"[{m.persona}] {m.content.strip()[:1200]}" for m in this_turn
            )
        history_limit = int(services.setting("CHAT_HISTORY_MAX_MESSAGES", 200))
        earlier = (
            Message.objects.filter(conversation=conversation, created_at__lte=self.user_message.created_at)
            .exclude(pk=self.user_message.pk)
            .exclude(role=Message.Role.SYSTEM)
            .order_by("-created_at", "-id")
            .only("role", "persona", "content", "created_at")[:history_limit]
        )
        history = [
            team.history_line(m.role, m.persona, m.content) for m in reversed(list(earlier)) if m.content
        ]
        return services.trim_history(
            [{"role": "system", "content": system}],
            history,
            {"role": "user", "content": self.user_message.content},
            int(services.setting("CHAT_CONTEXT_BUDGET_TOKENS", 3000)),
        )


def _state_save(conversation: Conversation, state: dict) -> None:
    conversation.context = {**conversation.context, "team": state}
    conversation.save(update_fields=["context", "updated_at"])


def team_message_send(*, conversation: Conversation, content: str, user) -> TeamReplyStream:
    """Validate, analyse and save the user's message; the team answers when the stream is read.

    Raises MessageInvalid (400) or RateLimited (429) before anything is written."""
    text = services._validate_content(content)
    services._budget_check(user)
    services._rate_limit_check(user)
    analysed = services.message_analyse(text)
    user_message = services.user_message_save(
        conversation=conversation, text=text, analysed=analysed, persona_name=TEAM_NAME
    )
    return TeamReplyStream(
        conversation=conversation, user_message=user_message, analysed=analysed, roles=list(team.ROLES)
    )


def roles_pending(conversation: Conversation) -> tuple[Message | None, list[team.Role]]:
    """The latest user message and the roles that have not answered it completely."""
    user_message = conversation.messages.filter(role=Message.Role.USER).order_by("-created_at", "-id").first()
    if user_message is None:
        return None, []
    answered = set(
        conversation.messages.filter(
            role=Message.Role.ASSISTANT, created_at__gte=user_message.created_at, is_incomplete=False
        ).values_list("persona", flat=True)
    )
    return user_message, [role for role in team.ROLES if role.name not in answered]


def team_message_retry(*, conversation: Conversation, user) -> TeamReplyStream:
    """Let the roles that have not answered the latest message (completely) answer it."""
    user_message, roles = roles_pending(conversation)
    if user_message is None:
        raise MessageInvalid("There is nothing to retry.")
    if not roles:
        raise MessageInvalid("The team has answered; there is nothing to retry.")
    services._budget_check(user)
    services._rate_limit_check(user)
    # Incomplete replies to this message are replaced by the new ones.
    conversation.messages.filter(
        role=Message.Role.ASSISTANT, created_at__gte=user_message.created_at, is_incomplete=True
    ).delete()
    analysed = services.message_analyse(user_message.content)
    return TeamReplyStream(
        conversation=conversation, user_message=user_message, analysed=analysed, roles=roles
    )

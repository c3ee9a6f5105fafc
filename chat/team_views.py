"""Team conversation pages (namespace "chat"): start one, and its page.

Sending uses the chat views (``chat:send`` without JavaScript, ``chat:stream`` with it): the chat
services hand a team conversation's message to the agent team.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from chat import selectors, services, team, team_services
from chat.models import Artifact, Conversation
from personas.models import Persona


def _ready_personas(user) -> list[Persona]:
    return [p for p in selectors.personas_for_user(user) if p.status == Persona.Status.READY]


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    personas = _ready_personas(request.user)
    chosen = request.POST.getlist("personas") if request.method == "POST" else []
    if request.method == "POST":
        by_id = {str(p.pk): p for p in personas}
        unknown = [value for value in chosen if value not in by_id]
        if unknown:
            flash.error(request, "Choose among your own ready personas.")
        else:
            try:
                conversation = team_services.team_conversation_create(
                    owner=request.user,
                    personas=[by_id[value] for value in chosen],
                    title=request.POST.get("title", ""),
                )
            except services.ChatError as exc:
                flash.error(request, exc.detail)
            else:
                return redirect("chat:conversation", conversation.pk)
    return render(
        request,
        "chat/team_new.html",
        {
            "personas": personas,
            "chosen": set(chosen),
            "title": request.POST.get("title", ""),
            "max_personas": team_services.MAX_TEAM_PERSONAS,
            "roles": team.ROLES,
        },
        status=400 if request.method == "POST" else 200,
    )


def team_detail(request, conversation: Conversation, page, more: bool):
    """The page of a team conversation (``chat.views.conversation_detail`` hands it over)."""
    user_message, pending_roles = team_services.roles_pending(conversation)
    return render(
        request,
        "chat/team.html",
        {
            "conversation": conversation,
            "chat_messages": page,
            "more": more,
            "paged": bool(request.GET.get("before")),
            "team_state": team.state_of(conversation.context),
            "team_personas": conversation.context.get("team_personas") or [],
            "roles": team.ROLES,
            "max_chars": services.max_message_chars(),
            "needs_retry": user_message is not None and bool(pending_roles),
            "artifacts": selectors.latest_artifacts(conversation),
            "artifact_types": Artifact.ArtifactType.choices,
        },
    )


urlpatterns = [
    path("chat/team/new/", team_new, name="team_new"),
]

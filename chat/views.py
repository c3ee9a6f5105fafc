"""Chat pages (namespace "chat"): conversation list, chat page, streamed and plain sending.

Another user's conversation or message is a 404; anonymous users are sent to log in (pages) or
get a 403 JSON answer (the stream endpoint, which JavaScript calls).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_POST

from chat import replies, selectors, services
from chat.models import Artifact, Conversation, Message
from chat.streaming import release_connections, streaming_response
from chat.team_views import team_detail
from personas.models import Persona

app_name = "chat"


def _conversation(request, conversation_id) -> Conversation:
    try:
        return selectors.conversation_for_user(request.user, conversation_id)
    except (Conversation.DoesNotExist, ValidationError):
        raise Http404("There is no such conversation.") from None


def _message(request, message_id) -> Message:
    try:
        return selectors.message_for_user(request.user, message_id)
    except (Message.DoesNotExist, ValidationError):
        raise Http404("There is no such message.") from None


def _persona_url(persona: Persona | None) -> str:
    if persona is None:
        return ""
    try:
        return reverse("personas:persona", args=[persona.pk])
    except NoReverseMatch:
        return ""


# --------------------------------------------------------------------------- list


@login_required
@require_GET
def conversation_list(request):
    personas = list(selectors.personas_for_user(request.user))
    persona_filter = request.GET.get("persona") or ""
    if persona_filter and persona_filter not in {str(p.pk) for p in personas}:
        persona_filter = ""
    conversations = selectors.conversations_for_user(request.user, persona_id=persona_filter or None)
    return render(
        request,
        "chat/list.html",
        {
            "conversations": conversations[:200],
            "personas": personas,
            "ready_personas": [p for p in personas if p.status == Persona.Status.READY],
            "persona_filter": persona_filter,
        },
    )


@login_required
@require_POST
def conversation_new(request):
    try:
        persona = selectors.persona_for_user(request.user, request.POST.get("persona") or None)
    except (Persona.DoesNotExist, ValidationError, ValueError):
        flash.error(request, "Choose one of your personas to chat with.")
        return redirect("chat:list")
    conversation = services.conversation_create(owner=request.user, persona=persona)
    return redirect("chat:conversation", conversation.pk)


@login_required
@require_POST
def conversation_rename(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    try:
        services.conversation_rename(conversation=conversation, title=request.POST.get("title", ""))
    except services.ChatError as exc:
        flash.error(request, exc.detail)
    else:
        flash.success(request, "Conversation renamed.")
    return redirect(_back(request, reverse("chat:conversation", args=[conversation.pk])))


@login_required
@require_POST
def conversation_delete(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    services.conversation_delete(conversation=conversation)
    flash.success(request, "Conversation deleted.")
    return redirect("chat:list")


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


# --------------------------------------------------------------------------- chat page


def _message_page(request, conversation: Conversation):
    before = None
    if request.GET.get("before"):
        try:
            before = conversation.messages.get(pk=request.GET["before"])
        except (Message.DoesNotExist, ValidationError):
            before = None
    return selectors.messages_page(conversation, before=before)


@login_required
@require_GET
def conversation_detail(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    page, more = _message_page(request, conversation)
    if conversation.kind == Conversation.Kind.TEAM:
        return team_detail(request, conversation, page, more)
    persona = conversation.persona
    return render(
        request,
        "chat/conversation.html",
        {
            "conversation": conversation,
            "persona": persona,
            "persona_url": _persona_url(persona),
            "chat_messages": page,
            "more": more,
            "paged": bool(request.GET.get("before")),
            "can_chat": persona is not None and persona.status == Persona.Status.READY,
            "max_chars": services.max_message_chars(),
            "needs_retry": _needs_retry(conversation),
            "artifacts": selectors.latest_artifacts(conversation),
            "artifact_types": Artifact.ArtifactType.choices,
        },
    )


def _needs_retry(conversation: Conversation) -> bool:
    last = conversation.messages.order_by("-created_at", "-id").first()
    return last is not None and (last.role == Message.Role.USER or last.is_incomplete)


@login_required
@require_GET
def conversation_earlier(request, conversation_id):
    """The page of messages before ``?before=`` (htmx "Load earlier")."""
    conversation = _conversation(request, conversation_id)
    page, more = _message_page(request, conversation)
    return render(
        request, "chat/_earlier.html", {"conversation": conversation, "chat_messages": page, "more": more}
    )


@login_required
@require_GET
def message_fragment(request, message_id):
    message = _message(request, message_id)
    return render(request, "chat/_message.html", {"message": message, "conversation": message.conversation})


# --------------------------------------------------------------------------- sending


@login_required
@require_POST
def conversation_send(request, conversation_id):
    """No-JavaScript fallback: wait for the whole reply, then show the conversation again."""
    conversation = _conversation(request, conversation_id)
    try:
        if request.POST.get("retry"):
            reply = replies.message_retry(conversation=conversation, user=request.user)
        else:
            reply = replies.message_send(
                conversation=conversation, content=request.POST.get("content", ""), user=request.user
            )
    except services.ChatError as exc:
        flash.error(request, exc.detail)
        return redirect("chat:conversation", conversation.pk)
    message, error = services.reply_collect(reply)
    if error:
        flash.error(request, error)
    url = reverse("chat:conversation", args=[conversation.pk])
    return redirect(f"{url}#message-{message.pk}" if message else url)


def _json_error(status: int, detail: str, *, errors=None, retry_after=None) -> JsonResponse:
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _start_reply(user, conversation_id, content, retry: bool):
    try:
        conversation = selectors.conversation_for_user(user, conversation_id)
    except (Conversation.DoesNotExist, ValidationError):
        return None
    try:
        if retry:
            return replies.message_retry(conversation=conversation, user=user)
        return replies.message_send(conversation=conversation, content=content, user=user)
    finally:
        release_connections()  # not held for the life of the stream


async def conversation_stream(request, conversation_id):
    """Async: POST a message (form-encoded ``content``, or ``retry=1``); answer with SSE."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = await request.auser()
    if not user.is_authenticated:
        return _json_error(403, "Log in to chat.")
    try:
        reply = await sync_to_async(_start_reply)(
            user, conversation_id, request.POST.get("content", ""), bool(request.POST.get("retry"))
        )
    except services.ChatError as exc:
        return _json_error(exc.status_code, exc.detail, errors=exc.errors, retry_after=exc.retry_after)
    if reply is None:
        return _json_error(404, "There is no such conversation.")
    return streaming_response(request, reply)


# --------------------------------------------------------------------------- feedback


@login_required
@require_POST
def message_mistake(request, message_id):
    message = _message(request, message_id)
    services.message_mark_mistake(
        message=message,
        is_mistake=request.POST.get("is_mistake", "1") != "0",
        note=request.POST.get("note", ""),
    )
    flash.success(request, "Thanks — marked as a mistake." if message.is_mistake else "Mistake mark removed.")
    return redirect(f"{reverse('chat:conversation', args=[message.conversation_id])}#message-{message.pk}")


@login_required
@require_POST
def message_feedback(request, message_id):
    message = _message(request, message_id)
    try:
        services.message_set_feedback(message=message, feedback=request.POST.get("feedback", ""))
    except services.ChatError as exc:
        flash.error(request, exc.detail)
    if request.headers.get("HX-Request"):
        return render(
            request, "chat/_message.html", {"message": message, "conversation": message.conversation}
        )
    return redirect(f"{reverse('chat:conversation', args=[message.conversation_id])}#message-{message.pk}")


urlpatterns = [
    path("chat/", conversation_list, name="list"),
    path("chat/new/", conversation_new, name="new"),
    path("chat/<uuid:conversation_id>/", conversation_detail, name="conversation"),
    path("chat/<uuid:conversation_id>/earlier/", conversation_earlier, name="earlier"),
    path("chat/<uuid:conversation_id>/rename/", conversation_rename, name="rename"),
    path("chat/<uuid:conversation_id>/delete/", conversation_delete, name="delete"),
    path("chat/<uuid:conversation_id>/send/", conversation_send, name="send"),
    path("chat/<uuid:conversation_id>/stream/", conversation_stream, name="stream"),
    path("chat/messages/<uuid:message_id>/", message_fragment, name="message"),
    path("chat/messages/<uuid:message_id>/mistake/", message_mistake, name="mistake"),
    path("chat/messages/<uuid:message_id>/feedback/", message_feedback, name="feedback"),
]

"""Artifact pages (namespace "chat"): generate, list, one artifact with its versions and diff,
progress (htmx polling), download.

Another user's artifact or conversation is a 404. The ERD page renders the diagram with the
vendored Mermaid (static/vendor/mermaid); Mermaid puts a ``<style>`` element inside the SVG it
draws, so that page alone allows inline styles (scripts stay ``'self'`` only).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from chat import artifact_builders, artifact_services, erd, selectors
from chat.models import Artifact, Conversation

LIST_LIMIT = 200


def _artifact(request, artifact_id) -> Artifact:
    try:
        return selectors.artifact_for_user(request.user, artifact_id)
    except (Artifact.DoesNotExist, ValidationError):
        raise Http404("There is no such artifact.") from None


@login_required
@require_POST
def artifact_generate(request, conversation_id):
    try:
        conversation = selectors.conversation_for_user(request.user, conversation_id)
    except (Conversation.DoesNotExist, ValidationError):
        raise Http404("There is no such conversation.") from None
    try:
        artifact = artifact_services.artifact_request(
            conversation=conversation, artifact_type=request.POST.get("artifact_type", "")
        )
    except artifact_services.ArtifactInvalid as exc:
        flash.error(request, exc.detail)
        return redirect("chat:conversation", conversation.pk)
    return redirect("chat:artifact", artifact.pk)


@login_required
@require_GET
def artifact_list(request):
    artifacts = selectors.artifacts_for_user(request.user).defer("generated_data", "structured_data")
    return render(request, "chat/artifacts.html", {"artifacts": artifacts[:LIST_LIMIT]})


def _diff(request, artifact: Artifact, versions: list[Artifact]):
    raw = request.GET.get("against", "")
    if not raw:
        return None, None
    try:
        number = int(raw)
    except ValueError:
        return None, "Choose a version to compare with."
    if number == artifact.version or number not in {v.version for v in versions}:
        return None, "Choose another version of this artifact to compare with."
    other = selectors.artifact_version(artifact, number)
    old, new = (other, artifact) if other.version < artifact.version else (artifact, other)
    return {
        "old": old,
        "new": new,
        "rows": artifact_builders.diff_rows(old.generated_data, new.generated_data),
    }, None


@login_required
@require_GET
def artifact_detail(request, artifact_id):
    artifact = _artifact(request, artifact_id)
    versions = list(selectors.artifact_versions(artifact))
    diff, diff_error = _diff(request, artifact, versions)
    context = {
        "artifact": artifact,
        "versions": versions,
        "diff": diff,
        "diff_error": diff_error,
        "against": request.GET.get("against", ""),
        "is_ready": artifact.status == Artifact.Status.READY,
    }
    if artifact.status == Artifact.Status.READY and artifact.artifact_type == Artifact.ArtifactType.ERD:
        parsed = erd.parse(artifact.generated_data)
        context["diagram"] = parsed.diagram
        context["diagram_problems"] = [str(p) for p in parsed.problems]
    response = render(request, "chat/artifact.html", context)
    if context.get("diagram") is not None and settings.CONTENT_SECURITY_POLICY:
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'"
        )
    return response


@login_required
@require_GET
def artifact_progress(request, artifact_id):
    """The progress fragment; once the artifact is done, htmx reloads the whole page."""
    artifact = _artifact(request, artifact_id)
    response = render(request, "chat/_artifact_progress.html", {"artifact": artifact})
    if artifact.status in (Artifact.Status.READY, Artifact.Status.FAILED) and request.headers.get(
        "HX-Request"
    ):
        response["HX-Redirect"] = reverse("chat:artifact", args=[artifact.pk])
    return response


def download_response(artifact: Artifact) -> HttpResponse:
    response = HttpResponse(artifact.generated_data, content_type=artifact_services.content_type(artifact))
    response["Content-Disposition"] = f'attachment; filename="{artifact.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def artifact_download(request, artifact_id):
    artifact = _artifact(request, artifact_id)
    if artifact.status != Artifact.Status.READY:
        raise Http404("This artifact is not ready yet.")
    return download_response(artifact)


urlpatterns = [
    path("chat/<uuid:conversation_id>/artifacts/", artifact_generate, name="artifact_generate"),
    path("chat/artifacts/", artifact_list, name="artifacts"),
    path("chat/artifacts/<uuid:artifact_id>/", artifact_detail, name="artifact"),
    path("chat/artifacts/<uuid:artifact_id>/progress/", artifact_progress, name="artifact_progress"),
    path("chat/artifacts/<uuid:artifact_id>/download/", artifact_download, name="artifact_download"),
]

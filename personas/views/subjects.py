"""Pages: the user's subjects, a subject's page (scores, mindscape, narratives, observations,
current persona), "My persona", and the one-click "Generate my persona"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from personas.selectors import mindscapes as mindscape_selectors
from personas.selectors import narratives as narrative_selectors
from personas.selectors import observations as observation_selectors
from personas.selectors import personas as persona_selectors
from personas.services import personas as persona_services
from personas.views.common import subject_for_page

NARRATIVES_ON_PAGE = 50
OBSERVATIONS_ON_PAGE = 50


@login_required
def subject_list(request: HttpRequest) -> HttpResponse:
    """The subjects the user is or manages (most users: just their own profile)."""
    subjects = list(assessment_selectors.subjects_for_user(request.user).order_by("display_name", "id"))
    current = persona_selectors.current_personas(subjects)
    rows = [{"subject": subject, "persona": current.get(subject.pk)} for subject in subjects]
    return render(request, "personas/subject_list.html", {"rows": rows})


@login_required
def my_persona(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own subject page (their profile is created on the way if needed)."""
    subject = assessment_services.subject_get_or_create_for_user(user=request.user)
    return redirect("personas:subject", subject.pk)


@login_required
def subject_detail(request: HttpRequest, subject_id) -> HttpResponse:
    subject = subject_for_page(request, subject_id)
    persona = persona_selectors.persona_current(subject)
    context = {
        "subject": subject,
        "summaries": persona_selectors.subject_score_summary(subject),
        "mindscape": mindscape_selectors.mindscape_for_subject(subject),
        "narratives": list(narrative_selectors.narratives_for_subject(subject)[:NARRATIVES_ON_PAGE]),
        "observations": observation_selectors.observation_timeline(subject, limit=OBSERVATIONS_ON_PAGE),
        "persona": persona,
        "can_edit": request.user.pk in (subject.user_id, subject.owner_id) or request.user.is_staff,
        "is_own": request.user.pk == subject.user_id,
    }
    return render(request, "personas/subject.html", context)


@login_required
@require_POST
def persona_generate(request: HttpRequest, subject_id) -> HttpResponse:
    """Generate (or regenerate) the subject's persona, then show it while it is generated."""
    subject = subject_for_page(request, subject_id)
    try:
        persona = persona_services.persona_request(subject=subject, requested_by=request.user)
    except persona_services.PersonaError as exc:
        messages.error(request, exc.message)
        return redirect("personas:subject", subject.pk)
    return redirect("personas:persona", persona.pk)


urlpatterns = [
    path("subjects/", subject_list, name="subjects"),
    path("subjects/<uuid:subject_id>/", subject_detail, name="subject"),
    path("subjects/<uuid:subject_id>/personas/generate/", persona_generate, name="generate"),
    path("persona/", my_persona, name="my_persona"),
]

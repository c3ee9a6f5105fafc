"""Pages: a persona (illustration, description, core and overlay, the prompt for its owner, what
shaped it, its status while generating, Retry / Regenerate, history, feedback) and its SVG."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from assessments.templatetags.partials import render_partials
from personas.models import Persona
from personas.selectors import personas as persona_selectors
from personas.services import personas as persona_services

HISTORY_ON_PAGE = 20
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
GUIDANCE_SECTIONS = (
    ("voice", "Voice"),
    ("values", "Values"),
    ("working_style", "Working style"),
    ("energises", "Energises"),
    ("drains", "Drains"),
    ("communication", "Communication"),
    ("other", "Other notes"),
)


def persona_for_page(request: HttpRequest, persona_id) -> Persona:
    try:
        return persona_selectors.persona_for_user(request.user, persona_id)
    except Persona.DoesNotExist:
        raise Http404("There is no such persona.") from None


class FeedbackForm(forms.Form):
    RATINGS = [(str(n), str(n)) for n in range(1, 6)]
    HELPFUL = [("", "No answer"), ("yes", "Yes"), ("no", "No")]

    rating = forms.TypedChoiceField(
        choices=RATINGS,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        label="Rating",
    )
    helpful = forms.ChoiceField(
        choices=HELPFUL, required=False, widget=forms.RadioSelect, label="Was it helpful?"
    )
    comment = forms.CharField(
        required=False,
        max_length=persona_services.MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment",
        help_text=f"Optional, at most {persona_services.MAX_COMMENT_CHARS:,} characters.",
    )
    rule_id = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)

    def clean_helpful(self):
        return {"yes": True, "no": False}.get(self.cleaned_data.get("helpful") or "")


def _context(request: HttpRequest, persona: Persona, form: FeedbackForm | None = None) -> dict:
    history = list(persona_selectors.personas_for_subject(persona.subject)[:HISTORY_ON_PAGE])
    core = persona.core or {}
    metadata = persona.metadata or {}
    return {
        "persona": persona,
        "subject": persona.subject,
        "is_current": bool(history) and history[0].pk == persona.pk,
        "history": history,
        "usages": persona_selectors.persona_usages(persona),
        "rules": metadata.get("rules") or [],
        "voice_sample": metadata.get("voice_sample", ""),
        "guidance": [
            {"key": key, "title": title, "items": core.get(key) or []}
            for key, title in GUIDANCE_SECTIONS
            if core.get(key)
        ],
        "traits": core.get("traits") or [],
        "others_view": core.get("others_view") or [],
        "overlay": persona.overlay or {},
        "show_prompt": persona_selectors.can_see_prompt(request.user, persona),
        "form": form or FeedbackForm(),
        "generating": persona.status == Persona.Status.GENERATING,
    }


@login_required
def persona_detail(request: HttpRequest, persona_id) -> HttpResponse:
    persona = persona_for_page(request, persona_id)
    return render(request, "personas/persona.html", _context(request, persona))


@login_required
@require_GET
def persona_status(request: HttpRequest, persona_id) -> HttpResponse:
    """The status fragment, polled every 2 s while generating: 204 while nothing changed; once the
    persona is ready or failed, the fragment without the poller and a full refresh for htmx."""
    persona = persona_for_page(request, persona_id)
    if persona.status == Persona.Status.GENERATING:
        return HttpResponse(status=204) if request.htmx else redirect("personas:persona", persona.pk)
    if not request.htmx:
        return redirect("personas:persona", persona.pk)
    response = render_partials(
        request, "personas/_persona_status.html", ["status"], {"persona": persona, "generating": False}
    )
    response["HX-Refresh"] = "true"  # the whole page changes (illustration, description, facts)
    return response


@login_required
@require_GET
def persona_illustration(request: HttpRequest, persona_id) -> HttpResponse:
    persona = persona_for_page(request, persona_id)
    if not persona.illustration_svg:
        raise Http404("This persona has no illustration yet.")
    response = HttpResponse(persona.illustration_svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SVG_CSP
    response["ETag"] = f'"{persona.pk}-{int(persona.updated_at.timestamp())}"'
    return response


@login_required
@require_POST
def persona_retry(request: HttpRequest, persona_id) -> HttpResponse:
    persona = persona_for_page(request, persona_id)
    try:
        persona_services.persona_retry(persona=persona)
    except persona_services.PersonaError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Generating the persona again.")
    return redirect("personas:persona", persona.pk)


@login_required
@require_POST
def persona_feedback(request: HttpRequest, persona_id) -> HttpResponse:
    persona = persona_for_page(request, persona_id)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            persona_services.feedback_create(
                persona=persona,
                created_by=request.user,
                rating=data["rating"],
                helpful=data["helpful"],
                comment=data["comment"],
                rule_id=data["rule_id"],
                context={"source": "persona_page"},
            )
        except persona_services.InvalidFeedback as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, "Thank you for your feedback.")
            return redirect(reverse("personas:persona", args=[persona.pk]) + "#feedback")
    return render(request, "personas/persona.html", _context(request, persona, form), status=400)


urlpatterns = [
    path("personas/<uuid:persona_id>/", persona_detail, name="persona"),
    path("personas/<uuid:persona_id>/status/", persona_status, name="persona_status"),
    path("personas/<uuid:persona_id>/illustration.svg", persona_illustration, name="illustration"),
    path("personas/<uuid:persona_id>/retry/", persona_retry, name="retry"),
    path("personas/<uuid:persona_id>/feedback/", persona_feedback, name="feedback"),
]

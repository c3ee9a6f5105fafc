"""Pages: a subject's narratives (list, add, edit, delete), semantic search, and accepting or
rejecting suggested trait links. Every form is a plain POST that works without JS and comes back
to the page it was sent from (``next``, checked) or to the subject's narratives page; the search
box answers htmx with just its results. Another user's subject, narrative or link is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from assessments.models import SubjectProfile
from personai import llm
from personas.models import Narrative, TraitNarrativeLink
from personas.selectors import narratives as selectors
from personas.services import narratives as services
from personas.views.common import subject_for_page

PAGE_SIZE = 50


# --------------------------------------------------------------------------- forms


class NarrativeForm(forms.Form):
    narrative_type = forms.ChoiceField(
        choices=Narrative.NarrativeType.choices,
        label="Kind",
        initial=Narrative.NarrativeType.SELF_OBSERVATION,
        help_text="A self-observation in your own words, or a curation that corrects or refines one trait.",
    )
    raw_text = forms.CharField(
        label="Narrative",
        max_length=services.MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"At most {services.MAX_TEXT_CHARS:,} characters.",
    )
    curated_text = forms.CharField(
        label="Curated version (optional)",
        required=False,
        max_length=services.MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A cleaned-up version; when given, it is what search and personas use.",
    )
    tags = forms.CharField(
        label="Tags (optional)",
        required=False,
        help_text=f"Comma-separated, at most {services.MAX_TAGS}: letters, digits, spaces, '-' and '_'.",
    )
    trait_path = forms.CharField(
        label="Trait (for curations)",
        required=False,
        max_length=services.MAX_TRAIT_PATH_CHARS,
        help_text="A mindscape path such as big_five.openness.score.",
    )
    source = forms.CharField(label="Source (optional)", required=False, max_length=services.MAX_SOURCE_CHARS)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            cleaned = services.narrative_clean(
                narrative_type=data["narrative_type"],
                raw_text=data["raw_text"],
                curated_text=data["curated_text"],
                tags=[tag for tag in data["tags"].split(",") if tag.strip()],
                context=None,
                trait_path=data["trait_path"],
                curation_action=None,
                source=data["source"],
            )
        except services.NarrativeInvalid as exc:
            add_service_errors(self, exc)
            return data
        for name in ("narrative_type", "raw_text", "curated_text", "tags", "trait_path", "source"):
            data[name] = cleaned[name]
        return data

    @classmethod
    def for_narrative(cls, narrative: Narrative) -> NarrativeForm:
        return cls(
            initial={
                "narrative_type": narrative.narrative_type,
                "raw_text": narrative.raw_text,
                "curated_text": narrative.curated_text,
                "tags": ", ".join(narrative.tags),
                "trait_path": narrative.trait_path,
                "source": narrative.source,
            }
        )


def add_service_errors(form: forms.Form, exc: services.NarrativeInvalid) -> None:
    for field, problems in exc.errors.items():
        form.add_error(field if field in form.fields else None, problems)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search by meaning", max_length=selectors.MAX_QUERY_CHARS)
    k = forms.IntegerField(
        label="Results", min_value=1, max_value=selectors.MAX_K, required=False, initial=selectors.DEFAULT_K
    )
    type = forms.ChoiceField(
        label="Kind", choices=[("", "Any kind"), *Narrative.NarrativeType.choices], required=False
    )
    tag = forms.CharField(label="Tag", max_length=services.MAX_TAG_CHARS, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --------------------------------------------------------------------------- helpers


def _can_edit(request: HttpRequest, subject: SubjectProfile) -> bool:
    return request.user.is_staff or request.user.pk in (subject.user_id, subject.owner_id)


def _editable_subject(request: HttpRequest, subject_id) -> SubjectProfile:
    subject = subject_for_page(request, subject_id)
    if not _can_edit(request, subject):
        raise Http404("There is no such subject.")
    return subject


def _narrative_for_page(request: HttpRequest, narrative_id) -> Narrative:
    try:
        narrative = selectors.narrative_for_user(request.user, narrative_id)
    except Narrative.DoesNotExist:
        raise Http404("There is no such narrative.") from None
    if not _can_edit(request, narrative.subject):
        raise Http404("There is no such narrative.")
    return narrative


def _back(request: HttpRequest, subject: SubjectProfile) -> HttpResponse:
    """Back to where the form was posted from (a local URL only), else the narratives page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("personas:narratives", args=[subject.pk]))


def _next_value(request: HttpRequest) -> str:
    target = request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


# --------------------------------------------------------------------------- pages


@login_required
def narrative_list(request: HttpRequest, subject_id) -> HttpResponse:
    """All of a subject's narratives (50 a page), the add form and the search box."""
    subject = subject_for_page(request, subject_id)
    page = Paginator(selectors.narratives_for_subject(subject), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "subject": subject,
        "narratives": list(page.object_list),
        "page": page,
        "can_edit": _can_edit(request, subject),
        "form": NarrativeForm(),
    }
    return render(request, "personas/narrative_list.html", context)


@login_required
def narrative_add(request: HttpRequest, subject_id) -> HttpResponse:
    subject = _editable_subject(request, subject_id)
    form = NarrativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.narrative_create(
                subject=subject,
                created_by=request.user,
                narrative_type=data["narrative_type"],
                raw_text=data["raw_text"],
                curated_text=data["curated_text"],
                tags=data["tags"],
                trait_path=data["trait_path"],
                source=data["source"],
            )
        except services.NarrativeInvalid as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "Narrative saved. It becomes searchable once its embedding is computed."
            )
            return _back(request, subject)
    status = 400 if request.method == "POST" else 200
    context = {"subject": subject, "form": form, "next": request.POST.get("next") or _next_value(request)}
    return render(request, "personas/narrative_form.html", context, status=status)


@login_required
def narrative_edit(request: HttpRequest, narrative_id) -> HttpResponse:
    narrative = _narrative_for_page(request, narrative_id)
    form = NarrativeForm(request.POST) if request.method == "POST" else NarrativeForm.for_narrative(narrative)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.narrative_update(
                narrative=narrative,
                narrative_type=data["narrative_type"],
                raw_text=data["raw_text"],
                curated_text=data["curated_text"],
                tags=data["tags"],
                trait_path=data["trait_path"],
                source=data["source"],
            )
        except services.NarrativeInvalid as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Narrative updated.")
            return _back(request, narrative.subject)
    status = 400 if request.method == "POST" else 200
    context = {
        "subject": narrative.subject,
        "narrative": narrative,
        "form": form,
        "next": request.POST.get("next") or _next_value(request),
    }
    return render(request, "personas/narrative_form.html", context, status=status)


@login_required
def narrative_delete(request: HttpRequest, narrative_id) -> HttpResponse:
    narrative = _narrative_for_page(request, narrative_id)
    if request.method == "POST":
        services.narrative_delete(narrative=narrative)
        messages.success(request, "Narrative deleted.")
        return _back(request, narrative.subject)
    context = {"subject": narrative.subject, "narrative": narrative, "next": _next_value(request)}
    return render(request, "personas/narrative_confirm_delete.html", context)


@login_required
def narrative_search(request: HttpRequest, subject_id) -> HttpResponse:
    """Top results by meaning, with scores: a whole page, or (htmx) just the results."""
    subject = subject_for_page(request, subject_id)
    form = SearchForm(request.GET if "q" in request.GET else None)
    result = None
    error = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = selectors.narrative_search(
                subject=subject,
                query=data["q"],
                k=data["k"] or selectors.DEFAULT_K,
                narrative_type=data["type"] or None,
                tag=data["tag"].strip().lower() or None,
            )
        except llm.LLMError as exc:
            error = f"The embedding model is unavailable right now, so the search cannot run ({exc}). Try again in a moment."
    context = {
        "subject": subject,
        "search_form": form,
        "result": result,
        "error": error,
        "can_edit": _can_edit(request, subject),
    }
    if request.htmx:
        return render(request, "personas/_narrative_search_results.html", context)
    return render(request, "personas/narrative_search.html", context)


@login_required
@require_POST
def trait_link_set_status(request: HttpRequest, link_id, status: str) -> HttpResponse:
    try:
        link = selectors.trait_link_for_user(request.user, link_id)
    except TraitNarrativeLink.DoesNotExist:
        raise Http404("There is no such trait link.") from None
    narrative = _narrative_for_page(request, link.narrative_id)
    services.trait_link_update(link=link, status=status)
    verb = "accepted" if status == TraitNarrativeLink.Status.ACCEPTED else "rejected"
    messages.success(request, f"Link to {link.trait_path} {verb}.")
    return _back(request, narrative.subject)


urlpatterns = [
    path("subjects/<uuid:subject_id>/narratives/", narrative_list, name="narratives"),
    path("subjects/<uuid:subject_id>/narratives/add/", narrative_add, name="narrative_add"),
    path("subjects/<uuid:subject_id>/narratives/search/", narrative_search, name="narrative_search"),
    path("narratives/<uuid:narrative_id>/edit/", narrative_edit, name="narrative_edit"),
    path("narratives/<uuid:narrative_id>/delete/", narrative_delete, name="narrative_delete"),
    path(
        "trait-links/<uuid:link_id>/accept/",
        trait_link_set_status,
        {"status": TraitNarrativeLink.Status.ACCEPTED},
        name="trait_link_accept",
    ),
    path(
        "trait-links/<uuid:link_id>/reject/",
        trait_link_set_status,
        {"status": TraitNarrativeLink.Status.REJECTED},
        name="trait_link_reject",
    ),
]

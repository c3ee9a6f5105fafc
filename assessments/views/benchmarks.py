"""LLM benchmark pages: my agents, one agent, one benchmark's progress (htmx), the comparison."""

from __future__ import annotations

import csv
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments.benchmarks import comparison, fidelity, forms, selectors, services
from assessments.models import AssessmentBatch, Benchmark, SubjectProfile
from personas.selectors import personas as persona_selectors
from questionnaires import selectors as questionnaire_selectors


def _own_agent(request: HttpRequest, agent_id) -> SubjectProfile:
    agent = selectors.agents_for_user(request.user).filter(pk=agent_id).first()
    if agent is None:
        raise Http404("There is no such agent.")
    return agent


def _own_benchmark(request: HttpRequest, benchmark_id) -> Benchmark:
    try:
        return selectors.benchmark_for_user(request.user, benchmark_id)
    except Benchmark.DoesNotExist:
        raise Http404("There is no such benchmark.") from None


@login_required
def agent_list(request: HttpRequest) -> HttpResponse:
    context = {
        "agents": list(selectors.agents_for_user(request.user)),
        "cohorts": list(selectors.cohorts_for_user(request.user)),
        "benchmarks": list(selectors.benchmarks_for_user(request.user)[:50]),
        "own_subject": selectors.own_human_subject(request.user),
    }
    return render(request, "assessments/benchmark_agents.html", context)


@login_required
def agent_detail(request: HttpRequest, agent_id: UUID) -> HttpResponse:
    agent = _own_agent(request, agent_id)
    context = {
        "agent": agent,
        "batches": list(selectors.batches_for_subject(agent)),
        "benchmarks": list(selectors.benchmarks_for_user(request.user).filter(agent=agent)[:50]),
    }
    return render(request, "assessments/benchmark_agent.html", context)


@login_required
def benchmark_new(request: HttpRequest) -> HttpResponse:
    """The start form: agent, published questionnaire version, N, concurrency, seed, batch size."""
    agents = list(selectors.agents_for_user(request.user))
    versions = list(selectors.versions_to_benchmark())
    if request.method != "POST":
        initial = {"agent": request.GET.get("agent", "")}
        form = forms.BenchmarkStartForm(agents=agents, versions=versions, initial=initial)
        return render(request, "assessments/benchmark_new.html", {"form": form, "agents": agents})
    form = forms.BenchmarkStartForm(request.POST, agents=agents, versions=versions)
    if form.is_valid():
        data = form.cleaned_data
        agent = next(agent for agent in agents if str(agent.pk) == data["agent"])
        version = selectors.version_by_id(data["version"])
        if version is None:
            form.add_error("version", "There is no such questionnaire version.")
        else:
            try:
                benchmark = services.benchmark_start(
                    owner=request.user,
                    agent=agent,
                    version=version,
                    runs=data["runs"],
                    concurrency=data["concurrency"],
                    seed=data["seed"],
                    items_per_prompt=data["items_per_prompt"],
                )
            except services.BenchmarkError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "The benchmark has started.")
                return redirect("assessments:benchmark_detail", benchmark.pk)
    return render(request, "assessments/benchmark_new.html", {"form": form, "agents": agents}, status=400)


@login_required
def benchmark_detail(request: HttpRequest, benchmark_id: UUID) -> HttpResponse:
    benchmark = _own_benchmark(request, benchmark_id)
    context = {
        "benchmark": benchmark,
        "progress": selectors.benchmark_progress(benchmark),
        "runs": selectors.benchmark_runs(benchmark),
    }
    if request.headers.get("HX-Request"):
        return render(request, "assessments/_benchmark_progress.html", context)
    return render(request, "assessments/benchmark_detail.html", context)


@login_required
@require_POST
def benchmark_cancel(request: HttpRequest, benchmark_id: UUID) -> HttpResponse:
    benchmark = _own_benchmark(request, benchmark_id)
    try:
        services.benchmark_cancel(benchmark=benchmark)
    except services.BenchmarkError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The benchmark is cancelled: no further items will be asked.")
    return redirect("assessments:benchmark_detail", benchmark.pk)


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """`?subject=<id>` (repeatable: my agents and cohorts) on `?questionnaire=<slug>[&version=N]`."""
    slug = request.GET.get("questionnaire", "")
    errors = []
    version = None
    if slug:
        number = request.GET.get("version")
        if number and not number.isdigit():
            errors.append("The version must be a whole number.")
        else:
            version = (
                questionnaire_selectors.version_get(questionnaire_slug=slug, number=int(number))
                if number
                else questionnaire_selectors.version_active(questionnaire_slug=slug)
            )
            if version is None:
                errors.append(f'There is no published questionnaire "{slug}".')
    ids = []
    for raw in request.GET.getlist("subject"):
        try:
            ids.append(UUID(raw))
        except ValueError:
            errors.append(f'"{raw[:40]}" is not a subject id.')
    if errors:
        return render(request, "assessments/benchmark_compare.html", {"errors": errors}, status=400)
    mine = SubjectProfile.objects.filter(owner=request.user, subject_type__in=["agent", "cohort"])
    subjects = list(mine.filter(pk__in=ids)) if ids else list(mine)
    if ids and len(subjects) != len(set(ids)):
        raise Http404("There is no such subject.")
    reference_id = _reference_id(request, subjects)
    if isinstance(reference_id, HttpResponse):
        return reference_id
    result = None
    if version is not None:
        for subject in subjects:
            if subject.subject_type == "cohort":
                services.batch_refresh(subject_id=subject.pk, version_id=version.pk)
        batches = list(
            AssessmentBatch.objects.filter(subject__in=subjects, questionnaire_version=version)
            .select_related("subject")
            .order_by("subject__subject_type", "subject__display_name", "subject_id")
        )
        reference = next((batch for batch in batches if batch.subject_id == reference_id), None)
        agent_ids = [subject.pk for subject in subjects if subject.subject_type == "agent"]
        result = comparison.build(
            batches=batches,
            dimensions=selectors.dimension_rows(version),
            reference=reference,
            tokens=selectors.token_totals(agent_ids, version),
        )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="comparison-{slug}.csv"'
        writer = csv.writer(response)
        writer.writerow(comparison.CSV_COLUMNS)
        for row in result.rows if result else []:
            writer.writerow(row.csv_values())
        return response
    context = {
        "result": result,
        "version": version,
        "subjects": subjects,
        "cohorts": [subject for subject in subjects if subject.subject_type == "cohort"],
        "reference_id": reference_id,
        "selected": set(ids),
        "slug": slug,
        "errors": [],
    }
    return render(request, "assessments/benchmark_compare.html", context)


def _reference_id(request: HttpRequest, subjects: list[SubjectProfile]):
    """The cohort the others are tested against: `?reference=<id>` (one of the chosen cohorts),
    else the first chosen cohort."""
    cohorts_chosen = [subject for subject in subjects if subject.subject_type == "cohort"]
    raw = request.GET.get("reference")
    if not raw:
        return cohorts_chosen[0].pk if cohorts_chosen else None
    try:
        wanted = UUID(raw)
    except ValueError:
        wanted = None
    if wanted is None or wanted not in {cohort.pk for cohort in cohorts_chosen}:
        context = {"errors": ["Choose the reference among the cohorts you compare."]}
        return render(request, "assessments/benchmark_compare.html", context, status=400)
    return wanted


# --------------------------------------------------------------------------- persona fidelity


def _human_for_page(request: HttpRequest, subject_id) -> SubjectProfile:
    try:
        return fidelity.person_for_user(request.user, subject_id)
    except fidelity.NoSuchPerson as exc:
        raise Http404(exc.message) from None


def _fidelity_context(request: HttpRequest, subject: SubjectProfile, form=None) -> dict:
    versions = fidelity.versions_taken(subject)
    raw_version = request.GET.get("version") or request.POST.get("version")
    version = next((v for v in versions if str(v.pk) == str(raw_version)), versions[0] if versions else None)
    personas = list(persona_selectors.personas_for_subject(subject).select_related("mapper")[:20])
    result = None
    if version is not None:
        result = fidelity.fidelity(
            owner=request.user,
            subject=subject,
            version=version,
            persona_agent_id=request.GET.get("persona_agent"),
        )
    return {
        "subject": subject,
        "versions": versions,
        "version": version,
        "personas": personas,
        "prompt_visible": {p.pk for p in personas if persona_selectors.can_see_prompt(request.user, p)},
        "result": result,
        "form": form or forms.FidelityStartForm(),
    }


@login_required
def fidelity_detail(request: HttpRequest, subject_id: UUID) -> HttpResponse:
    """A person's own scores, what others said (aggregate, min-n), and each persona version's mean."""
    subject = _human_for_page(request, subject_id)
    return render(request, "assessments/benchmark_fidelity.html", _fidelity_context(request, subject))


@login_required
@require_POST
def fidelity_run(request: HttpRequest, subject_id: UUID) -> HttpResponse:
    """Start a benchmark of one of the person's personas on the chosen questionnaire version."""
    subject = _human_for_page(request, subject_id)
    form = forms.FidelityStartForm(request.POST)
    context = _fidelity_context(request, subject, form)
    if not form.is_valid():
        return render(request, "assessments/benchmark_fidelity.html", context, status=400)
    try:
        persona = persona_selectors.persona_for_user(request.user, form.cleaned_data["persona"])
    except ObjectDoesNotExist:
        raise Http404("There is no such persona.") from None
    if persona.subject_id != subject.pk or not persona_selectors.can_see_prompt(request.user, persona):
        raise Http404("There is no such persona.")
    if context["version"] is None:
        form.add_error(None, "The person has no scored questionnaire for the persona to take.")
        return render(request, "assessments/benchmark_fidelity.html", context, status=400)
    try:
        benchmark = services.fidelity_start(
            owner=request.user,
            persona=persona,
            version=context["version"],
            runs=form.cleaned_data["runs"],
            concurrency=form.cleaned_data["concurrency"],
            seed=form.cleaned_data["seed"],
        )
    except services.BenchmarkError as exc:
        form.add_service_errors(exc)
        return render(request, "assessments/benchmark_fidelity.html", context, status=400)
    messages.success(
        request, "The persona is taking the questionnaire; its fidelity appears when the runs are scored."
    )
    return redirect("assessments:benchmark_detail", benchmark.pk)

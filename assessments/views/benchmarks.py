"""LLM benchmark pages: my agents, one agent, one benchmark's progress (htmx), the comparison."""

from __future__ import annotations

import csv
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments.benchmarks import selectors, services
from assessments.models import AssessmentBatch, Benchmark, SubjectProfile
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


def _comparison_rows(batches: list[AssessmentBatch]) -> list[dict]:
    rows = []
    for batch in batches:
        for slug, entry in batch.stats.items():
            ci = entry.get("ci95") or [None, None]
            rows.append(
                {
                    "subject": batch.subject.display_name,
                    "subject_type": batch.subject.subject_type,
                    "dimension": slug,
                    "n": entry.get("n"),
                    "mean": entry.get("mean"),
                    "sd": entry.get("sd"),
                    "median": entry.get("median"),
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "invalid_rate": entry.get("invalid_rate"),
                }
            )
    rows.sort(key=lambda row: (row["dimension"], row["subject_type"], row["subject"]))
    return rows


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
    batches = []
    if version is not None:
        for subject in subjects:
            if subject.subject_type == "cohort":
                batches.append(services.batch_refresh(subject_id=subject.pk, version_id=version.pk))
        batches = list(
            AssessmentBatch.objects.filter(
                subject__in=subjects, questionnaire_version=version
            ).select_related("subject")
        )
    rows = _comparison_rows(batches)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="comparison-{slug}.csv"'
        writer = csv.writer(response)
        fields = [
            "subject",
            "subject_type",
            "dimension",
            "n",
            "mean",
            "sd",
            "median",
            "ci_low",
            "ci_high",
            "invalid_rate",
        ]
        writer.writerow(fields)
        for row in rows:
            writer.writerow(["" if row[field] is None else row[field] for field in fields])
        return response
    context = {"rows": rows, "version": version, "subjects": subjects, "slug": slug, "errors": []}
    return render(request, "assessments/benchmark_compare.html", context)

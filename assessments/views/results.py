"""Results pages: the owner's results, the chart download, and private share links (create,
revoke, and the page anyone with the link sees without an account)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.verification import verified_email_required_when_mandatory
from assessments import presenters, selectors, services, shares
from assessments.models import AnalysisRun, AssessmentSession, ResultShare
from assessments.views.flow import UNFINISHED_RUN, own_session
from questionnaires.models import translated

# A shared result is for the people it was sent to: no search engine, no referrer, no cache.
PRIVATE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}


def _latest_done(runs: list[AnalysisRun]) -> AnalysisRun | None:
    return next((r for r in runs if r.status == AnalysisRun.Status.DONE), None)


def _build(session: AssessmentSession, run: AnalysisRun, *, explain: bool) -> presenters.Results:
    """The results of `run` (a constant number of queries, whatever the data)."""
    version = session.questionnaire_version
    model = version.analysis_model
    config = model.config or {}
    band_basis = config.get("band_basis", "raw")
    scores = selectors.run_scores(run)
    cohort = selectors.cohort_counts(session, scores) if band_basis != "relative" else {}
    lang = presenters.lang_of(version, session.locale)
    return presenters.build_results(
        scores=scores,
        composites=selectors.run_composites(run),
        components=selectors.run_components(run) if explain else [],
        responses=selectors.session_responses(session) if explain else [],
        thresholds=selectors.thresholds_for_dimensions(score.dimension_id for score in scores),
        normalization=(config.get("normalization") or {}).get("method", "none"),
        lang=lang,
        band_basis=band_basis,
        relative_method=(config.get("relative") or {}).get("method", "deviation"),
        standings=presenters.standings_for(
            model_slug=model.slug, band_basis=band_basis, scores=scores, cohort=cohort
        ),
        explain=explain,
        model_slug=model.slug,
    )


def _title(session: AssessmentSession) -> str:
    version = session.questionnaire_version
    return translated(version.questionnaire, "title", presenters.lang_of(version, session.locale))


@login_required
@verified_email_required_when_mandatory
def results(request: HttpRequest, session_id) -> HttpResponse:
    session = own_session(request, session_id)
    runs = list(selectors.runs_for_session(session))
    run = _latest_done(runs)
    if run is None:
        return redirect("assessments:resume", session.pk)
    context = {
        "session": session,
        "run": run,
        "runs": runs,
        "latest": runs[0],
        "newer_pending": runs[0].status in UNFINISHED_RUN,
        "results": _build(session, run, explain=True),
        "title": _title(session),
        "model": session.questionnaire_version.analysis_model,
        "is_staff": request.user.is_staff,
        "shares": [
            (share, request.build_absolute_uri(reverse("assessments:shared_result", args=[share.token])))
            for share in selectors.result_shares_active(session)
        ],
        "chart_url": reverse("assessments:results_chart", args=[session.pk]),
    }
    return render(request, "assessments/results.html", context)


def _radar_download(results: presenters.Results, title: str) -> HttpResponse:
    if results.radar is None:
        raise Http404("This result has no chart to download.")
    svg = render_to_string(
        "assessments/_radar.svg", {"radar": results.radar, "title": title, "standalone": True}
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(title) or "results"}-chart.svg"'
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@verified_email_required_when_mandatory
def results_chart(request: HttpRequest, session_id) -> HttpResponse:
    """The radar chart as a standalone SVG file."""
    session = own_session(request, session_id)
    run = _latest_done(list(selectors.runs_for_session(session)))
    if run is None:
        raise Http404("No results yet.")
    return _radar_download(_build(session, run, explain=False), _title(session))


@login_required
@verified_email_required_when_mandatory
@require_POST
def share_create(request: HttpRequest, session_id) -> HttpResponse:
    session = own_session(request, session_id)
    run = _latest_done(list(selectors.runs_for_session(session)))
    if run is None:
        raise Http404("No results to share yet.")
    try:
        shares.result_share_create(session=session, run=run, user=request.user)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "Your share link is ready. Anyone with it can see this result until you revoke it."
        )
    return redirect(reverse("assessments:results", args=[session.pk]) + "#share")


@login_required
@verified_email_required_when_mandatory
@require_POST
def share_revoke(request: HttpRequest, session_id, share_id) -> HttpResponse:
    session = own_session(request, session_id)
    try:
        share = selectors.result_share_for_session(session, share_id)
    except ResultShare.DoesNotExist:
        raise Http404("No such link.") from None
    shares.result_share_revoke(share=share)
    messages.success(request, "The link no longer works.")
    return redirect(reverse("assessments:results", args=[session.pk]) + "#share")


def _shared(token: str) -> ResultShare:
    try:
        return selectors.result_share_by_token(token)
    except ResultShare.DoesNotExist:
        raise Http404("This link does not work (it may have been revoked).") from None


def shared_result(request: HttpRequest, token: str) -> HttpResponse:
    """A result someone shared: no account needed, not indexed, no answers shown."""
    share = _shared(token)
    session = share.session
    context = {
        "session": session,
        "run": share.run,
        "results": _build(session, share.run, explain=False),
        "title": _title(session),
        "chart_url": reverse("assessments:shared_result_chart", args=[token]),
    }
    response = render(request, "assessments/results_shared.html", context)
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


def shared_result_chart(request: HttpRequest, token: str) -> HttpResponse:
    share = _shared(token)
    response = _radar_download(_build(share.session, share.run, explain=False), _title(share.session))
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response

"""Pages of a signed-in user's own assessments: the catalogue, the start page, taking (through
`flow`), the thank-you page that follows scoring, and the results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import presenters, selectors, services
from assessments.models import AnalysisRun, AssessmentSession
from assessments.views.flow import (
    IN_PROGRESS,
    UNFINISHED_RUN,
    Flow,
    answers_reachability_probe,
    autosave_answer,
    interface_language,
    own_session,
    own_session_flow,
    requested_locale,
    review_page,
    submit_answers,
    take_page,
    take_state,
)
from questionnaires import selectors as questionnaire_selectors
from questionnaires.models import translated

# --------------------------------------------------------------------------- catalogue and start


def catalogue(request: HttpRequest) -> HttpResponse:
    locale = requested_locale(request)
    questionnaires = list(questionnaire_selectors.questionnaire_list_published())
    items = selectors.items_for_versions(q.active_versions[0].pk for q in questionnaires)
    in_progress: dict[int, AssessmentSession] = {}
    if request.user.is_authenticated:
        own = selectors.sessions_for_user(request.user).filter(
            status=IN_PROGRESS, survey__isnull=True, respondent_kind=AssessmentSession.RespondentKind.SELF
        )
        for session in own:
            in_progress.setdefault(session.questionnaire_version_id, session)
    entries = []
    for questionnaire in questionnaires:
        summary = questionnaire_selectors.questionnaire_summary(questionnaire, locale=locale)
        version = questionnaire.active_versions[0]
        codes = [
            questionnaire.default_locale,
            *sorted(set(questionnaire.translations or {}) - {questionnaire.default_locale}),
        ]
        entries.append(
            {
                **summary,
                "minutes": presenters.estimated_minutes(items.get(version.pk, [])),
                "in_progress": in_progress.get(version.pk),
                "languages": [_language_name(code) for code in codes],
            }
        )
    context = {"entries": entries, "lang": request.GET.get("lang", "")}
    return render(request, "assessments/catalogue.html", context)


def _language_name(code: str) -> str:
    try:
        return translation.get_language_info(code)["name_local"]
    except KeyError:
        return code.upper()


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    active = questionnaire_selectors.version_active(questionnaire_slug=slug)
    if active is None or active.questionnaire.status != active.questionnaire.Status.ACTIVE:
        raise Http404("No such questionnaire.")
    version = selectors.version_with_items(active.pk)
    locale = questionnaire_selectors.resolve_locale(version, requested_locale(request))
    with interface_language(locale):
        return _start(request, version, locale)


def _start(request: HttpRequest, version, locale: str) -> HttpResponse:
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        session, created = services.self_session_open(
            user=request.user, version=version, locale=locale, restart=request.POST.get("restart") == "1"
        )
        if not created:  # already in progress: continue it rather than start a second one
            messages.info(request, _("You already started this questionnaire: continue where you left off."))
            return redirect("assessments:resume", session.pk)
        return redirect("assessments:take", session.pk, 1)
    lang = presenters.lang_of(version, locale)
    items = list(version.items.all())
    before_answering = selectors.session_progress(version, {})  # counted as the pages count
    in_progress = None
    if request.user.is_authenticated:
        in_progress = selectors.self_session_in_progress(request.user, version)
    context = {
        "version": version,
        "questionnaire": version.questionnaire,
        "title": translated(version.questionnaire, "title", lang),
        "description": translated(version.questionnaire, "description", lang),
        "instructions": translated(version, "instructions", lang),
        "sections": [version.section_title(s.get("key", ""), lang) for s in version.sections or []],
        "item_count": before_answering.total,
        "optional_count": before_answering.visible - before_answering.total,
        "minutes": presenters.estimated_minutes(items),
        "locale": locale,
        "locales": questionnaire_selectors.available_locales(version),
        "in_progress": in_progress,
    }
    return render(request, "assessments/start.html", context)


# --------------------------------------------------------------------------- the owner's own sessions


@login_required
def resume(request: HttpRequest, session_id) -> HttpResponse:
    """Where "Continue" leads: the first page with an unanswered question, or the review."""
    session = own_session(request, session_id)
    if session.status == AssessmentSession.Status.SCORED:
        return redirect("assessments:results", session.pk)
    if session.status != IN_PROGRESS:
        return redirect("assessments:done", session.pk)
    flow = Flow(session=session)
    state = take_state(session)
    page = state.resume_page()
    return redirect(flow.page_url(page.number) if page else flow.review_url)


@login_required
@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, session_id, page: int) -> HttpResponse:
    return take_page(request, own_session_flow(request, session_id), page)


@login_required
@answers_reachability_probe
@require_POST
def autosave(request: HttpRequest, session_id) -> HttpResponse:
    return autosave_answer(request, own_session_flow(request, session_id))


@login_required
def review(request: HttpRequest, session_id) -> HttpResponse:
    return review_page(request, Flow(session=own_session(request, session_id)))


@login_required
@require_POST
def submit(request: HttpRequest, session_id) -> HttpResponse:
    response, _submitted = submit_answers(request, Flow(session=own_session(request, session_id)))
    return response


@login_required
def done(request: HttpRequest, session_id) -> HttpResponse:
    """Thank you, and the scoring status. While scoring, htmx polls `status` every 2 s and
    moves on to the results when the run is done; without JavaScript a meta refresh (and a
    link) reloads this page with ?waiting=1, which goes to the results once they are ready."""
    session = own_session(request, session_id)
    if session.status == IN_PROGRESS:
        return redirect("assessments:review", session.pk)
    run = selectors.runs_for_session(session).first()
    if run is not None and run.status == AnalysisRun.Status.DONE and request.GET.get("waiting"):
        return redirect("assessments:results", session.pk)
    scoring_now = run is not None and run.status in UNFINISHED_RUN
    context = {"session": session, "run": run, "scoring": scoring_now, "title": _title(session)}
    with interface_language(session.locale):
        return render(request, "assessments/done.html", context)


@login_required
def status(request: HttpRequest, session_id) -> HttpResponse:
    """The scoring status of the session's latest run, small enough to poll every 2 s.

    JSON for any caller; for htmx also where to go: the results once the run is done
    (HX-Redirect), a reload of the page when it failed (HX-Refresh), nothing while it runs.
    """
    session = own_session(request, session_id)
    run = selectors.runs_for_session(session).only("pk", "status").first()
    state = run.status if run is not None else "none"
    results_url = reverse("assessments:results", args=[session.pk]) if state == "done" else None
    response = JsonResponse({"status": state, "results_url": results_url})
    response["Cache-Control"] = "no-store"
    if request.htmx:
        if results_url:
            response["HX-Redirect"] = results_url
        elif state not in UNFINISHED_RUN:
            response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def rescore(request: HttpRequest, session_id) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    session = own_session(request, session_id)
    try:
        services.run_rescore(session=session)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:results", session.pk)
    messages.success(request, "Scoring again with the current rules.")
    return redirect("assessments:done", session.pk)


@login_required
@require_POST
def retry(request: HttpRequest, session_id, run_id) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    session = own_session(request, session_id)
    try:
        run = selectors.run_for_session(session, run_id)
    except AnalysisRun.DoesNotExist:
        raise Http404("No such run.") from None
    try:
        services.run_retry(run=run)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:results", session.pk)
    messages.success(request, "The failed run is being retried.")
    return redirect("assessments:done", session.pk)


def _title(session: AssessmentSession) -> str:
    version = session.questionnaire_version
    return translated(version.questionnaire, "title", presenters.lang_of(version, session.locale))

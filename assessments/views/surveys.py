"""Surveys about me: the owner's pages (create, share, close, the aggregate) and the anonymous
responders' pages under the share link (landing, taking through `flow`, thanks)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.verification import verified_email_required_when_mandatory
from assessments import cookies, presenters, selectors, services, throttle
from assessments.forms import InvitationCreateForm, SurveyCreateForm, SurveySettingsForm
from assessments.models import Survey, SurveyInvitation
from assessments.views.flow import (
    IN_PROGRESS,
    Flow,
    answers_reachability_probe,
    autosave_answer,
    full_redirect,
    own_survey,
    requested_locale,
    review_page,
    submit_answers,
    survey_by_link,
    take_page,
    take_state,
)
from questionnaires import selectors as questionnaire_selectors
from questionnaires import wording

# --------------------------------------------------------------------------- surveys about me


@login_required
@verified_email_required_when_mandatory
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = list(selectors.surveys_for_owner(request.user).order_by("-created_at"))
    return render(request, "assessments/surveys.html", {"surveys": surveys})


@login_required
@verified_email_required_when_mandatory
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_create(
                owner=request.user,
                version=data["version"],
                title=data["title"],
                closes_at=form.closes_at(),
                max_responses=data["max_responses"],
                min_responses_to_show=data["min_responses_to_show"],
                invitation_only=data["invitation_only"],
            )
        except services.AssessmentError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your survey is ready. Share the link below with people who know you.")
            return redirect("assessments:survey_detail", survey.pk)
    return render(request, "assessments/survey_new.html", {"form": form})


def survey_closed_reason(survey: Survey) -> str:
    """Why the survey takes no answers, or "" when it is open."""
    try:
        services.survey_assert_open(survey)
    except services.SurveyClosed as exc:
        return exc.message
    return ""


@login_required
@verified_email_required_when_mandatory
def survey_detail(request: HttpRequest, survey_id) -> HttpResponse:
    survey = own_survey(request, survey_id)
    aggregate = selectors.survey_aggregate(survey)
    model = survey.questionnaire_version.analysis_model
    normalization = ((model.config or {}).get("normalization") or {}).get("method", "none")
    comparison = (
        presenters.build_comparison(aggregate, normalization=normalization) if aggregate.shown else None
    )
    share_url = request.build_absolute_uri(reverse("assessments:survey_landing", args=[survey.share_token]))
    closed_reason = survey_closed_reason(survey)
    context = {
        "survey": survey,
        "aggregate": aggregate,
        "comparison": comparison,
        "share_url": share_url,
        "closed_reason": closed_reason,
        "pending": max(0, _counted_responses(survey) - aggregate.responses),
        "can_export": selectors.survey_independent_count(survey) >= aggregate.threshold,
        "settings_form": SurveySettingsForm(
            initial={
                "invitation_only": survey.invitation_only,
                "exclude_likely_duplicates": survey.exclude_likely_duplicates,
            }
        ),
        "title": survey.title or f"How others see {survey.subject.display_name}",
        "questionnaire_title": survey.questionnaire_version.questionnaire.title,
        "has_self": aggregate.self_session is not None,
        **_gaps(aggregate, comparison),
    }
    return render(request, "assessments/survey_detail.html", context)


def _counted_responses(survey: Survey) -> int:
    """Submitted answers the results are built from (`with_response_counts` annotations)."""
    if survey.exclude_likely_duplicates:
        return survey.response_count - survey.duplicate_count
    return survey.response_count


def _gaps(aggregate: selectors.SurveyAggregate, comparison: presenters.Comparison | None) -> dict:
    """Where others see the subject differently: the biggest dimension gaps and the questions
    answered most differently (aggregates at or above min-n only; nothing before results show)."""
    if comparison is None or aggregate.self_session is None:
        return {"gap_sentences": [], "item_gaps": []}
    rows = [row for _name, _chart, group in comparison.charts for row in group]
    return {
        "gap_sentences": presenters.biggest_gaps(rows),
        "item_gaps": presenters.item_gaps(selectors.survey_item_comparisons(aggregate), lang=None),
    }


@login_required
@verified_email_required_when_mandatory
@require_POST
def survey_settings(request: HttpRequest, survey_id) -> HttpResponse:
    survey = own_survey(request, survey_id)
    form = SurveySettingsForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Invalid settings.")
    services.survey_update_settings(survey=survey, **form.cleaned_data)
    messages.success(request, "Survey settings saved.")
    return redirect("assessments:survey_detail", survey.pk)


INVITATIONS_PER_PAGE = 100


@login_required
@verified_email_required_when_mandatory
@require_http_methods(["GET", "POST"])
def survey_invitations(request: HttpRequest, survey_id) -> HttpResponse:
    survey = own_survey(request, survey_id)
    form = InvitationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.invitations_create(survey=survey, count=form.cleaned_data["count"])
        except services.AssessmentError as exc:
            form.add_error("count", exc.message)
        else:
            messages.success(
                request,
                f"{len(created)} new personal link{'s' if len(created) != 1 else ''} created. "
                "Send each one to one person: it works once.",
            )
            return redirect("assessments:survey_invitations", survey.pk)
    paginator = Paginator(selectors.survey_invitations(survey), INVITATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        (
            invitation,
            request.build_absolute_uri(
                reverse("assessments:survey_invitation", args=[survey.share_token, invitation.token])
            ),
        )
        for invitation in page.object_list
    ]
    context = {
        "survey": survey,
        "title": survey.title or f"How others see {survey.subject.display_name}",
        "form": form,
        "page": page,
        "rows": rows,
        "first_number": page.start_index(),
    }
    return render(request, "assessments/survey_invitations.html", context)


@login_required
@verified_email_required_when_mandatory
def survey_invitations_text(request: HttpRequest, survey_id) -> HttpResponse:
    """The unused links, one per line: to paste into a mail merge or a chat, many at once."""
    survey = own_survey(request, survey_id)
    base = request.build_absolute_uri(reverse("assessments:survey_landing", args=[survey.share_token]))
    tokens = (
        selectors.survey_invitations(survey)
        .filter(used_at=None, revoked_at=None)
        .values_list("token", flat=True)
    )
    response = HttpResponse(
        "".join(f"{base}i/{token}/\n" for token in tokens), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-links.txt"'
    return response


@login_required
@verified_email_required_when_mandatory
@require_POST
def survey_invitation_revoke(request: HttpRequest, survey_id, invitation_id) -> HttpResponse:
    survey = own_survey(request, survey_id)
    try:
        invitation = selectors.survey_invitation(survey, invitation_id)
    except SurveyInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None
    try:
        services.invitation_revoke(invitation=invitation)
    except services.InvitationUsed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The link was revoked: it no longer opens the survey.")
    page = request.POST.get("page", "")
    url = reverse("assessments:survey_invitations", args=[survey.pk])
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@verified_email_required_when_mandatory
@require_POST
def survey_status(request: HttpRequest, survey_id) -> HttpResponse:
    survey = own_survey(request, survey_id)
    action = request.POST.get("action")
    if action not in {"close", "reopen"}:
        return HttpResponseBadRequest("Unknown action.")
    services.survey_set_active(survey=survey, is_active=action == "reopen")
    if action == "close":
        messages.success(
            request, "The survey is closed. The link now tells people it no longer takes answers."
        )
    else:
        messages.success(request, "The survey is open again.")
    return redirect("assessments:survey_detail", survey.pk)


# --------------------------------------------------------------------------- anonymous responders


def _survey_page(
    request: HttpRequest, survey: Survey, template: str, *, status: int = 200, **extra
) -> HttpResponse:
    version = survey.questionnaire_version
    context = {
        "survey": survey,
        "about": survey.subject.display_name,
        "questionnaire_title": version.questionnaire.title,
        **extra,
    }
    return render(request, f"assessments/{template}", context, status=status)


def _already_answered(request: HttpRequest, survey: Survey) -> HttpResponse:
    return _survey_page(request, survey, "survey_answered.html")


def _closed(request: HttpRequest, survey: Survey, reason: str) -> HttpResponse:
    return _survey_page(request, survey, "survey_closed.html", status=410, reason=reason)


def _link_message(
    request: HttpRequest, survey: Survey, *, heading: str, message: str, status: int
) -> HttpResponse:
    return _survey_page(
        request, survey, "survey_link_message.html", status=status, heading=heading, message=message
    )


def _invitation_refused(
    request: HttpRequest, survey: Survey, error: services.AssessmentError
) -> HttpResponse:
    if isinstance(error, services.InvitationRequired):
        return _link_message(
            request, survey, heading="This survey is by invitation only", message=error.message, status=403
        )
    if isinstance(error, services.InvitationNotFound):
        raise Http404(error.message)
    if isinstance(error, services.InvitationUsed):
        heading = "This invitation link has already been used"
    else:
        heading = "This invitation link no longer works"
    return _link_message(request, survey, heading=heading, message=error.message, status=410)


@require_http_methods(["GET", "POST"])
def survey_landing(request: HttpRequest, share_token: str) -> HttpResponse:
    return _landing(request, survey_by_link(share_token))


@require_http_methods(["GET", "POST"])
def survey_invitation(request: HttpRequest, share_token: str, invitation_token: str) -> HttpResponse:
    """A personal single-use link: the landing page, starting a session that claims it."""
    return _landing(request, survey_by_link(share_token), invitation_token=invitation_token)


def _landing(request: HttpRequest, survey: Survey, *, invitation_token: str = "") -> HttpResponse:
    session = selectors.survey_responder_session(survey, cookies.responder_token(request, survey))
    if session is not None and session.status != IN_PROGRESS:
        return _already_answered(request, survey)
    reason = survey_closed_reason(survey)
    if reason:
        return _closed(request, survey, reason)
    is_owner = request.user.is_authenticated and request.user.pk == survey.owner_id
    if session is None and not is_owner:
        # Say at once when this link cannot start anything, rather than after "Start".
        try:
            _assert_link_usable(survey, invitation_token)
        except services.AssessmentError as exc:
            return _invitation_refused(request, survey, exc)
    if request.method == "POST" and not is_owner:
        return _survey_start(request, survey, invitation_token=invitation_token)
    version = selectors.session_plan(survey).version
    count = len(version.items.all())
    locale = questionnaire_selectors.resolve_locale(version, requested_locale(request))
    about = survey.subject.display_name
    return _survey_page(
        request,
        survey,
        "survey_landing.html",
        instructions=wording.instructions(version, presenters.lang_of(version, locale), about),
        session=session,
        is_owner=is_owner,
        item_count=count,
        minutes=presenters.estimated_minutes(version.items.all()),
        locale=locale,
        locales=questionnaire_selectors.available_locales(version),
        version=version,
        personal_link=bool(invitation_token),
    )


def _assert_link_usable(survey: Survey, invitation_token: str) -> None:
    """What starting from this link would refuse (the start itself checks again, locked)."""
    if not invitation_token:
        if survey.invitation_only:
            raise services.InvitationRequired(services.INVITATION_REQUIRED)
        return
    services.invitation_assert_usable(selectors.invitation_by_token(survey, invitation_token))


def _survey_start(request: HttpRequest, survey: Survey, *, invitation_token: str = "") -> HttpResponse:
    token = cookies.responder_token(request, survey) or cookies.new_responder_token()
    version = selectors.session_plan(survey).version
    try:
        session = services.survey_session_for_responder(
            survey=survey,
            responder_id=token,
            fingerprint=cookies.responder_fingerprint(request, survey),
            locale=questionnaire_selectors.resolve_locale(version, requested_locale(request)),
            invitation_token=invitation_token,
        )
    except services.AlreadyResponded:
        return _already_answered(request, survey)
    except services.SurveyClosed as exc:
        return _closed(request, survey, exc.message)
    except (
        services.InvitationRequired,
        services.InvitationNotFound,
        services.InvitationUsed,
        services.InvitationRevoked,
    ) as exc:
        return _invitation_refused(request, survey, exc)
    flow = Flow(session=session, survey=survey)
    state = take_state(session)
    page = state.resume_page()
    response = redirect(flow.page_url(page.number) if page else flow.review_url)
    cookies.set_responder_cookie(response, survey, token)
    return response


def _responder_flow(
    request: HttpRequest, share_token: str, *, with_answers: bool = False
) -> Flow | HttpResponse:
    """The anonymous responder's session from their cookie, or where to send them instead.

    `with_answers`: also read the session's answers with it (`Flow.answers`: the take page and
    the autosave, which read them first thing)."""
    survey = survey_by_link(share_token)
    landing = reverse("assessments:survey_landing", args=[survey.share_token])
    token = cookies.responder_token(request, survey)
    session, answers = selectors.survey_responder_session_and_answers(
        survey, token, with_answers=with_answers
    )
    if session is None:
        return full_redirect(request, landing)  # no (valid) cookie: start from the link
    if session.status != IN_PROGRESS:
        return full_redirect(request, reverse("assessments:survey_thanks", args=[survey.share_token]))
    reason = survey_closed_reason(survey)
    if reason:
        return full_redirect(request, landing) if request.htmx else _closed(request, survey, reason)
    return Flow(session=session, survey=survey, answers=answers)


@require_http_methods(["GET", "POST"])
def survey_take(request: HttpRequest, share_token: str, page: int) -> HttpResponse:
    flow = _responder_flow(request, share_token, with_answers=True)
    return flow if isinstance(flow, HttpResponse) else take_page(request, flow, page)


@answers_reachability_probe
@require_POST
def survey_autosave(request: HttpRequest, share_token: str) -> HttpResponse:
    flow = _responder_flow(request, share_token, with_answers=True)
    return flow if isinstance(flow, HttpResponse) else autosave_answer(request, flow)


def survey_review(request: HttpRequest, share_token: str) -> HttpResponse:
    flow = _responder_flow(request, share_token)
    return flow if isinstance(flow, HttpResponse) else review_page(request, flow)


@require_POST
def survey_submit(request: HttpRequest, share_token: str) -> HttpResponse:
    flow = _responder_flow(request, share_token)
    if isinstance(flow, HttpResponse):
        return flow
    ip = cookies.client_ip(request)
    if throttle.survey_submissions_exhausted(ip):
        response = _survey_page(request, flow.survey, "survey_limited.html", status=429)
        response["Retry-After"] = str(throttle.WINDOW_SECONDS)
        return response
    response, submitted = submit_answers(request, flow)
    if submitted:
        throttle.survey_submission_count(ip)
    return response


def survey_thanks(request: HttpRequest, share_token: str) -> HttpResponse:
    survey = survey_by_link(share_token)
    session = selectors.survey_responder_session(survey, cookies.responder_token(request, survey))
    if session is None:
        return redirect("assessments:survey_landing", survey.share_token)
    if session.status == IN_PROGRESS:
        return redirect("assessments:survey_review", survey.share_token)
    return _survey_page(request, survey, "survey_thanks.html")

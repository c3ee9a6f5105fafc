"""The machinery of the taking pages, shared by both ways in (a `Flow`): a signed-in user's own
session under /assessments/<id>/ (another user's session is a 404), and an anonymous survey
responder under /s/<share token>/, whose session is found through a signed cookie — the URL
never names it.

Every page works without JavaScript: the whole page posts ("Save and continue", "Back").
htmx enhances it: each change autosaves one answer and the response updates only what the
change affects (progress, the "Saved" status, the question's message, or the page's question
list when a branch rule shows or hides questions), rendered from fragments of the page's template.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import presenters, scoring, selectors, services
from assessments.models import AnalysisRun, AssessmentSession, Survey
from assessments.templatetags.partials import render_partials
from questionnaires.models import translated

IN_PROGRESS = AssessmentSession.Status.IN_PROGRESS
UNFINISHED_RUN = {AnalysisRun.Status.PENDING, AnalysisRun.Status.RUNNING}


# --------------------------------------------------------------------------- loading helpers


def own_session(request: HttpRequest, session_id) -> AssessmentSession:
    try:
        return selectors.session_for_user(request.user, session_id)
    except AssessmentSession.DoesNotExist:
        raise Http404("No such assessment.") from None


def own_session_flow(request: HttpRequest, session_id) -> Flow:
    """The owner's flow of a session, with its answers read in the same statement when possible
    (for a page whose first step is reading them: the take page)."""
    try:
        session, answers = selectors.session_and_answers_for_user(request.user, session_id)
    except AssessmentSession.DoesNotExist:
        raise Http404("No such assessment.") from None
    return Flow(session=session, answers=answers)


def own_survey(request: HttpRequest, survey_id) -> Survey:
    try:
        return selectors.survey_for_user(request.user, survey_id)
    except Survey.DoesNotExist:
        raise Http404("No such survey.") from None


def survey_by_link(share_token: str) -> Survey:
    try:
        return selectors.survey_by_share_token(share_token)
    except Survey.DoesNotExist:
        raise Http404("No such survey.") from None


def requested_locale(request: HttpRequest) -> str:
    return (
        request.GET.get("lang")
        or request.POST.get("lang")
        or translation.get_language_from_request(request)
        or "en"
    )


def interface_language(locale: str | None) -> contextlib.AbstractContextManager:
    """Speak the session's language in the interface around the questions (buttons, headings,
    messages) when the site has it; otherwise keep the current one."""
    code = (locale or "").split("-")[0].lower()
    if code in {language for language, _name in settings.LANGUAGES}:
        return translation.override(code)
    return contextlib.nullcontext()


def answers_reachability_probe(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Before it posts a page, the take form checks that the server answers with a HEAD
    request to the autosave URL (personai.js: offline, the page stays with its answers).
    Answer it with 204 and nothing read: a 405 there put an error in the browser's console and
    a warning in the server's log on every page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method == "HEAD":
            return HttpResponse(status=204)
        return view(request, *args, **kwargs)

    return wrapper


def in_session_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the shared taking functions below, called as f(request, flow, ...)."""

    @wraps(view)
    def wrapper(request: HttpRequest, flow: Flow, *args, **kwargs):
        with interface_language(flow.session.locale):
            return view(request, flow, *args, **kwargs)

    return wrapper


def full_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load (not swapped into the page)."""
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


@dataclass(frozen=True)
class Flow:
    """Where the taking pages of one session live: the owner's or an anonymous responder's."""

    session: AssessmentSession
    survey: Survey | None = None  # set for an anonymous survey responder
    # The session's answers as read with it (or None): the request's first state only, since a
    # save makes them stale. Not part of equality or the hash (templates remember by the flow).
    answers: dict[str, scoring.Answer] | None = field(default=None, compare=False, repr=False)

    @property
    def anonymous(self) -> bool:
        return self.survey is not None

    @property
    def about(self) -> str | None:
        """Whom a survey responder answers about (the questions speak of them), else None."""
        return self.survey.subject.display_name if self.survey is not None else None

    def url(self, name: str, *args) -> str:
        if self.survey is not None:
            return reverse(f"assessments:survey_{name}", args=[self.survey.share_token, *args])
        return reverse(f"assessments:{name}", args=[self.session.pk, *args])

    def page_url(self, number: int) -> str:
        return self.url("take", number)

    @cached_property
    def autosave_url(self) -> str:
        return self.url("autosave")

    @cached_property
    def autosave_href(self) -> str:
        """The autosave URL relative to this flow's pages of questions (``../../autosave/``).

        It is the same for every session, so a question's HTML is too: remembered once (see
        `{% partialdef question memo %}` in take.html), it serves every respondent's first view
        of the page, not only their own repeat visits.
        """
        # Both end in a slash, so a browser resolves from the page's own "directory".
        return posixpath.relpath(self.autosave_url, self.page_url(1)) + "/"

    @property
    def review_url(self) -> str:
        return self.url("review")

    @property
    def submit_url(self) -> str:
        return self.url("submit")

    @property
    def finished_url(self) -> str:
        return self.url("thanks") if self.anonymous else self.url("done")

    @property
    def exit_url(self) -> str:
        if self.survey is not None:
            return reverse("assessments:survey_landing", args=[self.survey.share_token])
        return reverse("dashboard")

    @property
    def start_url(self) -> str:
        if self.survey is not None:
            return self.exit_url
        return reverse("assessments:start", args=[self.session.questionnaire_version.questionnaire.slug])


def take_state(
    session: AssessmentSession,
    *,
    about: str | None = None,
    answers: dict[str, scoring.Answer] | None = None,
) -> presenters.TakeState:
    """The session's questions, answers and branch visibility: a constant number of queries.

    `about`: the person a survey responder answers about (observer wording), None for oneself.
    `answers`: the session's answers when already read with it (`Flow.answers`)."""
    plan = selectors.session_plan(session)
    version = plan.version
    return presenters.TakeState(
        version=version,
        lang=presenters.lang_of(version, session.locale),
        answers=answers if answers is not None else selectors.session_answers(session, plan),
        instrument=selectors.engine_instrument(version),
        about=about,
    )


def _empty_answer(question_type: str) -> scoring.Answer:
    return scoring.Answer(options=()) if question_type == "multi_choice" else scoring.Answer()


def _save(
    session: AssessmentSession,
    state: presenters.TakeState,
    posted: dict[str, presenters.FormValue],
    *,
    explicit: bool,
) -> tuple[dict[str, str], dict[str, scoring.Answer]]:
    """Save the posted answers; returns ({item key: message} for those that are not valid, the
    session's answers after the save).

    Valid answers are saved even when others are not. An invalid or emptied answer is removed,
    so what is stored always matches what the respondent sees. `explicit`: the respondent
    changed exactly these questions (autosave), so an empty multiple choice means "none".
    In the common case (all valid, nothing cleared) the statement that saves also reads the
    answers back; otherwise they are read once more at the end.
    """
    to_save: dict[str, object] = {}
    to_clear: list[str] = []
    errors: dict[str, str] = {}
    for key, values in posted.items():
        question_type = state.items[key].bank_item.question_type
        if values:
            to_save[key] = presenters.wire_value(question_type, values)
            continue
        message = scoring.validate_answer(state.engine_items[key], _empty_answer(question_type))
        if question_type == "multi_choice" and message is None and (explicit or key in state.answers):
            to_save[key] = []  # "none of these" is an answer when nothing has to be chosen
        elif key in state.answers:
            to_clear.append(key)
        if explicit and message:
            errors[key] = message
    after = None
    if to_save:
        try:
            after = services.responses_save_and_read(session=session, answers=to_save)
        except services.AnswerValidationError as exc:
            errors.update(exc.errors)
            valid = {key: value for key, value in to_save.items() if key not in exc.errors}
            if valid:
                services.responses_save(session=session, answers=valid)
            to_clear.extend(key for key in exc.errors if key in state.answers)
    if to_clear:
        services.responses_clear(session=session, item_keys=to_clear)
        after = None
    if after is None:
        after = selectors.session_answers(session, selectors.session_plan(session))
    return errors, after


def _messages_for(state: presenters.TakeState, posted: dict[str, presenters.FormValue]) -> dict[str, str]:
    """What the engine says about posted values, without saving anything."""
    errors: dict[str, str] = {}
    for key, values in posted.items():
        question_type = state.items[key].bank_item.question_type
        if not values:
            message = scoring.validate_answer(state.engine_items[key], _empty_answer(question_type))
            if message:
                errors[key] = message
            continue
        try:
            services.parse_answers(state.version, {key: presenters.wire_value(question_type, values)})
        except services.AnswerValidationError as exc:
            errors.update(exc.errors)
    return errors


def _shown_keys(request: HttpRequest, page: presenters.Page) -> list[str]:
    """The questions the page showed when it was rendered (a hidden field lists them)."""
    listed = request.POST.get("shown", "").split(",")
    return [key for key in page.item_keys if key in listed]


# --------------------------------------------------------------------------- taking (shared by both flows)


def _take_context(
    flow: Flow,
    state: presenters.TakeState,
    page: presenters.Page,
    *,
    values: dict[str, presenters.FormValue] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    returning: bool = False,
    skipped: list[presenters.Question] | None = None,
    skipped_page: presenters.Page | None = None,
) -> dict:
    questions = state.questions(page, values=values, errors=errors)
    version = state.version
    return {
        "flow": flow,
        # What a question's HTML reads instead of `flow` (which is per session): see autosave_href.
        "autosave_href": flow.autosave_href,
        "session": flow.session,
        "state": state,
        "page": page,
        "questions": questions,
        "error_questions": [q for q in questions if q.error],
        "shown": ",".join(q.key for q in questions),
        "title": translated(version.questionnaire, "title", state.lang),
        "locale": flow.session.locale,
        "is_last": state.next_page(page.number) is None,
        "notice": notice,
        "returning": returning,  # came from "Change" on the review: "Save and continue" goes back there
        "skipped": skipped or [],
        "skipped_url": flow.page_url(skipped_page.number) if skipped_page else "",
    }


def _skipped_on(state: presenters.TakeState, page: presenters.Page) -> list[str]:
    """Required questions of `page` the respondent went past without answering."""
    missing = set(state.missing_required)
    return [key for key in state.visible_on(page) if key in missing]


def _skipped_from(request: HttpRequest, state: presenters.TakeState) -> tuple[presenters.Page | None, list]:
    """The page named by ?skipped=<number> and its still unanswered required questions.

    Only a page number travels in the URL; what is missing is read from the saved answers, so
    the notice disappears once the questions are answered.
    """
    number = request.GET.get("skipped", "")
    page = state.page(int(number)) if number.isdigit() and len(number) < 6 else None
    if page is None:
        return None, []
    return page, [state.question(key) for key in _skipped_on(state, page)]


@in_session_language
def take_page(request: HttpRequest, flow: Flow, page_number: int) -> HttpResponse:
    session = flow.session
    if session.status != IN_PROGRESS:
        return redirect(flow.finished_url)
    state = take_state(session, about=flow.about, answers=flow.answers)
    page = state.page(page_number)
    if page is None:
        raise Http404("No such page.")
    if request.method == "POST":
        return _take_post(request, flow, state, page)
    if not state.visible_on(page):  # every question here is hidden by an earlier answer
        following = state.next_page(page.number)
        return redirect(flow.page_url(following.number) if following else flow.review_url)
    skipped_page, skipped = _skipped_from(request, state)
    context = _take_context(
        flow,
        state,
        page,
        returning=request.GET.get("return") == "review",
        skipped=skipped,
        skipped_page=skipped_page,
    )
    return render(request, "assessments/take.html", context)


def _take_post(
    request: HttpRequest, flow: Flow, state: presenters.TakeState, page: presenters.Page
) -> HttpResponse:
    """The page without JavaScript: save every answer on it, then go where the button says."""
    session = flow.session
    nav = request.POST.get("nav", "next")
    returning = request.POST.get("return") == "review"
    shown = _shown_keys(request, page)
    posted = {key: presenters.posted_value(request.POST, key) for key in shown}
    try:
        errors, answers = _save(session, state, posted, explicit=False)
    except services.SessionClosed:
        return redirect(flow.finished_url)
    state = state.with_answers(answers)
    if errors:
        context = _take_context(flow, state, page, values=posted, errors=errors, returning=returning)
        return render(request, "assessments/take.html", context)
    if nav == "exit":
        if flow.anonymous:
            messages.success(
                request, _("Your answers are saved. Open the link again in this browser to continue.")
            )
        else:
            messages.success(request, _("Your answers are saved. Continue any time from your dashboard."))
        return redirect(flow.exit_url)
    if nav == "back":
        previous = state.previous_page(page.number)
        return redirect(flow.page_url(previous.number) if previous else flow.start_url)
    appeared = [key for key in state.visible_on(page) if key not in shown and not state.is_answered(key)]
    if appeared:
        count = len(appeared)
        notice = ngettext(
            "Your answers brought up a follow-up question below.",
            "Your answers brought up %(count)d follow-up questions below.",
            count,
        ) % {"count": count}
        context = _take_context(flow, state, page, notice=notice, returning=returning)
        return render(request, "assessments/take.html", context)
    following = state.next_page(page.number)
    if returning or following is None:
        return redirect(flow.review_url)  # the review lists whatever is still unanswered
    if _skipped_on(state, page):
        # Going on is allowed, as always; the next page says what was left and links back.
        return redirect(f"{flow.page_url(following.number)}?skipped={page.number}")
    return redirect(flow.page_url(following.number))


@in_session_language
def autosave_answer(request: HttpRequest, flow: Flow) -> HttpResponse:
    """One changed answer (htmx): save it, then update what the change affects on the page."""
    session = flow.session
    if session.status != IN_PROGRESS:
        return full_redirect(request, flow.finished_url)
    key = request.POST.get("item", "")
    state = take_state(session, about=flow.about, answers=flow.answers)  # before the save
    if key not in state.items:
        return HttpResponseBadRequest("Unknown question.")
    page = state.page_of(key)
    if not request.htmx:  # only htmx posts here; a plain form post goes to the page itself
        return redirect(flow.page_url(page.number))
    values = presenters.posted_value(request.POST, key)
    try:
        errors, answers = _save(session, state, {key: values}, explicit=True)
    except services.SessionClosed:
        return full_redirect(request, flow.finished_url)
    new_state = state.with_answers(answers)

    shown = _shown_keys(request, page) or state.visible_on(page)
    context = {
        "flow": flow,
        "autosave_href": flow.autosave_href,
        "state": new_state,
        "page": page,
        "oob": True,
        "locale": session.locale,
        "save_error": errors.get(key, ""),
        "saved_question": new_state.number_of(key) if key in new_state.visible else None,
    }
    fragments = ["progress", "save_status"]
    if new_state.visible_on(page) != shown:
        # A branch rule showed or hid questions: re-render the page's list, keeping what the
        # browser shows for the questions already there (and any message they carry).
        client = {k: presenters.posted_value(request.POST, k) for k in shown}
        flagged = {k: v for k, v in client.items() if k != key and request.POST.get(f"err-{k}")}
        shown_errors = {**_messages_for(new_state, flagged), **errors}
        context["questions"] = new_state.questions(page, values=client, errors=shown_errors)
        context["shown"] = ",".join(q.key for q in context["questions"])
        fragments.append("questions")
    elif errors.get(key) or request.POST.get(f"err-{key}"):
        # Show the message (or take it away) next to the question, with aria-invalid.
        context["question"] = new_state.question(key, values=values, error=errors.get(key, ""))
        fragments.append("question")
    return render_partials(request, "assessments/take.html", fragments, context)


@in_session_language
def review_page(request: HttpRequest, flow: Flow, *, error: str = "") -> HttpResponse:
    session = flow.session
    if session.status != IN_PROGRESS:
        return redirect(flow.finished_url)
    state = take_state(session, about=flow.about)
    sections = presenters.review_sections(state, flow.page_url)
    missing = [row for section in sections for row in section.rows if row.missing]
    last_page = state.previous_page(len(state.pages) + 1)
    context = {
        "flow": flow,
        "session": session,
        "state": state,
        "sections": sections,
        "missing": missing,
        "error": error,
        "title": translated(state.version.questionnaire, "title", state.lang),
        "locale": session.locale,
        "back_url": flow.page_url(last_page.number) if last_page else flow.start_url,
    }
    return render(request, "assessments/review.html", context)


@in_session_language
def submit_answers(request: HttpRequest, flow: Flow) -> tuple[HttpResponse, bool]:
    """Submit (once: a second click or tab gets the same run). Returns (response, newly submitted)."""
    try:
        submission = services.session_submit_once(session=flow.session)
    except services.IncompleteSession as exc:
        count = len(exc.missing)
        error = ngettext(
            "One required question is still unanswered.",
            "%(count)d required questions are still unanswered.",
            count,
        ) % {"count": count}
        return review_page(request, flow, error=error), False
    except services.SessionClosed:
        return redirect(flow.finished_url), False
    except services.SurveyClosed:  # filled up (max_responses) while this responder answered
        return redirect(flow.page_url(1)), False
    return redirect(flow.finished_url), submission.accepted_now

"""What the assessments API modules share: tags, errors, schema helpers, and the loaders.

Every object is loaded through one helper per kind that answers 404 for other users' objects,
never 403. Errors keep the house shape {"detail": ..., "errors": ...} (personai/api.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError

from assessments import selectors, services
from assessments import serializers as out
from assessments.models import AnalysisRun, AssessmentSession, SubjectProfile, Survey
from questionnaires import selectors as questionnaire_selectors
from questionnaires.models import Questionnaire, QuestionnaireVersion

SESSIONS = "assessments"
SURVEYS = "surveys"
SUBJECTS = "subjects"
EXPORTS = "exports"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This survey is closed and no longer accepts answers."
    default_code = "gone"


def _invalid(detail: str, errors: Any) -> ValidationError:
    return ValidationError({"detail": detail, "errors": errors})


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(out.ErrorSerializer, description=description)


NOT_FOUND = _error("Not found, or not yours.")


# --------------------------------------------------------------------------- loading, one helper per kind


def _session_for_user(user, session_id: UUID) -> AssessmentSession:
    try:
        return selectors.session_for_user(user, session_id)
    except AssessmentSession.DoesNotExist:
        raise NotFound("There is no such session.") from None


def _session_for_rescore(user, session_id: UUID) -> AssessmentSession:
    """The user's session; staff may re-score anyone's."""
    if not user.is_staff:
        return _session_for_user(user, session_id)
    session = AssessmentSession.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound("There is no such session.")
    return session


def _run_for_session(session: AssessmentSession, run_id: UUID | None) -> AnalysisRun:
    """`?run=<id>` of this session, else its latest run."""
    if run_id is not None:
        try:
            return selectors.run_for_session(session, run_id)
        except AnalysisRun.DoesNotExist:
            raise NotFound("This session has no such run.") from None
    run = selectors.latest_run(session)
    if run is None:
        raise NotFound("This session has no scores yet: submit it first.")
    return run


def _survey_for_user(user, survey_id: UUID, *, staff_sees_all: bool = False) -> Survey:
    try:
        return selectors.survey_for_user(user, survey_id, staff_sees_all=staff_sees_all)
    except Survey.DoesNotExist:
        raise NotFound("There is no such survey.") from None


def _subject_for_user(user, subject_id: UUID) -> SubjectProfile:
    subject = selectors.subjects_for_user(user).filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("There is no such subject.")
    return subject


def _published_version(slug: str, number: int | None) -> QuestionnaireVersion:
    """The questionnaire's active version, or version `number`; a 400 naming the field otherwise."""
    if number is None:
        version = questionnaire_selectors.version_active(questionnaire_slug=slug)
    else:
        version = questionnaire_selectors.version_get(questionnaire_slug=slug, number=number)
    if version is None:
        if number is not None and questionnaire_selectors.version_active(questionnaire_slug=slug):
            raise ValidationError({"version": [f'Questionnaire "{slug}" has no version {number}.']})
        raise ValidationError({"questionnaire": [f'There is no published questionnaire "{slug}".']})
    if not version.is_published:
        raise ValidationError({"version": [f'Version {version.version} of "{slug}" is not published.']})
    if version.questionnaire.status != Questionnaire.Status.ACTIVE:
        raise ValidationError(
            {"questionnaire": [f'Questionnaire "{slug}" is archived and takes no new answers.']}
        )
    return version


def _session_progress(session: AssessmentSession) -> dict:
    plan = selectors.session_plan(session)
    progress = selectors.session_progress(plan.version, selectors.session_answers(session, plan))
    return out.ProgressSerializer(progress).data


def _available_locale(version: QuestionnaireVersion, requested: str | None) -> str:
    """The requested locale (default: the questionnaire's own) if the version has its texts."""
    locale = requested or version.questionnaire.default_locale
    locales = questionnaire_selectors.available_locales(selectors.version_with_items(version.pk))
    if locale not in locales:
        raise ValidationError(
            {
                "locale": [
                    f'This questionnaire is not available in "{locale}". Choose one of: {", ".join(locales)}.'
                ]
            }
        )
    return locale


def _incomplete(exc: services.IncompleteSession) -> ValidationError:
    """A submit with required answers missing: 400 naming each missing item."""
    return ValidationError(
        {
            "detail": exc.message,
            "missing": exc.missing,
            "errors": dict.fromkeys(exc.missing, "Please answer this question."),
        }
    )

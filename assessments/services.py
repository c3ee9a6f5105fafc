"""Writes and workflows of the assessments app: sessions, answers, submission, scoring runs."""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from assessments import batch_scoring, reports, scoring, selectors
from assessments.models import (
    MAX_INVITATIONS_PER_REQUEST,
    MAX_INVITATIONS_PER_SURVEY,
    MIN_RESPONSES_FLOOR,
    AnalysisReport,
    AnalysisRun,
    AssessmentSession,
    CompositeScore,
    QuestionnaireEventLog,
    Response,
    ResponseOptionSelection,
    ResponseTraitComponent,
    SubjectProfile,
    Survey,
    SurveyInvitation,
    TraitScore,
)
from assessments.signals import run_scored
from personai import outbox
from personai.db import prepared_statement_cursor
from questionnaires.models import QuestionnaireVersion

logger = logging.getLogger(__name__)

SCORE_TASK = "assessments.score_run"
# Runs per scoring transaction: a batch's fixed costs (claim, plan, commit) spread over 1,000
# runs cost ~25 % less per run than over 200 (bench/README.md), and it holds its locks < 1 s.
SCORE_BATCH_SIZE = 1000
CLAIMED_RUN_FIELDS = (
    "id",
    "status",
    "attempts",
    "session__id",
    "session__subject_id",
    "session__questionnaire_version_id",
    "session__respondent_kind",
    "session__submitted_at",
)


class AssessmentError(Exception):
    """Base of the errors a person can act on; `message` is shown as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SessionClosed(AssessmentError):
    """Answers were sent to a session that is already submitted (HTTP 409)."""


class AnswerValidationError(AssessmentError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("Some answers are invalid.")
        self.errors = errors


class IncompleteSession(AssessmentError):
    def __init__(self, missing: list[str]):
        super().__init__("Please answer every required question before submitting.")
        self.missing = missing


class AlreadyResponded(AssessmentError):
    """This responder already answered this survey."""


class SurveyClosed(AssessmentError):
    """The survey no longer accepts answers (HTTP 410)."""


class InvitationRequired(AssessmentError):
    """The survey takes answers only through personal invitation links (HTTP 403)."""


class InvitationNotFound(AssessmentError):
    """No invitation of this survey has this token (HTTP 404)."""


class InvitationUsed(AssessmentError):
    """The single-use invitation already started someone's answers (HTTP 409)."""


class InvitationRevoked(AssessmentError):
    """The owner withdrew the invitation before anyone used it (HTTP 410)."""


INVITATION_REQUIRED = (
    "This survey is by invitation only. Please open the personal link you were sent; "
    "the general survey link does not take answers."
)
INVITATION_NOT_FOUND = "This invitation link is not valid. Check that you copied the whole address."
INVITATION_USED = (
    "This invitation link has already been used. Each personal link works once, in the browser "
    "that first opened it; ask the person who sent it for a new one."
)
INVITATION_REVOKED = "This invitation link was withdrawn by the person who sent it; it no longer works."


# --------------------------------------------------------------------------- subjects and sessions


def subject_get_or_create_for_user(*, user) -> SubjectProfile:
    subject = selectors.subject_for_user(user)
    if subject is not None:
        return subject
    try:
        with transaction.atomic():
            return SubjectProfile.objects.create(
                user=user,
                owner=user,
                subject_type=SubjectProfile.SubjectType.HUMAN,
                display_name=user.username,
            )
    except IntegrityError:  # created concurrently by another request
        return selectors.subject_for_user(user)


def _log(session: AssessmentSession, event: str, **detail: Any) -> None:
    QuestionnaireEventLog.objects.create(session=session, event=event, detail=detail)


@transaction.atomic
def session_start(
    *,
    subject: SubjectProfile,
    version: QuestionnaireVersion,
    respondent_kind: str,
    respondent_user=None,
    survey: Survey | None = None,
    responder_id: str = "",
    fingerprint: str = "",
    invitation: SurveyInvitation | None = None,
    locale: str = "en",
) -> AssessmentSession:
    if not version.is_published:
        raise AssessmentError("This questionnaire version is not published yet.")
    if survey is not None:
        survey_assert_open(survey)
    try:
        with transaction.atomic():
            session = AssessmentSession.objects.create(
                subject=subject,
                questionnaire_version=version,
                survey=survey,
                respondent_kind=respondent_kind,
                respondent_user=respondent_user,
                responder_id=responder_id,
                responder_fingerprint=fingerprint,
                invitation=invitation,
                locale=locale,
            )
    except IntegrityError as exc:
        raise AlreadyResponded("You have already answered this survey. Thank you!") from exc
    _log(session, QuestionnaireEventLog.Event.STARTED)
    return session


@transaction.atomic
def self_session_open(
    *, user, version: QuestionnaireVersion, locale: str = "en", restart: bool = False
) -> tuple[AssessmentSession, bool]:
    """The user's unfinished self-assessment of `version`, or a new one: (session, created).

    One unfinished attempt per user and version on the pages: "Start" continues it (a second
    tab or a double click does not make another), and `restart` abandons it (kept, marked
    abandoned, never scored) before starting afresh. The subject row is locked, so two
    concurrent starts cannot both create one.
    """
    subject = subject_get_or_create_for_user(user=user)
    SubjectProfile.objects.select_for_update().filter(pk=subject.pk).first()
    unfinished = list(
        AssessmentSession.objects.select_for_update()
        .filter(
            subject=subject,
            questionnaire_version=version,
            survey__isnull=True,
            respondent_kind=AssessmentSession.RespondentKind.SELF,
            respondent_user=user,
            status=AssessmentSession.Status.IN_PROGRESS,
        )
        .order_by("-updated_at")
    )
    if unfinished and not restart:
        return unfinished[0], False
    for session in unfinished:
        session.status = AssessmentSession.Status.ABANDONED
        session.save(update_fields=["status", "updated_at"])
        _log(session, QuestionnaireEventLog.Event.ABANDONED, reason="restarted")
    session = session_start(
        subject=subject,
        version=version,
        respondent_kind=AssessmentSession.RespondentKind.SELF,
        respondent_user=user,
        locale=locale,
    )
    return session, True


def survey_assert_open(survey: Survey) -> None:
    if not survey.is_active:
        raise SurveyClosed("This survey is closed and no longer accepts answers.")
    if survey.closes_at and survey.closes_at <= timezone.now():
        raise SurveyClosed(f"This survey closed on {survey.closes_at.date().isoformat()}.")
    if survey.max_responses is not None:
        answered = survey.sessions.exclude(status=AssessmentSession.Status.IN_PROGRESS).count()
        if answered >= survey.max_responses:
            raise SurveyClosed("This survey has reached its maximum number of responses.")


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class ParsedAnswer:
    key: str
    item_id: int
    question_type: str
    answer: scoring.Answer


def parse_answers(version: QuestionnaireVersion | int, raw: dict[str, Any]) -> dict[str, ParsedAnswer]:
    """Turn wire values ({"q1": "3", "q2": true, "q3": ["a", "b"]}) into engine answers.

    Every problem is collected, keyed by item, with a message a person can act on; nothing is
    returned unless all are valid. Sessions only ever use published (immutable) versions, so
    the version's scoring plan is kept per process and validation costs no queries after the
    first call.
    """
    plan = selectors.scoring_plan(version)
    engine_items = {item.key: item for item in plan.instrument.items}
    errors: dict[str, str] = {}
    parsed: dict[str, ParsedAnswer] = {}
    for key, value in raw.items():
        item = engine_items.get(key)
        if item is None:
            errors[key] = "There is no question with this key in this questionnaire."
            continue
        answer, error = _coerce(item.type, value)
        if error is None:
            error = scoring.validate_answer(item, answer)
        if error:
            errors[key] = error
        else:
            parsed[key] = ParsedAnswer(
                key=key, item_id=plan.item_ids[key], question_type=item.type, answer=answer
            )
    if errors:
        raise AnswerValidationError(errors)
    return parsed


def _coerce(question_type: str, value: Any) -> tuple[scoring.Answer, str | None]:
    if question_type == "boolean":
        if isinstance(value, bool):
            return scoring.Answer(boolean=value), None
        if value in ("true", "yes", "1", 1):
            return scoring.Answer(boolean=True), None
        if value in ("false", "no", "0", 0):
            return scoring.Answer(boolean=False), None
        return scoring.Answer(), "Answer yes or no."
    if question_type == "scalar":
        if isinstance(value, bool):
            return scoring.Answer(), "Enter a number."
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an integer like 10**400
            return scoring.Answer(), "Enter a number."
        if not math.isfinite(number):  # "1e400", "nan": not a number anyone answers
            return scoring.Answer(), "Enter a number."
        return scoring.Answer(number=number), None
    if question_type == "single_choice":
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
            return scoring.Answer(), "Choose one of the options."
        return scoring.Answer(option=str(value)), None
    if question_type == "multi_choice":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        ):
            return scoring.Answer(), "Choose options from the list."
        keys = [str(v) for v in value]
        if len(set(keys)) != len(keys):
            # Merging them silently would hide a client bug; say which one came twice.
            twice = sorted({key for key in keys if keys.count(key) > 1})
            return scoring.Answer(), f"Choose each option once ({', '.join(twice)} came more than once)."
        return scoring.Answer(options=tuple(sorted(keys))), None
    if question_type == "text":
        if not isinstance(value, str):
            return scoring.Answer(), "Enter some text."
        return scoring.Answer(text=value), None
    return scoring.Answer(), "This question type is not supported."


CLOSED_MESSAGE = "This questionnaire has already been submitted; answers can no longer change."


def _version_of(session: AssessmentSession) -> QuestionnaireVersion | int:
    """The session's version row when it was loaded with the session (no query), else its id."""
    version = session._state.fields_cache.get("questionnaire_version")
    return version if version is not None else session.questionnaire_version_id


def _assert_open_locked(session: AssessmentSession) -> None:
    locked = AssessmentSession.objects.select_for_update().only("status").get(pk=session.pk)
    if locked.status != AssessmentSession.Status.IN_PROGRESS:
        raise SessionClosed(CLOSED_MESSAGE)


def _touch_and_log(
    session_id,
    event: str,
    detail: dict[str, Any],
    *,
    read_answers: selectors.VersionPlan | None = None,
    write: tuple[str, list] | None = None,
    answerer: Any = None,
) -> dict[str, scoring.Answer] | None:
    """One statement: lock the session row if it is still in progress, bump its `updated_at`
    and append the event; SessionClosed when it is not in progress (the caller's atomic block
    then rolls back whatever it wrote). With `read_answers` (the session's plan), the same
    statement also returns the session's answers as they were before this save (every part of
    a statement sees the rows as they were before it). `write`: one more data-modifying CTE
    over `touched` and its parameters, run in the same statement (`_answers_upsert_cte`), so a
    closed session writes nothing. `answerer`: a user, when the session was not read first; the
    statement then touches the row only if they may answer it (the rule of
    `selectors.session_for_user`), and SessionClosed also means "not theirs" or "no such session"."""
    log = QuestionnaireEventLog._meta.db_table
    sessions = AssessmentSession._meta.db_table
    now = timezone.now()
    sql = f"WITH touched AS (UPDATE {sessions} SET updated_at = %s WHERE id = %s AND status = %s "
    params = [now, session_id, AssessmentSession.Status.IN_PROGRESS]
    if answerer is not None:
        sql += (
            f"AND (respondent_user_id = %s OR (survey_id IS NULL AND subject_id IN (SELECT id FROM "
            f"{SubjectProfile._meta.db_table} WHERE user_id = %s OR owner_id = %s))) "
        )
        params += [answerer.pk] * 3
    sql += (
        f"RETURNING id), logged AS (INSERT INTO {log} (session_id, event, detail, created_at) "
        f"SELECT id, %s, %s::jsonb, %s FROM touched RETURNING session_id) "
    )
    params += [event, json.dumps(detail), now]
    if write is not None:
        sql = f"{sql.rstrip()}, {write[0]} "
        params += write[1]
    if read_answers is None:
        sql += "SELECT session_id FROM logged"
    else:  # a row per answer, or one of NULLs when there are none yet; none when closed
        sql += f"SELECT {selectors.answer_columns_sql(read_answers)} FROM logged "
        sql += f"LEFT JOIN {Response._meta.db_table} r "
        sql += "ON r.session_id = logged.session_id"
    # The same text on every save (one per number of answers written with it): planned once.
    with prepared_statement_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        raise SessionClosed(CLOSED_MESSAGE)
    if read_answers is None:
        return None
    return selectors.answers_from_rows(read_answers, [row for row in rows if row[0] is not None])


def responses_autosave_remembered(
    *, user, session_id, plan: selectors.VersionPlan, answers: dict[str, Any]
) -> selectors.Progress | None:
    """The API autosave in one statement, without reading the session first: for a session this
    process has read before (`plan`: `selectors.remembered_session_plan(user, session_id)`),
    answers that are all valid and neither cleared nor multiple choice. The statement checks that
    `user` may answer the session and that it is still in progress as it writes; it returns the
    progress after the save.

    None when it cannot take this way or the statement wrote nothing (a closed session, one no
    longer theirs): the caller then takes `responses_update_progress`'s, which says why."""
    if not answers or any(value is None for value in answers.values()):
        return None
    try:
        parsed = parse_answers(plan.version, answers)
    except AnswerValidationError:
        return None  # the usual way reports a closed session before the answers' errors
    if any(entry.question_type == "multi_choice" for entry in parsed.values()):
        return None
    write = _answers_upsert_cte(parsed, selectors.scoring_plan(plan.version))
    detail = {"items": sorted(parsed)}
    try:
        before = _touch_and_log(
            session_id, "autosaved", detail, read_answers=plan, write=write, answerer=user
        )
    except SessionClosed:
        return None
    return selectors.session_progress(plan.version, _answers_after(before, parsed))


def _answers_after(
    before: dict[str, scoring.Answer], parsed: dict[str, ParsedAnswer]
) -> dict[str, scoring.Answer]:
    """What reading the answers back after a save would give: the upsert stores exactly the
    parsed answers."""
    return {**before, **{key: selectors.answer_as_stored(entry.answer) for key, entry in parsed.items()}}


def _answers_upsert_cte(parsed: dict[str, ParsedAnswer], plan: selectors.ScoringPlan) -> tuple[str, list]:
    """`_upsert` of answers without a multiple choice as a CTE for `_touch_and_log`: it writes
    only for the session row that statement touched."""
    option_ids = plan.option_ids
    answers_sql, value_columns = _answer_values_sql(len(parsed))
    values = [
        value
        for entry in parsed.values()
        for value in (
            entry.item_id,
            entry.answer.boolean,
            entry.answer.number,
            entry.answer.text or "",
            option_ids.get((entry.key, entry.answer.option)) if entry.answer.option else None,
        )
    ]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in _UPSERT_COLUMNS)
    sql = (
        f"saved AS (INSERT INTO {Response._meta.db_table} (session_id, item_id, {', '.join(_UPSERT_COLUMNS)}) "
        f"SELECT touched.id, {value_columns}, %s FROM touched, ({answers_sql}) v "
        f"ON CONFLICT (session_id, item_id) DO UPDATE SET {updates})"
    )
    return sql, [timezone.now(), *values]


_ANSWER_VALUE_FIELDS = ("item", "value_boolean", "value_number", "value_text", "selected_option")


@functools.cache
def _answer_values_sql(count: int) -> tuple[str, str]:
    """(VALUES of `count` answers, each parameter cast to its column's type; the columns to
    select from it as `v`): parameters in a VALUES list have no column to take a type from."""
    fields = [Response._meta.get_field(name) for name in _ANSWER_VALUE_FIELDS]
    row = ", ".join(f"%s::{field.db_type(connection)}" for field in fields)
    names = ", ".join(field.column for field in fields)
    rows = ", ".join([f"({row})"] * count)
    return f"SELECT * FROM (VALUES {rows}) AS answers ({names})", ", ".join(
        f"v.{field.column}" for field in fields
    )


def responses_save(*, session: AssessmentSession, answers: dict[str, Any], event: str = "autosaved") -> int:
    """Validate every answer, then upsert them all; all or nothing.

    Validation runs in memory against the version's plan. Answers without a multiple choice
    (every autosave of a single answer) are one statement: it locks the open session, bumps its
    `updated_at`, logs the event and upserts the answers, atomic on its own, so no transaction
    is opened and committed around it. A multiple choice adds its selections' statements, in a
    transaction. A closed session is a SessionClosed even when the answers are also invalid.
    """
    return len(_save_answers(session, answers, event, read_answers=False)[0])


def responses_save_and_read(
    *, session: AssessmentSession, answers: dict[str, Any], event: str = "autosaved"
) -> dict[str, scoring.Answer]:
    """`responses_save`, returning all the session's answers after it: read by the statement
    that saves, so a page that shows them after a save needs no second read."""
    return _save_answers(session, answers, event, read_answers=True)[1]


def _save_answers(
    session: AssessmentSession, answers: dict[str, Any], event: str, *, read_answers: bool
) -> tuple[dict[str, ParsedAnswer], dict[str, scoring.Answer] | None]:
    """What `responses_save` does; with `read_answers`, also the session's answers after the
    save, read by the statement that logs it (for the progress, without reading them again)."""
    version = _version_of(session)
    try:
        parsed = parse_answers(version, answers)
    except AnswerValidationError:
        with transaction.atomic():
            _assert_open_locked(session)  # a closed session says so before the answers' errors
        raise
    if not parsed:
        with transaction.atomic():
            _assert_open_locked(session)
        return parsed, (selectors.session_answers(session) if read_answers else None)
    plan = selectors.version_plan(version) if read_answers else None
    detail = {"items": sorted(parsed)}
    scoring_plan = selectors.scoring_plan(version)
    if any(entry.question_type == "multi_choice" for entry in parsed.values()):
        with transaction.atomic():
            before = _touch_and_log(session.pk, event, detail, read_answers=plan)
            _upsert(session, parsed, scoring_plan)
    else:
        # One statement, atomic on its own: no transaction to open and commit around it.
        write = _answers_upsert_cte(parsed, scoring_plan)
        before = _touch_and_log(session.pk, event, detail, read_answers=plan, write=write)
    if before is None:
        return parsed, None
    return parsed, _answers_after(before, parsed)


def responses_update_progress(
    *, session: AssessmentSession, answers: dict[str, Any], event: str = "autosaved"
) -> selectors.Progress:
    """`responses_update`, returning the session's progress after it. Without cleared answers
    that costs no read beyond the save's own (`_save_answers`)."""
    if any(value is None for value in answers.values()):
        responses_update(session=session, answers=answers, event=event)
        plan = selectors.session_plan(session)
        return selectors.session_progress(plan.version, selectors.session_answers(session, plan))
    _parsed, after = _save_answers(session, answers, event, read_answers=True)
    return selectors.session_progress(selectors.session_plan(session).version, after)


_UPSERT_COLUMNS = ("value_boolean", "value_number", "value_text", "selected_option_id", "answered_at")


def _upsert(session: AssessmentSession, parsed: dict[str, ParsedAnswer], plan: selectors.ScoringPlan) -> None:
    option_ids = plan.option_ids
    if not any(entry.question_type == "multi_choice" for entry in parsed.values()):
        # The autosave's one write: a plain parametrised statement, no ORM query to compile
        # on every save (the same columns and conflict rule as the bulk_create below).
        now = timezone.now()
        values = [
            (
                session.pk,
                entry.item_id,
                entry.answer.boolean,
                entry.answer.number,
                entry.answer.text or "",
                option_ids.get((entry.key, entry.answer.option)) if entry.answer.option else None,
                now,
            )
            for entry in parsed.values()
        ]
        updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in _UPSERT_COLUMNS)
        rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(values))
        with prepared_statement_cursor() as cursor:  # one text per number of answers
            cursor.execute(
                f"INSERT INTO {Response._meta.db_table} (session_id, item_id, {', '.join(_UPSERT_COLUMNS)}) "
                f"VALUES {rows} ON CONFLICT (session_id, item_id) DO UPDATE SET {updates}",
                [value for row in values for value in row],
            )
        return
    rows = [
        Response(
            session=session,
            item_id=entry.item_id,
            value_boolean=entry.answer.boolean,
            value_number=entry.answer.number,
            value_text=entry.answer.text or "",
            selected_option_id=option_ids.get((entry.key, entry.answer.option))
            if entry.answer.option
            else None,
        )
        for entry in parsed.values()
    ]
    saved = Response.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "item"],
        update_fields=["value_boolean", "value_number", "value_text", "selected_option", "answered_at"],
    )
    by_item_id = {entry.item_id: entry for entry in parsed.values()}
    multi = {
        response.pk: by_item_id[response.item_id]
        for response in saved
        if by_item_id[response.item_id].question_type == "multi_choice"
    }
    if multi:
        ResponseOptionSelection.objects.filter(response_id__in=list(multi)).delete()
        ResponseOptionSelection.objects.bulk_create(
            ResponseOptionSelection(response_id=response_id, option_id=option_ids[(entry.key, option_key)])
            for response_id, entry in multi.items()
            for option_key in entry.answer.options
        )


def responses_clear(*, session: AssessmentSession, item_keys: list[str]) -> None:
    with transaction.atomic():
        session = AssessmentSession.objects.select_for_update().get(pk=session.pk)
        if session.status != AssessmentSession.Status.IN_PROGRESS:
            raise SessionClosed(
                "This questionnaire has already been submitted; answers can no longer change."
            )
        Response.objects.filter(session=session, item__key__in=item_keys).delete()


@transaction.atomic
def responses_update(*, session: AssessmentSession, answers: dict[str, Any], event: str = "autosaved") -> int:
    """`responses_save` where a None value clears that answer (the API's `null`).

    Every key is validated first, cleared ones included (an unknown key is an error either way);
    then answers are upserted and cleared ones deleted, all or nothing. Clearing a required
    answer is allowed while the session is open: submitting reports it as missing.
    """
    cleared = sorted(key for key, value in answers.items() if value is None)
    if not cleared:
        return responses_save(session=session, answers=answers, event=event)
    version = _version_of(session)
    session = AssessmentSession.objects.select_for_update().get(pk=session.pk)
    if session.status != AssessmentSession.Status.IN_PROGRESS:
        raise SessionClosed("This questionnaire has already been submitted; answers can no longer change.")
    errors: dict[str, str] = {}
    parsed: dict[str, ParsedAnswer] = {}
    try:
        parsed = parse_answers(
            version,
            {key: value for key, value in answers.items() if value is not None},
        )
    except AnswerValidationError as exc:
        errors.update(exc.errors)
    plan = selectors.scoring_plan(version)
    known = set(plan.item_ids)
    for key in cleared:
        if key not in known:
            errors[key] = "There is no question with this key in this questionnaire."
    if errors:
        raise AnswerValidationError(errors)
    if parsed:
        _upsert(session, parsed, plan)
    Response.objects.filter(session=session, item__key__in=cleared).delete()
    _log(session, event, items=sorted(parsed), cleared=cleared)
    AssessmentSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())
    return len(parsed) + len(cleared)


# --------------------------------------------------------------------------- submit and score


def session_missing_required(
    session: AssessmentSession, version: QuestionnaireVersion | None = None
) -> list[str]:
    version = version or selectors.version_with_items(_version_of(session))
    instrument = selectors.engine_instrument(version)
    answers = selectors.session_answers(session, getattr(version, "_plan", None))
    visible, _skipped = scoring.visible_items(instrument, answers)
    required = {item.key for item in instrument.items if item.required}
    return [key for key in visible if key in required and key not in answers]


@dataclass(frozen=True)
class Submission:
    run: AnalysisRun
    accepted_now: bool  # False when the session had already been submitted (a repeat)


def session_submit(*, session: AssessmentSession) -> AnalysisRun:
    """Submit once: a double click or a second tab gets the same run back, never a second one."""
    return session_submit_once(session=session).run


@transaction.atomic
def session_submit_once(*, session: AssessmentSession) -> Submission:
    """`session_submit`, saying whether this call was the one that submitted.

    Parallel submits of one session queue on its row lock: exactly one sees it in progress and
    gets `accepted_now=True` (what the per-IP survey throttle counts). A survey answer also
    takes the survey's row lock before counting answers against `max_responses`, so parallel
    submits of different responders cannot all pass an unlocked count (raises SurveyClosed).
    """
    session = AssessmentSession.objects.select_for_update().get(pk=session.pk)
    if session.status != AssessmentSession.Status.IN_PROGRESS:
        run = selectors.latest_run(session)
        if run is not None:
            return Submission(run=run, accepted_now=False)
        raise SessionClosed("This session can no longer be submitted.")
    if session.survey_id is not None:
        # Locked after the session (every path takes them in this order), held until commit:
        # the next submit of this survey counts only once this one is committed or rolled back.
        survey_assert_open(Survey.objects.select_for_update().get(pk=session.survey_id))
    missing = session_missing_required(session)
    if missing:
        raise IncompleteSession(missing)
    session.status = AssessmentSession.Status.SUBMITTED
    session.submitted_at = timezone.now()
    session.likely_duplicate = _is_likely_duplicate(session)
    session.save(update_fields=["status", "submitted_at", "likely_duplicate", "updated_at"])
    _log(session, QuestionnaireEventLog.Event.SUBMITTED)
    return Submission(run=_run_create(session), accepted_now=True)


def _is_likely_duplicate(session: AssessmentSession) -> bool:
    """Whether an earlier answer to the same survey came from the same network and browser.

    Only a soft signal: flatmates or colleagues behind one address with the same browser look
    identical, so the answer is kept and only marked (the owner may leave marked answers out).
    A personal invitation link is never a duplicate: it starts one session only. Callers hold
    the survey's row lock, so two submits of one survey cannot both miss each other.
    """
    if session.survey_id is None or not session.responder_fingerprint or session.invitation_id:
        return False
    return (
        AssessmentSession.objects.filter(
            survey_id=session.survey_id,
            responder_fingerprint=session.responder_fingerprint,
            status__in=[AssessmentSession.Status.SUBMITTED, AssessmentSession.Status.SCORED],
        )
        .exclude(pk=session.pk)
        .exists()
    )


def _run_create(session: AssessmentSession) -> AnalysisRun:
    run = AnalysisRun.objects.create(session=session)
    outbox.enqueue(SCORE_TASK, {"run_id": str(run.pk)}, dedupe_key=f"score:{run.pk}")
    return run


@transaction.atomic
def run_rescore(*, session: AssessmentSession) -> AnalysisRun:
    """Score again (after a rule or engine change): a new run; earlier runs stay for audit."""
    session = AssessmentSession.objects.select_for_update().get(pk=session.pk)
    if session.status == AssessmentSession.Status.IN_PROGRESS:
        raise AssessmentError("Submit the questionnaire before scoring it.")
    return _run_create(session)


def run_retry(*, run: AnalysisRun) -> AnalysisRun:
    """Retry a failed run (staff): a new run, the failed one keeps its error."""
    if run.status != AnalysisRun.Status.FAILED:
        raise AssessmentError("Only a failed run can be retried.")
    return run_rescore(session=run.session)


def run_score(*, run_id) -> None:
    """Score one run (outbox handler; idempotent: a finished run is left alone)."""
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().select_related("session").get(pk=run_id)
        if run.status == AnalysisRun.Status.DONE:
            return
        run.status = AnalysisRun.Status.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.save(update_fields=["status", "attempts", "started_at"])
    try:
        _score_and_store(run)
    except Exception as exc:
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisRun.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise


@transaction.atomic
def _score_and_store(run: AnalysisRun) -> None:
    session = run.session
    version_plan = selectors.session_plan(session)
    answers = selectors.session_answers(session, version_plan)
    _store_scored([_score_one(run, selectors.scoring_plan(version_plan.version), answers)])
    _announce_scored([run])


@dataclass
class _ScoredRun:
    run: AnalysisRun
    result: scoring.ScoreResult
    scores: list[TraitScore]
    composites: list[CompositeScore]
    components: list[ResponseTraitComponent]


def _score_one(
    run: AnalysisRun, plan: selectors.ScoringPlan, answers: dict[str, scoring.Answer]
) -> _ScoredRun:
    """Score one run with the pure engine and build (unsaved) rows of its results."""
    session = run.session
    as_of = session.submitted_at or timezone.now()
    result = scoring.score(plan.instrument, answers, as_of=as_of)
    dimension_ids = plan.dimension_ids
    return _ScoredRun(
        run=run,
        result=result,
        scores=[
            TraitScore(
                run=run,
                dimension_id=dimension_ids[score.dimension],
                raw_score=score.raw,
                normalized_score=score.normalized,
                item_mean=score.item_mean,
                band=score.band or "",
                band_label=score.band_label or "",
                item_count=score.item_count,
                scale_min=score.scale_min,
                scale_max=score.scale_max,
                relative=score.relative,
            )
            for score in result.dimensions
        ],
        composites=[
            CompositeScore(
                run=run,
                composite_id=plan.composite_ids[composite.composite],
                value=composite.value,
                primary_dimension_id=dimension_ids.get(composite.primary) if composite.primary else None,
            )
            for composite in result.composites
        ],
        components=[
            ResponseTraitComponent(
                run=run,
                item_id=plan.item_ids[component.item],
                option_id=plan.option_ids.get((component.item, component.option))
                if component.option
                else None,
                dimension_id=dimension_ids[component.dimension],
                mapping_id=int(component.mapping_id) if component.mapping_id.isdigit() else None,
                rule_type=component.rule,
                input_value=component.input,
                contribution=component.contribution,
            )
            for component in result.components
        ],
    )


def _copy_rows(model, columns: list[str], rows, *, json_columns: frozenset | set = frozenset()) -> None:
    """Write unsaved model instances with one `COPY … FROM STDIN` (far cheaper than building an
    INSERT per batch for thousands of audit rows); values are what the ORM would store."""
    json_at = [columns.index(name) for name in json_columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for instance in rows:
            values = [getattr(instance, name) for name in columns]
            for index in json_at:
                if values[index] is not None:  # JSON null is stored as SQL NULL, as the ORM does
                    values[index] = Jsonb(values[index])
            copy.write_row(values)


def _clear_results(runs: list[AnalysisRun]) -> None:
    """A retried run may have written rows before failing (outside a batch): start clean."""
    if not runs:
        return
    run_ids = [run.pk for run in runs]
    with connection.cursor() as cursor:
        for model in (TraitScore, CompositeScore, ResponseTraitComponent):
            # One array parameter, not one per run (a batch holds 1,000).
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE run_id = ANY(%s::uuid[])", [run_ids])


def _announce_scored(runs: list[AnalysisRun]) -> None:
    """One `run_scored` signal per subject (its receivers write outbox rows), not per run: a
    batch of a cohort's 1,000 sessions rebuilds what depends on that subject once."""
    by_subject: dict[Any, list[AnalysisRun]] = {}
    for run in runs:
        by_subject.setdefault(run.session.subject_id, []).append(run)
    for subject_id, subject_runs in by_subject.items():
        run_scored.send(sender=AnalysisRun, run=subject_runs[-1], runs=subject_runs, subject_id=subject_id)


def _store_scored(scored: list[_ScoredRun]) -> None:
    """Store the results of runs scored by the engine, set-based: a constant number of
    statements for the rows however many runs (the caller announces them)."""
    if not scored:
        return
    runs = [entry.run for entry in scored]
    _clear_results(runs)
    _copy_rows(
        TraitScore,
        [
            "run_id",
            "dimension_id",
            "raw_score",
            "normalized_score",
            "item_mean",
            "band",
            "band_label",
            "item_count",
            "scale_min",
            "scale_max",
            "relative",
        ],
        (row for entry in scored for row in entry.scores),
    )
    _copy_rows(
        CompositeScore,
        ["run_id", "composite_id", "value", "primary_dimension_id"],
        (row for entry in scored for row in entry.composites),
    )
    _copy_rows(
        ResponseTraitComponent,
        [
            "run_id",
            "item_id",
            "option_id",
            "dimension_id",
            "mapping_id",
            "rule_type",
            "input_value",
            "contribution",
        ],
        (row for entry in scored for row in entry.components),
        json_columns={"input_value"},
    )
    now = timezone.now()
    for entry in scored:
        entry.run.status = AnalysisRun.Status.DONE
        entry.run.score_version = entry.result.score_version
        entry.run.result = entry.result.to_stored_dict()
        entry.run.error = ""
        entry.run.finished_at = now
        entry.run.scored_item_ids = entry.run.scored_option_ids = None  # its audit rows are its own
    AnalysisRun.objects.bulk_update(
        runs,
        ["status", "score_version", "result", "error", "finished_at", "scored_item_ids", "scored_option_ids"],
    )
    AssessmentSession.objects.filter(pk__in=[run.session_id for run in runs]).update(
        status=AssessmentSession.Status.SCORED, scored_at=now
    )
    QuestionnaireEventLog.objects.bulk_create(
        QuestionnaireEventLog(
            session_id=run.session_id, event=QuestionnaireEventLog.Event.SCORED, detail={"run": str(run.pk)}
        )
        for run in runs
    )


def runs_score_batch(*, limit: int = SCORE_BATCH_SIZE, run_ids: list | None = None) -> int:
    """Score up to `limit` pending runs in one transaction; returns how many were scored.

    Runs are claimed with `SELECT … FOR UPDATE SKIP LOCKED` (parallel batches take different
    runs). A version `batch_scoring` compiles is scored and stored by one SQL statement
    (byte-identical to the engine); the others are read in one query per version, scored by the
    pure engine (the same code as `run_score`) and stored set-based (`_store_scored`). A run the
    engine cannot score is marked failed with its error; the others are stored. Should anything
    fail, the batch rolls back and each run is scored on its own (`run_score`). Subjects are
    announced once each (`run_scored`).
    """
    with transaction.atomic():
        claimed = (
            AnalysisRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("session")
            # What scoring, storing and the `run_scored` receivers read: building 2,000 whole
            # rows per batch (their dates parsed) cost a quarter of a batch scored in SQL.
            .only(*CLAIMED_RUN_FIELDS)
        )
        claimed = claimed.filter(status=AnalysisRun.Status.PENDING)
        if run_ids is not None:
            claimed = claimed.filter(pk__in=run_ids)
        runs = list(claimed.order_by("created_at")[:limit])
        if not runs:
            return 0
        try:
            with transaction.atomic():
                done = _score_batch(runs)
                _announce_scored(done)
                return len(done)
        except Exception:  # noqa: BLE001 - fall back to one run at a time below
            logger.warning("batch scoring failed; scoring its runs one by one", exc_info=True)
    for run in runs:
        try:
            run_score(run_id=run.pk)
        except Exception:  # noqa: BLE001 - run_score marked it failed with the error
            logger.exception("scoring run %s failed", run.pk)
    return len(runs)


def runs_score_pending(*, batch_size: int = SCORE_BATCH_SIZE, max_batches: int = 50, workers: int = 1) -> int:
    """Score pending runs batch after batch until none is left (or `max_batches`); returns how
    many were scored. Beat runs it: a burst of submissions is scored in batches while their
    outbox tasks (`run_score`, one run each, which then finds its run done) wait in the queue.

    `workers` > 1 drains with that many database connections at once, each claiming its own
    batches (SKIP LOCKED): a batch scored in SQL is one statement on one core, so two
    connections score a burst in about half the time on a machine with two."""
    if workers <= 1:
        return _drain_pending(batch_size, max_batches)
    each = -(-max_batches // workers)  # ceiling: together at most max_batches (+ workers - 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="score") as pool:
        drains = [pool.submit(_drain_pending_in_thread, batch_size, each) for _ in range(workers)]
        return sum(drain.result() for drain in drains)


def _drain_pending(batch_size: int, max_batches: int) -> int:
    total = 0
    for _ in range(max_batches):
        scored = runs_score_batch(limit=batch_size)
        if not scored:
            break
        total += scored
    return total


def _drain_pending_in_thread(batch_size: int, max_batches: int) -> int:
    try:
        return _drain_pending(batch_size, max_batches)
    finally:
        connection.close()  # this thread's own connection


def version_rescore(
    *,
    version: QuestionnaireVersion,
    batch_size: int = SCORE_BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Score every submitted session of `version` again (after a rule or engine change), in
    batches: each batch's new runs are created and scored in one transaction, so none is left
    pending. Earlier runs stay for audit. Returns how many sessions were re-scored."""
    done_statuses = [AssessmentSession.Status.SUBMITTED, AssessmentSession.Status.SCORED]
    ids = list(
        AssessmentSession.objects.filter(questionnaire_version=version, status__in=done_statuses)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        with transaction.atomic():
            runs = AnalysisRun.objects.bulk_create(AnalysisRun(session_id=pk) for pk in chunk)
            runs_score_batch(limit=len(runs), run_ids=[run.pk for run in runs])
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return done


def _score_batch(runs: list[AnalysisRun]) -> list[AnalysisRun]:
    """Score and store claimed runs; returns those now done (the others failed, with their error).

    A version that `batch_scoring` can compile is scored in SQL, one statement per version;
    the rest (and any run with an answer the engine would refuse) by the pure engine.
    """
    now = timezone.now()
    by_version: dict[int, list[AnalysisRun]] = {}
    for run in runs:
        by_version.setdefault(run.session.questionnaire_version_id, []).append(run)
    done: list[AnalysisRun] = []
    for_engine: list[AnalysisRun] = []
    for version_id, version_runs in by_version.items():
        compiled = selectors.version_plan(version_id).derived("sql_scoring", _compile_sql_scoring)
        if compiled is None:
            for_engine.extend(version_runs)
            continue
        # Only a run scored before can have rows left from a failed attempt (every scoring path
        # counts its attempt in the transaction that writes rows, or before it).
        _clear_results([run for run in version_runs if run.attempts])
        left = batch_scoring.score_runs(compiled, version_runs, now=now)
        for run in version_runs:
            if run.pk in left:
                for_engine.append(run)
            else:  # what the statement stored, for the signal's receivers
                run.status, run.started_at, run.finished_at = AnalysisRun.Status.DONE, now, now
                run.attempts += 1
                done.append(run)
    if for_engine:
        scored = _score_with_engine(for_engine, now=now)
        _store_scored(scored)
        done.extend(entry.run for entry in scored)
    return done


def _compile_sql_scoring(plan) -> batch_scoring.CompiledVersion | None:
    return batch_scoring.compile_version(selectors.scoring_plan(plan.version))


def _score_with_engine(runs: list[AnalysisRun], *, now) -> list[_ScoredRun]:
    by_version: dict[int, list[AnalysisRun]] = {}
    for run in runs:
        run.attempts += 1
        run.started_at = now
        by_version.setdefault(run.session.questionnaire_version_id, []).append(run)
    AnalysisRun.objects.bulk_update(runs, ["attempts", "started_at"])
    scored: list[_ScoredRun] = []
    failed: list[AnalysisRun] = []
    for version_id, version_runs in by_version.items():
        version_plan = selectors.version_plan(version_id)
        plan = selectors.scoring_plan(version_plan.version)
        answers = selectors.sessions_answers([run.session for run in version_runs], version_plan)
        for run in version_runs:
            try:
                scored.append(_score_one(run, plan, answers.get(run.session_id, {})))
            except Exception as exc:  # noqa: BLE001 - the run keeps its error, the batch goes on
                run.status = AnalysisRun.Status.FAILED
                run.error = f"{type(exc).__name__}: {exc}"[:2000]
                run.finished_at = timezone.now()
                failed.append(run)
    if failed:
        AnalysisRun.objects.bulk_update(failed, ["status", "error", "finished_at"])
    return scored


# --------------------------------------------------------------------------- surveys about me


def survey_create(
    *,
    owner,
    version: QuestionnaireVersion,
    title: str = "",
    closes_at=None,
    max_responses: int | None = None,
    min_responses_to_show: int = MIN_RESPONSES_FLOOR,
    invitation_only: bool = False,
    exclude_likely_duplicates: bool = False,
) -> Survey:
    if not version.is_published:
        raise AssessmentError("Choose a published questionnaire.")
    if min_responses_to_show < MIN_RESPONSES_FLOOR:
        # Also a check constraint; said here in words a person can act on.
        raise AssessmentError(
            f"Results must stay hidden until at least {MIN_RESPONSES_FLOOR} people answered "
            "(an average of fewer gives their answers away)."
        )
    if closes_at is not None and closes_at <= timezone.now():
        raise AssessmentError("The closing date must be in the future.")
    subject = subject_get_or_create_for_user(user=owner)
    return Survey.objects.create(
        owner=owner,
        subject=subject,
        questionnaire_version=version,
        title=title.strip(),
        closes_at=closes_at,
        max_responses=max_responses,
        min_responses_to_show=min_responses_to_show,
        invitation_only=invitation_only,
        exclude_likely_duplicates=exclude_likely_duplicates,
    )


def survey_set_active(*, survey: Survey, is_active: bool) -> Survey:
    Survey.objects.filter(pk=survey.pk).update(is_active=is_active, updated_at=timezone.now())
    survey.is_active = is_active
    return survey


def survey_update_settings(
    *, survey: Survey, invitation_only: bool | None = None, exclude_likely_duplicates: bool | None = None
) -> Survey:
    """Change who may answer (`invitation_only`) and whether flagged answers count."""
    changes = {}
    if invitation_only is not None:
        changes["invitation_only"] = invitation_only
    if exclude_likely_duplicates is not None:
        changes["exclude_likely_duplicates"] = exclude_likely_duplicates
    if changes:
        Survey.objects.filter(pk=survey.pk).update(**changes, updated_at=timezone.now())
        for field, value in changes.items():
            setattr(survey, field, value)
    return survey


@transaction.atomic
def survey_session_for_responder(
    *,
    survey: Survey,
    responder_id: str,
    fingerprint: str,
    locale: str = "en",
    invitation_token: str = "",
) -> AssessmentSession:
    """The anonymous responder's session: resumed when their cookie matches, else a new one.

    The signed cookie (`responder_id`) is the hard rule: one browser answers once, so a cookie
    whose session was submitted raises AlreadyResponded. The fingerprint (network and browser)
    only marks a submitted answer as a likely duplicate (see `_is_likely_duplicate`); it never
    refuses anyone. With `invitation_token`, a new session claims that single-use invitation
    (InvitationNotFound / InvitationRevoked / InvitationUsed otherwise); an invitation-only
    survey starts no session without one (InvitationRequired). SurveyClosed when the survey
    takes no more answers. The unique (survey, responder_id) constraint makes a concurrent
    double start impossible.
    """
    existing = AssessmentSession.objects.filter(survey=survey, responder_id=responder_id).first()
    if existing is not None:
        if existing.status != AssessmentSession.Status.IN_PROGRESS:
            raise AlreadyResponded("You have already answered this survey. Thank you!")
        _log(existing, QuestionnaireEventLog.Event.RESUMED)
        return existing
    invitation = None
    if invitation_token:
        invitation = (
            SurveyInvitation.objects.select_for_update().filter(survey=survey, token=invitation_token).first()
        )
        invitation_assert_usable(invitation)
    elif survey.invitation_only:
        raise InvitationRequired(INVITATION_REQUIRED)
    session = session_start(
        subject=survey.subject,
        version=survey.questionnaire_version,
        respondent_kind=AssessmentSession.RespondentKind.ANONYMOUS,
        survey=survey,
        responder_id=responder_id,
        fingerprint=fingerprint,
        invitation=invitation,
        locale=locale,
    )
    if invitation is not None:
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
    return session


def invitation_assert_usable(invitation: SurveyInvitation | None) -> None:
    """Raises what starting from this invitation would raise (a pure check, no writes)."""
    if invitation is None:
        raise InvitationNotFound(INVITATION_NOT_FOUND)
    if invitation.revoked_at is not None:
        raise InvitationRevoked(INVITATION_REVOKED)
    if invitation.used_at is not None:
        raise InvitationUsed(INVITATION_USED)


@transaction.atomic
def invitations_create(*, survey: Survey, count: int) -> list[SurveyInvitation]:
    """`count` new single-use links to `survey` (1 to MAX_INVITATIONS_PER_REQUEST)."""
    if not 1 <= count <= MAX_INVITATIONS_PER_REQUEST:
        raise AssessmentError(f"Create between 1 and {MAX_INVITATIONS_PER_REQUEST} links at a time.")
    # The survey's row lock makes the cap hold for parallel requests too.
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    existing = SurveyInvitation.objects.filter(survey=survey).count()
    if existing + count > MAX_INVITATIONS_PER_SURVEY:
        raise AssessmentError(
            f"A survey can have at most {MAX_INVITATIONS_PER_SURVEY} invitation links "
            f"(this one has {existing})."
        )
    return SurveyInvitation.objects.bulk_create([SurveyInvitation(survey=survey) for _ in range(count)])


@transaction.atomic
def invitation_revoke(*, invitation: SurveyInvitation) -> SurveyInvitation:
    """Withdraw an unused link (revoking twice is harmless); a used link raises InvitationUsed."""
    invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise InvitationUsed("This link was already used to answer; it can no longer be revoked.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


# --------------------------------------------------------------------------- reports


def report_get_or_create(*, run: AnalysisRun, format: str, locale: str) -> AnalysisReport:
    """The finished run's report in `format` (markdown or json), rendered once and then read back.

    A finished run never changes (a re-score is a new run, with reports of its own), so a stored
    report never goes stale. `locale` falls back to the questionnaire's default locale when none
    of the report's texts are translated into it; the returned row's `locale` is the one used.
    Two requests rendering the same report at once both get the one row that was stored.
    """
    if format not in reports.FORMATS:
        raise AssessmentError(f'There is no "{format}" report; choose one of: {", ".join(reports.FORMATS)}.')
    if run.status != AnalysisRun.Status.DONE:
        raise AssessmentError("The scores are not ready yet.")
    stored = AnalysisReport.objects.filter(run=run, format=format, locale=locale).first()
    if stored is not None:
        return stored
    data = _report_data(run)
    resolved = reports.report_locale(data, locale)
    if resolved != locale:
        stored = AnalysisReport.objects.filter(run=run, format=format, locale=resolved).first()
        if stored is not None:
            return stored
    content = reports.render(data, format=format, locale=resolved)
    try:
        with transaction.atomic():
            return AnalysisReport.objects.create(run=run, format=format, locale=resolved, content=content)
    except IntegrityError:  # stored meanwhile by a concurrent request: the same content
        return AnalysisReport.objects.get(run=run, format=format, locale=resolved)


def _report_data(run: AnalysisRun) -> reports.ReportData:
    run = AnalysisRun.objects.select_related(
        "session__questionnaire_version__questionnaire", "session__questionnaire_version__analysis_model"
    ).get(pk=run.pk)
    scores = selectors.run_scores(run)
    return reports.ReportData(
        run=run,
        version=run.session.questionnaire_version,
        scores=scores,
        composites=selectors.run_composites(run),
        thresholds=selectors.thresholds_for_dimensions(score.dimension_id for score in scores),
    )

"""One compiled plan per published version: built once per process, never stale, never a draft;
the take page and autosave then read only the session's own rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import selectors, services
from assessments.models import AssessmentSession, SubjectProfile, Survey
from questionnaires import plan as version_plans
from questionnaires import services as questionnaire_services
from questionnaires.importing import import_document
from questionnaires.models import (
    Questionnaire,
    QuestionnaireVersion,
    TraitComposite,
    TraitDimension,
    TraitThreshold,
)
from tests.assessments.factories import (
    api_instrument_document,
    api_key_header,
    import_page_instrument,
    self_session,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


@pytest.fixture(autouse=True)
def fresh_plans():
    version_plans.clear()
    yield
    version_plans.clear()


def _statements(context: CaptureQueriesContext) -> list[str]:
    """Captured SQL without the test transaction's savepoints."""
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def _from_table(sql: str) -> str:
    return sql.split(" FROM ", 1)[1].split()[0] if " FROM " in sql else ""


def _session_as_a_request_loads_it(user, session):
    return selectors.session_for_user(user, session.pk)


# --------------------------------------------------------------------------- the cache


def test_a_published_version_is_built_once_per_process(user, page_version):
    session = self_session(user, page_version)
    builds = version_plans.stats()["builds"]

    first = selectors.session_plan(_session_as_a_request_loads_it(user, session))
    second = selectors.session_plan(_session_as_a_request_loads_it(user, session))

    assert first is second
    assert version_plans.stats()["builds"] == builds + 1


def test_a_draft_is_never_cached(page_version):
    draft = questionnaire_services.version_create_draft(from_version=page_version)

    first = version_plans.version_plan(draft.pk)
    second = version_plans.version_plan(draft.pk)

    assert first is not second
    assert not first.is_published
    assert all(key[0] != draft.pk for key in version_plans.cached_keys())


def test_publishing_a_new_version_is_picked_up_without_restart(user, page_version):
    old = version_plans.version_plan(page_version.pk)
    assert old.version.is_active
    draft = questionnaire_services.version_create_draft(from_version=page_version)
    draft_plan = version_plans.version_plan(draft.pk)

    questionnaire_services.version_publish(version=draft)

    published = version_plans.version_plan(draft.pk)
    assert published is not draft_plan and published.is_published and published.version.is_active
    # The old version was deactivated by the publish: its next plan says so.
    assert version_plans.version_plan(page_version.pk).version.is_active is False


def test_a_change_made_by_another_process_is_seen_by_the_next_request(user, page_version, user_client):
    """No signal reaches this process when another one writes: the key read with the session is
    what keeps the plan fresh. Simulated by plain UPDATEs that bypass any in-process hook."""
    session = self_session(user, page_version)
    user_client.get(f"/assessments/{session.pk}/q/1/")  # the plan is cached now

    Questionnaire.objects.filter(pk=page_version.questionnaire_id).update(
        title="Renamed elsewhere", updated_at=timezone.now()
    )

    assert "Renamed elsewhere" in user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()


def _threshold_labels(version) -> list[str]:
    instrument = selectors.scoring_plan(version.pk).instrument
    return [t.label for d in instrument.model.dimensions for t in d.thresholds]


def test_editing_a_threshold_of_a_published_model_gives_the_next_request_a_new_plan(page_version):
    before = version_plans.version_plan(page_version.pk)
    threshold = TraitThreshold.objects.filter(dimension__analysis_model=page_version.analysis_model).first()

    threshold.label = "Edited in the admin"
    threshold.save()  # as the admin's inline does: the analysis model row itself is not saved

    after = version_plans.version_plan(page_version.pk)
    assert after is not before
    assert "Edited in the admin" in _threshold_labels(page_version)


@pytest.mark.parametrize("part", ["threshold", "dimension", "composite"])
def test_deleting_or_saving_a_part_of_the_model_changes_the_plan_key(page_version, part):
    model = page_version.analysis_model
    version_plans.version_plan(page_version.pk)
    key = version_plans.cached_keys()[-1]
    if part == "threshold":
        TraitThreshold.objects.filter(dimension__analysis_model=model).last().delete()
    elif part == "dimension":
        dimension = TraitDimension.objects.filter(analysis_model=model).first()
        dimension.name = "Renamed"
        dimension.save()
    else:
        TraitComposite.objects.create(analysis_model=model, slug="new", name="New", kind="argmax")

    version_plans.version_plan(page_version.pk)
    assert version_plans.cached_keys()[-1] != key


def test_the_lru_keeps_a_bounded_number_of_plans(monkeypatch, page_version):
    monkeypatch.setattr(version_plans, "PLANS_MAX", 2)
    versions = [page_version, import_page_instrument(slug="lru-2"), import_page_instrument(slug="lru-3")]

    for version in versions:
        version_plans.version_plan(version.pk)

    assert [key[0] for key in version_plans.cached_keys()] == [v.pk for v in versions[1:]]


def test_warming_builds_the_active_versions(page_version):
    other = import_page_instrument(slug="warm-2")

    assert version_plans.warm() == QuestionnaireVersion.objects.filter(is_active=True).count()

    cached = {key[0] for key in version_plans.cached_keys()}
    assert {page_version.pk, other.pk} <= cached


# --------------------------------------------------------------------------- per-request cost


def test_the_take_page_costs_at_most_four_queries(user_client, user, page_version):
    session = self_session(user, page_version, {"tidy": 3})
    user_client.get(f"/assessments/{session.pk}/q/1/")  # builds the plan

    with CaptureQueriesContext(connection) as context:
        response = user_client.get(f"/assessments/{session.pk}/q/2/")

    assert response.status_code == 200
    assert len(_statements(context)) <= 4, _statements(context)


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_a_session_read_with_its_cached_plan_is_the_row_the_orm_reads(user, page_version):
    session = self_session(user, page_version, {"tidy": 3})
    SubjectProfile.objects.filter(pk=session.subject_id).update(metadata={"team": "blue", "n": [1, 2]})
    by_orm = _session_as_a_request_loads_it(user, session)  # no plan in this process yet: the ORM
    selectors.session_plan(by_orm)

    with CaptureQueriesContext(connection) as context:
        read = _session_as_a_request_loads_it(user, session)

    assert len(_statements(context)) == 1, _statements(context)
    assert _fields(read) == _fields(by_orm)
    assert _fields(read.subject) == _fields(by_orm.subject)
    assert read.subject.metadata == {"team": "blue", "n": [1, 2]}
    assert read.survey is None
    assert read.questionnaire_version is selectors.session_plan(read).version
    assert _fields(read.questionnaire_version) == _fields(by_orm.questionnaire_version)


def test_a_responder_session_read_with_its_cached_plan_is_the_row_the_orm_reads(client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version, title="About me")
    assert client.post(f"/s/{survey.share_token}/").status_code == 302
    responder_id = AssessmentSession.objects.get(survey=survey).responder_id
    version_plans.clear()
    survey_by_orm = selectors.survey_by_share_token(survey.share_token)
    by_orm = selectors.survey_responder_session(survey_by_orm, responder_id)
    selectors.session_plan(by_orm)

    with CaptureQueriesContext(connection) as context:
        survey = selectors.survey_by_share_token(survey.share_token)
        read = selectors.survey_responder_session(survey, responder_id)

    assert len(_statements(context)) == 2, _statements(context)
    assert _fields(survey) == _fields(survey_by_orm)
    assert _fields(survey.subject) == _fields(survey_by_orm.subject)
    assert survey.questionnaire_version is selectors.session_plan(survey).version
    with pytest.raises(Survey.DoesNotExist):
        selectors.survey_by_share_token("no-such-link")
    assert _fields(read) == _fields(by_orm)
    assert _fields(read.subject) == _fields(by_orm.subject)
    assert _fields(read.survey) == _fields(by_orm.survey)
    assert read.questionnaire_version is selectors.session_plan(read).version
    assert selectors.survey_responder_session(survey, "someone-else") is None


def test_another_users_session_is_not_found_with_a_cached_plan_either(user, other_user, page_version):
    session = self_session(user, page_version)
    selectors.session_plan(_session_as_a_request_loads_it(user, session))

    with pytest.raises(AssessmentSession.DoesNotExist):
        selectors.session_for_user(other_user, session.pk)


def _version_without_multiple_choice():
    document = api_instrument_document(slug="no-multi")
    items = document["version"]["items"]
    document["version"]["items"] = [item for item in items if item["type"] != "multi_choice"]
    return import_document(document, publish=True).version


def test_the_answers_read_with_the_session_are_those_read_alone(user):
    version = _version_without_multiple_choice()
    session = self_session(user, version, {"q1": True, "q2": "4", "q3": "2", "q6": "Nothing.", "q7": 8})
    unanswered = self_session(other := UserFactory(), version)
    version_plans.clear()
    first, answers = selectors.session_and_answers_for_user(user, session.pk)  # the ORM: no plan yet
    assert answers is None
    selectors.session_plan(first)

    with CaptureQueriesContext(connection) as context:
        read, answers = selectors.session_and_answers_for_user(user, session.pk)

    assert len(_statements(context)) == 1, _statements(context)
    assert answers == selectors.session_answers(read)
    assert answers["q7"].number == 8 and answers["q6"].text == "Nothing." and answers["q1"].boolean is True
    assert selectors.session_and_answers_for_user(other, unanswered.pk)[1] == {}


def test_the_take_page_costs_three_queries_without_multiple_choice(user_client, user):
    session = self_session(user, _version_without_multiple_choice(), {"q2": "4"})
    user_client.get(f"/assessments/{session.pk}/q/1/")  # builds the plan

    with CaptureQueriesContext(connection) as context:
        response = user_client.get(f"/assessments/{session.pk}/q/1/")

    assert response.status_code == 200
    assert 'value="4" checked' in response.content.decode()
    statements = _statements(context)
    assert len(statements) <= 3, statements  # (the session cookie), the user, the session
    assert not [sql for sql in statements if _from_table(sql).strip('"') == "assessments_response"]


def test_a_version_with_multiple_choice_reads_its_answers_alone(user, page_version):
    session = self_session(user, page_version, {"hobbies": ["read"]})
    selectors.session_plan(_session_as_a_request_loads_it(user, session))

    read, answers = selectors.session_and_answers_for_user(user, session.pk)

    assert answers is None  # the selections are not in that statement
    assert selectors.session_answers(read)["hobbies"].options == ("read",)


def test_the_anonymous_take_page_costs_at_most_four_queries(client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version, title="About me")
    started = client.post(f"/s/{survey.share_token}/")
    assert started.status_code == 302
    page = started["Location"]
    client.get(page)  # builds the plan

    with CaptureQueriesContext(connection) as context:
        response = client.get(page)

    assert response.status_code == 200
    assert len(_statements(context)) <= 4, _statements(context)


def _answer_writes(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "INSERT INTO assessments_response " in sql]


def test_saving_an_answer_is_one_statement_with_one_write_of_the_answer(user, page_version):
    session = _session_as_a_request_loads_it(user, self_session(user, page_version))
    selectors.session_plan(session)  # built once per process, before

    with CaptureQueriesContext(connection) as context:
        services.responses_save(session=session, answers={"tidy": 4})

    # Atomic on its own: no transaction opened and committed around it either.
    assert [q["sql"] for q in context.captured_queries if q["sql"] in ("BEGIN", "COMMIT")] == []
    statements = _statements(context)
    assert len(statements) == 1, statements
    assert len(_answer_writes(statements)) == 1, statements
    assert "INSERT INTO assessments_questionnaireeventlog " in statements[0], statements
    assert selectors.session_answers(session)["tidy"].number == 4
    assert session.events.filter(event="autosaved", detail={"items": ["tidy"]}).count() == 1


def test_answers_of_every_kind_saved_in_one_statement_read_back_as_parsed(user, page_version):
    session = _session_as_a_request_loads_it(user, self_session(user, page_version))
    selectors.session_plan(session)  # built once per process, before
    first = {"likes-people": "4", "hosts": True, "tidy": 2, "notes": "Ich mag Gärten; 'quotes' too"}
    second = {"likes-people": "1", "hosts": False, "tidy": 5, "notes": ""}

    for raw in (first, second):
        with CaptureQueriesContext(connection) as context:
            services.responses_save(session=session, answers=raw)

        assert len(_statements(context)) == 1, _statements(context)
        parsed = services.parse_answers(page_version, raw)
        expected = {key: selectors.answer_as_stored(entry.answer) for key, entry in parsed.items()}
        assert selectors.session_answers(session) == expected
    assert session.responses.count() == 4


def test_a_closed_session_writes_nothing(user, page_version):
    session = self_session(
        user, page_version, {"likes-people": "4", "hosts": False, "tidy": 5, "hobbies": ["read"]}
    )
    services.session_submit(session=session)
    events = session.events.count()
    answers = selectors.session_answers(session)

    with pytest.raises(services.SessionClosed):
        services.responses_save(session=session, answers={"tidy": 1, "notes": "too late"})

    assert selectors.session_answers(session) == answers
    assert session.events.count() == events


def test_the_autosave_api_reads_no_version_rows(api_client, user, page_version):
    session = self_session(user, page_version)
    headers = api_key_header(user)
    url = f"/api/v1/sessions/{session.pk}/responses/"
    api_client.put(url, {"answers": {"tidy": 2}}, format="json", **headers)  # builds the plan

    with CaptureQueriesContext(connection) as context:
        response = api_client.put(url, {"answers": {"tidy": 5}}, format="json", **headers)

    assert response.status_code == 200, response.content
    statements = _statements(context)
    assert not [sql for sql in statements if _from_table(sql).startswith('"questionnaires_')], statements
    # The API key (with ROW_MEMORY on, as web processes run, remembered instead:
    # tests/personai/test_row_memory.py); the session; one statement that touches it, logs the
    # event, writes the answer and reads the answers so far. The progress comes from the plan
    # and the answers in memory.
    assert len(statements) <= 3, statements
    assert len(_answer_writes(statements)) == 1, statements
    assert response.json() == {**response.json(), "answered": 1}


def test_the_autosave_progress_equals_the_progress_read_back(api_client, user, page_version):
    session = self_session(user, page_version, {"likes-people": "4"})
    headers = api_key_header(user)
    url = f"/api/v1/sessions/{session.pk}/responses/"

    for answers in ({"tidy": 2}, {"hosts": False}, {"hobbies": ["read"]}, {"tidy": None}, {"hosts": True}):
        response = api_client.put(url, {"answers": answers}, format="json", **headers)
        assert response.status_code == 200, response.content
        plan = selectors.session_plan(selectors.session_for_user(user, session.pk))
        read_back = selectors.session_progress(plan.version, selectors.session_answers(session, plan))
        assert response.json()["answered"] == read_back.answered
        assert response.json()["visible"] == read_back.visible
        assert response.json()["required_missing"] == read_back.required_missing


def test_a_closed_session_with_invalid_answers_is_still_a_closed_session(user, page_version):
    session = self_session(
        user, page_version, {"likes-people": "4", "hosts": False, "tidy": 5, "hobbies": ["read"]}
    )
    services.session_submit(session=session)

    with pytest.raises(services.SessionClosed):
        services.responses_save(session=session, answers={"tidy": 99})
    with pytest.raises(services.SessionClosed):
        services.responses_save(session=session, answers={"tidy": 4})


@pytest.mark.django_db(transaction=True)
def test_warming_in_the_background_builds_the_plans_before_the_first_visitor():
    version = import_page_instrument(slug="warm-thread")

    version_plans.warm_in_background().join(timeout=30)

    assert version.pk in {key[0] for key in version_plans.cached_keys()}

"""POST /api/v1/sessions/: start a self-assessment of a published questionnaire."""

import pytest

from assessments.models import AssessmentSession, SubjectProfile
from questionnaires.importing import import_document
from tests.assessments.factories import api_instrument_document, import_api_instrument

pytestmark = pytest.mark.django_db

URL = "/api/v1/sessions/"


def test_it_starts_a_self_assessment_of_the_active_version(api_client, user):
    version = import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "api-check"}, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    session = AssessmentSession.objects.get(pk=data["id"])
    assert session.questionnaire_version == version
    assert session.respondent_kind == "self"
    assert session.respondent_user == user
    assert session.subject == SubjectProfile.objects.get(user=user, subject_type="human")
    assert data["status"] == "in_progress"
    assert data["questionnaire"] == {"slug": "api-check", "version": 1, "title": "API check"}
    assert data["locale"] == "en"
    assert data["answers"] == []
    assert data["latest_run"] is None
    # q5 is shown only after a "yes" to q1; q6 is optional.
    assert data["progress"] == {
        "answered": 0,
        "visible": 6,
        "required_missing": ["q1", "q2", "q3", "q4", "q7"],
        "total": 5,  # the optional q6 counts toward progress only once answered
    }


def test_it_pins_the_version_asked_for(api_client, user):
    import_api_instrument()
    document = api_instrument_document()
    document["version"]["version"] = 2
    import_document(document, publish=True)
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "api-check", "version": 1}, format="json")

    assert response.status_code == 201
    assert response.json()["questionnaire"]["version"] == 1


def test_it_takes_a_locale_the_questionnaire_is_translated_into(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "api-check", "locale": "de"}, format="json")

    assert response.status_code == 201
    assert response.json()["locale"] == "de"


def test_it_refuses_a_locale_the_questionnaire_does_not_have(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "api-check", "locale": "fr"}, format="json")

    assert response.status_code == 400
    assert "en, de" in response.json()["errors"]["locale"][0]
    assert not AssessmentSession.objects.exists()


def test_an_unknown_questionnaire_is_a_400_on_the_field(api_client, user):
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "no-such-thing"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Some fields are invalid."
    assert body["errors"] == {"questionnaire": ['There is no published questionnaire "no-such-thing".']}


def test_an_unknown_version_is_a_400_on_the_version(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "api-check", "version": 9}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"version": ['Questionnaire "api-check" has no version 9.']}


def test_an_unpublished_version_is_a_400(api_client, user):
    import_api_instrument()
    document = api_instrument_document()
    document["version"]["version"] = 2
    import_document(document, publish=False)
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "api-check", "version": 2}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"version": ['Version 2 of "api-check" is not published.']}
    assert not AssessmentSession.objects.exists()


def test_a_missing_questionnaire_field_is_a_400(api_client, user):
    api_client.force_login(user)

    response = api_client.post(URL, {}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"questionnaire": ["This field is required."]}


def test_it_needs_authentication(api_client, db):
    import_api_instrument()

    response = api_client.post(URL, {"questionnaire": "api-check"}, format="json")

    assert response.status_code == 401

"""Survey responders answer about someone else: they read the observer wording, with the name."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import Survey
from questionnaires.importing import import_document
from questionnaires.models import QuestionnaireVersion
from tests.assessments.factories import page_instrument_document, self_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def observer_document(*, slug: str = "observer-check", extra: int = 0) -> dict:
    """The page-test instrument with observer forms for its first section and one scalar."""
    document = page_instrument_document(slug=slug, extra=extra)
    version = document["version"]
    version["observer_instructions"] = "Describe {name} as they are now."
    version["translations"]["de"]["observer_instructions"] = (
        "Beschreiben Sie {name} so, wie {name} jetzt ist."
    )
    about = version["sections"][0]
    about["observer_title"] = "About {name}"
    about["translations"]["de"]["observer_title"] = "Über {name}"
    items = {item["key"]: item for item in version["items"]}
    items["likes-people"]["observer_text"] = "{name} likes meeting people."
    items["likes-people"]["translations"]["de"]["observer_text"] = "{name} lernt gern Menschen kennen."
    items["hosts"]["observer_text"] = "Does {name} host gatherings?"
    items["tidy"]["observer_text"] = "How tidy is {name}'s desk?"
    items["tidy"]["config"]["observer_max_label"] = "Spotless, says {name}"
    for number in range(1, extra + 1):
        items[f"m{number}"]["observer_text"] = f"{{name}} makes statement number {number}."
    return document


@pytest.fixture
def observer_version(db) -> QuestionnaireVersion:
    return import_document(observer_document(), publish=True).version


@pytest.fixture
def survey(observer_version) -> Survey:
    owner = UserFactory(username="Alice")
    return services.survey_create(owner=owner, version=observer_version, title="Alice this spring")


def _start(client, survey: Survey, lang: str = "en") -> None:
    response = client.post(f"/s/{survey.share_token}/", {"lang": lang})
    assert response.status_code == 302


def test_the_landing_page_shows_the_observer_instructions(client, survey):
    html = client.get(f"/s/{survey.share_token}/").content.decode()

    assert "Describe Alice as they are now." in html
    assert "Describe yourself" not in html


def test_a_responder_reads_the_questions_about_the_person_by_name(client, survey):
    _start(client, survey)

    html = client.get(f"/s/{survey.share_token}/q/1/").content.decode()

    assert "Alice likes meeting people." in html
    assert "Does Alice host gatherings?" in html
    assert "About Alice" in html
    assert "I like meeting people." not in html
    assert "About you" not in html
    assert "{name}" not in html


def test_texts_without_an_observer_form_fall_back_to_the_self_text(client, survey):
    _start(client, survey)

    html = client.get(f"/s/{survey.share_token}/q/2/").content.decode()

    assert "How tidy is Alice&#x27;s desk?" in html
    assert "Spotless, says Alice" in html
    assert "Chaotic" in html  # no observer form: the ordinary label
    assert "Your habits" in html  # no observer title for this section


def test_a_german_responder_reads_the_german_observer_text(client, survey):
    _start(client, survey, lang="de")

    html = client.get(f"/s/{survey.share_token}/q/1/").content.decode()

    assert "Alice lernt gern Menschen kennen." in html
    assert "Über Alice" in html
    # No German observer text for this one: the German self text beats the English observer text.
    assert "Laden Sie gern Gäste ein?" in html


def test_the_review_page_uses_the_observer_wording_too(client, survey):
    _start(client, survey)

    html = client.get(f"/s/{survey.share_token}/review/").content.decode()

    assert "Alice likes meeting people." in html
    assert "I like meeting people." not in html


def test_the_owner_taking_it_themselves_reads_the_self_text(client, survey):
    session = self_session(survey.owner, survey.questionnaire_version, {})
    client.force_login(survey.owner)

    html = client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert "I like meeting people." in html
    assert "About you" in html
    assert "Alice likes meeting people." not in html


def _queries(client, url: str) -> int:
    client.get(url)  # the version's plan is built once per process; measure a warm page
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def test_the_observer_take_page_costs_the_same_for_10_and_60_questions(client):
    counts = []
    for slug, extra in (("observer-small", 4), ("observer-large", 54)):
        version = import_document(observer_document(slug=slug, extra=extra), publish=True).version
        survey = services.survey_create(owner=UserFactory(), version=version)
        _start(client, survey)
        # Page 3 holds 4 of the small instrument's questions and 9 of the large one's.
        counts.append(_queries(client, f"/s/{survey.share_token}/q/3/"))

    assert counts[0] == counts[1], counts


# --------------------------------------------------------------------------- the responder API


def test_the_responder_api_serves_the_questions_in_observer_wording(api_client, survey):
    link = api_client.get(f"/api/v1/s/{survey.share_token}/").json()["questionnaire_url"]

    response = api_client.get(link)

    assert response.status_code == 200
    data = response.json()
    items = {item["key"]: item for item in data["items"]}
    assert items["likes-people"]["text"] == "Alice likes meeting people."
    assert items["tidy"]["config"]["max_label"] == "Spotless, says Alice"
    assert "observer_max_label" not in items["tidy"]["config"]
    assert data["instructions"] == "Describe Alice as they are now."
    assert data["sections"][0]["title"] == "About Alice"
    assert data["version"] == survey.questionnaire_version.version


def test_the_responder_api_speaks_german_on_request(api_client, survey):
    response = api_client.get(f"/api/v1/s/{survey.share_token}/questionnaire/", {"lang": "de"})

    items = {item["key"]: item for item in response.json()["items"]}
    assert items["likes-people"]["text"] == "Alice lernt gern Menschen kennen."


def test_the_public_questionnaire_endpoint_keeps_the_self_text(api_client, survey):
    response = api_client.get("/api/v1/questionnaires/observer-check/")

    items = {item["key"]: item for item in response.json()["items"]}
    assert items["likes-people"]["text"] == "I like meeting people."


def test_the_responder_questions_of_an_unknown_or_closed_survey_are_refused(api_client, survey):
    assert api_client.get("/api/v1/s/not-a-token/questionnaire/").status_code == 404
    services.survey_set_active(survey=survey, is_active=False)

    assert api_client.get(f"/api/v1/s/{survey.share_token}/questionnaire/").status_code == 410


def test_the_responder_questions_refuse_a_malformed_locale(api_client, survey):
    response = api_client.get(f"/api/v1/s/{survey.share_token}/questionnaire/", {"lang": "x" * 36})

    assert response.status_code == 400
    assert "lang" in response.json()["errors"]

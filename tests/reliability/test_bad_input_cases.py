"""The bad inputs of issue 7, one by one: each a clear 400 (or 404) in the house error shape,
and nothing written."""

import json

import pytest

from accounts.models import ApiKey
from assessments import services
from assessments.models import QuestionnaireEventLog, Response, Survey
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session

pytestmark = pytest.mark.django_db


def put_json(client, url: str, body: bytes | str, **headers):
    body = body.encode() if isinstance(body, str) else body
    return client.generic("PUT", url, body, content_type="application/json", **headers)


def post_json(client, url: str, body: bytes | str, **headers):
    body = body.encode() if isinstance(body, str) else body
    return client.generic("POST", url, body, content_type="application/json", **headers)


def assert_house_error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def session(user):
    return self_session(user, import_api_instrument())


@pytest.fixture
def responder(user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    session = services.survey_session_for_responder(
        survey=survey, responder_id="responder-token-0123456789", fingerprint=""
    )
    return survey, session


# --------------------------------------------------------------------------- NUL and lone surrogates


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "ok\\udfff"])
def test_an_unstorable_text_answer_is_a_400_and_the_whole_batch_is_kept_out(
    api_client, user, session, escape
):
    api_client.force_login(user)
    body = '{"answers": {"q1": true, "q6": "before ' + escape + ' after"}}'

    response = put_json(api_client, f"/api/v1/sessions/{session.pk}/responses/", body)

    errors = assert_house_error(response)["errors"]
    assert errors == [errors[0]] and errors[0].startswith("$.answers.q6: text must not contain")
    assert not Response.objects.exists()


def test_an_anonymous_responder_gets_the_same_400_and_nothing_is_saved(api_client, responder):
    survey, session = responder

    response = put_json(
        api_client,
        f"/api/v1/s/{survey.share_token}/responses/{session.pk}/",
        '{"answers": {"q1": true, "q6": "\\u0000"}}',
        HTTP_X_RESPONDER_TOKEN=session.responder_id,
    )

    assert "NUL" in assert_house_error(response)["detail"]
    assert not Response.objects.exists()


def test_a_lone_surrogate_in_a_survey_title_is_a_400(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = post_json(api_client, "/api/v1/surveys/", '{"questionnaire": "api-check", "title": "\\ud83d"}')

    assert "surrogate" in assert_house_error(response)["detail"]
    assert not Survey.objects.exists()


def test_a_nul_in_a_key_is_a_400(api_client, user, session):
    api_client.force_login(user)

    response = put_json(
        api_client, f"/api/v1/sessions/{session.pk}/responses/", '{"answers": {"q\\u0000": 1}}'
    )

    assert assert_house_error(response)["errors"] == [
        "$.answers: a key must not contain the NUL character (\\u0000)"
    ]


def test_a_nul_in_a_page_autosave_is_a_400_and_nothing_is_saved(user_client, user, session):
    response = user_client.post(
        f"/assessments/{session.pk}/autosave/",
        {"item": "q6", "a-q6": "before\x00after", "shown": "q6"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert "NUL" in response.text
    assert not Response.objects.exists()
    assert not QuestionnaireEventLog.objects.filter(event="autosaved").exists()


def test_a_nul_in_a_query_parameter_is_a_400_not_a_database_error(api_client, user):
    api_client.force_login(user)

    response = api_client.get("/api/v1/sessions/?status=%00")

    assert assert_house_error(response)["errors"] == [
        "query.status: must not contain the NUL character (\\u0000)"
    ]


@pytest.mark.parametrize("url", ["/api/v1/me", "/", "/questionnaires/"])
def test_a_nul_in_a_cookie_is_a_400_not_a_session_lookup_error(client, url):
    client.raise_request_exception = False

    response = client.get(url, HTTP_COOKIE="sessionid=abcdefgh\x00ijklmnop")

    assert response.status_code == 400
    assert "header Cookie: must not contain the NUL character" in response.text


@pytest.mark.parametrize(
    "url",
    ["/api/v1/s/%00/", "/api/v1/questionnaires/%00/", "/api/v1/s/%00/responses/", "/questionnaires/disc%00/"],
)
def test_a_nul_in_a_path_segment_is_a_404_without_signing_in(client, url):
    client.raise_request_exception = False

    response = client.get(url) if "responses" not in url else client.post(url)

    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.json()["detail"]


def test_a_nul_in_a_share_link_page_is_a_404(client):
    client.raise_request_exception = False

    assert client.get("/s/abc%00def/").status_code == 404


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deeply_nested_json_is_a_400_on_an_anonymous_endpoint(api_client, responder, depth):
    survey, _session = responder
    body = '{"locale": ' + "[" * depth + "]" * depth + "}"

    response = post_json(api_client, f"/api/v1/s/{survey.share_token}/responses/", body)

    assert "nested more than 64 levels" in assert_house_error(response)["detail"]


def test_nesting_within_the_limit_reaches_the_view(api_client, responder):
    survey, _session = responder
    body = '{"locale": ' + "[" * 60 + "]" * 60 + "}"

    response = post_json(api_client, f"/api/v1/s/{survey.share_token}/responses/", body)

    assert assert_house_error(response)["errors"] == {
        "locale": ["Must be text (a JSON string), not a value."]
    }


# --------------------------------------------------------------------------- overflows


@pytest.mark.parametrize(
    "value", [str(10**400), "-" + str(10**400), "1e400", '"1e400"', '"nan"', '"-Infinity"']
)
def test_a_scalar_answer_that_overflows_is_a_400(api_client, user, session, value):
    api_client.force_login(user)

    response = put_json(
        api_client, f"/api/v1/sessions/{session.pk}/responses/", '{"answers": {"q7": ' + value + "}}"
    )

    body = assert_house_error(response)
    assert "q7" in json.dumps(body["errors"])
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_responses", 2**31), ("max_responses", 10_001), ("min_responses_to_show", 2**31)],
)
def test_survey_counts_beyond_their_bounds_are_a_400(api_client, user, field, value):
    import_api_instrument()
    api_client.force_login(user)

    response = post_json(
        api_client, "/api/v1/surveys/", json.dumps({"questionnaire": "api-check", field: value})
    )

    assert field in assert_house_error(response)["errors"]
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "limit=99999999999999999999",
        "offset=99999999999999999999",
        "offset=-1",
        "limit=0",
        "limit=-5",
        "limit=abc",
        "offset=",
    ],
)
def test_pagination_parameters_out_of_range_are_a_400(api_client, user, query):
    api_client.force_login(user)

    for url in (
        "/api/v1/sessions/",
        "/api/v1/surveys/",
        "/api/v1/subjects/",
        "/api/v1/api-keys/",
        "/api/v1/questionnaires/",
    ):
        response = api_client.get(f"{url}?{query}")
        name = query.split("=")[0]
        assert name in assert_house_error(response)["errors"], url


def test_a_limit_above_the_maximum_is_capped(api_client, user):
    api_client.force_login(user)

    response = api_client.get("/api/v1/sessions/?limit=100000")

    assert response.status_code == 200


# --------------------------------------------------------------------------- lenient acceptance


def test_a_number_is_not_an_api_key_name(api_client, user):
    api_client.force_login(user)

    response = post_json(api_client, "/api/v1/api-keys/", '{"name": 5}')

    assert assert_house_error(response)["errors"] == {"name": ["Must be text (a JSON string), not a number."]}
    assert not ApiKey.objects.exists()


def test_an_empty_status_filter_is_a_400(api_client, user):
    api_client.force_login(user)

    response = api_client.get("/api/v1/sessions/?status=")

    assert assert_house_error(response)["errors"] == {
        "status": ["This parameter is empty: give a value or leave it out."]
    }


def test_a_repeated_option_in_a_multi_choice_answer_is_a_400(api_client, user, session):
    api_client.force_login(user)

    response = put_json(
        api_client,
        f"/api/v1/sessions/{session.pk}/responses/",
        '{"answers": {"q4": ["read", "party", "read"]}}',
    )

    assert assert_house_error(response)["errors"] == {
        "q4": "Choose each option once (read came more than once)."
    }
    assert not Response.objects.exists()


def test_a_bad_query_parameter_of_the_import_uses_the_imports_error_shape(api_client):
    from tests.factories import UserFactory

    api_client.force_login(UserFactory(is_staff=True))

    response = post_json(api_client, "/api/v1/questionnaires/import/?draft=maybe", "{}")

    body = assert_house_error(response)
    assert body["errors"] == ["?draft: draft must be true or false, e.g. ?draft=true."]


def test_the_valid_answers_still_save(api_client, user, session):
    api_client.force_login(user)

    response = put_json(
        api_client, f"/api/v1/sessions/{session.pk}/responses/", json.dumps({"answers": VALID_ANSWERS})
    )

    assert response.status_code == 200
    assert Response.objects.filter(session=session).count() == len(VALID_ANSWERS)

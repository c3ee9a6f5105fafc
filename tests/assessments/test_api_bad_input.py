"""Bad requests get JSON answers: too large (413), malformed JSON (400), not JSON (415)."""

import json
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from assessments.models import Response
from tests.assessments.factories import api_key_header, import_api_instrument, self_session


def oversized_body() -> bytes:
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    return json.dumps({"answers": {"q6": text}}).encode()


@pytest.mark.django_db
def test_an_oversized_body_is_a_413_in_json_and_nothing_is_saved(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)

    response = api_client.generic(
        "PUT", f"/api/v1/sessions/{session.pk}/responses/", oversized_body(), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}
    assert not Response.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_oversized_body_over_a_real_socket_is_a_413(live_server, user):
    session = self_session(user, import_api_instrument())
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/sessions/{session.pk}/responses/",
        data=oversized_body(),
        method="PUT",
        headers={
            "Content-Type": "application/json",
            "Authorization": api_key_header(user)["HTTP_AUTHORIZATION"],
        },
    )

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310 - the test server

    assert caught.value.code == 413
    assert caught.value.headers["Content-Type"] == "application/json"
    assert json.loads(caught.value.read()) == {"detail": "The request body is too large."}
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_body_just_under_the_limit_is_parsed(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)
    body = json.dumps({"answers": {"q6": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)}}).encode()

    response = api_client.generic(
        "PUT", f"/api/v1/sessions/{session.pk}/responses/", body, content_type="application/json"
    )

    # Reaches answer validation: the text item allows 500 characters.
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"q6"}


@pytest.mark.django_db
def test_malformed_json_is_a_400_in_json(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)

    response = api_client.generic(
        "PUT",
        f"/api/v1/sessions/{session.pk}/responses/",
        b'{"answers": {"q1": tru',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_form_encoded_body_is_a_415(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(
        "/api/v1/sessions/", "questionnaire=api-check", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert "detail" in response.json()

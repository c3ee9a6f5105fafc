"""With ACCOUNT_EMAIL_VERIFICATION=mandatory, nobody sees surveys or results before confirming
their address: not after signing up, not with a session that outlived the setting, not with an
API key. With "optional", everyone signed in does."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from assessments import services
from tests.assessments.factories import api_key_header, import_api_instrument, scored_session
from tests.factories import UserFactory
from tests.web.helpers import run_python, subprocess_env

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-91"
MANDATORY = override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
CONFIRM_FIRST = "Please confirm your email address first"


def unverified_user() -> User:
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return user


def verified_user() -> User:
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def owner_paths(user) -> list[str]:
    """A survey page, the survey list, the new-survey form and a results page of `user`."""
    version = import_api_instrument()
    survey = services.survey_create(owner=user, version=version)
    session = scored_session(user, version)
    return [
        "/surveys/",
        "/surveys/new/",
        f"/surveys/{survey.pk}/",
        f"/surveys/{survey.pk}/invitations/",
        f"/assessments/{session.pk}/results/",
    ]


def api_paths(user) -> list[str]:
    version = import_api_instrument()
    survey = services.survey_create(owner=user, version=version)
    session = scored_session(user, version)
    return [
        "/api/v1/surveys/",
        f"/api/v1/surveys/{survey.pk}/",
        f"/api/v1/surveys/{survey.pk}/results/",
        f"/api/v1/surveys/{survey.pk}/invitations/",
        f"/api/v1/sessions/{session.pk}/scores/",
        f"/api/v1/sessions/{session.pk}/components/",
        f"/api/v1/sessions/{session.pk}/report/",
        f"/api/v1/sessions/{session.pk}/export.csv",
    ]


@MANDATORY
def test_signing_up_does_not_sign_in_before_the_address_is_confirmed(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    surveys = client.get("/surveys/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert surveys.status_code == 302 and surveys["Location"].startswith("/accounts/login/")
    assert len(mailoutbox) == 1


@MANDATORY
def test_confirming_the_address_opens_the_surveys(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mailoutbox[0].body).group(1)

    client.post(path)  # logs in on confirmation (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION)
    surveys = client.get("/surveys/")

    assert surveys.status_code == 200
    assert CONFIRM_FIRST not in surveys.content.decode()


@MANDATORY
def test_a_signed_in_account_without_a_confirmed_address_sees_no_survey_or_result(client, mailoutbox):
    user = unverified_user()
    paths = owner_paths(user)
    client.force_login(user)  # e.g. signed in before verification became mandatory

    for path in paths:
        response = client.get(path)
        html = response.content.decode()
        assert CONFIRM_FIRST in html, path
        assert "How others see" not in html and "Your results" not in html
    assert mailoutbox and mailoutbox[0].to == [user.email]  # the link is sent again


@MANDATORY
def test_no_survey_is_created_or_changed_without_a_confirmed_address(client):
    user = unverified_user()
    version = import_api_instrument()
    survey = services.survey_create(owner=user, version=version)
    client.force_login(user)

    client.post("/surveys/new/", {"version": version.pk, "min_responses_to_show": "3"})
    client.post(f"/surveys/{survey.pk}/status/", {"action": "close"})
    client.post(f"/surveys/{survey.pk}/invitations/", {"count": "3"})

    survey.refresh_from_db()
    assert user.surveys.count() == 1
    assert survey.is_active is True
    assert not survey.invitations.exists()


@MANDATORY
def test_a_confirmed_account_sees_everything(client):
    user = verified_user()
    paths = owner_paths(user)
    client.force_login(user)

    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert CONFIRM_FIRST not in response.content.decode()


@MANDATORY
def test_the_api_refuses_surveys_and_results_to_an_unconfirmed_account(api_client):
    user = unverified_user()
    headers = api_key_header(user)

    for path in api_paths(user):
        response = api_client.get(path, **headers)
        assert response.status_code == 403, path
        assert response.json()["detail"].startswith("Confirm your e-mail address first"), path
    created = api_client.post("/api/v1/surveys/", {"questionnaire": "api-check"}, format="json", **headers)
    assert created.status_code == 403
    assert user.surveys.count() == 1  # only the one the test made


@MANDATORY
def test_the_api_serves_a_confirmed_account(api_client):
    user = verified_user()
    headers = api_key_header(user)

    for path in api_paths(user):
        assert api_client.get(path, **headers).status_code == 200, path


@MANDATORY
def test_taking_a_questionnaire_stays_open_before_confirming(client):
    user = unverified_user()
    import_api_instrument()
    client.force_login(user)

    assert client.get("/questionnaires/").status_code == 200


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")
def test_with_optional_verification_an_unconfirmed_account_sees_its_surveys(client, api_client):
    user = unverified_user()
    paths = owner_paths(user)
    client.force_login(user)

    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert CONFIRM_FIRST not in response.content.decode()
    assert api_client.get("/api/v1/surveys/", **api_key_header(user)).status_code == 200


def test_a_misspelt_verification_setting_stops_start_up():
    result = run_python("manage.py", "check", env=subprocess_env(ACCOUNT_EMAIL_VERIFICATION="mandatroy"))

    assert result.returncode != 0
    assert "ACCOUNT_EMAIL_VERIFICATION must be mandatory, optional or none" in result.stderr

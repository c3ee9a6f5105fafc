"""Personal invitation links over the API: the owner lists, creates and revokes them (nobody
else can); a responder starts with `invitation`, once; an invitation-only survey needs one."""

import pytest

from assessments import services
from assessments.models import AssessmentSession, SurveyInvitation
from tests.assessments.factories import VALID_ANSWERS, api_key_header, import_api_instrument
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(user):
    return services.survey_create(owner=user, version=import_api_instrument())


def invitations_url(survey) -> str:
    return f"/api/v1/surveys/{survey.pk}/invitations/"


def start(client, survey, body=None, **extra):
    return client.post(f"/api/v1/s/{survey.share_token}/responses/", body or {}, format="json", **extra)


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


# --------------------------------------------------------------------------- the owner


def test_the_owner_creates_and_lists_links(api_client, user, survey):
    api_client.force_login(user)

    created = api_client.post(invitations_url(survey), {"count": 3}, format="json")
    listed = api_client.get(invitations_url(survey))

    assert created.status_code == 201
    assert len(created.json()) == 3
    stored = {invitation.token: invitation for invitation in SurveyInvitation.objects.filter(survey=survey)}
    for row in created.json():
        assert row["status"] == "unused"
        assert row["url"] == f"http://testserver/s/{survey.share_token}/i/{token_of(row['url'])}/"
        assert str(stored[token_of(row["url"])].pk) == row["id"]
    assert listed.status_code == 200
    assert listed.json()["count"] == 3
    assert {row["id"] for row in listed.json()["results"]} == {row["id"] for row in created.json()}


@pytest.mark.parametrize(
    "body",
    [{}, {"count": 0}, {"count": 201}, {"count": "3"}, {"count": 2.5}, {"count": True}, {"count": None}],
)
def test_a_bad_count_is_a_400_and_creates_nothing(api_client, user, survey, body):
    api_client.force_login(user)

    response = api_client.post(invitations_url(survey), body, format="json")

    assert response.status_code == 400
    assert "count" in response.json()["errors"]
    assert not SurveyInvitation.objects.exists()


def test_a_survey_has_a_cap_on_links(api_client, user, survey, monkeypatch):
    monkeypatch.setattr(services, "MAX_INVITATIONS_PER_SURVEY", 4)
    api_client.force_login(user)
    api_client.post(invitations_url(survey), {"count": 3}, format="json")

    response = api_client.post(invitations_url(survey), {"count": 2}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "A survey can have at most 4 invitation links (this one has 3)."
    assert SurveyInvitation.objects.count() == 3


def test_the_owner_revokes_an_unused_link_and_a_used_one_is_a_409(api_client, user, survey):
    unused, used = services.invitations_create(survey=survey, count=2)
    assert start(api_client, survey, {"invitation": used.token}).status_code == 201
    api_client.force_login(user)

    revoked = api_client.post(f"{invitations_url(survey)}{unused.pk}/revoke/")
    again = api_client.post(f"{invitations_url(survey)}{unused.pk}/revoke/")
    refused = api_client.post(f"{invitations_url(survey)}{used.pk}/revoke/")

    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert again.status_code == 200 and again.json()["status"] == "revoked"
    assert refused.status_code == 409
    assert refused.json()["detail"] == "This link was already used to answer; it can no longer be revoked."
    statuses = {row["id"]: row["status"] for row in api_client.get(invitations_url(survey)).json()["results"]}
    assert statuses == {str(unused.pk): "revoked", str(used.pk): "used"}


def test_another_user_cannot_list_create_or_revoke(api_client, survey):
    [invitation] = services.invitations_create(survey=survey, count=1)
    api_client.force_login(UserFactory())

    listed = api_client.get(invitations_url(survey))
    created = api_client.post(invitations_url(survey), {"count": 2}, format="json")
    revoked = api_client.post(f"{invitations_url(survey)}{invitation.pk}/revoke/")

    assert (listed.status_code, created.status_code, revoked.status_code) == (404, 404, 404)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert SurveyInvitation.objects.count() == 1


def test_another_users_api_key_cannot_reach_the_links(api_client, survey):
    headers = api_key_header(UserFactory())

    assert api_client.get(invitations_url(survey), **headers).status_code == 404
    assert api_client.post(invitations_url(survey), {"count": 1}, format="json", **headers).status_code == 404


def test_an_invitation_of_another_survey_is_a_404_through_mine(api_client, user, survey):
    other = services.survey_create(owner=UserFactory(), version=survey.questionnaire_version)
    [foreign] = services.invitations_create(survey=other, count=1)
    api_client.force_login(user)

    response = api_client.post(f"{invitations_url(survey)}{foreign.pk}/revoke/")

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_signed_out_clients_are_refused(api_client, survey):
    assert api_client.get(invitations_url(survey)).status_code in (401, 403)
    assert api_client.post(invitations_url(survey), {"count": 1}, format="json").status_code in (401, 403)


# --------------------------------------------------------------------------- settings


def test_the_owner_makes_a_survey_invitation_only(api_client, user, survey):
    api_client.force_login(user)

    response = api_client.patch(f"/api/v1/surveys/{survey.pk}/", {"invitation_only": True}, format="json")

    assert response.status_code == 200
    assert response.json()["invitation_only"] is True
    assert response.json()["exclude_likely_duplicates"] is False
    survey.refresh_from_db()
    assert survey.invitation_only is True


@pytest.mark.parametrize(
    "body", [{"invitation_only": "yes"}, {"invitation_only": 1}, {"exclude_likely_duplicates": None}]
)
def test_settings_take_only_json_booleans(api_client, user, survey, body):
    api_client.force_login(user)

    response = api_client.patch(f"/api/v1/surveys/{survey.pk}/", body, format="json")

    assert response.status_code == 400
    survey.refresh_from_db()
    assert (survey.invitation_only, survey.exclude_likely_duplicates) == (False, False)


def test_another_user_cannot_change_the_settings(api_client, survey):
    api_client.force_login(UserFactory())

    response = api_client.patch(f"/api/v1/surveys/{survey.pk}/", {"invitation_only": True}, format="json")

    assert response.status_code == 404
    survey.refresh_from_db()
    assert survey.invitation_only is False


def test_a_survey_can_be_created_invitation_only(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(
        "/api/v1/surveys/", {"questionnaire": "api-check", "invitation_only": True}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["invitation_only"] is True


# --------------------------------------------------------------------------- responders


def test_an_invitation_starts_one_session_once(api_client, survey):
    [invitation] = services.invitations_create(survey=survey, count=1)

    first = start(api_client, survey, {"invitation": invitation.token})
    second = start(api_client, survey, {"invitation": invitation.token})

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["detail"].startswith("This invitation link has already been used.")
    session = AssessmentSession.objects.get(survey=survey)
    assert session.invitation == invitation


def test_the_first_responder_resumes_with_their_token(api_client, survey):
    [invitation] = services.invitations_create(survey=survey, count=1)
    first = start(api_client, survey, {"invitation": invitation.token}).json()

    resumed = start(
        api_client, survey, {"invitation": invitation.token, "responder_token": first["responder_token"]}
    )

    assert resumed.status_code == 200
    assert resumed.json()["session"] == first["session"]


def test_a_revoked_invitation_is_a_410_and_an_unknown_one_a_404(api_client, survey):
    [invitation] = services.invitations_create(survey=survey, count=1)
    services.invitation_revoke(invitation=invitation)

    revoked = start(api_client, survey, {"invitation": invitation.token})
    unknown = start(api_client, survey, {"invitation": "x" * 43})
    malformed = start(api_client, survey, {"invitation": "not a token!"})

    assert revoked.status_code == 410
    assert unknown.status_code == 404
    assert malformed.status_code == 400
    assert not AssessmentSession.objects.exists()


def test_an_invitation_only_survey_needs_an_invitation(api_client, survey):
    services.survey_update_settings(survey=survey, invitation_only=True)
    [invitation] = services.invitations_create(survey=survey, count=1)

    refused = start(api_client, survey)
    invited = start(api_client, survey, {"invitation": invitation.token})
    info = api_client.get(f"/api/v1/s/{survey.share_token}/")

    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("This survey is by invitation only.")
    assert invited.status_code == 201
    assert info.json()["invitation_only"] is True


def test_an_invited_responder_submits_like_any_other(api_client, survey):
    [invitation] = services.invitations_create(survey=survey, count=1)
    body = start(api_client, survey, {"invitation": invitation.token}).json()
    headers = {"HTTP_X_RESPONDER_TOKEN": body["responder_token"]}
    base = f"/api/v1/s/{survey.share_token}/responses/{body['session']}/"

    saved = api_client.put(base, {"answers": VALID_ANSWERS}, format="json", **headers)
    submitted = api_client.post(f"{base}submit/", **headers)

    assert saved.status_code == 200
    assert submitted.status_code == 202
    assert AssessmentSession.objects.get().status == "submitted"

"""Personal invitation links on the pages: the owner creates and revokes them; a responder's
link starts one session, once; an invitation-only survey's share link starts nothing."""

import pytest

from assessments import services
from assessments.models import AssessmentSession, SurveyInvitation
from tests.assessments.factories import PAGE_ANSWERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(user, page_version):
    user.username = "sam"
    user.save()
    return services.survey_create(owner=user, version=page_version, title="Sam after the project")


@pytest.fixture
def invitation(survey) -> SurveyInvitation:
    return services.invitations_create(survey=survey, count=1)[0]


def link(survey, invitation) -> str:
    return f"/s/{survey.share_token}/i/{invitation.token}/"


def answer_and_submit(client, survey):
    session = AssessmentSession.objects.get(survey=survey, status="in_progress")
    services.responses_save(session=session, answers=PAGE_ANSWERS)
    assert client.post(f"/s/{survey.share_token}/submit/")["Location"].endswith("/thanks/")
    return session


# --------------------------------------------------------------------------- the owner's page


def test_the_owner_creates_links_and_sees_them_with_their_status(client, user, survey):
    client.force_login(user)

    created = client.post(f"/surveys/{survey.pk}/invitations/", {"count": "3"})
    page = client.get(f"/surveys/{survey.pk}/invitations/")

    html = page.content.decode()
    assert created.status_code == 302
    assert SurveyInvitation.objects.filter(survey=survey).count() == 3
    assert "Your links (3)" in html
    for invitation in SurveyInvitation.objects.filter(survey=survey):
        assert f"http://testserver/s/{survey.share_token}/i/{invitation.token}/" in html
    assert html.count("Not used yet") == 3


def test_a_bad_count_is_a_message_on_the_page(client, user, survey):
    client.force_login(user)

    for count in ("0", "201", "many"):
        response = client.post(f"/surveys/{survey.pk}/invitations/", {"count": count})
        assert response.status_code == 200
        assert 'class="errorlist"' in response.content.decode()
    assert not SurveyInvitation.objects.exists()


def test_the_owner_revokes_an_unused_link(client, user, survey, invitation):
    client.force_login(user)

    response = client.post(f"/surveys/{survey.pk}/invitations/{invitation.pk}/revoke/")

    invitation.refresh_from_db()
    assert response.status_code == 302
    assert invitation.revoked_at is not None
    assert "Revoked" in client.get(f"/surveys/{survey.pk}/invitations/").content.decode()


def test_a_used_link_cannot_be_revoked(client, user, survey, invitation):
    client.post(link(survey, invitation))
    client.force_login(user)

    response = client.post(f"/surveys/{survey.pk}/invitations/{invitation.pk}/revoke/", follow=True)

    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert "it can no longer be revoked" in response.content.decode()


def test_another_user_cannot_see_create_or_revoke_links(client, survey, invitation):
    client.force_login(UserFactory())

    assert client.get(f"/surveys/{survey.pk}/invitations/").status_code == 404
    assert client.post(f"/surveys/{survey.pk}/invitations/", {"count": "2"}).status_code == 404
    assert client.post(f"/surveys/{survey.pk}/invitations/{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert SurveyInvitation.objects.count() == 1


def test_an_invitation_of_another_survey_cannot_be_revoked_through_mine(client, user, survey, page_version):
    other = services.survey_create(owner=UserFactory(), version=page_version)
    [foreign] = services.invitations_create(survey=other, count=1)
    client.force_login(user)

    response = client.post(f"/surveys/{survey.pk}/invitations/{foreign.pk}/revoke/")

    foreign.refresh_from_db()
    assert response.status_code == 404
    assert foreign.revoked_at is None


def test_signed_out_visitors_are_sent_to_log_in(client, survey):
    response = client.get(f"/surveys/{survey.pk}/invitations/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_invitations_page_queries_do_not_grow_with_links(
    client, user, survey, django_assert_max_num_queries
):
    services.invitations_create(survey=survey, count=150)
    client.force_login(user)

    with django_assert_max_num_queries(8):
        response = client.get(f"/surveys/{survey.pk}/invitations/")

    assert response.status_code == 200
    assert "Page 1 of 2" in response.content.decode()


# --------------------------------------------------------------------------- the responder's link


def test_an_invitation_link_starts_one_session_and_marks_the_link_used(client, survey, invitation):
    landing = client.get(link(survey, invitation))
    started = client.post(link(survey, invitation))

    invitation.refresh_from_db()
    session = AssessmentSession.objects.get(survey=survey)
    assert landing.status_code == 200
    assert "This is your personal link" in landing.content.decode()
    assert started["Location"] == f"/s/{survey.share_token}/q/1/"
    assert session.invitation == invitation
    assert invitation.used_at is not None


def test_the_same_browser_can_resume_through_its_link(client, survey, invitation):
    client.post(link(survey, invitation))

    again = client.get(link(survey, invitation))
    resumed = client.post(link(survey, invitation))

    assert ">Continue" in again.content.decode()
    assert resumed["Location"] == f"/s/{survey.share_token}/q/1/"
    assert AssessmentSession.objects.filter(survey=survey).count() == 1


def test_a_used_link_in_another_browser_says_so(client, survey, invitation):
    client.post(link(survey, invitation))
    answer_and_submit(client, survey)
    client.cookies.clear()

    landing = client.get(link(survey, invitation))
    start = client.post(link(survey, invitation))

    assert landing.status_code == 410
    assert "This invitation link has already been used" in landing.content.decode()
    assert start.status_code == 410
    assert AssessmentSession.objects.filter(survey=survey).count() == 1


def test_after_answering_the_same_browser_is_thanked_not_refused(client, survey, invitation):
    client.post(link(survey, invitation))
    answer_and_submit(client, survey)

    response = client.get(link(survey, invitation))

    assert "You have already answered this survey" in response.content.decode()


def test_a_revoked_link_is_refused(client, survey, invitation):
    services.invitation_revoke(invitation=invitation)

    landing = client.get(link(survey, invitation))
    start = client.post(link(survey, invitation))

    assert landing.status_code == 410
    assert "This invitation link no longer works" in landing.content.decode()
    assert "withdrawn" in start.content.decode()
    assert not AssessmentSession.objects.exists()


def test_an_unknown_invitation_is_a_404(client, survey):
    assert client.get(f"/s/{survey.share_token}/i/not-a-real-invitation-token/").status_code == 404
    assert client.post(f"/s/{survey.share_token}/i/not-a-real-invitation-token/").status_code == 404


def test_an_invitation_of_another_survey_is_a_404(client, survey, page_version):
    other = services.survey_create(owner=UserFactory(), version=page_version)
    [foreign] = services.invitations_create(survey=other, count=1)

    assert client.post(f"/s/{survey.share_token}/i/{foreign.token}/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.used_at is None


# --------------------------------------------------------------------------- invitation only


def test_an_invitation_only_surveys_share_link_starts_nothing(client, survey, invitation):
    services.survey_update_settings(survey=survey, invitation_only=True)

    landing = client.get(f"/s/{survey.share_token}/")
    start = client.post(f"/s/{survey.share_token}/")
    invited = client.post(link(survey, invitation))

    assert landing.status_code == 403
    assert "This survey is by invitation only" in landing.content.decode()
    assert start.status_code == 403
    assert invited.status_code == 302
    assert AssessmentSession.objects.filter(survey=survey).count() == 1


def test_an_invited_responder_can_come_back_through_the_share_link(client, survey, invitation):
    services.survey_update_settings(survey=survey, invitation_only=True)
    client.post(link(survey, invitation))

    landing = client.get(f"/s/{survey.share_token}/")
    page = client.get(f"/s/{survey.share_token}/q/1/")

    assert landing.status_code == 200 and ">Continue" in landing.content.decode()
    assert page.status_code == 200


def test_the_owner_turns_invitation_only_on_from_the_survey_page(client, user, survey):
    client.force_login(user)

    response = client.post(f"/surveys/{survey.pk}/settings/", {"invitation_only": "on"})
    page = client.get(f"/surveys/{survey.pk}/").content.decode()

    survey.refresh_from_db()
    assert response.status_code == 302
    assert survey.invitation_only is True
    assert survey.exclude_likely_duplicates is False
    assert "invitation only</strong>: this link does not take answers" in page


def test_another_user_cannot_change_the_settings(client, survey):
    client.force_login(UserFactory())

    response = client.post(f"/surveys/{survey.pk}/settings/", {"invitation_only": "on"})

    survey.refresh_from_db()
    assert response.status_code == 404
    assert survey.invitation_only is False


def test_a_survey_can_be_created_invitation_only(client, user, page_version):
    client.force_login(user)

    response = client.post(
        "/surveys/new/",
        {"version": page_version.pk, "min_responses_to_show": "3", "invitation_only": "on"},
    )

    assert response.status_code == 302
    assert user.surveys.get().invitation_only is True


def test_the_survey_page_counts_likely_duplicates_separately(client, user, survey):
    for responder, fingerprint in (("responder-aaaaaaaaaa", "same"), ("responder-bbbbbbbbbb", "same")):
        session = services.survey_session_for_responder(
            survey=survey, responder_id=responder, fingerprint=fingerprint
        )
        services.responses_save(session=session, answers=PAGE_ANSWERS)
        services.session_submit(session=session)
    client.force_login(user)

    html = client.get(f"/surveys/{survey.pk}/").content.decode()

    assert (
        '<dd id="likely-duplicates">1 — same network and browser as an earlier answer; counted in the results'
        in html
    )


def test_the_unused_links_download_as_text_one_per_line(client, user, survey):
    unused, used, revoked = services.invitations_create(survey=survey, count=3)
    client.post(link(survey, used))
    services.invitation_revoke(invitation=revoked)
    client.force_login(user)

    response = client.get(f"/surveys/{survey.pk}/invitations.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == f"http://testserver{link(survey, unused)}\n"


def test_another_user_cannot_download_the_links(client, survey, invitation):
    client.force_login(UserFactory())

    assert client.get(f"/surveys/{survey.pk}/invitations.txt").status_code == 404

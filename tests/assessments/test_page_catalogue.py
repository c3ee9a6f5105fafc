"""The questionnaire catalogue and the start page."""

import re

import pytest

from assessments.models import AssessmentSession
from tests.assessments.factories import import_page_instrument, self_session

pytestmark = pytest.mark.django_db


def test_the_catalogue_lists_published_questionnaires_with_their_size(client, page_version):
    response = client.get("/questionnaires/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Page check" in html
    assert "A short questionnaire for page tests." in html
    assert "6 questions" in html
    assert 'href="/questionnaires/page-check/"' in html


def test_the_catalogue_speaks_german_with_lang_de(client, page_version):
    html = client.get("/questionnaires/?lang=de").content.decode()

    assert "Seitenprüfung" in html
    assert 'href="/questionnaires/page-check/?lang=de"' in html


def test_the_catalogue_offers_to_continue_an_unfinished_attempt(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get("/questionnaires/").content.decode()

    assert f'href="/assessments/{session.pk}/"' in html
    assert "Continue" in html


def test_the_start_page_shows_instructions_size_and_time(client, page_version):
    response = client.get("/questionnaires/page-check/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Describe yourself as you are now." in html
    # Counted as the pages count: the follow-up is hidden and "notes" is optional.
    assert "4 questions</strong> and 1 optional" in html
    assert "About 2 minutes" in html
    assert "Log in to start" in html  # anonymous visitors are sent to log in first


def test_the_start_page_shows_german_instructions_with_lang_de(client, page_version):
    html = client.get("/questionnaires/page-check/?lang=de").content.decode()

    assert "Beschreiben Sie sich so, wie Sie jetzt sind." in html
    assert "Seitenprüfung" in html


def test_starting_creates_a_self_assessment_in_the_chosen_language(user_client, user, page_version):
    response = user_client.post("/questionnaires/page-check/", {"lang": "de"})

    session = AssessmentSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{session.pk}/q/1/"
    assert session.subject.user == user
    assert session.respondent_kind == "self"
    assert session.respondent_user == user
    assert session.locale == "de"
    assert session.questionnaire_version == page_version


def test_starting_falls_back_to_the_default_language_for_an_unknown_one(user_client, page_version):
    user_client.post("/questionnaires/page-check/", {"lang": "xx"})

    assert AssessmentSession.objects.get().locale == "en"


def test_anonymous_visitors_must_log_in_to_start(client, page_version):
    response = client.post("/questionnaires/page-check/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/questionnaires/page-check/")
    assert not AssessmentSession.objects.exists()


def test_an_unknown_questionnaire_is_a_404(client, db):
    assert client.get("/questionnaires/nope/").status_code == 404


def test_the_start_page_offers_to_continue_and_to_start_again(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get("/questionnaires/page-check/").content.decode()

    assert f'href="/assessments/{session.pk}/"' in html
    assert "Start again" in html


def test_another_questionnaire_is_listed_separately(client, page_version):
    import_page_instrument(slug="page-two")

    html = client.get("/questionnaires/").content.decode()

    assert 'href="/questionnaires/page-two/"' in html


def test_the_time_estimate_matches_what_the_built_in_questionnaires_say(client, db):
    from django.core.management import call_command

    call_command("load_instruments", stdout=open("/dev/null", "w"))  # noqa: SIM115

    html = client.get("/questionnaires/").content.decode()

    # Their descriptions say: DISC about 5 minutes, IPIP-50 5–10, IPIP-NEO-120 15–20.
    disc, ipip50, ipip120 = (int(m) for m in re.findall(r"About (\d+) min", html))
    assert disc == 5
    assert 5 <= ipip50 <= 10
    assert 15 <= ipip120 <= 20
    assert "English · Deutsch" in html

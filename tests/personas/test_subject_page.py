"""Subject pages: the list, a subject's page (scores, mindscape, narratives, observations,
persona card), "My persona", and the one-click "Generate my persona" from results and surveys."""

from __future__ import annotations

import pytest

from assessments.models import SubjectProfile
from personas.models import Narrative, Observation, Persona
from tests.assessments.factories import PAGE_ANSWERS, import_page_instrument, score_now, self_session
from tests.factories import UserFactory
from tests.personas.persona_factories import make_mapper, make_persona, subject_with_mindscape

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(user):
    session = self_session(user, import_page_instrument(), PAGE_ANSWERS)
    score_now(session)
    return session


def test_my_persona_creates_and_opens_the_users_own_subject(user_client, user):
    response = user_client.get("/persona/")

    subject = SubjectProfile.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == f"/subjects/{subject.pk}/"
    html = user_client.get(response["Location"]).content.decode()
    assert "take a questionnaire first" in html
    assert 'href="/questionnaires/"' in html


def test_the_subject_list_shows_own_subjects_with_their_persona(user_client, user):
    subject = subject_with_mindscape(user)
    make_persona(subject)
    SubjectProfile.objects.create(display_name="Someone else's", subject_type="human")

    html = user_client.get("/subjects/").content.decode()

    assert f'href="/subjects/{subject.pk}/"' in html
    assert '<span class="badge badge-success">Ready</span>' in html
    assert "Someone else&#x27;s" not in html


def test_the_subject_page_shows_scores_with_links_and_the_persona_card(user_client, user, scored):
    subject = scored.subject
    persona = make_persona(subject)

    html = user_client.get(f"/subjects/{subject.pk}/").content.decode()

    assert "Page check" in html or "page-check" in html.lower()
    assert f'href="/assessments/{scored.pk}/results/"' in html
    assert "Warmth" in html
    assert f'href="/personas/{persona.pk}/"' in html
    assert f'src="/personas/{persona.pk}/illustration.svg"' in html
    assert f'action="/subjects/{subject.pk}/personas/generate/"' in html
    assert "Regenerate" in html
    assert f'href="/benchmarks/fidelity/{subject.pk}/"' in html  # how closely the persona answers


def test_generate_from_the_subject_page_requests_a_persona(user_client, user, scored):
    make_mapper()

    response = user_client.post(f"/subjects/{scored.subject.pk}/personas/generate/")

    persona = Persona.objects.get()
    assert response["Location"] == f"/personas/{persona.pk}/"
    assert persona.status == Persona.Status.GENERATING
    assert persona.created_by == user


def test_generate_without_scores_explains_what_to_do(user_client, user):
    subject = subject_with_mindscape(user, {})

    response = user_client.post(f"/subjects/{subject.pk}/personas/generate/", follow=True)

    assert "take a questionnaire first" in response.content.decode()
    assert not Persona.objects.exists()


def test_the_results_page_has_a_generate_my_persona_button(user_client, scored):
    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    assert f'action="/subjects/{scored.subject_id}/personas/generate/"' in html
    assert "Generate my persona" in html


def test_the_survey_page_has_a_generate_my_persona_button(user_client, user, scored):
    from assessments import services as assessment_services

    survey = assessment_services.survey_create(owner=user, version=scored.questionnaire_version)

    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert f'action="/subjects/{scored.subject_id}/personas/generate/"' in html
    assert "Generate my persona" in html


def test_the_header_links_to_the_persona_pages(user_client):
    html = user_client.get("/dashboard/").content.decode()

    assert '<a href="/subjects/">Persona</a>' in html
    assert 'href="/persona/"' in html


@pytest.mark.parametrize("url", ["/subjects/{id}/", "/subjects/{id}/personas/generate/"])
def test_another_users_subject_is_a_404_and_anonymous_must_log_in(client, user, url):
    subject = subject_with_mindscape(user)
    make_mapper()
    url = url.format(id=subject.pk)
    method = client.post if url.endswith("generate/") else client.get

    anonymous = method(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert method(url).status_code == 404
    assert not Persona.objects.exists()


def test_pages_need_a_login(client):
    for url in ("/subjects/", "/persona/"):
        assert client.get(url)["Location"].startswith("/accounts/login/")


def test_staff_can_open_any_subject(client, user):
    subject = subject_with_mindscape(user)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(f"/subjects/{subject.pk}/").status_code == 200


def test_the_subject_page_makes_a_constant_number_of_queries(
    user_client, user, scored, django_assert_max_num_queries
):
    subject = scored.subject
    url = f"/subjects/{subject.pk}/"

    def add(i):
        Narrative.objects.create(subject=subject, narrative_type="self_observation", raw_text=f"Note {i}")
        Observation.objects.create(subject=subject, observation_type="user_input", content={"text": f"o{i}"})
        make_persona(subject, expired=True)

    add(0)
    user_client.get(url)
    with django_assert_max_num_queries(40) as baseline:
        user_client.get(url)
    for i in range(1, 9):
        add(i)
    session = self_session(user, scored.questionnaire_version, PAGE_ANSWERS)
    score_now(session)
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert user_client.get(url).status_code == 200

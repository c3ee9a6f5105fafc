import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from questionnaires.importing import import_document
from tests.factories import UserFactory
from tests.questionnaires.factories import build_version

pytestmark = pytest.mark.django_db


def _url(version) -> str:
    return reverse("admin:questionnaires_questionnaireversion_preview", args=[version.pk])


def test_the_preview_shows_the_questionnaire_as_respondents_see_it(admin_client, document):
    version = import_document(document).version

    response = admin_client.get(_url(version))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Mini Five",
        "Describe yourself as you generally are now.",
        "About you",
        "Habits",
        "Make friends easily.",
        "Think of the last year.",
        "Very accurate",
        "Not at all",
        "Shown only when",
        "required",
    ):
        assert text in html, text
    assert 'href="?lang=de"' in html
    assert "<form" not in html.split('id="main"')[1].split("</main>")[0]


def test_the_preview_switches_language(admin_client, document):
    version = import_document(document).version

    html = admin_client.get(_url(version), {"lang": "de"}).content.decode()

    assert "Finde leicht Freunde." in html
    assert "Über Sie" in html
    assert "Trifft voll zu" in html
    assert "Gar nicht" in html


def test_drafts_can_be_previewed(admin_client):
    response = admin_client.get(_url(build_version(items=2)))

    assert response.status_code == 200
    assert "Draft" in response.content.decode()


def test_the_version_list_links_to_the_preview(admin_client):
    version = build_version()

    response = admin_client.get("/admin/questionnaires/questionnaireversion/")

    assert _url(version) in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(_url(build_version()))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_signed_in_non_staff_users_cannot_preview(client):
    client.force_login(UserFactory())

    response = client.get(_url(build_version()))

    assert response.status_code in (302, 403)
    assert "Make friends" not in response.content.decode()


def test_an_unknown_version_is_a_404(admin_client):
    assert admin_client.get("/admin/questionnaires/questionnaireversion/999999/preview/").status_code == 404


def test_the_preview_draws_questions_with_the_take_pages_widgets(admin_client, document):
    version = import_document(document).version

    html = admin_client.get(_url(version)).content.decode()

    assert 'class="scale points-' in html  # a 0–10 scalar is a row of points, not a slider
    assert "choices-likert" in html  # a rating scale sits side by side
    assert '<fieldset class="preview-questions" disabled>' in html
    assert 'type="range"' not in html


def test_the_preview_shows_what_observers_read(admin_client, document):
    document["version"]["items"][0]["observer_text"] = "{name} makes friends easily."
    version = import_document(document).version

    respondent = admin_client.get(_url(version)).content.decode()
    observer = admin_client.get(_url(version), {"as": "observer"}).content.decode()

    assert "Alex makes friends easily." in observer
    assert "Make friends easily." not in observer
    assert "Make friends easily." in respondent
    assert "?lang=en&amp;as=observer" in respondent


def test_the_preview_costs_the_same_for_2_and_12_questions(admin_client):
    counts = []
    for items in (2, 12):
        version = build_version(items=items)
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(_url(version)).status_code == 200
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1], counts

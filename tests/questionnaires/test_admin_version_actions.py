"""Publishing, drafting, exporting and importing from the admin."""

import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from questionnaires.importing import export_json, import_document
from questionnaires.models import QuestionnaireVersion
from tests.questionnaires.conftest import FIXTURES
from tests.questionnaires.factories import build_version

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/questionnaires/questionnaireversion/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_publish_action_publishes_a_valid_draft_once_confirmed(admin_client):
    draft = build_version()

    response = admin_client.post(
        CHANGELIST,
        {"action": "publish_versions", "_selected_action": [draft.pk], "confirm": "yes"},
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.is_active
    assert f"Published {draft}; it is now the active version." in _messages(response)


def test_the_publish_action_asks_first_and_changes_nothing_until_confirmed(admin_client):
    draft = build_version()

    response = admin_client.post(CHANGELIST, {"action": "publish_versions", "_selected_action": [draft.pk]})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Publish?" in html
    assert f"Yes, publish {draft}" in html
    assert 'name="confirm" value="yes"' in html
    draft.refresh_from_db()
    assert draft.published_at is None


def test_the_confirmation_lists_problems_and_offers_no_publish_button(admin_client):
    draft = build_version(items=3)
    draft.items.filter(key__in=["q1", "q2"]).update(section_key="nowhere")

    html = admin_client.get(
        reverse("admin:questionnaires_questionnaireversion_publish", args=[draft.pk])
    ).content.decode()

    assert "It cannot be published yet: 2 problems." in html
    assert "Item q1 › section: unknown section" in html
    assert "Yes, publish" not in html


def test_the_confirmation_says_which_active_version_it_replaces(admin_client):
    published = build_version(published=True)
    draft = build_version(questionnaire=published.questionnaire, model=published.analysis_model, number=2)

    html = admin_client.get(
        reverse("admin:questionnaires_questionnaireversion_publish", args=[draft.pk])
    ).content.decode()

    assert f"Replaces <strong>{published}</strong> as the active version." in html
    assert f"Yes, publish {draft}" in html


def test_the_publish_action_shows_every_problem(admin_client):
    draft = build_version(items=3)
    draft.items.filter(key__in=["q1", "q2"]).update(section_key="nowhere")

    response = admin_client.post(
        CHANGELIST,
        {"action": "publish_versions", "_selected_action": [draft.pk], "confirm": "yes"},
        follow=True,
    )

    errors = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert [str(m) for m in errors] == [
        f'{draft}: Item q1 › section: unknown section "nowhere" (sections: "main")',
        f'{draft}: Item q2 › section: unknown section "nowhere" (sections: "main")',
    ]
    draft.refresh_from_db()
    assert draft.published_at is None


def test_the_new_draft_action_links_to_the_draft(admin_client):
    published = build_version(published=True)

    response = admin_client.post(
        CHANGELIST, {"action": "create_drafts", "_selected_action": [published.pk]}, follow=True
    )

    draft = QuestionnaireVersion.objects.get(questionnaire=published.questionnaire, version=2)
    url = reverse("admin:questionnaires_questionnaireversion_change", args=[draft.pk])
    assert f'Created draft <a href="{url}">{draft}</a> from {published}.' in _messages(response)


def test_the_change_page_offers_new_draft_for_a_published_version(admin_client):
    published = build_version(published=True)

    response = admin_client.post(
        reverse("admin:questionnaires_questionnaireversion_new_draft", args=[published.pk])
    )

    draft = QuestionnaireVersion.objects.get(version=2)
    assert response["Location"] == reverse(
        "admin:questionnaires_questionnaireversion_change", args=[draft.pk]
    )


def test_the_change_page_publishes_a_draft(admin_client):
    draft = build_version()

    admin_client.post(reverse("admin:questionnaires_questionnaireversion_publish", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.is_active


def test_publishing_from_the_change_page_goes_through_the_confirmation(admin_client):
    draft = build_version()
    url = reverse("admin:questionnaires_questionnaireversion_publish", args=[draft.pk])
    change = admin_client.get(reverse("admin:questionnaires_questionnaireversion_change", args=[draft.pk]))
    assert f'href="{url}"' in change.content.decode()

    confirmation = admin_client.get(url)
    draft.refresh_from_db()
    assert confirmation.status_code == 200 and draft.published_at is None

    admin_client.post(url, {"confirm": "yes"})
    draft.refresh_from_db()
    assert draft.is_active


def test_new_draft_needs_post(admin_client):
    published = build_version(published=True)

    response = admin_client.get(
        reverse("admin:questionnaires_questionnaireversion_new_draft", args=[published.pk])
    )

    assert response.status_code == 405


def test_export_json_downloads_the_file(admin_client, document):
    version = import_document(document).version
    change = admin_client.get(reverse("admin:questionnaires_questionnaireversion_change", args=[version.pk]))
    export_url = reverse("admin:questionnaires_questionnaireversion_export", args=[version.pk])
    assert export_url in change.content.decode()

    response = admin_client.get(export_url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mini-five-v1.json"'
    assert response.content.decode() == export_json(version)


def test_the_import_page_imports_a_file(admin_client):
    assert "Import questionnaire" in admin_client.get("/admin/questionnaires/questionnaire/").content.decode()
    url = reverse("admin:questionnaires_questionnaire_import")
    assert admin_client.get(url).status_code == 200
    upload = SimpleUploadedFile("mini-five.json", (FIXTURES / "mini-five.json").read_bytes())

    response = admin_client.post(url, {"file": upload}, follow=True)

    version = QuestionnaireVersion.objects.get()
    assert version.is_active
    assert "Imported mini-five v1 (published and active)." in _messages(response)


def test_the_import_page_lists_every_error_and_imports_nothing(admin_client, document):
    document["version"]["items"][3]["mappings"][0]["dimension"] = "n9"
    document["version"]["items"][0]["type"] = "slider"
    upload = SimpleUploadedFile("broken.json", json.dumps(document).encode())

    response = admin_client.post(reverse("admin:questionnaires_questionnaire_import"), {"file": upload})

    assert response.status_code == 200
    assert response.context["errors"] == [
        "$.version.items[0].type: must be one of boolean, scalar, single_choice, multi_choice, "
        'text (got "slider")',
        '$.version.items[3].mappings[0].dimension: unknown dimension "n9"',
    ]
    assert "2 problems found; nothing was imported." in response.content.decode()
    assert not QuestionnaireVersion.objects.exists()


def test_the_import_page_can_import_a_draft(admin_client):
    upload = SimpleUploadedFile("mini-five.json", (FIXTURES / "mini-five.json").read_bytes())

    admin_client.post(reverse("admin:questionnaires_questionnaire_import"), {"file": upload, "draft": "on"})

    assert QuestionnaireVersion.objects.get().published_at is None

"""Published versions (and what they use) cannot be changed through the admin."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from questionnaires import services
from questionnaires.models import QuestionTraitMapping
from tests.questionnaires.factories import build_version

pytestmark = pytest.mark.django_db

HINT = "Published versions are read-only — create a new draft to make changes."


def _url(obj) -> str:
    return reverse(f"admin:questionnaires_{obj._meta.model_name}_change", args=[obj.pk])


def _warnings(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


@pytest.fixture
def published():
    return build_version(items=2, published=True)


def test_the_change_page_of_a_published_version_warns_and_is_read_only(admin_client, published):
    response = admin_client.get(_url(published))

    assert response.status_code == 200
    assert _warnings(response) == [f"{HINT} {services.version_locked_message(published)}"]
    assert HINT in response.content.decode()
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.content.decode()
    assert "New draft from this version" in response.content.decode()


def test_posting_to_a_published_version_changes_nothing(admin_client, published):
    response = admin_client.post(
        _url(published),
        {
            "questionnaire": published.questionnaire_id,
            "version": 9,
            "analysis_model": published.analysis_model_id,
            "instructions": "Changed!",
            "sections": "[]",
            "metadata": "{}",
            "translations": "{}",
        },
    )

    assert response.status_code == 403
    published.refresh_from_db()
    assert (published.version, published.instructions) == (1, "Describe yourself as you generally are now.")


def test_items_mappings_and_bank_items_of_a_published_version_are_read_only(admin_client, published):
    item = published.items.get(key="q1")

    for obj in (item, item.bank_item):
        response = admin_client.get(_url(obj))
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False
        assert _warnings(response)[0].startswith(HINT)

    response = admin_client.post(
        _url(item.bank_item), {"key": "changed", "question_type": "boolean", "text": "x"}
    )
    assert response.status_code == 403
    item.bank_item.refresh_from_db()
    assert item.bank_item.key != "changed"


def test_published_objects_cannot_be_deleted(admin_client, published):
    item = published.items.get(key="q1")

    for obj in (published, published.questionnaire, item, item.bank_item):
        url = reverse(f"admin:questionnaires_{obj._meta.model_name}_delete", args=[obj.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert QuestionTraitMapping.objects.filter(item=item).exists()


def test_the_bulk_delete_action_is_not_offered_for_versions(admin_client, published):
    response = admin_client.get("/admin/questionnaires/questionnaireversion/")

    assert "delete_selected" not in response.context["action_form"].fields["action"].choices.__repr__()


def test_a_draft_stays_editable(admin_client):
    draft = build_version(items=1)

    response = admin_client.get(_url(draft))

    assert response.context["has_change_permission"] is True
    assert _warnings(response) == []
    response = admin_client.post(
        _url(draft),
        {
            "questionnaire": draft.questionnaire_id,
            "version": 1,
            "analysis_model": draft.analysis_model_id,
            "instructions": "Changed.",
            "sections": '[{"key": "main", "title": "Main"}]',
            "metadata": "{}",
            "translations": "{}",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-id": draft.items.get().pk,
            "items-0-version": draft.pk,
            "items-0-key": "q1",
            "items-0-bank_item": draft.items.get().bank_item_id,
            "items-0-sort_order": "1",
            "items-0-section_key": "main",
            "items-0-required": "on",
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    draft.refresh_from_db()
    assert draft.instructions == "Changed."

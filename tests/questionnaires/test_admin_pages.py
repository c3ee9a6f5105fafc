"""Every questionnaire admin page renders for a superuser, with data present."""

import pytest
from django.urls import reverse

from questionnaires.importing import import_document
from questionnaires.models import (
    AnalysisModel,
    QuestionBankItem,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
    TraitComposite,
    TraitDimension,
)
from tests.questionnaires.factories import build_version

pytestmark = pytest.mark.django_db

MODELS = [
    AnalysisModel,
    TraitDimension,
    TraitComposite,
    Questionnaire,
    QuestionnaireVersion,
    QuestionnaireItem,
    QuestionBankItem,
]


@pytest.fixture
def library(document):
    published = import_document(document).version
    draft = build_version(items=2)
    return published, draft


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_changelist_renders(admin_client, library, model):
    url = reverse(f"admin:questionnaires_{model._meta.model_name}_changelist")

    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "q1"}).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_change_pages_render_for_published_and_draft_objects(admin_client, library, model):
    for obj in model.objects.all()[:10]:
        url = reverse(f"admin:questionnaires_{model._meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_add_page_renders(admin_client, library, model):
    assert admin_client.get(reverse(f"admin:questionnaires_{model._meta.model_name}_add")).status_code == 200


def test_the_version_list_filters_by_published_questionnaire_and_model(admin_client, library):
    published, draft = library
    url = reverse("admin:questionnaires_questionnaireversion_changelist")

    drafts = admin_client.get(url, {"published": "no"})
    assert drafts.status_code == 200
    assert list(drafts.context["cl"].result_list) == [draft]
    by_model = admin_client.get(url, {"analysis_model__id__exact": published.analysis_model_id})
    assert list(by_model.context["cl"].result_list) == [published]


def test_list_pages_do_not_query_per_row(admin_client, library, django_assert_max_num_queries):
    for _ in range(5):
        build_version(items=1)
    for model in MODELS:
        url = reverse(f"admin:questionnaires_{model._meta.model_name}_changelist")
        with django_assert_max_num_queries(12):
            assert admin_client.get(url).status_code == 200


def test_admin_pages_need_staff(client, library):
    published, _ = library
    url = reverse("admin:questionnaires_questionnaireversion_change", args=[published.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

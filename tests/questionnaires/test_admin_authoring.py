"""Authoring with fewer screens: thresholds on the analysis model, autocomplete for questions,
mappings on the item, JSON fields checked on save, and "Add version" on the questionnaire."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.forms import CheckboxInput, SplitDateTimeWidget
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from questionnaires.models import (
    QuestionBankItem,
    QuestionnaireVersion,
    QuestionTraitMapping,
    TraitThreshold,
)
from tests.questionnaires.factories import (
    QuestionnaireFactory,
    build_version,
    likert_bank_item,
)

pytestmark = pytest.mark.django_db


def _url(model: str, view: str, *args) -> str:
    return reverse(f"admin:questionnaires_{model}_{view}", args=args)


def _field_data(form, data: dict[str, Any]) -> None:
    for name, field in form.fields.items():
        bound = form[name]
        widget = getattr(field.widget, "widget", field.widget)
        value = bound.value()
        key = form.add_prefix(name)
        if isinstance(widget, SplitDateTimeWidget):
            data[f"{key}_0"], data[f"{key}_1"] = "", ""
        elif isinstance(widget, CheckboxInput):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        elif hasattr(value, "pk"):
            data[key] = value.pk
        else:
            data[key] = value


def form_data(response) -> dict[str, Any]:
    """What the browser would post back unchanged from an admin change page (inlines included)."""
    data: dict[str, Any] = {}
    _field_data(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _field_data(form, data)
    return data


def _prefix(response, model) -> str:
    return next(
        inline.formset.prefix
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    )


def _errors(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- thresholds on the model


def test_the_analysis_model_page_lists_the_thresholds_of_every_dimension(admin_client):
    version = build_version()
    model = version.analysis_model

    response = admin_client.get(_url("analysismodel", "change", model.pk))

    html = response.content.decode()
    assert "Thresholds (bands) of every dimension" in html
    prefix = _prefix(response, TraitThreshold)
    assert (
        response.context["inline_admin_formsets"][1].formset.total_form_count()
        == TraitThreshold.objects.filter(dimension__analysis_model=model).count()
        == 3
    )
    assert f'name="{prefix}-0-label"' in html


def test_thresholds_are_edited_and_added_on_the_analysis_model_page(admin_client):
    model = build_version().analysis_model
    url = _url("analysismodel", "change", model.pk)
    page = admin_client.get(url)
    data = form_data(page)
    prefix = _prefix(page, TraitThreshold)
    low = next(n for n in range(3) if data[f"{prefix}-{n}-key"] == "low")
    data[f"{prefix}-{low}-label"] = "Quite low"
    dimension = model.dimensions.get(slug="extraversion")
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 4,
            f"{prefix}-3-dimension": dimension.pk,
            f"{prefix}-3-key": "extreme",
            f"{prefix}-3-label": "Extreme",
            f"{prefix}-3-lower": "4.9",
            f"{prefix}-3-upper": "",
            f"{prefix}-3-lower_inclusive": "on",
            f"{prefix}-3-sort_order": "9",
            f"{prefix}-3-narrative": "",
            f"{prefix}-3-translations": "{}",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    labels = dict(TraitThreshold.objects.filter(dimension=dimension).values_list("key", "label"))
    assert labels["low"] == "Quite low"
    assert labels["extreme"] == "Extreme"


def test_a_threshold_cannot_point_at_another_models_dimension(admin_client):
    model = build_version().analysis_model
    foreign = build_version().analysis_model.dimensions.get()
    url = _url("analysismodel", "change", model.pk)
    page = admin_client.get(url)
    data = form_data(page)
    prefix = _prefix(page, TraitThreshold)
    data[f"{prefix}-0-dimension"] = foreign.pk

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Select a valid choice" in _errors(response)
    assert (
        not TraitThreshold.objects.filter(dimension=foreign)
        .exclude(pk__in=foreign.thresholds.values("pk"))
        .exists()
    )
    assert foreign.thresholds.count() == 3


def test_a_model_config_is_checked_when_it_is_saved(admin_client):
    model = build_version().analysis_model
    url = _url("analysismodel", "change", model.pk)
    data = form_data(admin_client.get(url))
    data["config"] = json.dumps({"aggregation": "median"})

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "aggregation: must be sum or mean" in _errors(response)
    model.refresh_from_db()
    assert model.config["aggregation"] == "sum"


# --------------------------------------------------------------------------- questions by autocomplete


def test_questions_are_picked_with_autocomplete_not_an_id_popup(admin_client):
    version = build_version(items=2)

    html = admin_client.get(_url("questionnaireversion", "change", version.pk)).content.decode()

    assert "admin-autocomplete" in html
    assert "vForeignKeyRawIdAdminField" not in html
    first = version.items.get(key="q1").bank_item
    assert f'<option value="{first.pk}" selected>{first}</option>' in html


def test_the_version_page_costs_the_same_for_2_and_20_questions(admin_client):
    counts = []
    for items in (2, 20):
        version = build_version(items=items)
        url = _url("questionnaireversion", "change", version.pk)
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(url).status_code == 200
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1], counts


def test_the_autocomplete_finds_questions_by_text(admin_client):
    version = build_version(items=1)
    bank = likert_bank_item(text="Enjoy long walks.")
    url = reverse("admin:autocomplete")

    response = admin_client.get(
        url,
        {
            "term": "long walks",
            "app_label": "questionnaires",
            "model_name": "questionnaireitem",
            "field_name": "bank_item",
        },
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(bank.pk)]
    assert version.items.count() == 1


def test_the_autocomplete_is_for_staff_only(client):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "x",
            "app_label": "questionnaires",
            "model_name": "questionnaireitem",
            "field_name": "bank_item",
        },
    )

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --------------------------------------------------------------------------- mappings on the item


def test_mappings_are_added_inline_on_the_item(admin_client):
    version = build_version(items=1)
    item = version.items.get()
    url = _url("questionnaireitem", "change", item.pk)
    page = admin_client.get(url)
    data = form_data(page)
    prefix = _prefix(page, QuestionTraitMapping)
    dimension = version.analysis_model.dimensions.get()
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 2,
            f"{prefix}-1-dimension": dimension.pk,
            f"{prefix}-1-option": "",
            f"{prefix}-1-rule_type": "constant",
            f"{prefix}-1-params": json.dumps({"value": 1}),
            f"{prefix}-1-sort_order": "2",
            f"{prefix}-1-effective_from_0": "",
            f"{prefix}-1-effective_from_1": "",
            f"{prefix}-1-effective_to_0": "",
            f"{prefix}-1-effective_to_1": "",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, _errors(response)[:3000]
    assert list(item.mappings.values_list("rule_type", flat=True)) == ["range_linear", "constant"]


def test_mapping_params_are_checked_when_saved(admin_client):
    version = build_version(items=1)
    item = version.items.get()
    url = _url("questionnaireitem", "change", item.pk)
    page = admin_client.get(url)
    data = form_data(page)
    prefix = _prefix(page, QuestionTraitMapping)
    data[f"{prefix}-0-params"] = json.dumps({"multiplier": "two"})

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "params.multiplier: must be a number" in _errors(response)
    assert item.mappings.get().params == {"multiplier": 1, "offset": 0}


def test_branch_logic_is_checked_when_saved(admin_client):
    version = build_version(items=2)
    item = version.items.get(key="q1")
    url = _url("questionnaireitem", "change", item.pk)
    page = admin_client.get(url)
    data = form_data(page)
    prefix = next(
        p.formset.prefix for p in page.context["inline_admin_formsets"] if "branch" in p.formset.prefix
    )
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-0-action": "show",
            f"{prefix}-0-logic": json.dumps({"==": [{"var": "q2"}, "5"]}),
            f"{prefix}-0-sort_order": "0",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "which comes after this item" in _errors(response)
    assert not item.branch_rules.exists()


# --------------------------------------------------------------------------- JSON fields checked on save


def test_a_bank_item_config_is_checked_for_its_type_when_saved(admin_client):
    bank = QuestionBankItem.objects.create(key="draft/scale", question_type="scalar", text="How?", config={})
    url = _url("questionbankitem", "change", bank.pk)
    data = form_data(admin_client.get(url))
    data["config"] = json.dumps({"min": 10, "max": 0})
    data["translations"] = json.dumps({"de": {"txt": "Wie?"}})

    response = admin_client.post(url, data)

    html = _errors(response)
    assert response.status_code == 200
    assert "a scale needs numbers" in html
    assert "de.txt: cannot be translated here" in html
    bank.refresh_from_db()
    assert bank.config == {}


def test_version_sections_are_checked_when_saved_and_explained(admin_client):
    version = build_version()
    url = _url("questionnaireversion", "change", version.pk)
    page = admin_client.get(url)
    assert "observer_title" in page.content.decode()  # the inline help shows the shape
    data = form_data(page)
    data["sections"] = json.dumps([{"key": "main"}, {"key": "main", "titel": "x"}])

    response = admin_client.post(url, data)

    html = _errors(response)
    assert response.status_code == 200
    assert "[1].key: &quot;main&quot; is used by two sections" in html
    assert "[1].titel: unknown field" in html


def test_a_valid_version_edit_saves(admin_client):
    version = build_version()
    url = _url("questionnaireversion", "change", version.pk)
    data = form_data(admin_client.get(url))
    data["observer_instructions"] = "Describe {name} as they are now."
    data["sections"] = json.dumps([{"key": "main", "title": "About you", "observer_title": "About {name}"}])

    response = admin_client.post(url, data)

    assert response.status_code == 302, _errors(response)[:3000]
    version.refresh_from_db()
    assert version.observer_instructions == "Describe {name} as they are now."
    assert version.sections[0]["observer_title"] == "About {name}"


# --------------------------------------------------------------------------- add version


def test_the_questionnaire_page_offers_add_version(admin_client):
    published = build_version(published=True)
    questionnaire = published.questionnaire

    html = admin_client.get(_url("questionnaire", "change", questionnaire.pk)).content.decode()

    assert _url("questionnaireversion", "new_draft", published.pk) in html
    assert "Add version (copy of v1)" in html
    assert f"{_url('questionnaireversion', 'add')}?questionnaire={questionnaire.pk}" in html


def test_add_version_from_a_questionnaire_fills_in_the_next_number_and_model(admin_client):
    published = build_version(published=True)

    response = admin_client.get(
        _url("questionnaireversion", "add"), {"questionnaire": published.questionnaire_id}
    )

    form = response.context["adminform"].form
    assert form.initial["version"] == 2
    assert form.initial["analysis_model"] == published.analysis_model_id


def test_add_version_of_a_new_questionnaire_starts_at_one(admin_client):
    questionnaire = QuestionnaireFactory()

    html = admin_client.get(_url("questionnaire", "change", questionnaire.pk)).content.decode()
    response = admin_client.get(_url("questionnaireversion", "add"), {"questionnaire": questionnaire.pk})

    assert ">Add version<" in html
    assert response.context["adminform"].form.initial["version"] == 1


def test_add_version_ignores_a_malformed_questionnaire_parameter(admin_client):
    response = admin_client.get(_url("questionnaireversion", "add"), {"questionnaire": "x'"})

    assert response.status_code == 200
    assert QuestionnaireVersion.objects.count() == 0


def test_the_version_page_shows_each_items_scoring_at_a_glance(admin_client):
    version = build_version(items=2)
    version.items.get(key="q2").mappings.update(params={"multiplier": 1, "reverse": True})

    html = admin_client.get(_url("questionnaireversion", "change", version.pk)).content.decode()

    assert "extraversion (range_linear)" in html
    assert "extraversion (range_linear, reversed)" in html

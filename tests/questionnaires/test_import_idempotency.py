"""Importing the same document twice changes nothing; changing a published version is refused."""

import copy

import pytest

from questionnaires.importing import ImportValidationError, import_document
from questionnaires.models import (
    AnalysisModel,
    QuestionBankItem,
    QuestionnaireVersion,
    QuestionOption,
    QuestionTraitMapping,
    TraitDimension,
)

pytestmark = pytest.mark.django_db


def _errors(document, **kwargs) -> list[str]:
    with pytest.raises(ImportValidationError) as caught:
        import_document(document, **kwargs)
    return caught.value.errors


def test_the_first_import_creates_and_publishes_the_version(document):
    result = import_document(document)

    version = result.version
    assert result.created
    assert (version.questionnaire.slug, version.version, version.is_active) == ("mini-five", 1, True)
    assert version.items.count() == 7
    assert version.questionnaire.default_analysis_model.slug == "mini-five"
    assert QuestionBankItem.objects.filter(key="mini-five/q1").exists()


def test_importing_the_same_document_again_creates_nothing(document):
    first = import_document(copy.deepcopy(document))
    counts = (
        QuestionnaireVersion.objects.count(),
        QuestionBankItem.objects.count(),
        QuestionOption.objects.count(),
    )

    again = import_document(document)

    assert (again.created, again.updated) == (False, False)
    assert again.version.pk == first.version.pk
    assert counts == (
        QuestionnaireVersion.objects.count(),
        QuestionBankItem.objects.count(),
        QuestionOption.objects.count(),
    )


def test_the_same_version_number_with_different_content_is_an_error(document):
    import_document(copy.deepcopy(document))
    document["version"]["items"][0]["text"] = "Make friends very easily."

    assert _errors(document) == [
        "$.version.version: version 1 of mini-five already exists with different content (it is "
        "published and "
        "never changes); give the changed document a new version number"
    ]


def test_a_new_version_reuses_identical_bank_items_and_suffixes_changed_ones(document):
    import_document(copy.deepcopy(document))
    document["version"]["version"] = 2
    document["version"]["items"][0]["text"] = "Make friends very easily."

    result = import_document(document)

    keys = list(result.version.items.order_by("sort_order").values_list("bank_item__key", flat=True))
    assert keys[:2] == ["mini-five/q1@v2", "mini-five/q2"]
    assert QuestionBankItem.objects.get(key="mini-five/q1").text == "Make friends easily."
    v1 = QuestionnaireVersion.objects.get(version=1)
    assert (v1.is_active, result.version.is_active) == (False, True)


def test_reimporting_an_older_changed_document_reuses_the_suffixed_bank_item(document):
    import_document(copy.deepcopy(document))
    document["version"]["version"] = 2
    document["version"]["items"][0]["text"] = "Make friends very easily."
    import_document(copy.deepcopy(document))
    document["version"]["version"] = 3

    result = import_document(document)

    assert result.version.items.get(key="q1").bank_item.key == "mini-five/q1@v2"


def test_the_analysis_model_is_reused_when_identical(document):
    import_document(copy.deepcopy(document))
    document["questionnaire"]["slug"] = "mini-five-copy"

    import_document(document)

    assert AnalysisModel.objects.count() == 1
    assert TraitDimension.objects.count() == 4


def test_texts_of_a_published_analysis_model_may_change(document):
    import_document(copy.deepcopy(document))
    document["analysis_model"]["dimensions"][0]["name"] = "Neuroticism (negative emotionality)"
    document["analysis_model"]["dimensions"][0]["thresholds"][0]["narrative"] = "Calm and steady."

    result = import_document(document)

    assert (result.created, result.updated) == (False, True)
    neuroticism = TraitDimension.objects.get(slug="neuroticism")
    assert neuroticism.name == "Neuroticism (negative emotionality)"
    assert neuroticism.thresholds.get(key="low").narrative == "Calm and steady."


def test_scoring_changes_to_a_published_analysis_model_are_refused(document):
    import_document(copy.deepcopy(document))
    model = document["analysis_model"]
    model["config"]["aggregation"] = "mean"
    model["dimensions"][0]["thresholds"][0]["upper"] = 2
    model["dimensions"][0]["thresholds"][1]["lower"] = 2
    del model["dimensions"][3]
    document["version"]["version"] = 2
    document["version"]["items"][0]["mappings"][0]["dimension"] = "extraversion"

    errors = _errors(document)

    why = (
        '; published versions use analysis model "mini-five" (mini-five v1) and their scores must not change '
        "— give the changed model a new slug"
    )
    assert errors == [
        '$.analysis_model.dimensions: dimension "friendliness" is missing, but mappings of '
        "mini-five v1 use it",
        f"$.analysis_model.config: differs from the stored model{why}",
        f"$.analysis_model.dimensions[0].thresholds: bounds or keys differ from the stored model{why}",
    ]
    assert TraitDimension.objects.filter(slug="friendliness").exists()


def test_a_new_dimension_may_be_added_to_a_published_analysis_model(document):
    import_document(copy.deepcopy(document))
    document["analysis_model"]["dimensions"].append({"slug": "openness", "name": "Openness", "sort_order": 3})

    assert import_document(document).updated
    assert TraitDimension.objects.filter(slug="openness").exists()


def test_an_unpublished_analysis_model_is_updated_in_place(document):
    import_document(copy.deepcopy(document), publish=False)
    model = document["analysis_model"]
    model["config"]["aggregation"] = "mean"
    model["dimensions"].append({"slug": "openness", "name": "Openness", "sort_order": 3})
    model["composites"] = model["composites"][:1]

    result = import_document(document, publish=False)

    stored = AnalysisModel.objects.get(slug="mini-five")
    assert result.updated and not result.created
    assert stored.config["aggregation"] == "mean"
    assert list(stored.composites.values_list("slug", flat=True)) == ["primary-trait"]


def test_an_identical_draft_is_not_published_by_a_second_import(document):
    import_document(copy.deepcopy(document), publish=False)

    result = import_document(document)

    assert result.created is False
    assert result.version.published_at is None


def test_mappings_point_at_the_right_options_and_dimensions(document):
    version = import_document(document).version

    mapping = QuestionTraitMapping.objects.get(item__version=version, item__key="q6")
    assert (mapping.option.key, mapping.option.bank_item.key, mapping.dimension.slug) == (
        "dancing",
        "mini-five/q6",
        "extraversion",
    )

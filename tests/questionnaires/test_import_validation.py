"""Import checks the whole document first: every error has a JSON path, and nothing is written."""

import pytest

from questionnaires import importing
from questionnaires.importing import ImportValidationError, import_document, import_json
from questionnaires.models import (
    AnalysisModel,
    QuestionBankItem,
    QuestionBranchRule,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionOption,
    QuestionTraitMapping,
    TraitDimension,
    TraitThreshold,
)

pytestmark = pytest.mark.django_db

MODELS = [
    AnalysisModel,
    TraitDimension,
    TraitThreshold,
    Questionnaire,
    QuestionnaireVersion,
    QuestionBankItem,
    QuestionOption,
    QuestionnaireItem,
    QuestionTraitMapping,
    QuestionBranchRule,
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def _errors(document, **kwargs) -> list[str]:
    with pytest.raises(ImportValidationError) as caught:
        import_document(document, **kwargs)
    return caught.value.errors


def test_an_unknown_dimension_is_reported_with_its_json_path(document):
    document["version"]["items"][3]["mappings"][0]["dimension"] = "n9"

    assert _errors(document) == ['$.version.items[3].mappings[0].dimension: unknown dimension "n9"']


def test_every_error_is_reported_in_path_order_and_nothing_is_written(document):
    before = _counts()
    items = document["version"]["items"]
    items[0]["mappings"][0]["params"]["multipler"] = 2
    items[1]["section"] = "elsewhere"
    items[2]["options"].append({"key": "1", "label": "Again", "value": 1})
    items[4]["branch"][0]["logic"] = {"==": [{"var": "q6"}, True]}
    items[5]["mappings"][0]["option"] = "swimming"
    document["analysis_model"]["dimensions"][1]["parent"] = "nobody"
    document["questionnaire"]["colour"] = "blue"
    document["version"]["version"] = 0

    errors = _errors(document)

    assert errors == [
        '$.analysis_model.dimensions[1].parent: unknown dimension "nobody"',
        "$.questionnaire.colour: unknown field "
        "(expected: slug, title, description, default_locale, translations)",
        "$.version.items[0].mappings[0].params.multipler: unknown parameter for range_linear "
        "(expected: multiplier, offset, reverse)",
        '$.version.items[1].section: unknown section "elsewhere" (sections: "about", "habits")',
        '$.version.items[2].options[2].key: duplicate option "1" (also at $.version.items[2].options[0])',
        '$.version.items[4].branch[0].logic: refers to "q6", which comes after this item; '
        "branch rules may only use earlier items",
        '$.version.items[5].mappings[0].option: unknown option "swimming" '
        '(options: "reading", "dancing", "hiking")',
        "$.version.version: must be a whole number of at least 1 (got 0)",
    ]
    assert _counts() == before


def test_required_fields_and_types_are_checked(document):
    del document["version"]["items"][0]["text"]
    document["version"]["items"][1]["required"] = "yes"
    document["version"]["items"][2]["type"] = "slider"
    document["analysis_model"]["dimensions"][0]["thresholds"][0]["lower"] = "low"

    assert _errors(document) == [
        "$.analysis_model.dimensions[0].thresholds[0].lower: must be a number or null, not a string",
        "$.version.items[0].text: is required",
        "$.version.items[1].required: must be true or false, not a string",
        "$.version.items[2].type: must be one of boolean, scalar, single_choice, multi_choice, "
        'text (got "slider")',
    ]


def test_the_format_marker_is_required(document):
    document["format"] = "personai.questionnaire/2"

    assert _errors(document) == [
        '$.format: must be "personai.questionnaire/1" (got "personai.questionnaire/2")'
    ]


def test_a_document_that_is_not_an_object_is_refused():
    assert _errors([1, 2]) == ["$: must be an object, not a list"]


def test_invalid_json_text_is_reported():
    with pytest.raises(ImportValidationError) as caught:
        import_json('{"format": ')

    assert caught.value.errors[0].startswith("$: not valid JSON: Expecting value (line 1, column 12)")


def test_keys_must_be_lowercase_identifiers(document):
    document["version"]["items"][0]["key"] = "Q 1"

    errors = _errors(document)

    assert (
        errors[0]
        == '$.version.items[0].key: must be a key of lowercase letters, digits, "-", "_" and "." (got "Q 1")'
    )


def test_publishing_rules_apply_on_import(document):
    document["version"]["items"][3]["mappings"] = []
    del document["analysis_model"]["dimensions"][0]["thresholds"][1]

    assert _errors(document) == [
        "$.analysis_model.dimensions[0].thresholds: the bands leave [2.5, 3.5] uncovered; with band basis "
        "item_mean scores run from 1 to 5",
        "$.version.items[3].mappings: the item has no trait mapping; map it to a dimension or mark "
        'it "unscored"',
    ]


def test_a_draft_import_skips_the_publishing_only_rules(document):
    document["version"]["items"][3]["mappings"] = []

    result = import_document(document, publish=False)

    assert result.created and result.version.published_at is None


def test_boolean_gate_on_a_choice_item_is_reported_with_its_path(document):
    document["version"]["items"][0]["mappings"][0] = {
        "dimension": "friendliness",
        "rule": "boolean_gate",
        "params": {"true": 1, "false": 0},
    }

    assert _errors(document) == [
        "$.version.items[0].mappings[0].rule: boolean_gate only applies to boolean items; this "
        "item is single_choice"
    ]


def test_composites_and_config_are_checked(document):
    document["analysis_model"]["composites"][0]["dimensions"].append("agreeableness")
    document["analysis_model"]["config"]["band_basis"] = "median"

    assert _errors(document) == [
        '$.analysis_model.composites[0].dimensions[2]: unknown dimension "agreeableness"',
        '$.analysis_model.config.band_basis: must be raw, normalized, item_mean or relative (got "median")',
    ]


def test_parent_cycles_are_refused(document):
    document["analysis_model"]["dimensions"][0]["parent"] = "anxiety"

    assert "$.analysis_model.dimensions[0].parent: parents form a cycle" in _errors(document)


def test_translations_only_hold_translatable_fields(document):
    document["version"]["items"][0]["translations"]["de"]["key"] = "f1"

    assert _errors(document) == [
        "$.version.items[0].translations.de.key: cannot be translated here "
        "(translatable: text, observer_text, help_text, min_label, max_label, observer_min_label, "
        "observer_max_label)"
    ]


def test_effective_windows_need_time_zones_and_order(document):
    mapping = document["version"]["items"][1]["mappings"][0]
    mapping["effective_to"] = "2023-01-01T00:00:00Z"
    document["version"]["items"][0]["mappings"][0]["effective_from"] = "2024-01-01T00:00:00"

    assert _errors(document) == [
        "$.version.items[0].mappings[0].effective_from: must include a time zone, e.g. "
        '"2025-01-01T00:00:00Z"',
        "$.version.items[1].mappings[0].effective_to: must be after effective_from",
    ]


def test_the_import_validation_error_lists_errors_one_per_line(document):
    document["version"]["items"][3]["mappings"][0]["dimension"] = "n9"
    document["version"]["items"][4]["mappings"][0]["dimension"] = "n8"

    with pytest.raises(importing.ImportValidationError) as caught:
        import_document(document)

    assert str(caught.value).count("\n") == 1


def test_the_slug_import_is_reserved_for_the_api_endpoint(db):
    import json
    from pathlib import Path

    from questionnaires.importing import ImportValidationError, import_document

    data = json.loads((Path(__file__).parent / "fixtures" / "mini-five.json").read_text())
    data["questionnaire"]["slug"] = "import"

    with pytest.raises(ImportValidationError) as caught:
        import_document(data)

    assert any(
        error.startswith("$.questionnaire.slug:") and "reserved" in error for error in caught.value.errors
    )

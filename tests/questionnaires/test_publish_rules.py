"""version_publish refuses a version that breaks any rule, listing every problem at once."""

import pytest

from questionnaires import services
from questionnaires.models import QuestionBankItem, QuestionnaireVersion, QuestionTraitMapping
from tests.questionnaires.factories import (
    QuestionBranchRuleFactory,
    QuestionnaireItemFactory,
    QuestionOptionFactory,
    QuestionTraitMappingFactory,
    TraitDimensionFactory,
    TraitThresholdFactory,
    build_version,
    likert_bank_item,
)

pytestmark = pytest.mark.django_db


def _problems(version) -> list[str]:
    with pytest.raises(services.PublishError) as caught:
        services.version_publish(version=version)
    return caught.value.messages


def _mapping(version, key="q1") -> QuestionTraitMapping:
    return QuestionTraitMapping.objects.get(item__version=version, item__key=key)


def test_a_valid_version_is_published_and_becomes_active():
    version = build_version()

    services.version_publish(version=version)

    version.refresh_from_db()
    assert version.published_at is not None
    assert version.is_active


def test_publishing_a_new_version_deactivates_the_previous_one():
    first = build_version(published=True)
    second = build_version(questionnaire=first.questionnaire, model=first.analysis_model, number=2)

    services.version_publish(version=second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    assert first.published_at is not None  # still published, just no longer active


def test_a_published_version_cannot_be_published_again():
    version = build_version(published=True)

    assert _problems(version) == [f"Version 1 of {version.questionnaire.slug} is already published."]


def test_a_refused_version_stays_a_draft():
    version = build_version()
    _mapping(version).delete()

    _problems(version)

    version.refresh_from_db()
    assert (version.published_at, version.is_active) == (None, False)


def test_every_item_needs_a_mapping_or_to_be_marked_unscored():
    version = build_version()
    _mapping(version, "q2").delete()

    assert _problems(version) == [
        'Item q2 › mappings: the item has no trait mapping; map it to a dimension or mark it "unscored"'
    ]

    version.items.filter(key="q2").update(unscored=True)
    services.version_publish(version=version)


def test_an_unscored_item_cannot_have_mappings():
    version = build_version()
    version.items.filter(key="q1").update(unscored=True)

    assert _problems(version) == [
        "Item q1 › unscored: the item is marked unscored but has mappings; remove them or clear unscored"
    ]


def test_an_option_mapping_must_use_an_option_of_the_items_own_question():
    version = build_version()
    stranger = QuestionOptionFactory(key="x", value=1)
    QuestionTraitMappingFactory(
        item=version.items.get(key="q1"),
        dimension=_mapping(version).dimension,
        option=stranger,
        rule_type="option_weight",
        params={"weight": 1},
    )

    assert _problems(version) == [
        f'Item q1 › mapping 2 › option: option "x" belongs to question {stranger.bank_item.key}, '
        "not to this item's question"
    ]


def test_a_mapping_must_use_a_dimension_of_the_versions_analysis_model():
    version = build_version()
    foreign = TraitDimensionFactory(slug="dominance")
    QuestionTraitMapping.objects.filter(item__version=version, item__key="q1").update(dimension=foreign)

    assert _problems(version) == [
        f'Item q1 › mapping 1 › dimension: dimension "dominance" belongs to analysis model '
        f'"{foreign.analysis_model.slug}", not to this version\'s "{version.analysis_model.slug}"'
    ]


def test_boolean_gate_only_applies_to_boolean_items():
    version = build_version()
    QuestionTraitMapping.objects.filter(pk=_mapping(version).pk).update(
        rule_type="boolean_gate", params={"true": 1, "false": 0}
    )

    assert _problems(version) == [
        "Item q1 › mapping 1 › rule: boolean_gate only applies to boolean items; this item is single_choice"
    ]


def test_range_rules_need_numbers():
    version = build_version()
    version.items.get(key="q1").bank_item.options.update(value=None)
    text_item = QuestionnaireItemFactory(
        version=version, key="q9", sort_order=9, bank_item__question_type=QuestionBankItem.QuestionType.TEXT
    )
    QuestionTraitMappingFactory(item=text_item, dimension=_mapping(version).dimension)

    assert _problems(version) == [
        "Item q1 › mapping 1 › rule: range_linear needs numeric option values; this item has none",
        "Item q9 › mapping 1 › rule: range_linear applies to scalar or single_choice items; this "
        "item is text",
    ]


@pytest.mark.parametrize(
    ("rule", "params", "message"),
    [
        ("constant", {}, "params.value: is required for constant"),
        ("constant", {"value": "2"}, "params.value: must be a number"),
        ("range_linear", {"multipler": 2}, "params.multipler: unknown parameter for range_linear"),
        ("range_linear", {"reverse": "yes"}, "params.reverse: must be true or false"),
        ("range_bucket", {"buckets": []}, "params.buckets: must be a non-empty list of buckets"),
        (
            "range_bucket",
            {"buckets": [{"min": 3, "max": 1, "contribution": 1}]},
            "params.buckets[0]: min is above max",
        ),
        (
            "range_bucket",
            {"buckets": [{"min": 1, "max": 3}]},
            "params.buckets[0].contribution: must be a number",
        ),
    ],
)
def test_rule_params_must_be_well_formed(rule, params, message):
    version = build_version(items=1)
    QuestionTraitMapping.objects.filter(pk=_mapping(version).pk).update(rule_type=rule, params=params)

    problems = _problems(version)

    assert len(problems) == 1
    assert problems[0].startswith(f"Item q1 › mapping 1 › {message}")


def test_thresholds_must_cover_the_item_mean_range_without_gaps():
    version = build_version()
    version.analysis_model.dimensions.get().thresholds.filter(key="neutral").delete()

    assert _problems(version) == [
        "Dimension extraversion › thresholds: the bands leave 3 uncovered; with band basis item_mean "
        "scores run from 1 to 5"
    ]


def test_a_scored_dimension_needs_thresholds():
    version = build_version()
    version.analysis_model.dimensions.get().thresholds.all().delete()

    assert _problems(version) == [
        "Dimension extraversion › thresholds: the dimension is scored but has no thresholds; "
        "add bands covering 1 to 5 (item_mean)"
    ]


def test_normalized_bands_must_cover_0_to_100():
    version = build_version()
    model = version.analysis_model
    model.config = {"band_basis": "normalized", "normalization": {"method": "minmax"}}
    model.save()
    dimension = model.dimensions.get()
    dimension.thresholds.all().delete()
    TraitThresholdFactory(dimension=dimension, key="low", lower=0, upper=40)
    TraitThresholdFactory(dimension=dimension, key="high", lower=60, upper=100, upper_inclusive=True)

    assert _problems(version) == [
        "Dimension extraversion › thresholds: the bands leave [40, 60) uncovered; with band basis "
        "normalized scores run from 0 to 100"
    ]


def test_raw_bands_are_checked_against_the_range_hint_only_when_there_is_one():
    version = build_version()
    model = version.analysis_model
    model.config = {"band_basis": "raw"}
    model.save()
    dimension = model.dimensions.get()
    dimension.thresholds.all().delete()
    TraitThresholdFactory(dimension=dimension, key="some", lower=10, upper=20)
    dimension.range_min, dimension.range_max = 5, 20
    dimension.save()

    assert _problems(version) == [
        "Dimension extraversion › thresholds: the bands leave [5, 10) and 20 uncovered; with band basis "
        "raw scores run from 5 to 20"
    ]

    dimension.range_min = dimension.range_max = None
    dimension.save()
    services.version_publish(version=version)


def test_a_domain_is_checked_over_its_facets_items():
    version = build_version(items=1)
    model = version.analysis_model
    domain = model.dimensions.get()
    facet = TraitDimensionFactory(analysis_model=model, slug="warmth", parent=domain)
    TraitThresholdFactory(dimension=facet, key="all", lower=None, upper=None)
    QuestionTraitMapping.objects.filter(item__version=version).update(dimension=facet)
    domain.thresholds.filter(key="high").delete()

    assert _problems(version) == [
        "Dimension extraversion › thresholds: the bands leave (3, 5] uncovered; with band basis item_mean "
        "scores run from 1 to 5"
    ]


def test_branch_rules_may_only_refer_to_earlier_items():
    version = build_version(items=3)
    q2 = version.items.get(key="q2")
    QuestionBranchRuleFactory(item=q2, logic={"and": [{"var": "q1"}, {"var": "q3"}, {"var": "q2"}]})
    QuestionBranchRuleFactory(item=q2, action="skip", logic={"missing": ["nope"]})

    assert _problems(version) == [
        'Item q2 › branch rule 1 › logic: refers to "q3", which comes after this item; branch rules may only '
        "use earlier items",
        'Item q2 › branch rule 1 › logic: refers to "q2", the item itself; branch rules may only '
        "use earlier items",
        'Item q2 › branch rule 2 › logic: refers to "nope", which is not an item of this version',
    ]


def test_branch_rules_must_be_json_logic():
    version = build_version(items=2)
    q2 = version.items.get(key="q2")
    QuestionBranchRuleFactory(item=q2, logic=["q1"])
    QuestionBranchRuleFactory(item=q2, logic={"eval": [{"var": "q1"}]})

    problems = _problems(version)

    assert problems == [
        "Item q2 › branch rule 1 › logic: must be a JSON Logic rule: an object with one operator, "
        'e.g. {"==": '
        '[{"var": "q1"}, true]}',
        'Item q2 › branch rule 2 › logic: unknown JSON Logic operator "eval"',
    ]


def test_variables_inside_map_and_filter_name_the_element_not_an_item():
    version = build_version(items=2)
    logic = {"some": [{"var": "q1"}, {"==": [{"var": ""}, "5"]}]}
    QuestionBranchRuleFactory(item=version.items.get(key="q2"), logic=logic)

    services.version_publish(version=version)


def test_items_must_use_sections_of_the_version():
    version = build_version(items=1)
    version.items.update(section_key="later")

    assert _problems(version) == ['Item q1 › section: unknown section "later" (sections: "main")']


def test_all_problems_are_reported_together():
    version = build_version(items=3)
    _mapping(version, "q1").delete()
    version.items.filter(key="q2").update(section_key="nowhere")
    QuestionBranchRuleFactory(item=version.items.get(key="q3"), logic={"var": "q9"})

    assert len(_problems(version)) == 3
    assert QuestionnaireVersion.objects.get(pk=version.pk).published_at is None


def test_a_single_choice_item_needs_options():
    version = build_version(items=1)
    item = version.items.get()
    item.bank_item = likert_bank_item()
    item.bank_item.options.all().delete()
    item.save()

    assert "Item q1 › options: a single_choice item needs at least one option" in _problems(version)


def test_the_analysis_model_config_must_be_valid():
    version = build_version(items=1)
    model = version.analysis_model
    model.config = {"band_basis": "median", "normalization": {"method": "zscore", "reference": {"x": {}}}}
    model.save()

    assert _problems(version) == [
        f"Analysis model {model.slug} › config.band_basis: "
        'must be raw, normalized, item_mean or relative (got "median")',
        f'Analysis model {model.slug} › config.normalization.reference.x: unknown dimension "x"',
    ]


def test_a_version_without_items_cannot_be_published():
    version = build_version(items=1)
    version.items.all().delete()

    assert _problems(version) == ["The version has no items; add at least one before publishing."]

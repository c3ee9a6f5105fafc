"""Factories for the questionnaire library, and `build_version` for a complete, publishable version."""

from __future__ import annotations

import factory

from questionnaires import services
from questionnaires.models import (
    AnalysisModel,
    QuestionBankItem,
    QuestionBranchRule,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionOption,
    QuestionTraitMapping,
    TraitComposite,
    TraitDimension,
    TraitThreshold,
)


class AnalysisModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnalysisModel

    slug = factory.Sequence(lambda n: f"model-{n}")
    name = factory.Sequence(lambda n: f"Model {n}")
    config = factory.LazyFunction(lambda: {"aggregation": "sum", "band_basis": "item_mean"})


class TraitDimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraitDimension

    analysis_model = factory.SubFactory(AnalysisModelFactory)
    slug = factory.Sequence(lambda n: f"dimension-{n}")
    name = factory.Sequence(lambda n: f"Dimension {n}")


class TraitThresholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraitThreshold

    dimension = factory.SubFactory(TraitDimensionFactory)
    key = factory.Sequence(lambda n: f"band-{n}")
    label = factory.Sequence(lambda n: f"Band {n}")


class TraitCompositeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraitComposite

    analysis_model = factory.SubFactory(AnalysisModelFactory)
    slug = factory.Sequence(lambda n: f"composite-{n}")
    name = factory.Sequence(lambda n: f"Composite {n}")
    kind = TraitComposite.Kind.ARGMAX


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    slug = factory.Sequence(lambda n: f"questionnaire-{n}")
    title = factory.Sequence(lambda n: f"Questionnaire {n}")
    description = "A questionnaire for tests."


class QuestionnaireVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionnaireVersion

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    version = 1
    analysis_model = factory.SubFactory(AnalysisModelFactory)
    sections = factory.LazyFunction(lambda: [{"key": "main", "title": "Main", "translations": {}}])


class QuestionBankItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionBankItem

    key = factory.Sequence(lambda n: f"bank/q{n}")
    question_type = QuestionBankItem.QuestionType.SINGLE_CHOICE
    text = factory.Sequence(lambda n: f"Question {n}?")


class QuestionOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionOption

    bank_item = factory.SubFactory(QuestionBankItemFactory)
    key = factory.Sequence(lambda n: f"o{n}")
    label = factory.Sequence(lambda n: f"Option {n}")


class QuestionnaireItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionnaireItem

    version = factory.SubFactory(QuestionnaireVersionFactory)
    bank_item = factory.SubFactory(QuestionBankItemFactory)
    key = factory.Sequence(lambda n: f"q{n}")
    section_key = "main"


class QuestionTraitMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionTraitMapping

    item = factory.SubFactory(QuestionnaireItemFactory)
    dimension = factory.SubFactory(TraitDimensionFactory)
    rule_type = QuestionTraitMapping.RuleType.RANGE_LINEAR
    params = factory.LazyFunction(lambda: {"multiplier": 1, "offset": 0})


class QuestionBranchRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionBranchRule

    item = factory.SubFactory(QuestionnaireItemFactory)
    action = QuestionBranchRule.Action.SHOW
    logic = factory.LazyFunction(lambda: {"==": [{"var": "q1"}, "5"]})


LIKERT = [(1, "Very inaccurate"), (2, "Moderately inaccurate"), (3, "Neither"), (4, "Moderately accurate")]
LIKERT.append((5, "Very accurate"))


def likert_bank_item(**kwargs) -> QuestionBankItem:
    bank = QuestionBankItemFactory(**kwargs)
    QuestionOption.objects.bulk_create(
        QuestionOption(bank_item=bank, key=str(value), label=label, value=value, sort_order=value)
        for value, label in LIKERT
    )
    return bank


def banded_model(**kwargs) -> AnalysisModel:
    """An item-mean model with one dimension, "extraversion", banded low / neutral / high over 1–5."""
    model = AnalysisModelFactory(**kwargs)
    dimension = TraitDimensionFactory(analysis_model=model, slug="extraversion", name="Extraversion")
    TraitThresholdFactory(dimension=dimension, key="low", label="Low", lower=None, upper=3, sort_order=1)
    TraitThresholdFactory(
        dimension=dimension,
        key="neutral",
        label="Neutral",
        lower=3,
        upper=3,
        upper_inclusive=True,
        sort_order=2,
    )
    TraitThresholdFactory(
        dimension=dimension,
        key="high",
        label="High",
        lower=3,
        lower_inclusive=False,
        upper=None,
        sort_order=3,
    )
    return model


def build_version(
    *, items: int = 3, published: bool = False, questionnaire=None, model=None, number: int = 1
) -> QuestionnaireVersion:
    """A complete version: Likert items q1…qN, each mapped to extraversion with range_linear."""
    model = model or banded_model()
    version = QuestionnaireVersionFactory(
        questionnaire=questionnaire or QuestionnaireFactory(default_analysis_model=model),
        analysis_model=model,
        version=number,
        instructions="Describe yourself as you generally are now.",
    )
    dimension = model.dimensions.get(slug="extraversion")
    for index in range(1, items + 1):
        item = QuestionnaireItemFactory(
            version=version, bank_item=likert_bank_item(), key=f"q{index}", sort_order=index
        )
        QuestionTraitMappingFactory(item=item, dimension=dimension)
    if published:
        services.version_publish(version=version)
        version.refresh_from_db()
    return version

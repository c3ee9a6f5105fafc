import pytest

from questionnaires import services
from questionnaires.models import QuestionBranchRule, QuestionTraitMapping
from tests.questionnaires.factories import QuestionBranchRuleFactory, build_version

pytestmark = pytest.mark.django_db


def test_a_new_draft_copies_items_mappings_and_branch_rules():
    source = build_version(items=3, published=True)
    QuestionBranchRuleFactory(item=source.items.get(key="q2"), logic={"==": [{"var": "q1"}, "5"]})
    source.items.filter(key="q3").update(text_override="Overridden", required=False)

    draft = services.version_create_draft(from_version=source)

    assert draft.version == 2
    assert (draft.published_at, draft.is_active) == (None, False)
    assert draft.analysis_model_id == source.analysis_model_id
    assert draft.sections == source.sections and draft.instructions == source.instructions

    def shape(version):
        return [
            (
                i.key,
                i.bank_item_id,
                i.sort_order,
                i.section_key,
                i.required,
                i.text_override,
                [(m.dimension_id, m.option_id, m.rule_type, m.params) for m in i.mappings.all()],
                [(r.action, r.logic) for r in i.branch_rules.all()],
            )
            for i in version.items.order_by("sort_order")
        ]

    assert shape(draft) == shape(source)


def test_a_new_draft_takes_the_next_number_after_the_highest():
    source = build_version(published=True)
    build_version(questionnaire=source.questionnaire, model=source.analysis_model, number=5)

    assert services.version_create_draft(from_version=source).version == 6


def test_the_draft_shares_no_rows_with_its_source():
    source = build_version(items=2, published=True)
    draft = services.version_create_draft(from_version=source)

    assert not set(draft.items.values_list("pk", flat=True)) & set(source.items.values_list("pk", flat=True))
    assert QuestionTraitMapping.objects.filter(item__version=draft).count() == 2
    assert QuestionBranchRule.objects.filter(item__version=source).count() == 0


def test_a_draft_from_a_published_version_can_be_published_and_replaces_it():
    source = build_version(published=True)
    draft = services.version_create_draft(from_version=source)

    services.version_publish(version=draft)

    source.refresh_from_db()
    draft.refresh_from_db()
    assert (source.is_active, draft.is_active) == (False, True)

"""version_publish also asks the scoring engine (`check_instrument`) before publishing: a safety net."""

import ast
import inspect

import pytest

from questionnaires import selectors, services, validation
from questionnaires.models import QuestionTraitMapping, TraitComposite
from tests.questionnaires.factories import TraitCompositeFactory, build_version

pytestmark = pytest.mark.django_db


def _problems(version) -> list[str]:
    with pytest.raises(services.PublishError) as caught:
        services.version_publish(version=version)
    return caught.value.messages


def test_a_composite_the_engine_cannot_score_stops_the_publish():
    # The publishing rules do not look at composites; the engine refuses unknown dimensions.
    version = build_version()
    TraitCompositeFactory(
        analysis_model=version.analysis_model,
        slug="outgoing",
        kind=TraitComposite.Kind.WEIGHTED_SUM,
        weights={"extraversion": 1.0, "introversion": -1.0},
    )
    assert (
        validation.version_problems(
            services.version_spec(selectors.version_with_rules(version_id=version.pk)), publish_checks=True
        )
        == []
    )

    assert _problems(version) == ["Scoring engine: composite 'outgoing': unknown dimension 'introversion'"]


def test_every_engine_problem_is_listed_and_the_version_stays_a_draft():
    version = build_version()
    TraitCompositeFactory(
        analysis_model=version.analysis_model, slug="top", dimensions=["extraversion", "nobody"]
    )
    TraitCompositeFactory(
        analysis_model=version.analysis_model,
        slug="mix",
        kind=TraitComposite.Kind.WEIGHTED_SUM,
        weights={"extraversion": "2"},
    )

    problems = _problems(version)

    assert problems == [
        "Scoring engine: composite 'mix': weights must be numbers",
        "Scoring engine: composite 'top': unknown dimension 'nobody'",
    ]
    version.refresh_from_db()
    assert (version.published_at, version.is_active) == (None, False)


def test_a_version_the_rules_refuse_is_not_reported_twice_by_the_engine():
    # boolean_gate on a single-choice item: both the rules and the engine object; only the
    # rules' message (with the item's name) is shown.
    version = build_version()
    QuestionTraitMapping.objects.filter(item__version=version, item__key="q1").update(
        rule_type="boolean_gate", params={"true": 1, "false": 0}
    )

    problems = _problems(version)

    assert problems == [
        "Item q1 › mapping 1 › rule: boolean_gate only applies to boolean items; this item is single_choice"
    ]
    assert not any(p.startswith("Scoring engine") for p in problems)


def test_a_version_the_engine_accepts_is_published():
    version = build_version()
    TraitCompositeFactory(analysis_model=version.analysis_model, slug="top", dimensions=["extraversion"])

    services.version_publish(version=version)

    version.refresh_from_db()
    assert version.published_at is not None and version.is_active


def test_questionnaires_services_imports_assessments_only_when_publishing():
    # assessments imports questionnaires; a module-level import back would be a cycle.
    tree = ast.parse(inspect.getsource(services))
    top_level = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    modules = [n.module or "" for n in top_level if isinstance(n, ast.ImportFrom)]
    modules += [alias.name for n in top_level if isinstance(n, ast.Import) for alias in n.names]

    assert not [m for m in modules if m.split(".")[0] == "assessments"]
